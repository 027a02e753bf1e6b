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

/// log Σ exp of `n` values, shifted by their maximum (`sumExp`, the C kernel).
/// The one log-sum-exp of a row: log-softmax (CTC, NN, decoding) and the check
/// that a row is a log-distribution (`asr decode`).
@inline(__always)
package func logSumExp(_ x: UnsafePointer<Float>, count n: Int) -> Float {
    var m = -Float.infinity
    for i in 0..<n { m = max(m, x[i]) }
    if m == -.infinity { return m }
    return m + logf(sumExp(x, count: n, shift: m))
}

/// In-place log-softmax of one row of `count` logits; returns log Σ exp.
@inline(__always)
@discardableResult
package func logSoftmaxInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int) -> Float {
    let lse = logSumExp(UnsafePointer(x), count: n)
    for i in 0..<n { x[i] -= lse }
    return lse
}

/// log Σ exp of `values` (−∞ for none).
public func logSumExp(_ values: ArraySlice<Float>) -> Float {
    values.withUnsafeBufferPointer { p in p.isEmpty ? -.infinity : logSumExp(p.baseAddress!, count: p.count) }
}

/// Log-softmax over the last axis of a row-major `[rows, V]` array.
public func logSoftmax(_ logits: [Float], rows: Int, vocabulary V: Int) -> [Float] {
    precondition(logits.count == rows * V)
    var out = logits
    out.withUnsafeMutableBufferPointer { p in
        for r in 0..<rows { logSoftmaxInPlace(p.baseAddress! + r * V, count: V) }
    }
    return out
}

/// Row-wise log-softmax of `[N, V]`.
public func logSoftmaxRows(_ x: Matrix) -> Matrix {
    Matrix(rows: x.rows, cols: x.cols, storage: logSoftmax(x.storage, rows: x.rows, vocabulary: x.cols))
}
