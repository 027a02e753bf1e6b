import Foundation
import Testing
import ASRCore
import AudioIO
@testable import Features
import _TestSupport

/// One VTLN case written by scripts/fixtures/vtln/make_fixtures.py
/// (torchaudio.compliance.kaldi 2.11.0).
struct VTLNCase: Decodable, CustomStringConvertible, Sendable {
    struct Opts: Decodable, Sendable {
        var sample_frequency: Float, num_mel_bins: Int, low_freq: Float, high_freq: Float
        var vtln_low: Float, vtln_high: Float, vtln_warp: Float
    }
    var name: String, wav: String, npy: String, bank: String, fft_size: Int, frames: Int, opts: Opts
    var description: String { name }

    var fbankOptions: FbankOptions {
        var o = FbankOptions()
        o.frame.sampleRate = opts.sample_frequency
        o.mel.numBins = opts.num_mel_bins
        o.mel.lowFreq = opts.low_freq
        o.mel.highFreq = opts.high_freq
        o.mel.vtlnLow = opts.vtln_low
        o.mel.vtlnHigh = opts.vtln_high
        o.vtlnWarp = opts.vtln_warp
        return o
    }

    static let all: [VTLNCase] = {
        let data = try! Data(contentsOf: Fixtures.dir.appendingPathComponent("vtln.json"))
        return try! JSONDecoder().decode([VTLNCase].self, from: data)
    }()
}

@Suite struct VTLNFixtureTests {
    @Test func fixturesCoverWarpsBothWays() {
        let warps = Set(VTLNCase.all.map(\.opts.vtln_warp))
        #expect(warps.contains { $0 < 1 } && warps.contains { $0 > 1 } && warps.contains(1))
        #expect(Set(VTLNCase.all.map(\.opts.sample_frequency)) == [8000, 16000])
    }

    /// The warped filterbank equals torchaudio's `get_mel_banks` weight for
    /// weight (max abs difference ≤ 1e-4; weights are in [0, 1]).
    @Test(arguments: VTLNCase.all)
    func filterbankMatchesTorchaudio(_ c: VTLNCase) throws {
        let ref = try NPY.read(Fixtures.path(c.bank))
        let o = c.fbankOptions
        try o.validate()
        let bank = melFilterbank(bins: o.mel.numBins, fftSize: c.fft_size, sampleRate: o.frame.sampleRate,
                                 lowFreq: o.mel.lowFreq, highFreq: o.mel.highFreq,
                                 vtlnWarp: o.vtlnWarp, vtlnLow: o.mel.vtlnLow, vtlnHigh: o.mel.vtlnHigh)
        let dense = denseFilterbank(bank, fftSize: c.fft_size).map { Array($0.prefix(c.fft_size / 2)) }
        #expect(ref.rows == dense.count && ref.cols == c.fft_size / 2)
        #expect(closeness(dense.flatMap { $0 }, ref.storage, abs: 1e-4).passes, "\(c.name)")
    }

    /// Fbank with the warp in the options, and with the warp given per call
    /// (how training draws one per utterance), against torchaudio's
    /// `fbank(vtln_warp=…)`: max abs difference ≤ 1e-3 on log-mel, as for the
    /// kaldi-native-fbank fixtures.
    @Test(arguments: VTLNCase.all)
    func fbankMatchesTorchaudio(_ c: VTLNCase) throws {
        let audio = try AudioFile.read(Fixtures.path(c.wav))
        let ref = try NPY.read(Fixtures.path(c.npy))
        let ours = FbankExtractor(c.fbankOptions).compute(audio.samples)
        #expect(ours.rows == c.frames && ours.cols == ref.cols)
        #expect(closeness(ours.storage, ref.storage, abs: 1e-3).passes, "\(c.name)")
        var unwarped = c.fbankOptions
        unwarped.vtlnWarp = 1
        let perCall = FbankExtractor(unwarped).compute(audio.samples, vtlnWarp: c.opts.vtln_warp)
        #expect(perCall.storage == ours.storage)
    }

    /// The warp is piecewise linear, continuous, fixes the band edges, and is
    /// f / warp between the cut-offs.
    @Test func warpShape() {
        for warp: Float in [0.8, 0.95, 1.05, 1.2] {
            let f = { (x: Float) in vtlnWarpFrequency(x, warp: warp, lowCutoff: 100, highCutoff: 7500, lowFreq: 20, highFreq: 8000) }
            #expect(abs(f(20) - 20) < 1e-3 && abs(f(8000) - 8000) < 1e-2)
            #expect(abs(f(3000) - 3000 / warp) < 1e-2)
            let l = 100 * max(1, warp), h = 7500 * min(1, warp)
            for edge in [l, h] { #expect(abs(f(edge - 1e-3) - f(edge + 1e-3)) < 1e-2) }
            #expect(f(10) == 10 && f(9000) == 9000)
        }
    }

    @Test func badCutoffsAreNamed() {
        var o = FbankOptions()
        o.vtlnWarp = 1.1
        o.mel.vtlnLow = 10  // below low_freq 20
        #expect(throws: ConfigError.self) { try o.validate() }
        o.mel.vtlnLow = 100
        o.mel.vtlnHigh = 7990  // above high_freq − nothing left
        o.mel.highFreq = -100
        #expect(throws: ConfigError.self) { try o.validate() }
        o.mel.vtlnHigh = -500
        o.vtlnWarp = 3
        #expect(throws: ConfigError.self) { try o.validate() }
    }
}
