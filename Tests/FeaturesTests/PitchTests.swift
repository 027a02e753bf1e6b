import Foundation
import Testing
@testable import ASRCore
@testable import Features
import _TestSupport

/// The pitch tracker against signals whose fundamental frequency is known
/// exactly: sums of harmonics with a constant, gliding or dipping f0 (the
/// contours of Mandarin's tones), clean and in noise.
@Suite struct PitchTests {
    static let rate: Double = 16000

    /// Harmonics 1…10 with amplitudes 1/k of the instantaneous f0 `f(t)` (phase integrated).
    static func harmonic(seconds: Double, f0: (Double) -> Double) -> [Float] {
        let n = Int(seconds * rate)
        var phase = 0.0
        return (0..<n).map { i in
            let t = Double(i) / rate
            var v = 0.0
            for k in 1...10 where Double(k) * f0(t) < rate / 2 { v += sin(Double(k) * phase) / Double(k) }
            phase += 2 * Double.pi * f0(t) / rate
            return Float(0.2 * v)
        }
    }

    static func tracker() -> (PitchExtractor, FrameLayout) {
        var o = PitchOptions()
        o.enabled = true
        let frame = FrameOptions()
        return (PitchExtractor(o, frame: frame), FrameLayout(frame))
    }

    /// Relative errors of the tracked f0 against `f0` at each frame's centre, frames 3…T−4.
    static func errors(_ x: [Float], f0: (Double) -> Double) -> [Double] {
        let (p, layout) = tracker()
        let T = layout.frameCount(sampleCount: x.count)
        let track = p.track(x, frames: T)
        #expect(track.count == T)
        return (3..<(T - 3)).map { t in
            let centre = (Double(layout.firstSample(ofFrame: t)) + Double(layout.length) / 2) / rate
            return abs(Double(track[t].f0) / f0(centre) - 1)
        }
    }

    /// Constant f0 from a low male to a high female voice: every frame within 1%.
    @Test(arguments: [80.0, 120.0, 180.0, 250.0, 330.0])
    func constantPitch(f0: Double) {
        let x = Self.harmonic(seconds: 1, f0: { _ in f0 })
        let e = Self.errors(x, f0: { _ in f0 })
        #expect(e.max()! < 0.01, "f0 \(f0) Hz: worst relative error \(e.max()!)")
        let (p, layout) = Self.tracker()
        let track = p.track(x, frames: layout.frameCount(sampleCount: x.count))
        #expect(track[3..<(track.count - 3)].allSatisfy { $0.nccf > 0.9 })
    }

    /// Tone-like contours: a fall 250 → 110 Hz (tone 4), a rise 120 → 220 Hz (tone 2)
    /// and a dip 180 → 110 → 200 Hz (tone 3): 95% of the frames within 2%.
    @Test(arguments: ["fall", "rise", "dip"])
    func toneContours(shape: String) {
        let f0: (Double) -> Double
        switch shape {
        case "fall": f0 = { 250 - 140 * min($0 / 0.6, 1) }
        case "rise": f0 = { 120 + 100 * min($0 / 0.6, 1) }
        default: f0 = { t in t < 0.3 ? 180 - 70 * t / 0.3 : 110 + 90 * min((t - 0.3) / 0.3, 1) }
        }
        let e = Self.errors(Self.harmonic(seconds: 0.6, f0: f0), f0: f0)
        let good = e.filter { $0 < 0.02 }.count
        #expect(Double(good) >= 0.95 * Double(e.count), "\(shape): \(good) of \(e.count) frames within 2%; worst \(e.max()!)")
    }

    /// 150 Hz in white noise at 10 dB SNR: 90% of the frames within 2%.
    @Test func pitchInNoise() {
        var rng = SeededGenerator(seed: 7)
        let clean = Self.harmonic(seconds: 1, f0: { _ in 150 })
        let power = clean.reduce(0) { $0 + $1 * $1 } / Float(clean.count)
        let sigma = (power / 10).squareRoot()
        let x = clean.map { $0 + sigma * rng.nextGaussian() }
        let e = Self.errors(x, f0: { _ in 150 })
        #expect(Double(e.filter { $0 < 0.02 }.count) >= 0.9 * Double(e.count))
    }

    /// White noise is unvoiced: low correlation, and a higher POV feature (Kaldi's
    /// map: 2(1.0001 − |c|)^0.15 − 1 grows as the correlation c falls) than a voiced signal.
    @Test func noiseIsUnvoiced() {
        var rng = SeededGenerator(seed: 3)
        let noise = (0..<16000).map { _ in 0.1 * rng.nextGaussian() }
        let voiced = Self.harmonic(seconds: 1, f0: { _ in 140 })
        let (p, layout) = Self.tracker()
        let T = layout.frameCount(sampleCount: 16000)
        let n = p.track(noise, frames: T).map(\.nccf).sorted()
        #expect(n[n.count / 2] < 0.5, "median NCCF of noise \(n[n.count / 2])")
        func meanPov(_ x: [Float]) -> Float {
            let m = p.compute(x, frames: T)
            return (0..<T).reduce(0) { $0 + m[$1, 0] } / Float(T)
        }
        #expect(meanPov(noise) > meanPov(voiced) + 1)
    }

    /// The normalised log pitch does not depend on the speaker's register: the same
    /// contour an octave up gives the same column (within 0.02 on frames 3…T−4).
    @Test func logPitchIsNormalised() {
        let (p, layout) = Self.tracker()
        let low = Self.harmonic(seconds: 0.6, f0: { 100 + 60 * $0 })
        let high = Self.harmonic(seconds: 0.6, f0: { 200 + 120 * $0 })
        let T = layout.frameCount(sampleCount: low.count)
        let a = p.compute(low, frames: T), b = p.compute(high, frames: T)
        for t in 3..<(T - 3) { #expect(abs(a[t, 1] - b[t, 1]) < 0.02, "frame \(t)") }
        // Delta log pitch: ln(f0) rises, so the delta column is positive.
        #expect((3..<(T - 3)).allSatisfy { a[$0, 2] > 0 })
    }

    /// In the pipeline: 3 more columns, the same frames, base columns unchanged.
    @Test func pipelineAppendsThreeColumns() throws {
        var o = FeatureOptions()
        let plain = FeaturePipeline(o)
        o.pitch.enabled = true
        try o.validate()
        let withPitch = FeaturePipeline(o)
        let x = Self.harmonic(seconds: 0.5, f0: { _ in 130 })
        let a = plain.compute(x), b = withPitch.compute(x)
        #expect(withPitch.dimension == plain.dimension + 3 && b.cols == withPitch.dimension)
        #expect(a.rows == b.rows && a.rows > 0)
        for t in 0..<a.rows {
            for j in 0..<a.cols { #expect(a[t, j] == b[t, j]) }
        }
    }

    /// Options naming the key at fault.
    @Test func badOptions() {
        var o = FeatureOptions()
        o.pitch.enabled = true
        o.pitch.resampleRate = 3000
        #expect(throws: ConfigError.self) { try o.validate() }
        do { try o.validate() } catch let e as ConfigError {
            #expect("\(e)".contains("pitch.resample_rate") && "\(e)".contains("multiple"))
        } catch { Issue.record("\(error)") }
        o.pitch.resampleRate = 4000
        o.pitch.maxF0 = 40
        do { try o.validate(); Issue.record("max_f0 < min_f0 accepted") } catch {
            #expect("\(error)".contains("pitch.max_f0"))
        }
    }
}
