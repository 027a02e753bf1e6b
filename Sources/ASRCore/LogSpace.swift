import Foundation

/// log(e^a + e^b), exact when either side is −∞ (warp-ctc's `log_plus`).
/// One definition for CTC and the decoders.
@inlinable @inline(__always)
public func logAdd(_ a: Float, _ b: Float) -> Float {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1pf(expf(b - a)) : b + log1pf(expf(a - b))
}

/// The same in Double (CTC's alpha/beta recursions).
@inlinable @inline(__always)
public func logAdd(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
}
