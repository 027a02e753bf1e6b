import ASRCore
import Foundation

/// Errors loading weights into a model.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case missingTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case unexpectedTensor(path: String, name: String)

    public var description: String {
        switch self {
        case .missingTensor(let p, let n): return "\(p): tensor '\(n)' is missing (the model needs it)"
        case .shapeMismatch(let p, let n, let e, let f): return "\(p): tensor '\(n)' has shape \(f), the model expects \(e)"
        case .unexpectedTensor(let p, let n): return "\(p): tensor '\(n)' is not part of this model (different architecture?)"
        }
    }
}

extension ParameterContainer {
    /// The weights as named tensors (PyTorch state-dict names).
    public var stateDict: [NamedTensor] { parameters.map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.value) } }

    /// Saves weights as `.safetensors`, atomically.
    public func saveWeights(to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict, metadata: metadata, to: path)
    }

    /// Loads weights saved by `saveWeights` (or by PyTorch's safetensors);
    /// every tensor must be present with the expected shape, and no other.
    public func loadWeights(from path: String) throws {
        let (tensors, _) = try SafeTensors.read(path)
        try load(tensors, path: path)
    }

    /// Loads the element-wise mean of the weights in `paths` (checkpoint averaging,
    /// as ESPnet's and WeNet's `average_model`): each file is checked as by
    /// `loadWeights` (every tensor, expected shapes, no other); sums are kept in
    /// Double and rounded to Float once, after the division.
    public func loadAveragedWeights(from paths: [String]) throws {
        precondition(!paths.isEmpty, "loadAveragedWeights: no files")
        var sums = parameters.map { [Double](repeating: 0, count: $0.count) }
        for path in paths {
            try loadWeights(from: path)
            for (i, p) in parameters.enumerated() {
                p.value.withUnsafeBufferPointer { v in
                    sums[i].withUnsafeMutableBufferPointer { s in for j in v.indices { s[j] += Double(v[j]) } }
                }
            }
        }
        let n = Double(paths.count)
        for (i, p) in parameters.enumerated() { p.value = sums[i].map { Float($0 / n) } }
    }

    public func load(_ tensors: [String: NamedTensor], path: String, prefix: String = "") throws {
        let own = Set(parameters.map { prefix + $0.name })
        for name in tensors.keys.sorted() where name.hasPrefix(prefix) && !own.contains(name) {
            throw CheckpointError.unexpectedTensor(path: path, name: name)
        }
        for p in parameters {
            guard let t = tensors[prefix + p.name] else { throw CheckpointError.missingTensor(path: path, name: prefix + p.name) }
            guard t.shape == p.shape else {
                throw CheckpointError.shapeMismatch(path: path, name: prefix + p.name, expected: p.shape, found: t.shape)
            }
        }
        for p in parameters { p.value = tensors[prefix + p.name]!.values }
    }
}
