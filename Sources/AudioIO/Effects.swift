import ASRCore
import Foundation

// Signal effects that change how speech sounds without changing what is said:
// the training-time perturbations of speaker and channel (see ASRKit's
// Augmenter). Pure functions over mono samples in [-1, 1] at `rate` Hz.

/// A second-order IIR section (RBJ "Audio EQ Cookbook" coefficients, a0 = 1),
/// run in direct form I.
public struct Biquad: Equatable, Sendable {
    public var b0: Float, b1: Float, b2: Float, a1: Float, a2: Float

    /// Butterworth-like low-pass (Q = 1/√2) with its −3 dB point at `cutoff` Hz.
    public static func lowPass(cutoff: Float, rate: Int, q: Float = 0.70710678) -> Biquad {
        let (cosw, alpha) = omega(cutoff, rate, q)
        let a0 = 1 + alpha
        return Biquad(b0: (1 - cosw) / 2 / a0, b1: (1 - cosw) / a0, b2: (1 - cosw) / 2 / a0, a1: -2 * cosw / a0, a2: (1 - alpha) / a0)
    }

    /// Butterworth-like high-pass (Q = 1/√2) with its −3 dB point at `cutoff` Hz.
    public static func highPass(cutoff: Float, rate: Int, q: Float = 0.70710678) -> Biquad {
        let (cosw, alpha) = omega(cutoff, rate, q)
        let a0 = 1 + alpha
        return Biquad(b0: (1 + cosw) / 2 / a0, b1: -(1 + cosw) / a0, b2: (1 + cosw) / 2 / a0, a1: -2 * cosw / a0, a2: (1 - alpha) / a0)
    }

    /// Peaking equaliser: `gainDb` at `center` Hz, bandwidth set by `q`; unity far from it.
    public static func peaking(center: Float, gainDb: Float, q: Float, rate: Int) -> Biquad {
        let (cosw, alpha) = omega(center, rate, q)
        let a = powf(10, gainDb / 40)
        let a0 = 1 + alpha / a
        return Biquad(b0: (1 + alpha * a) / a0, b1: -2 * cosw / a0, b2: (1 - alpha * a) / a0, a1: -2 * cosw / a0, a2: (1 - alpha / a) / a0)
    }

    private static func omega(_ f: Float, _ rate: Int, _ q: Float) -> (Float, Float) {
        let w = 2 * Float.pi * min(f, 0.49 * Float(rate)) / Float(rate)
        return (cosf(w), sinf(w) / (2 * q))
    }

    /// Magnitude response at `frequency` Hz, dB.
    public func responseDb(at frequency: Float, rate: Int) -> Float {
        let w = 2 * Double.pi * Double(frequency) / Double(rate)
        func mag(_ c0: Double, _ c1: Double, _ c2: Double) -> Double {
            let re = c0 + c1 * cos(w) + c2 * cos(2 * w), im = -(c1 * sin(w) + c2 * sin(2 * w))
            return (re * re + im * im).squareRoot()
        }
        return Float(20 * log10(mag(Double(b0), Double(b1), Double(b2)) / mag(1, Double(a1), Double(a2))))
    }

    /// Filters `x` (zero initial state).
    public func apply(_ x: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        var x1: Float = 0, x2: Float = 0, y1: Float = 0, y2: Float = 0
        for i in 0..<x.count {
            let v = b0 * x[i] + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2 = x1; x1 = x[i]; y2 = y1; y1 = v
            y[i] = v
        }
        return y
    }
}

/// G.711 μ-law (μ = 255) companding, quantised to 8 bits and expanded back:
/// the distortion of a digital telephone line.
public func muLawRoundTrip(_ x: [Float]) -> [Float] {
    let mu: Float = 255
    let logMu = logf(1 + mu)
    return x.map { v in
        let c = max(-1, min(1, v))
        let y = copysignf(logf(1 + mu * abs(c)) / logMu, c)      // compress to [-1, 1]
        let q = (y * 127.5 - 0.5).rounded() + 0.5               // 256 levels
        let yq = q / 127.5
        return copysignf((powf(1 + mu, abs(yq)) - 1) / mu, yq)  // expand
    }
}

/// Hard clipping at ±`level` (a fraction of full scale).
public func clip(_ x: [Float], level: Float) -> [Float] { x.map { max(-level, min(level, $0)) } }

