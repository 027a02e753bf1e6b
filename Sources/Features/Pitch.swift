import ASRCore
import Foundation

/// Pitch features for tonal languages (the `features.pitch` section of a recipe):
/// three values a frame appended after the base features and their deltas, on
/// the base features' frames. The method follows Kaldi's pitch tracker
/// (`compute-kaldi-pitch-feats`, Ghahremani et al. 2014) in outline — the
/// waveform low-passed and resampled, the normalised cross-correlation (NCCF) of
/// each frame over the lags of `min_f0…max_f0`, a Viterbi search for the smoothest
/// high-correlation path, and Kaldi's three post-processed features — but it is
/// not Kaldi-exact: integer lags at the analysis rate refined by a parabola
/// instead of a sinc-upsampled log-lag grid, and the whole utterance at once.
public struct PitchOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Append the pitch features.
    public var enabled = false
    /// Lowest and highest fundamental frequency searched, Hz.
    public var minF0: Float = 50
    public var maxF0: Float = 400
    /// Analysis rate, Hz; the feature sample rate must be a multiple of it.
    public var resampleRate: Float = 4000
    /// Low-pass cutoff before resampling, Hz (below `resample_rate / 2`).
    public var lowpassCutoff: Float = 1000
    /// Length of the correlation window, milliseconds.
    public var windowMs: Float = 25
    /// Viterbi cost of a change of pitch: this × (ln ratio of lags)².
    public var penaltyFactor: Float = 50
    /// Longer lags' correlation is weighted by `1 − soft_min_f0 · lag` (seconds),
    /// so the period wins over its multiples (Kaldi's `soft-min-f0`).
    public var softMinF0: Float = 10
    /// Log pitch minus its POV-weighted mean over ± this many frames (Kaldi 75).
    public var normalizationHalfWindow = 75
    /// Scales of the three features (Kaldi's defaults).
    public var povScale: Float = 2
    public var pitchScale: Float = 2
    public var deltaPitchScale: Float = 10

    public init() {}

    public func validate() throws {
        func bad(_ key: String, _ why: String) -> ConfigError { .invalidValue(source: "", key: key, reason: why) }
        guard minF0.isFinite, minF0 >= 20 else { throw bad("min_f0", "expected ≥ 20 Hz, found \(minF0)") }
        guard maxF0.isFinite, maxF0 > minF0 else { throw bad("max_f0", "expected more than min_f0 (\(minF0) Hz), found \(maxF0)") }
        guard resampleRate.isFinite, resampleRate >= 2 * maxF0 else {
            throw bad("resample_rate", "expected at least 2 × max_f0 = \(2 * maxF0) Hz, found \(resampleRate)")
        }
        guard lowpassCutoff.isFinite, lowpassCutoff > maxF0, lowpassCutoff < resampleRate / 2 else {
            throw bad("lowpass_cutoff", "expected between max_f0 (\(maxF0) Hz) and resample_rate / 2 (\(resampleRate / 2) Hz), found \(lowpassCutoff)")
        }
        guard windowMs.isFinite, windowMs >= 5, windowMs <= 100 else { throw bad("window_ms", "expected 5…100 ms, found \(windowMs)") }
        guard penaltyFactor.isFinite, penaltyFactor >= 0 else { throw bad("penalty_factor", "expected ≥ 0, found \(penaltyFactor)") }
        guard softMinF0.isFinite, softMinF0 >= 0, softMinF0 < minF0 else {
            throw bad("soft_min_f0", "expected 0 ≤ soft_min_f0 < min_f0 (\(minF0) Hz), found \(softMinF0)")
        }
        guard normalizationHalfWindow >= 1 else {
            throw bad("normalization_half_window", "expected ≥ 1 frame, found \(normalizationHalfWindow)")
        }
        for (key, v) in [("pov_scale", povScale), ("pitch_scale", pitchScale), ("delta_pitch_scale", deltaPitchScale)] where !v.isFinite {
            throw bad(key, "expected a finite number, found \(v)")
        }
    }

    /// Checks the options against the base features' sample rate.
    public func validate(sampleRate: Float) throws {
        let ratio = sampleRate / resampleRate
        guard ratio >= 1, ratio == ratio.rounded() else {
            throw ConfigError.invalidValue(source: "", key: "resample_rate",
                reason: "the feature sample rate \(sampleRate) Hz must be a whole multiple of it, found \(resampleRate) Hz")
        }
    }
}

/// One frame's pitch: the tracked fundamental frequency and its correlation.
public struct PitchFrame: Equatable, Sendable {
    /// Fundamental frequency, Hz (also on unvoiced frames, where the path carries it through).
    public var f0: Float
    /// Normalised cross-correlation at the chosen lag, −1…1: near 1 when voiced.
    public var nccf: Float
}

