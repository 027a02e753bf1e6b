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
/// From 32 values on, the C kernel (`asr_argmax`): one streaming read, 32 lanes each
/// keeping their maximum and where it was first seen (greedy CTC decoding over large
/// vocabularies).
package func argmax(_ x: UnsafePointer<Float>, count n: Int, level: Int = SIMDLevel.supported) -> Int {
    precondition(n > 0, "argmax of nothing")
    if n < 32 || x[0].isNaN {
        var best = 0
        for v in 1..<n where x[v] > x[best] { best = v }
        return best
    }
    return asr_argmax(Int32(level), x, n)
}

/// The largest value (−∞ for none; NaNs skipped) through the C kernel: one streaming
/// read, the memory-bandwidth bound greedy decoding is measured against.
public func largest(_ x: UnsafeBufferPointer<Float>, level: Int = SIMDLevel.supported) -> Float {
    guard let p = x.baseAddress, !x.isEmpty else { return -.infinity }
    return asr_vmax(Int32(level), p, x.count)
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