/// Changes tempo without changing pitch (WSOLA: waveform-similarity
/// overlap-add, Verhelst & Roelands 1993). Output has about `x.count / tempo`
/// samples. Frames of `frameMs` are taken around each analysis position,
/// shifted within ±`toleranceMs` to line up best (cross-correlation) with the
/// natural continuation of the previous frame, windowed (periodic Hann, 50%
/// overlap: the windows sum to 1) and added.
public func timeStretch(_ x: [Float], tempo: Float, rate: Int, frameMs: Float = 25, toleranceMs: Float = 5) -> [Float] {
    guard tempo != 1, !x.isEmpty else { return x }
    let n = max(16, Int(Float(rate) * frameMs / 1000) & ~1)
    let hop = n / 2
    let tol = max(1, Int(Float(rate) * toleranceMs / 1000))
    let outCount = Int((Float(x.count) / tempo).rounded())
    var y = [Float](repeating: 0, count: outCount + n)
    let window = (0..<n).map { 0.5 - 0.5 * cosf(2 * Float.pi * Float($0) / Float(n)) }
    // x padded with zeros so every frame can be read whole.
    let pad = n + tol
    var xp = [Float](repeating: 0, count: x.count + 2 * pad + Int(Float(outCount) * tempo) + n)
    for i in 0..<x.count { xp[pad + i] = x[i] }
    var previous = pad  // where the previous frame started in xp
    var k = 0
    xp.withUnsafeBufferPointer { src in
        let s = src.baseAddress!
        while k * hop < outCount {
            let nominal = pad + Int((Float(k * hop) * tempo).rounded())
            var start = nominal
            if k > 0 {
                // The continuation the previous frame would have had, compared with
                // candidates: every second offset first, then the two beside the best.
                let natural = s + previous + hop
                var best = -Float.infinity, bestD = 0
                for d in stride(from: -tol, through: tol, by: 2) {
                    let dot = sparseDot(natural, s + nominal + d, n)
                    if dot > best { best = dot; bestD = d }
                }
                start = nominal + bestD
                for d in [bestD - 1, bestD + 1] where abs(d) <= tol {
                    let dot = sparseDot(natural, s + nominal + d, n)
                    if dot > best { best = dot; start = nominal + d }
                }
            }
            let f = s + start
            let o = k * hop
            for j in 0..<n { y[o + j] += window[j] * f[j] }
            previous = start
            k += 1
        }
    }
    // The first half-frame has only one window on it; output starts after it is filled in.
    return Array(y[0..<outCount])
}

/// Σ a[j]·b[j] over every fourth j < n (enough to line up speech frames), in
/// four running sums so the products overlap in the pipeline.
@inline(__always)
private func sparseDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
    var j = 0
    while j + 16 <= n {
        s0 += a[j] * b[j]; s1 += a[j + 4] * b[j + 4]; s2 += a[j + 8] * b[j + 8]; s3 += a[j + 12] * b[j + 12]
        j += 16
    }
    while j < n { s0 += a[j] * b[j]; j += 4 }
    return (s0 + s1) + (s2 + s3)
}

/// A feedback echo (a comb filter): y[n] = x[n] + feedback·y[n − delay], the
/// repeated, decaying copies a talker hears from one hard wall — and what
/// espeak-ng's `echo` voice attribute adds (its echo buffer is fed its own output).
/// Same length as `x`; `delay` in samples (≥ 1), |feedback| < 1.
public func feedbackEcho(_ x: [Float], delay: Int, feedback: Float) -> [Float] {
    precondition(delay >= 1 && abs(feedback) < 1, "feedbackEcho: delay ≥ 1 and |feedback| < 1")
    var y = x
    guard delay < y.count else { return y }
    for n in delay..<y.count { y[n] += feedback * y[n - delay] }
    return y
}

/// A synthetic room impulse response: the direct sound (1 at t = 0), then after
/// a pre-delay, a diffuse tail of Gaussian noise decaying by 60 dB in `rt60`
/// seconds (Polack's model), scaled so that direct-to-reverberant energy is
/// `drrDb`; `rt60` seconds long (at most 1 s).
public func syntheticRoomImpulseResponse(rt60: Float, drrDb: Float, rate: Int, predelayMs: Float = 3,
                                         rng: inout SeededGenerator) -> [Float] {
    let count = max(2, Int(min(rt60, 1) * Float(rate)))
    var h = [Float](repeating: 0, count: count)
    let start = min(count - 1, max(1, Int(predelayMs / 1000 * Float(rate))))
    let decay = 3 * logf(10) / (rt60 * Float(rate))  // amplitude e^(−decay·n): −60 dB of energy at rt60
    var tail: Float = 0
    for i in start..<count {
        h[i] = rng.nextGaussian() * expf(-decay * Float(i - start))
        tail += h[i] * h[i]
    }
    let scale = (powf(10, -drrDb / 10) / max(tail, 1e-20)).squareRoot()
    for i in start..<count { h[i] *= scale }
    h[0] = 1
    return h
}

/// Reverberation time of an impulse response, seconds: Schroeder's backward
/// integral of h², with a line fitted (least squares) to its −5 … −25 dB part
/// and extrapolated to −60 dB (T20, ISO 3382).
public func reverberationTime(_ h: [Float], rate: Int) -> Float {
    var edc = [Double](repeating: 0, count: h.count)
    var acc = 0.0
    for i in stride(from: h.count - 1, through: 0, by: -1) { acc += Double(h[i]) * Double(h[i]); edc[i] = acc }
    guard acc > 0 else { return 0 }
    var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0, m = 0.0
    for i in 0..<h.count {
        let db = 10 * log10(edc[i] / acc)
        guard db <= -5 else { continue }
        if db < -25 { break }
        let t = Double(i) / Double(rate)
        sx += t; sy += db; sxx += t * t; sxy += t * db; m += 1
    }
    guard m >= 2 else { return 0 }
    let slope = (m * sxy - sx * sy) / (m * sxx - sx * sx)  // dB per second
    return Float(-60 / slope)
}

/// Mean power (mean square) of a signal.
public func meanPower(_ x: [Float]) -> Float {
    var p: Float = 0
    for v in x { p += v * v }
    return p / Float(max(x.count, 1))
}
