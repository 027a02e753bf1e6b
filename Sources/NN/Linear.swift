import ASRCore
import LinearAlgebra

/// `y = x Wᵀ + b` over rows: x `[N, in]`, W `[out, in]`, b `[out]`, y `[N, out]`
/// (PyTorch `nn.Linear`, names `<prefix>.weight`, `<prefix>.bias`).
public final class Linear: ParameterContainer {
    public let weight: Parameter
    public let bias: Parameter
    public let inputSize: Int
    public let outputSize: Int
    private var input = Matrix(rows: 0, cols: 0)

    public init(inputSize: Int, outputSize: Int, prefix: String, rng: inout SeededGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        let bound = 1 / Float(inputSize).squareRoot()
        weight = Parameter(name: "\(prefix).weight", shape: [outputSize, inputSize], uniformBound: bound, rng: &rng)
        bias = Parameter(name: "\(prefix).bias", shape: [outputSize], uniformBound: bound, rng: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Matrix, training: Bool = true) -> Matrix {
        precondition(x.cols == inputSize, "Linear expects \(inputSize) inputs, got \(x.cols)")
        if training { input = x }
        var y = Matrix(rows: x.rows, cols: outputSize)
        let n = x.rows, o = outputSize
        y.storage.withUnsafeMutableBufferPointer { yp in
            for r in 0..<n { for j in 0..<o { yp[r * o + j] = bias.value[j] } }
            gemm(.none, .transpose, m: n, n: o, k: inputSize, x.storage, lda: inputSize,
                 weight.value, ldb: inputSize, beta: 1, yp.baseAddress!, ldc: o)
        }
        return y
    }

    /// Accumulates dW, db; returns dx.
    public func backward(_ dy: Matrix) -> Matrix {
        let n = dy.rows, o = outputSize, d = inputSize
        precondition(dy.cols == o && n == input.rows, "Linear.backward shape mismatch")
        gemm(.transpose, .none, m: o, n: d, k: n, dy.storage, lda: o, input.storage, ldb: d,
             beta: 1, &weight.grad, ldc: d)
        dy.storage.withUnsafeBufferPointer { g in
            bias.grad.withUnsafeMutableBufferPointer { b in
                for r in 0..<n { for j in 0..<o { b[j] += g[r * o + j] } }
            }
        }
        var dx = Matrix(rows: n, cols: d)
        dx.storage.withUnsafeMutableBufferPointer { dxp in
            gemm(.none, .none, m: n, n: d, k: o, dy.storage, lda: o, weight.value, ldb: d, beta: 0, dxp.baseAddress!, ldc: d)
        }
        return dx
    }
}

/// Backward of row-wise log-softmax: dx = dy − softmax(x)·Σdy, given y = logSoftmax(x).
public func logSoftmaxRowsBackward(output y: Matrix, gradient dy: Matrix) -> Matrix {
    var dx = dy
    let V = y.cols
    dx.storage.withUnsafeMutableBufferPointer { d in
        y.storage.withUnsafeBufferPointer { yp in
            for r in 0..<y.rows {
                var s: Float = 0
                for v in 0..<V { s += d[r * V + v] }
                for v in 0..<V { d[r * V + v] -= expf(yp[r * V + v]) * s }
            }
        }
    }
    return dx
}

#if canImport(Glibc)
import Glibc
#endif
