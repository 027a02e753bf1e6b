import COpenBLAS

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transpose
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// `C = alpha · op(A) · op(B) + beta · C`, row-major, through OpenBLAS
/// `cblas_sgemm`. op(A) is `[m, k]`, op(B) is `[k, n]`, C is `[m, n]`;
/// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
@inline(__always)
public func gemm(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
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
