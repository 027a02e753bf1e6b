import Foundation
import Testing
import ASRCore
import AudioIO
import Features
@testable import ASRKit

/// The parts of live transcription that need no model: the endpointer, audio
/// arriving over a pipe, and resampling block by block.
@Suite struct StreamingTests {
    static let rate = 16000

    /// Tone bursts between silences (a faint noise floor), fed in odd block sizes:
    /// one utterance per burst, each starting and ending within 20 ms of its burst;
    /// a gap shorter than min_pause does not end one; the events are the same
    /// whatever the block size.
    @Test func endpointerFindsTheBursts() {
        var rng = SeededGenerator(seed: 11)
        func noise(_ s: Double) -> [Float] { (0..<Int(s * Double(Self.rate))).map { _ in 0.0002 * (rng.nextUniform() - 0.5) } }
        func tone(_ s: Double) -> [Float] { (0..<Int(s * Double(Self.rate))).map { 0.3 * sin(Float($0) * 0.2) } }
        // (gap before, burst): the 0.1 s gap before the third burst is no pause.
        let layout: [(Double, Double)] = [(0.6, 1.0), (0.8, 0.7), (0.1, 0.5), (1.2, 2.0)]
        var x: [Float] = []
        var bursts: [Range<Double>] = []
        for (gap, burst) in layout {
            x += noise(gap)
            let s = Double(x.count) / Double(Self.rate)
            x += tone(burst)
            bursts.append(s..<(s + burst))
        }
        x += noise(0.6)
        func run(block: Int) -> [Endpointer.Event] {
            var ep = Endpointer(sampleRate: Self.rate, minPause: 0.25, maxSeconds: 15, thresholdDb: 12)
            var events: [Endpointer.Event] = []
            for s in stride(from: 0, to: x.count, by: block) { events += ep.add(Array(x[s..<min(s + block, x.count)])) }
            return events + ep.finish()
        }
        let events = run(block: 1601)
        let ended = events.compactMap { e -> Range<Double>? in
            if case .ended(let r) = e { return (Double(r.lowerBound) * 0.01)..<(Double(r.upperBound) * 0.01) }
            return nil
        }
        #expect(ended.count == 3, "\(ended)")
        if ended.count == 3 {
            #expect(abs(ended[0].lowerBound - bursts[0].lowerBound) <= 0.02 && abs(ended[0].upperBound - bursts[0].upperBound) <= 0.02, "\(ended[0]) vs \(bursts[0])")
            // Bursts 2 and 3 (0.1 s apart) are one utterance.
            #expect(abs(ended[1].lowerBound - bursts[1].lowerBound) <= 0.02 && abs(ended[1].upperBound - bursts[2].upperBound) <= 0.02, "\(ended[1])")
            #expect(abs(ended[2].lowerBound - bursts[3].lowerBound) <= 0.02 && abs(ended[2].upperBound - bursts[3].upperBound) <= 0.02, "\(ended[2])")
        }
        #expect(run(block: 160) == events && run(block: 7) == events && run(block: x.count) == events, "block size changes nothing")
        // Every utterance is announced before it ends, in order.
        let starts = events.compactMap { e -> Int? in if case .started(let f) = e { return f }; return nil }
        #expect(starts.count == 3)
    }

    /// A stretch with no pause is cut at max_seconds (at its quietest frame in the
    /// second half), and the utterance goes on from the cut: no audio falls between.
    @Test func endpointerCutsLongSpeech() {
        let x: [Float] = (0..<(Self.rate * 5)).map { i in
            // 5 s of tone whose loudness dips at 1.7 s and 3.3 s (never below the threshold).
            let t = Float(i) / Float(Self.rate)
            let dip: Float = (abs(t - 1.7) < 0.02 || abs(t - 3.3) < 0.02) ? 0.3 : 1
            return 0.3 * dip * sin(Float(i) * 0.2)
        } + [Float](repeating: 0, count: Self.rate)
        var ep = Endpointer(sampleRate: Self.rate, minPause: 0.25, maxSeconds: 2, thresholdDb: 12)
        let events = ep.add(x) + ep.finish()
        let ended = events.compactMap { e -> Range<Int>? in if case .ended(let r) = e { return r }; return nil }
        #expect(ended.count == 3, "\(ended)")
        #expect(zip(ended, ended.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "pieces touch: \(ended)")
        #expect(ended.allSatisfy { $0.count <= 200 })
        #expect(ended.first.map { abs($0.upperBound - 169) <= 3 } == true, "first cut at the dip near 1.7 s: \(ended)")
    }

