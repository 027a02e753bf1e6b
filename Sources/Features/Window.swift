import Foundation

/// The window function of `type` over `count` samples (Kaldi's definitions,
/// computed in Double and rounded to Float).
public func windowFunction(_ type: WindowType, count: Int, blackmanCoeff: Float = 0.42) -> [Float] {
    precondition(count >= 2, "a window needs at least two samples")
    let a = 2 * Double.pi / Double(count - 1)
    let c = Double(blackmanCoeff)
    return (0..<count).map { i in
        let x = Double(i)
        switch type {
        case .povey: return Float(pow(0.5 - 0.5 * cos(a * x), 0.85))
        case .hamming: return Float(0.54 - 0.46 * cos(a * x))
        case .hann: return Float(0.5 - 0.5 * cos(a * x))
        case .sine: return Float(sin(0.5 * a * x))
        case .rectangular: return 1
        case .blackman: return Float(c - 0.5 * cos(a * x) + (0.5 - c) * cos(2 * a * x))
        }
    }
}

/// How a waveform of `sampleCount` samples is cut into frames (pure).
public struct FrameLayout: Equatable, Sendable {
    /// Samples per frame, L.
    public let length: Int
    /// Samples between frames, S.
    public let shift: Int
    public let snipEdges: Bool

    public init(_ o: FrameOptions) {
        length = o.windowSize
        shift = o.windowShift
        snipEdges = o.snipEdges
    }

    public init(length: Int, shift: Int, snipEdges: Bool) {
        self.length = length
        self.shift = shift
        self.snipEdges = snipEdges
    }

    /// Number of frames T for `sampleCount` samples.
    public func frameCount(sampleCount n: Int) -> Int {
        if snipEdges {
            return n < length ? 0 : 1 + (n - length) / shift
        }
        return (n + shift / 2) / shift
    }

    /// Index of frame `t`'s first sample (negative before the signal when not snipping).
    public func firstSample(ofFrame t: Int) -> Int {
        if snipEdges { return t * shift }
        return t * shift + shift / 2 - length / 2
    }

    /// Index into a signal of `n` samples for (possibly out-of-range) index
    /// `s`, reflecting at the ends as Kaldi does: −1 → 0, −2 → 1, n → n−1.
    @inline(__always)
    public static func reflect(_ s: Int, count n: Int) -> Int {
        var i = s
        while i < 0 || i >= n {
            i = i < 0 ? -i - 1 : 2 * n - 1 - i
        }
        return i
    }
}
