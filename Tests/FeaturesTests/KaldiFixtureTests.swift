import Foundation
import Testing
import ASRCore
import AudioIO
@testable import Features
import _TestSupport

/// One reference case written by scripts/fixtures/features/make_fixtures.py.
struct KaldiCase: Decodable, CustomStringConvertible, Sendable {
    struct Opts: Decodable, Sendable {
        var samp_freq: Float, frame_length_ms: Float, frame_shift_ms: Float, dither: Float, preemph_coeff: Float
        var remove_dc_offset: Bool, window_type: String, round_to_power_of_two: Bool, blackman_coeff: Float
        var snip_edges: Bool, num_mel_bins: Int, low_freq: Float, high_freq: Float
        var use_energy: Bool, raw_energy: Bool, energy_floor: Float, htk_compat: Bool
        var use_log_fbank: Bool?, use_power: Bool?, num_ceps: Int?, cepstral_lifter: Float?
    }
    var name: String, wav: String, type: String, npy: String, frames: Int, dim: Int, opts: Opts
    var description: String { name }

    /// Kaldi option names mapped onto ours.
    var frameOptions: FrameOptions {
        var f = FrameOptions()
        f.sampleRate = opts.samp_freq
        f.frameLengthMs = opts.frame_length_ms
        f.frameShiftMs = opts.frame_shift_ms
        f.dither = opts.dither
        f.preemphCoeff = opts.preemph_coeff
        f.removeDcOffset = opts.remove_dc_offset
        f.windowType = WindowType(name: opts.window_type)!
        f.roundToPowerOfTwo = opts.round_to_power_of_two
        f.blackmanCoeff = opts.blackman_coeff
        f.snipEdges = opts.snip_edges
        return f
    }
    var melOptions: MelOptions {
        var m = MelOptions()
        m.numBins = opts.num_mel_bins
        m.lowFreq = opts.low_freq
        m.highFreq = opts.high_freq
        return m
    }
}

enum Fixtures {
    static let dir = TestPaths.repoRoot.appendingPathComponent("Tests/FeaturesTests/Fixtures")
    static let cases: [KaldiCase] = {
        let data = try! Data(contentsOf: dir.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode([KaldiCase].self, from: data)
    }()
    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
}

@Suite struct KaldiFixtureTests {
    @Test func fixturesArePresent() {
        #expect(Fixtures.cases.count >= 25)
        #expect(Set(Fixtures.cases.map(\.opts.window_type)).count >= 3)
        #expect(Set(Fixtures.cases.map(\.opts.samp_freq)) == [8000, 16000])
        #expect(Set(Fixtures.cases.map(\.opts.snip_edges)) == [true, false])
    }

    /// Our features against kaldi-native-fbank on the same WAV, read through
    /// AudioIO (libsndfile). Tolerances: max abs difference ≤ 1e-3 on log-mel
    /// fbank and ≤ 5e-3 on MFCC; linear (non-log) fbank, whose values reach
    /// 1e11, is compared relatively: ≤ 1e-4 of the value (+1e-3).
    @Test(arguments: Fixtures.cases)
    func matchesKaldi(_ c: KaldiCase) throws {
        let audio = try AudioFile.read(Fixtures.path(c.wav))
        #expect(Float(audio.sampleRate) == c.opts.samp_freq)
        let ref = try NPY.read(Fixtures.path(c.npy))
        let ours: Matrix
        if c.type == "fbank" {
            var o = FbankOptions()
            o.frame = c.frameOptions
            o.mel = c.melOptions
            o.useEnergy = c.opts.use_energy
            o.rawEnergy = c.opts.raw_energy
            o.energyFloor = c.opts.energy_floor
            o.htkCompat = c.opts.htk_compat
            o.useLogFbank = c.opts.use_log_fbank!
            o.usePower = c.opts.use_power!
            try o.validate()
            ours = FbankExtractor(o).compute(audio.samples)
        } else {
            var o = MfccOptions()
            o.frame = c.frameOptions
            o.mel = c.melOptions
            o.useEnergy = c.opts.use_energy
            o.rawEnergy = c.opts.raw_energy
            o.energyFloor = c.opts.energy_floor
            o.htkCompat = c.opts.htk_compat
            o.numCeps = c.opts.num_ceps!
            o.cepstralLifter = c.opts.cepstral_lifter!
            try o.validate()
            ours = MfccExtractor(o).compute(audio.samples)
        }
        #expect(ours.rows == ref.rows && ours.cols == ref.cols, "shape \(ours.rows)×\(ours.cols) vs \(ref.rows)×\(ref.cols)")
        guard ours.rows == ref.rows && ours.cols == ref.cols else { return }
        if c.type == "fbank" && c.opts.use_log_fbank == false {
            var worst: Float = 0
            for i in 0..<ours.storage.count {
                worst = max(worst, abs(ours.storage[i] - ref.storage[i]) / (abs(ref.storage[i]) + 10))
            }
            #expect(worst <= 1e-4)
        } else {
            let tolerance: Float = c.type == "fbank" ? 1e-3 : 5e-3
            #expect(ours.maxAbsDifference(ref) <= tolerance)
        }
    }
}
