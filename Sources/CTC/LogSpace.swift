import ASRCore
import Foundation

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
