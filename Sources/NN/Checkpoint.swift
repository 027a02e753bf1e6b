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
