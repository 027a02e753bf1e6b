import ASRCore
import Foundation

/// log(e^a + e^b), exact when either side is −∞ (warp-ctc's `log_plus`).
@inline(__always)
public func logAdd(_ a: Float, _ b: Float) -> Float {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1pf(expf(b - a)) : b + log1pf(expf(a - b))
}

/// log(e^a + e^b + e^c), exact with −∞ operands.
@inline(__always)
public func logAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
    let m = max(a, b, c)
    if m == -.infinity { return -.infinity }
    return m + logf(expf(a - m) + expf(b - m) + expf(c - m))
}

/// In-place log-softmax of one row of `count` logits; returns log Σ exp.
@inline(__always)
@discardableResult
public func logSoftmaxInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int) -> Float {
    var m = -Float.infinity
    for i in 0..<n { m = max(m, x[i]) }
    // Σ exp(x − m) with the vectorised exp, 8 lanes at a time.
    var acc = SIMD8<Float>(repeating: 0)
    var i = 0
    let mv = SIMD8<Float>(repeating: m)
    while i + 8 <= n {
        acc += exp8(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - mv)
        i += 8
    }
    var s = acc.sum()
    while i < n { s += expf(x[i] - m); i += 1 }
    let lse = m + logf(s)
    for i in 0..<n { x[i] -= lse }
    return lse
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
