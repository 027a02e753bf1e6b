import CFFTW
import Foundation

/// FFTW plans are made once per size, under a lock (the FFTW planner is not
/// thread-safe), with FFTW_ESTIMATE so the chosen algorithm — and therefore
/// every output bit — is the same in every run. Executing a plan is
/// thread-safe (new-array execute on buffers of the same alignment).
final class FFTPlanCache: @unchecked Sendable {
    static let shared = FFTPlanCache()
    private let lock = NSLock()
    private var plans: [Int: OpaquePointer] = [:]

    /// The r2c plan of size `n` (out of place, SIMD-aligned buffers).
    func realForward(size n: Int) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let p = plans[n] { return p }
        let input = fftwf_alloc_real(n)!
        let output = fftwf_alloc_complex(n / 2 + 1)!
        defer { fftwf_free(input); fftwf_free(output) }
        guard let plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, UInt32(FFTW_ESTIMATE)) else {
            fatalError("FFTW could not plan a real FFT of size \(n)")
        }
        plans[n] = plan
        return plan
    }

    private var inversePlans: [Int: OpaquePointer] = [:]

    /// The c2r plan of size `n` (out of place; executing it overwrites its input).
    func realInverse(size n: Int) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        if let p = inversePlans[n] { return p }
        let input = fftwf_alloc_complex(n / 2 + 1)!
        let output = fftwf_alloc_real(n)!
        defer { fftwf_free(input); fftwf_free(output) }
        guard let plan = fftwf_plan_dft_c2r_1d(Int32(n), input, output, UInt32(FFTW_ESTIMATE)) else {
            fatalError("FFTW could not plan an inverse real FFT of size \(n)")
        }
        inversePlans[n] = plan
        return plan
    }
}

/// Linear convolution `y = x ∗ h`, `x.count + h.count − 1` samples, through
/// FFTW (r2c, pointwise product, c2r) at the next power of two. Thread-safe.
public func convolve(_ x: [Float], _ h: [Float]) -> [Float] {
    guard !x.isEmpty, !h.isEmpty else { return [] }
    let m = x.count + h.count - 1
    var n = 2
    while n < m { n <<= 1 }
    let bins = n / 2 + 1
    let forward = FFTPlanCache.shared.realForward(size: n), inverse = FFTPlanCache.shared.realInverse(size: n)
    let a = fftwf_alloc_real(n)!, b = fftwf_alloc_real(n)!
    let fa = fftwf_alloc_complex(bins)!, fb = fftwf_alloc_complex(bins)!
    defer { fftwf_free(a); fftwf_free(b); fftwf_free(fa); fftwf_free(fb) }
    a.initialize(repeating: 0, count: n)
    b.initialize(repeating: 0, count: n)
    for i in 0..<x.count { a[i] = x[i] }
    for i in 0..<h.count { b[i] = h[i] }
    fftwf_execute_dft_r2c(forward, a, fa)
    fftwf_execute_dft_r2c(forward, b, fb)
    let scale = 1 / Float(n)
    fa.withMemoryRebound(to: Float.self, capacity: 2 * bins) { p in
        fb.withMemoryRebound(to: Float.self, capacity: 2 * bins) { q in
            for k in 0..<bins {
                let re = p[2 * k] * q[2 * k] - p[2 * k + 1] * q[2 * k + 1]
                let im = p[2 * k] * q[2 * k + 1] + p[2 * k + 1] * q[2 * k]
                p[2 * k] = re * scale
                p[2 * k + 1] = im * scale
            }
        }
    }
    fftwf_execute_dft_c2r(inverse, fa, a)
    return Array(UnsafeBufferPointer(start: a, count: m))
}

/// A real-input FFT of a fixed size `N` with its own aligned buffers; one per
/// thread (not shareable), cheap to create once the size has a plan.
public final class RealFFT {
    /// Transform size N.
    public let size: Int
    private let plan: OpaquePointer
    /// Input: N real samples.
    package let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>

    public init(size: Int) {
        precondition(size >= 2, "FFT size must be ≥ 2")
        self.size = size
        plan = FFTPlanCache.shared.realForward(size: size)
        input = fftwf_alloc_real(size)!
        input.initialize(repeating: 0, count: size)
        output = fftwf_alloc_complex(size / 2 + 1)!
    }

    deinit {
        fftwf_free(input)
        fftwf_free(output)
    }

    /// Power spectrum `|X[k]|²`, k = 0 … N/2, of the current `input`, written
    /// to `power` (N/2 + 1 values). `input` is left unchanged.
    package func powerSpectrum(into power: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_r2c(plan, input, output)
        let bins = size / 2 + 1
        output.withMemoryRebound(to: Float.self, capacity: 2 * bins) { c in
            for k in 0..<bins {
                let re = c[2 * k], im = c[2 * k + 1]
                power[k] = re * re + im * im
            }
        }
    }

    /// Complex spectrum X[k], k = 0 … N/2, as (re, im) pairs (for tests).
    public func spectrum(of x: [Float]) -> [(re: Float, im: Float)] {
        precondition(x.count == size)
        for i in 0..<size { input[i] = x[i] }
        fftwf_execute_dft_r2c(plan, input, output)
        let bins = size / 2 + 1
        return output.withMemoryRebound(to: Float.self, capacity: 2 * bins) { c in
            (0..<bins).map { (c[2 * $0], c[2 * $0 + 1]) }
        }
    }
}
