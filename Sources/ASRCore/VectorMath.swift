import CKernels

// Vectorised elementwise kernels. The polynomials live once, in C
// (Sources/CKernels/approx.h), compiled for the x86-64 baseline, AVX2 + FMA and
// AVX-512 and picked at run time; each has a Double reference in the tests and a
// benchmark. Accurate to a few ulps of Float and ~10× faster than libm's expf/tanhf.

/// The instruction-set level of the C kernels (CKernels): 0 the x86-64 baseline
/// (SSE2; every level off x86-64), 1 AVX2 + FMA, 2 AVX-512 (F, VL, BW, DQ).
/// Every level computes the same formulas; FMA contraction may change the last bit.
public enum SIMDLevel {
    /// The highest level this CPU runs.
    public static let supported = Int(asr_simd_level_supported())
    /// "baseline", "avx2" or "avx512".
    public static func name(_ level: Int) -> String { ["baseline", "avx2", "avx512"][max(0, min(level, 2))] }
}

/// y[i] = e^x[i] (y is x, or does not overlap it); relative error < 2e-7 on [−87, 88], clamped outside.
package func vexp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int, level: Int = SIMDLevel.supported) {
    asr_vexp(Int32(level), x, y, n)
}

/// In-place logistic sigmoid.
package func vsigmoid(_ x: UnsafeMutablePointer<Float>, count n: Int, level: Int = SIMDLevel.supported) {
    asr_vsigmoid(Int32(level), x, n)
}

/// In-place tanh; absolute error < 3e-7.
package func vtanh(_ x: UnsafeMutablePointer<Float>, count n: Int, level: Int = SIMDLevel.supported) {
    asr_vtanh(Int32(level), x, n)
}

/// Σ e^(x[i] − shift) over `n` values.
package func sumExp(_ x: UnsafePointer<Float>, count n: Int, shift: Float, level: Int = SIMDLevel.supported) -> Float {
    asr_sum_exp_shifted(Int32(level), x, n, shift)
}

/// The vectorised elementwise functions over whole arrays, in place, at a chosen
/// instruction-set level (default: the highest this CPU runs).
public enum VectorMath {
    /// x[i] = e^x[i].
    public static func exp(_ x: inout [Float], level: Int = SIMDLevel.supported) {
        x.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { vexp(b, b, count: p.count, level: level) } }
    }
    /// x[i] = 1 / (1 + e^−x[i]).
    public static func sigmoid(_ x: inout [Float], level: Int = SIMDLevel.supported) {
        x.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { vsigmoid(b, count: p.count, level: level) } }
    }
    /// x[i] = tanh x[i].
    public static func tanh(_ x: inout [Float], level: Int = SIMDLevel.supported) {
        x.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { vtanh(b, count: p.count, level: level) } }
    }
}

/// Index of the largest of `n` values, the first one on ties — as the scalar loop
/// `for v in 1..<n where x[v] > x[best]` (NaNs are never chosen unless `x[0]` is one).
/// Two 8-lane maxima with the block offset of each lane's winner: 2× the scalar
/// loop on 4,000 values in cache (greedy CTC decoding over large vocabularies).
package func argmax(_ x: UnsafePointer<Float>, count n: Int) -> Int {
    precondition(n > 0, "argmax of nothing")
    func scalar() -> Int {
        var best = 0
        for v in 1..<n where x[v] > x[best] { best = v }
        return best
    }
    if n < 32 || x[0].isNaN { return scalar() }
    var m0 = SIMD8<Float>(repeating: -.infinity), m1 = m0
    var i0 = SIMD8<Int32>(repeating: 0), i1 = i0
    var v = 0
    while v + 16 <= n {
        let a = UnsafeRawPointer(x + v).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(x + v + 8).loadUnaligned(as: SIMD8<Float>.self)
        let ka = a .> m0, kb = b .> m1
        m0.replace(with: a, where: ka)
        m1.replace(with: b, where: kb)
        i0.replace(with: Int32(truncatingIfNeeded: v), where: ka)
        i1.replace(with: Int32(truncatingIfNeeded: v + 8), where: kb)
        v += 16
    }
    var best = -Float.infinity, index = Int.max
    for l in 0..<8 {
        let c0 = Int(i0[l]) + l, c1 = Int(i1[l]) + l  // i1 already holds v + 8
        if m0[l] > best || (m0[l] == best && c0 < index) { best = m0[l]; index = c0 }
        if m1[l] > best || (m1[l] == best && c1 < index) { best = m1[l]; index = c1 }
    }
    while v < n {
        if x[v] > best { best = x[v]; index = v }
        v += 1
    }
    return best == -.infinity ? scalar() : index
}

/// The index of the first NaN or ±inf in `x`, or nil: x·0 is 0 for every finite x
/// and NaN otherwise, summed in eight lanes over blocks of 64.
public func firstNonFinite(_ x: UnsafeBufferPointer<Float>) -> Int? {
    var start = 0
    while start < x.count {
        let end = min(start + 64, x.count)
        var acc = SIMD8<Float>()
        var i = start
        while i + 8 <= end {
            acc += SIMD8(x[i], x[i + 1], x[i + 2], x[i + 3], x[i + 4], x[i + 5], x[i + 6], x[i + 7]) * 0
            i += 8
        }
        var tail: Float = 0
        while i < end { tail += x[i] * 0; i += 1 }
        if !(acc.sum() + tail).isFinite { return (start..<end).first { !x[$0].isFinite } }
        start = end
    }
    return nil
}

/// Whether every element of `x` is finite (no NaN, no ±inf).
public func allFinite(_ x: [Float]) -> Bool { x.withUnsafeBufferPointer(firstNonFinite) == nil }
