import ASRCore

/// A learnable tensor with its gradient. Row-major; `shape` as PyTorch
/// reports it (`[4H, D]` for `weight_ih_l0`, `[4H]` for a bias).
public final class Parameter {
    /// PyTorch state-dict name, e.g. `lstm.weight_hh_l1_reverse`.
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    /// ∂loss/∂value, accumulated by backward passes until `zeroGrad`.
    public var grad: [Float]

    public init(name: String, shape: [Int], value: [Float]) {
        precondition(value.count == shape.reduce(1, *), "\(name): \(value.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.value = value
        grad = [Float](repeating: 0, count: value.count)
    }

    /// Uniform(−bound, bound) initialisation (PyTorch's for LSTM/GRU/Linear).
    public convenience init(name: String, shape: [Int], uniformBound bound: Float, rng: inout SeededGenerator) {
        let n = shape.reduce(1, *)
        self.init(name: name, shape: shape, value: (0..<n).map { _ in (2 * rng.nextUniform() - 1) * bound })
    }

    public var count: Int { value.count }

    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { p in p.update(repeating: 0) }
    }
}

/// Anything with parameters.
public protocol ParameterContainer {
    var parameters: [Parameter] { get }
}

extension ParameterContainer {
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}
