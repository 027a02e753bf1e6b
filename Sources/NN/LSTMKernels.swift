import CKernels

/// The instruction-set level of the fused LSTM gate kernels (C target
/// `CKernels`, compiled for the x86-64 baseline, AVX2 + FMA and AVX-512; Swift
/// cannot compile one function for a wider instruction set than the binary).
/// One step's forward gate arithmetic at B = 16, H = 256 on a Xeon (`asr-bench gates`):
/// 95–117 µs with SSE2, 50 µs with AVX2, 25 µs with AVX-512 (that step's recurrent GEMM: ~150 µs).
enum SIMDLevel {
    /// The highest level this CPU runs (0 off x86-64).
    static let supported = Int(asr_simd_level_supported())
}

/// Forward gate step of one batch row (see `asr_lstm_forward_row`).
@inline(__always)
func lstmForwardRow(level: Int, _ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                    c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                    h: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>, hidden: Int) {
    asr_lstm_forward_row(Int32(level), row, bias, cPrev, c, tanhC, h, out, hidden)
}

/// Backward gate step of one batch row, in place (see `asr_lstm_backward_row`).
@inline(__always)
func lstmBackwardRow(level: Int, _ row: UnsafeMutablePointer<Float>, tanhC: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                     dh: UnsafePointer<Float>, dOut: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>, hidden: Int) {
    asr_lstm_backward_row(Int32(level), row, tanhC, cPrev, dh, dOut, dc, hidden)
}

/// `array` resized to `count` keeping its storage where it can (contents are
/// left over from earlier use; new elements are 0). Avoids fresh pages and a
/// memset per call for buffers that are overwritten anyway.
func reusing(_ array: inout [Float], count: Int) -> [Float] {
    var a: [Float] = []
    swap(&a, &array)
    if a.count > count {
        a.removeLast(a.count - count)
    } else if a.count < count {
        if a.capacity < count { return [Float](repeating: 0, count: count) }
        a.append(contentsOf: repeatElement(0, count: count - a.count))
    }
    return a
}
