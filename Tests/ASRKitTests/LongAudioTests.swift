import Foundation
import Testing
import ASRCore
import AudioIO
import Decoding
import Features
@testable import ASRKit

/// Pause detection on constructed signals, and subtitle cues.
@Suite struct LongAudioTests {
    /// Noise-free tone bursts of known lengths between silences of known
    /// lengths, with a faint noise floor: the pieces start and end in the
    /// silences, every burst lies in exactly one piece, short gaps do not cut.
    @Test func piecesFollowPauses() {
        let rate = 16000
        var rng = SeededGenerator(seed: 7)
        func noise(_ s: Double) -> [Float] { (0..<Int(s * Double(rate))).map { _ in 0.0002 * (rng.nextUniform() - 0.5) } }
        func tone(_ s: Double) -> [Float] { (0..<Int(s * Double(rate))).map { 0.3 * sin(Float($0) * 0.2) + 0.0002 * (rng.nextUniform() - 0.5) } }
        // bursts (start, length) in seconds; the gap of 0.1 s between the 2nd and 3rd is no pause.
        let layout: [(gap: Double, burst: Double)] = [(0.5, 2.0), (1.0, 1.5), (0.1, 1.0), (0.8, 3.0), (2.0, 0.7)]
        var x: [Float] = []
        var bursts: [Range<Double>] = []
        for (gap, burst) in layout {
            x += noise(gap)
            let s = Double(x.count) / Double(rate)
            x += tone(burst)
            bursts.append(s..<(s + burst))
        }
        x += noise(1.0)
        var e = PauseSegmenter.Energies(sampleRate: rate)
        for chunk in stride(from: 0, to: x.count, by: 4321) { e.add(Array(x[chunk..<min(chunk + 4321, x.count)])) }
        e.finish()
        #expect(e.values.count == (x.count + 159) / 160)
        let seg = PauseSegmenter(maxSeconds: 4, minPause: 0.25, thresholdDb: 12, padding: 0.2)
        let pieces = seg.segments(e.values).map { (Double($0.lowerBound) * 0.01)..<(Double($0.upperBound) * 0.01) }
        // 2.0 | 1.5 + 0.1 + 1.0 (the 0.1 s gap is no pause) | 3.0 | 0.7: no two neighbours fit 4 s together.
        #expect(pieces.count == 4, "\(pieces)")
        for b in bursts {
            #expect(pieces.filter { $0.lowerBound <= b.lowerBound + 0.011 && b.upperBound - 0.011 <= $0.upperBound }.count == 1, "\(b) in \(pieces)")
        }
        for (k, p) in pieces.enumerated() {
            #expect(p.upperBound - p.lowerBound <= 4 + 0.4 + 1e-9, "at most max_seconds plus the padding")
            if k > 0 { #expect(p.lowerBound >= pieces[k - 1].upperBound - 1e-9, "in order, not overlapping") }
        }
        // No pause at all: forced cuts (each in the second half of a 4 s window, neighbours
        // merged while they fit), covering everything.
        var steady = PauseSegmenter.Energies(sampleRate: rate)
        steady.add(tone(10))
        steady.finish()
        let forced = seg.segments(steady.values)
        #expect((3...5).contains(forced.count) && forced.first?.lowerBound == 0 && forced.last?.upperBound == steady.values.count, "\(forced)")
        #expect(zip(forced, forced.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound } && forced.allSatisfy { $0.count <= 400 })
        // Silence only (−85 dBFS): nothing to decode.
        var quiet = PauseSegmenter.Energies(sampleRate: rate)
        quiet.add(noise(3))
        quiet.finish()
        #expect(seg.segments(quiet.values).isEmpty)
    }

    /// Cues split at pauses, at the length and character limits; times never
    /// decrease; SubRip and WebVTT timestamps formatted.
    @Test func subtitleCues() {
        func w(_ t: String, _ s: Double, _ e: Double) -> TimedUnit { TimedUnit(text: t, start: s, end: e, confidence: 1) }
        let words = [w("one", 0.1, 0.4), w("two", 0.5, 0.8), w("three", 2.0, 2.4), w("four", 2.5, 2.9),
                     w("five", 3.0, 3.3), w("six", 3.4, 3.7), w("seven", 9.0, 9.5)]
        let cues = Subtitles(maxSeconds: 1.5, maxCharacters: 14, pause: 0.6).cues(words, separator: " ")
        #expect(cues.map(\.text) == ["one two", "three four", "five six", "seven"], "\(cues)")
        #expect(zip(cues, cues.dropFirst()).allSatisfy { $0.end <= $1.start } && cues.allSatisfy { $0.start < $0.end })
        let srt = Subtitles.srt(cues)
        #expect(srt.hasPrefix("1\n00:00:00,100 --> 00:00:00,800\none two\n\n2\n00:00:02,000 --> 00:00:02,900\nthree four\n"))
        #expect(Subtitles.vtt(cues).hasPrefix("WEBVTT\n\n00:00:00.100 --> 00:00:00.800\none two\n"))
        #expect(Subtitles.timestamp(3723.4567, separator: ",") == "01:02:03,457")
        let zh = Subtitles(maxSeconds: 6, maxCharacters: 3).cues([w("好", 0, 0.2), w("棒", 0.2, 0.4), w("棒", 0.4, 0.6), w("啊", 0.6, 0.8)], separator: "")
        #expect(zh.map(\.text) == ["好棒棒", "啊"])
    }
}