/// The pitch tracker (immutable; share it between threads).
public struct PitchExtractor: Sendable {
    public let options: PitchOptions
    /// Framing of the base features the pitch frames line up with.
    public let layout: FrameLayout
    public let sampleRate: Float
    let factor: Int
    let taps: [Float]
    let minLag: Int, maxLag: Int
    let window: Int

    /// Feature columns appended: POV, normalised log pitch, delta log pitch.
    public static let dimension = 3

    public init(_ options: PitchOptions, frame: FrameOptions) {
        self.options = options
        layout = FrameLayout(frame)
        sampleRate = frame.sampleRate
        factor = max(1, Int((frame.sampleRate / options.resampleRate).rounded()))
        let rate = Double(options.resampleRate)
        minLag = max(1, Int((rate / Double(options.maxF0)).rounded(.down)))
        maxLag = Int((rate / Double(options.minF0)).rounded(.up))
        window = max(2, Int((rate * Double(options.windowMs) / 1000).rounded()))
        // Low-pass FIR: a Hann-windowed sinc over 4 zero crossings of the cutoff each
        // side, at the input rate, unit gain at DC.
        let fc = Double(options.lowpassCutoff) / Double(frame.sampleRate)
        let half = Int((4 / (2 * fc)).rounded(.up))
        var h = [Double](repeating: 0, count: 2 * half + 1)
        for i in -half...half {
            let x = Double(i)
            let sinc = i == 0 ? 2 * fc : sin(2 * Double.pi * fc * x) / (Double.pi * x)
            h[i + half] = sinc * (0.5 + 0.5 * cos(Double.pi * x / Double(half + 1)))
        }
        let sum = h.reduce(0, +)
        taps = h.map { Float($0 / sum) }
    }

    /// The waveform low-passed and decimated to the analysis rate (sample `m` at input sample `m · factor`).
    public func resampled(_ samples: [Float]) -> [Float] {
        let n = samples.count, half = taps.count / 2
        let outCount = n == 0 ? 0 : (n - 1) / factor + 1
        var y = [Float](repeating: 0, count: outCount)
        samples.withUnsafeBufferPointer { x in
            taps.withUnsafeBufferPointer { h in
                for m in 0..<outCount {
                    let c = m * factor
                    let lo = max(0, c - half), hi = min(n - 1, c + half)
                    var acc: Float = 0
                    for k in lo...hi { acc += h[k - c + half] * x[k] }
                    y[m] = acc
                }
            }
        }
        return y
    }

