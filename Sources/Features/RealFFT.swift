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
}

/// A real-input FFT of a fixed size `N` with its own aligned buffers; one per
/// thread (not shareable), cheap to create once the size has a plan.
public final class RealFFT {
    /// Transform size N.
    public let size: Int
    private let plan: OpaquePointer
    /// Input: N real samples.
    public let input: UnsafeMutablePointer<Float>
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
    public func powerSpectrum(into power: UnsafeMutablePointer<Float>) {
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