    func wav(_ samples: [Int16], rate: Int, channels: Int = 1, extraChunk: Bool = false, streamingSize: Bool = false) -> [UInt8] {
        var d: [UInt8] = Array("RIFF".utf8)
        func u32(_ x: Int) { d += withUnsafeBytes(of: UInt32(truncatingIfNeeded: x).littleEndian, Array.init) }
        func u16(_ x: Int) { d += withUnsafeBytes(of: UInt16(x).littleEndian, Array.init) }
        let pcm = samples.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
        u32(streamingSize ? 0xFFFF_FFFF : 36 + pcm.count + (extraChunk ? 14 : 0))
        d += Array("WAVE".utf8)
        if extraChunk { d += Array("LIST".utf8); u32(5); d += [1, 2, 3, 4, 5, 0] }   // odd size: a pad byte
        d += Array("fmt ".utf8); u32(16); u16(1); u16(channels); u32(rate); u32(rate * 2 * channels); u16(2 * channels); u16(16)
        d += Array("data".utf8); u32(streamingSize ? 0xFFFF_FFFF : pcm.count)
        return d + pcm
    }

    /// Bytes handed over a few at a time, as a pipe would.
    func source(_ bytes: [UInt8], step: Int) -> (Int) throws -> [UInt8] {
        var at = 0
        return { n in
            let k = min(n, step, bytes.count - at)
            defer { at += k }
            return Array(bytes[at..<(at + k)])
        }
    }

    func readAll(_ s: PCMStream) throws -> [Float] {
        var out: [Float] = []
        while true {
            let b = try s.read(frames: 333)
            if b.isEmpty { return out }
            out += b
        }
    }

    /// WAV headers (an extra chunk with a pad byte, arecord's unknown size, stereo)
    /// and raw PCM, bytes arriving 1, 7 or 4096 at a time: the samples exactly.
    @Test func pcmStreamReadsWAVAndRaw() throws {
        let samples: [Int16] = (0..<5000).map { Int16(truncatingIfNeeded: $0 * 37 - 20000) }
        let expected = samples.map { Float($0) / 32768 }
        for step in [1, 7, 4096] {
            for (extra, streaming) in [(false, false), (true, false), (false, true)] {
                let s = try PCMStream(name: "t", rawSampleRate: 8000, source: source(wav(samples, rate: 22050, extraChunk: extra, streamingSize: streaming), step: step))
                #expect(s.sampleRate == 22050)
                #expect(try readAll(s) == expected, "step \(step) extra \(extra) streaming \(streaming)")
            }
            let raw = samples.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
            let r = try PCMStream(name: "t", rawSampleRate: 8000, source: source(raw + [0x12], step: step))   // a torn last sample
            #expect(r.sampleRate == 8000)
            #expect(try readAll(r) == expected)
        }
        let stereo = try PCMStream(name: "t", rawSampleRate: 8000, source: source(wav([1000, 3000, -2000, 0], rate: 16000, channels: 2), step: 3))
        #expect(try readAll(stereo) == [2000 / 32768, -1000 / 32768])
    }

    @Test func pcmStreamErrorsNameTheStream() throws {
        var bad = wav([1, 2, 3], rate: 16000)
        bad[34] = 8   // 8-bit samples
        #expect(throws: AudioError.self) { _ = try PCMStream(name: "<stdin>", rawSampleRate: 16000, source: source(bad, step: 100)) }
        do {
            _ = try PCMStream(name: "<stdin>", rawSampleRate: 16000, source: source(Array(wav([1], rate: 16000).prefix(30)), step: 100))
            Issue.record("a cut header must fail")
        } catch {
            #expect("\(error)".contains("<stdin>") && "\(error)".contains("fmt"), "\(error)")
        }
    }

    /// Resampling block by block equals resampling the whole (libsamplerate keeps
    /// its filter state): the same length within a sample, samples within 1e-4.
    @Test func streamResamplerMatchesWhole() throws {
        let x: [Float] = (0..<44100).map { 0.5 * sin(Float($0) * 0.05) + 0.2 * sin(Float($0) * 0.31) }
        let whole = try AudioFile.resample(Audio(samples: x, sampleRate: 44100), to: 16000).samples
        let r = try StreamResampler(from: 44100, to: 16000)
        var parts: [Float] = []
        for s in stride(from: 0, to: x.count, by: 1234) { parts += try r.process(Array(x[s..<min(s + 1234, x.count)])) }
        parts += try r.finish()
        #expect(abs(parts.count - whole.count) <= 1, "\(parts.count) vs \(whole.count)")
        let n = min(parts.count, whole.count)
        let worst = (0..<n).map { abs(parts[$0] - whole[$0]) }.max()!
        #expect(worst <= 1e-4, "largest difference \(worst) (tolerance 1e-4: the same filter, state kept)")
        let same = try StreamResampler(from: 16000, to: 16000)
        #expect(try same.process([1, 2, 3]) == [1, 2, 3])
    }
}
