import Foundation
import Testing
import ASRCore
@testable import LinearAlgebra

@Suite struct GEMMTests {
    /// GEMM through OpenBLAS against a triple loop, with transposes and strides.
    @Test func gemmMatchesNaive() {
        var g = SeededGenerator(seed: 2)
        let m = 7, n = 5, k = 9
        let a = (0..<(k * m)).map { _ in g.nextGaussian() }  // stored [k, m] → used transposed
        let b = (0..<(k * n)).map { _ in g.nextGaussian() }  // [k, n]
        var c = [Float](repeating: 1, count: m * n)
        gemm(.transpose, .none, m: m, n: n, k: k, alpha: 2, a, lda: m, b, ldb: n, beta: 0.5, &c, ldc: n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[p * m + i] * b[p * n + j] }
                #expect(abs(c[i * n + j] - (2 * s + 0.5)) < 1e-4)
            }
        }
    }

    /// The one-row case goes through gemv: every transpose combination, padded strides,
    /// against a loop in Double (tolerance 1e-4 absolute on values of size ~3).
    @Test func oneRowGemmMatchesNaive() {
        var g = SeededGenerator(seed: 3)
        let n = 6, k = 11, ld = 13
        for ta in [Transpose.none, .transpose] {
            for tb in [Transpose.none, .transpose] {
                // op(A) is [1, k]: stored [1, ld] (none) or [k, ld] read down column 0 (transpose).
                let a = (0..<(k * ld)).map { _ in g.nextGaussian() }
                // op(B) is [k, n]: stored [k, ld] (none) or [n, ld] (transpose).
                let b = (0..<(max(k, n) * ld)).map { _ in g.nextGaussian() }
                var c = (0..<n).map { _ in g.nextGaussian() }
                let c0 = c
                gemm(ta, tb, m: 1, n: n, k: k, alpha: 1.5, a, lda: ld, b, ldb: ld, beta: 0.25, &c, ldc: n)
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k {
                        let av = ta == .none ? a[p] : a[p * ld]
                        let bv = tb == .none ? b[p * ld + j] : b[j * ld + p]
                        s += Double(av) * Double(bv)
                    }
                    #expect(abs(Double(c[j]) - (1.5 * s + 0.25 * Double(c0[j]))) < 1e-4, "\(ta) \(tb) column \(j)")
                }
            }
        }
    }
}


@Suite struct StepGEMMTests {
    /// The cut product (pieces of ≤ 2.6e5 multiply-adds) equals one cblas_sgemm call up to
    /// float summation order: relative 1e-5 of the row's magnitude. Shapes of a BiLSTM step,
    /// forward (op(B) = Bᵀ, n cut) and backward (k cut), with β 0 and 1 and a ragged last piece.
    @Test func cutProductEqualsOneCall() {
        var g = SeededGenerator(seed: 11)
        for (m, n, k) in [(16, 1024, 256), (16, 256, 1024), (32, 600, 130), (7, 1000, 300)] {
            for transB in [Transpose.transpose, .none] {
                for beta: Float in [0, 1] {
                    let a = (0..<(m * k)).map { _ in g.nextGaussian() }
                    let b = (0..<(k * n)).map { _ in g.nextGaussian() }
                    let c0 = (0..<(m * n)).map { _ in g.nextGaussian() }
                    var one = c0, cut = c0
                    let ldb = transB == .transpose ? k : n
                    gemm(.none, transB, m: m, n: n, k: k, a, lda: k, b, ldb: ldb, beta: beta, &one, ldc: n)
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in cut.withUnsafeMutableBufferPointer { cp in
                        stepGEMM(transB, m: m, n: n, k: k, ap.baseAddress!, lda: k, bp.baseAddress!, ldb: ldb,
                                 beta: beta, cp.baseAddress!, ldc: n, cut: true)
                    }}}
                    let scale = Float(k).squareRoot() * 4  // typical |C| for unit Gaussians
                    let worst = zip(one, cut).map { abs($0 - $1) }.max()!
                    #expect(worst <= 1e-5 * scale, "m \(m) n \(n) k \(k) \(transB) β \(beta): \(worst)")
                }
            }
        }
    }
}
