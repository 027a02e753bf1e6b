import Foundation
import Testing
@testable import ASRKit
import AudioIO
import Features
import _TestSupport

/// The pitch tracker on real synthesized Mandarin (espeak-ng's cmn-latn-pinyin).
/// espeak-ng's tones are gentle (at -p 50 a brute-force autocorrelation finds ma1
/// 91 → 99 Hz, ma2 80 → 96 Hz, ma4 90 → 95 → 78 Hz): the tracker follows a
/// brute-force reference frame by frame, orders the slopes of the three tones as
/// their contours (`-x`: 55, 35, 51) say, and a higher `-p` gives a higher f0.
@Suite struct PitchSpeechTests {
    /// `pinyin` spoken at pitch `p`, at 16 kHz, and its pitch track.
    func speak(_ pinyin: String, pitch p: Int) throws -> ([Float], [PitchFrame]) {
        let dir = TestPaths.temporaryDirectory("pitch-speech")
        defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("a.wav").path
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = ["espeak-ng", "-v", "cmn-latn-pinyin", "-p", "\(p)", "-s", "120", "-w", wav, pinyin]
        try proc.run()
        proc.waitUntilExit()
        try #require(proc.terminationStatus == 0, "espeak-ng failed (make deps installs it)")
        let audio = try AudioFile.read(wav, sampleRate: 16000)
        var o = PitchOptions()
        o.enabled = true
        let frame = FrameOptions()
        let T = FrameLayout(frame).frameCount(sampleCount: audio.samples.count)
        return (audio.samples, PitchExtractor(o, frame: frame).track(audio.samples, frames: T))
    }

    /// ln f0 over voiced frames (NCCF > 0.8): slope per second and mean f0.
    func contour(_ pinyin: String, pitch p: Int) throws -> (slope: Double, meanF0: Double) {
        let (_, track) = try speak(pinyin, pitch: p)
        let voiced = track.enumerated().filter { $0.element.nccf > 0.8 }
        try #require(voiced.count >= 10, "\(pinyin): only \(voiced.count) voiced frames")
        let xs = voiced.map { Double($0.offset) * 0.01 }, ys = voiced.map { log(Double($0.element.f0)) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        let sxy = zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let sxx = xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return (sxy / sxx, voiced.map { Double($0.element.f0) }.reduce(0, +) / Double(voiced.count))
    }

    /// Brute force: the lag of 60–400 Hz with the largest autocorrelation of a 40 ms
    /// window centred on each voiced frame, in Double at 16 kHz, against the tracker:
    /// 90% of the voiced frames within 3%.
    @Test(arguments: ["ma1", "ma2", "ma4", "ni3 hao3"])
    func followsBruteForce(pinyin: String) throws {
        let (x, track) = try speak(pinyin, pitch: 50)
        let layout = FrameLayout(FrameOptions())
        var checked = 0, good = 0
        for (t, f) in track.enumerated() where f.nccf > 0.8 {
            let centre = layout.firstSample(ofFrame: t) + layout.length / 2
            let lo = centre - 320, hi = centre + 320
            guard lo >= 0, hi + 267 <= x.count else { continue }
            var best = 0.0, bestLag = 0
            for lag in 40...267 {
                var acc = 0.0
                for n in lo..<hi { acc += Double(x[n]) * Double(x[n + lag]) }
                if acc > best { best = acc; bestLag = lag }
            }
            checked += 1
            if abs(Double(f.f0) / (16000 / Double(bestLag)) - 1) < 0.03 { good += 1 }
        }
        #expect(checked >= 10 && Double(good) >= 0.9 * Double(checked), "\(pinyin): \(good) of \(checked) voiced frames within 3%")
    }

    @Test func toneSlopes() throws {
        let level = try contour("ma1", pitch: 50), rise = try contour("ma2", pitch: 50), fall = try contour("ma4", pitch: 50)
        #expect(fall.slope < 0, "ma4 slope \(fall.slope) /s")
        #expect(rise.slope > level.slope + 0.1 && level.slope > fall.slope + 0.3,
                "slopes of ln f0: ma2 \(rise.slope), ma1 \(level.slope), ma4 \(fall.slope) /s")
    }

    @Test func registerFollowsPitchSetting() throws {
        let low = try contour("ma1", pitch: 20), high = try contour("ma1", pitch: 80)
        #expect(high.meanF0 > low.meanF0 * 1.1, "mean f0 at -p 20: \(low.meanF0) Hz, at -p 80: \(high.meanF0) Hz")
    }
}