    /// The tracked pitch of each of `frames` frames of the base layout.
    public func track(_ samples: [Float], frames T: Int) -> [PitchFrame] {
        guard T > 0 else { return [] }
        let y = resampled(samples)
        let L = maxLag - minLag + 1
        let W = window
        let rate = Float(options.resampleRate)
        // Ballast: correlation in frames far quieter than the utterance is pulled to 0,
        // so silence does not pick the path (Kaldi's nccf-ballast, in spirit).
        var energy: Double = 0
        for v in y { energy += Double(v) * Double(v) }
        let meanSquare = y.isEmpty ? 0 : energy / Double(y.count)
        let ballast = Float(pow(meanSquare * Double(W) * 1e-2, 2)) + 1e-20
        var nccfPitch = [Float](repeating: 0, count: T * L)   // with ballast, weighted: what the path follows
        var nccfPov = [Float](repeating: 0, count: T * L)     // plain: what the POV reports
        var seg = [Float](repeating: 0, count: W + maxLag)
        var acc = [Float](repeating: 0, count: L)
        var energies = [Float](repeating: 0, count: L)
        let lagWeight = (0..<L).map { 1 - options.softMinF0 * Float(minLag + $0) / rate }
        for t in 0..<T {
            // Window centred where the base frame is centred.
            let centre = Double(layout.firstSample(ofFrame: t)) + Double(layout.length) / 2
            let start = Int((centre / Double(factor)).rounded()) - W / 2
            var mean: Float = 0
            for i in 0..<seg.count {
                let j = start + i
                seg[i] = j >= 0 && j < y.count ? y[j] : 0
                mean += seg[i]
            }
            mean /= Float(seg.count)
            seg.withUnsafeMutableBufferPointer { s in
                for i in 0..<s.count { s[i] -= mean }
                acc.withUnsafeMutableBufferPointer { a in
                    for l in 0..<L { a[l] = 0 }
                    for n in 0..<W {
                        let x = s[n]
                        let shifted = s.baseAddress! + n + minLag
                        for l in 0..<L { a[l] += x * shifted[l] }
                    }
                }
                // Energy of the lagged window, sliding.
                var e: Float = 0
                for n in 0..<W { e += s[minLag + n] * s[minLag + n] }
                energies[0] = e
                for l in 1..<L {
                    let out = s[minLag + l - 1], inn = s[minLag + l - 1 + W]
                    e += inn * inn - out * out
                    energies[l] = max(e, 0)
                }
                var e0: Float = 0
                for n in 0..<W { e0 += s[n] * s[n] }
                for l in 0..<L {
                    let p = e0 * energies[l]
                    nccfPov[t * L + l] = p > 0 ? acc[l] / p.squareRoot() : 0
                    nccfPitch[t * L + l] = acc[l] / (p + ballast).squareRoot() * lagWeight[l]
                }
            }
        }
        // Viterbi over lags: local cost 1 − weighted NCCF, transition penalty on the log lag ratio.
        let logLag = (0..<L).map { Float(log(Double(minLag + $0))) }
        var cost = (0..<L).map { 1 - nccfPitch[$0] }
        var back = [Int32](repeating: 0, count: T * L)
        var next = [Float](repeating: 0, count: L)
        // Transitions searched within a factor of 1.25 of the lag each frame.
        let reach = (0..<L).map { l -> (Int, Int) in
            let lag = Double(minLag + l)
            return (max(0, Int((lag / 1.25).rounded(.down)) - minLag), min(L - 1, Int((lag * 1.25).rounded(.up)) - minLag))
        }
        let penalty = options.penaltyFactor
        for t in 1..<T {
            for l in 0..<L {
                var best = Float.infinity, arg = l
                let (lo, hi) = reach[l]
                for k in lo...hi {
                    let d = logLag[l] - logLag[k]
                    let c = cost[k] + penalty * d * d
                    if c < best { best = c; arg = k }
                }
                next[l] = best + 1 - nccfPitch[t * L + l]
                back[t * L + l] = Int32(arg)
            }
            let m = next.min() ?? 0
            for l in 0..<L { cost[l] = next[l] - m }
        }
        var path = [Int](repeating: 0, count: T)
        var l = cost.indices.min { cost[$0] < cost[$1] } ?? 0
        for t in stride(from: T - 1, through: 0, by: -1) {
            path[t] = l
            l = Int(back[t * L + l])
        }
        // Refine each chosen lag with a parabola through the NCCF on either side.
        return (0..<T).map { t -> PitchFrame in
            let l = path[t]
            var lag = Float(minLag + l)
            if l > 0 && l < L - 1 {
                let a = nccfPov[t * L + l - 1], b = nccfPov[t * L + l], c = nccfPov[t * L + l + 1]
                let denom = a - 2 * b + c
                if denom < 0 {
                    let shift = 0.5 * (a - c) / denom
                    if abs(shift) < 1 { lag += shift }
                }
            }
            return PitchFrame(f0: rate / lag, nccf: max(-1, min(1, nccfPov[t * L + l])))
        }
    }

    /// The three features `[T, 3]`: POV (Kaldi's NCCF → Gaussian-like map), log pitch
    /// minus its POV-weighted local mean, and delta log pitch; each times its scale.
    public func compute(_ samples: [Float], frames T: Int) -> Matrix {
        let track = track(samples, frames: T)
        var out = Matrix(rows: T, cols: Self.dimension)
        guard T > 0 else { return out }
        let logF0 = track.map { log($0.f0) }
        // Kaldi's NccfToPovFeature and NccfToPov (probability of voicing).
        let povFeature = track.map { f -> Float in 2 * pow(1.0001 - abs(f.nccf), 0.15) - 1 }
        let povWeight = track.map { f -> Float in
            let c = min(max(abs(f.nccf), 0), 1)
            let lp = -5.2 + 5.4 * exp(7.5 * (c - 1)) + 4.8 * c - 2 * exp(-10 * c) + 4.2 * exp(20 * (c - 1))
            return 1 / (1 + exp(-lp))
        }
        let w = options.normalizationHalfWindow
        for t in 0..<T {
            var sw: Float = 1e-6, swx: Float = 0
            for k in max(0, t - w)...min(T - 1, t + w) {
                sw += povWeight[k]; swx += povWeight[k] * logF0[k]
            }
            let prev = logF0[max(0, t - 1)], nxt = logF0[min(T - 1, t + 1)]
            out[t, 0] = options.povScale * povFeature[t]
            out[t, 1] = options.pitchScale * (logF0[t] - swx / sw)
            out[t, 2] = options.deltaPitchScale * (nxt - prev) / 2
        }
        return out
    }
}
