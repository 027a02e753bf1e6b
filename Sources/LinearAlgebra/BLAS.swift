import COpenBLAS
import Foundation

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transpose
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// `C = alpha · op(A) · op(B) + beta · C`, row-major, through OpenBLAS
/// `cblas_sgemm`. op(A) is `[m, k]`, op(B) is `[k, n]`, C is `[m, n]`;
/// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
@inline(__always)
package func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
                 alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int,
                 _ b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // C = beta · C (BLAS may not touch C when k = 0 with some implementations).
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    if m == 1 {
        // One row (batch-1 recurrent steps): a matrix-vector product. OpenBLAS 0.3.21's
        // sgemm packs B for every call and does not forward M = 1 to gemv.
        let incx = Int32(transA == .none ? 1 : lda)
        if transB == .transpose {  // c = B · a, B stored n × k
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, incx, beta, c, 1)
        } else {                   // c = Bᵀ · a, B stored k × n
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, incx, beta, c, 1)
        }
        return
    }
    cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The product of one recurrent time step, `C[m, n] (+)= A[m, k] · op(B)` with a
/// small m (the batch), A not transposed. OpenBLAS 0.3.21 packs B (the 1 MB
/// recurrent weights at H = 256) on every such call; with its AVX-512 kernels
/// (SkylakeX, Cooperlake, SapphireRapids) calls of at most ~2.6e5 multiply-adds
/// take its small-matrix path instead, which packs nothing. There the product is
/// cut into such pieces: n for op(B) = Bᵀ, k (partial sums accumulated in C)
/// otherwise. `asr-bench stepgemm` on a Xeon (B = 16, H = 256): 257–304 → 155–168 µs
/// forward, 196–242 → 137–143 µs backward. Elsewhere, or with `ASR_SMALL_GEMM=0`, one call.
package func stepGEMM(_ transB: Transpose, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int, cut: Bool = StepGEMM.cut) {
    let piece = StepGEMM.piece
    guard cut, m > 1, m * n * k > piece else {
        gemm(.none, transB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
        return
    }
    if transB == .transpose {  // B stored n × k: columns of C in blocks
        let step = max(16, piece / (m * k) / 16 * 16)
        var j = 0
        while j < n {
            let w = min(step, n - j)
            gemm(.none, .transpose, m: m, n: w, k: k, a, lda: lda, b + j * ldb, ldb: ldb, beta: beta, c + j, ldc: ldc)
            j += w
        }
    } else {                   // B stored k × n: the inner dimension in blocks
        let step = max(16, piece / (m * n) / 16 * 16)
        var p = 0
        while p < k {
            let w = min(step, k - p)
            gemm(.none, .none, m: m, n: n, k: w, a + p, lda: lda, b + p * ldb, ldb: ldb, beta: p == 0 ? beta : 1, c, ldc: ldc)
            p += w
        }
    }
}

/// `C = alpha · op(A) · op(B) + beta · C` on row-major arrays (the public form of
/// `gemm`; shapes as there, checked against the arrays' sizes).
public func matrixMultiply(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float = 1,
                           _ a: [Float], lda: Int, _ b: [Float], ldb: Int, beta: Float = 0, _ c: inout [Float], ldc: Int,
                           recurrentStep: Bool = false, cut: Bool = StepGEMM.cut) {
    let (ar, br) = (transA == .none ? m : k, transB == .none ? k : n)
    precondition(m >= 0 && n >= 0 && k >= 0, "matrixMultiply: negative shape m \(m) n \(n) k \(k)")
    precondition(ar == 0 || a.count >= (ar - 1) * lda + (transA == .none ? k : m),
                 "matrixMultiply: A has \(a.count) values, too few for its shape")
    precondition(br == 0 || b.count >= (br - 1) * ldb + (transB == .none ? n : k), "matrixMultiply: B has \(b.count) values, too few")
    precondition(m == 0 || c.count >= (m - 1) * ldc + n, "matrixMultiply: C has \(c.count) values, too few")
    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
        if recurrentStep {
            precondition(transA == .none && alpha == 1, "a recurrent step's product has A untransposed and alpha 1")
            stepGEMM(transB, m: m, n: n, k: k, ap.baseAddress!, lda: lda, bp.baseAddress!, ldb: ldb, beta: beta,
                     cp.baseAddress!, ldc: ldc, cut: cut)
        } else {
            gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, ap.baseAddress!, lda: lda, bp.baseAddress!, ldb: ldb,
                 beta: beta, cp.baseAddress!, ldc: ldc)
        }
    }}}
}

/// When `stepGEMM` cuts its product, fixed for the process (results do not depend on timing).
public enum StepGEMM {
    /// Multiply-adds per piece.
    public static let piece = 262_144
    /// OpenBLAS runs kernels with a small-matrix path, unless `ASR_SMALL_GEMM=0`.
    public static let cut: Bool = {
        if let v = ProcessInfo.processInfo.environment["ASR_SMALL_GEMM"] { return v != "0" }
        return ["skylakex", "cooperlake", "sapphirerapids"].contains(BLASThreads.coreName.lowercased())
    }()
}

/// OpenBLAS's thread count is process-wide: use 1 when Swift threads already
/// run work in parallel.
public enum BLASThreads {
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}

extension BLASThreads {
    /// The kernel family OpenBLAS chose (e.g. "Haswell", "Cooperlake"); the
    /// `OPENBLAS_CORETYPE` environment variable overrides its detection.
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
}
