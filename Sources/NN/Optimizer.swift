import ASRCore
import Foundation

/// Optimizer settings (the `train.optimizer` part of a recipe).
public struct OptimizerOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    public enum Kind: String, StrictEnum, Sendable { case adam, adamw, sgd }
    public var kind: Kind = .adam
    /// Peak learning rate.
    public var learningRate: Float = 1e-3
    /// Adam β1 (and SGD momentum).
    public var beta1: Float = 0.9
    /// Adam β2.
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// L2 penalty added to the gradient (adam, sgd) or decoupled decay (adamw).
    public var weightDecay: Float = 0
    /// Clip gradients to this global L2 norm; 0 = off.
    public var clipNorm: Float = 5

    public init() {}

    public func validate() throws {
        func bad(_ k: String, _ r: String) -> ConfigError { .invalidValue(source: "", key: k, reason: r) }
        guard learningRate > 0 && learningRate.isFinite else { throw bad("learning_rate", "expected > 0, found \(learningRate)") }
        guard (0..<1).contains(beta1) else { throw bad("beta1", "expected 0 ≤ β1 < 1, found \(beta1)") }
        guard (0..<1).contains(beta2) else { throw bad("beta2", "expected 0 ≤ β2 < 1, found \(beta2)") }
        guard epsilon > 0 else { throw bad("epsilon", "expected > 0") }
        guard weightDecay >= 0 else { throw bad("weight_decay", "expected ≥ 0") }
        guard clipNorm >= 0 else { throw bad("clip_norm", "expected ≥ 0 (0 = off)") }
    }
}

/// Adam / AdamW / SGD with momentum, with PyTorch's update rules
/// (`torch.optim.Adam`, `AdamW`, `SGD(momentum=…)`).
public final class Optimizer {
    public var options: OptimizerOptions
    public let parameters: [Parameter]
    /// Adam: first moments; SGD: momentum buffers.
    public private(set) var m: [[Float]]
    /// Adam: second moments.
    public private(set) var v: [[Float]]
    /// Updates taken so far.
    public private(set) var step = 0

    public init(parameters: [Parameter], options: OptimizerOptions) {
        self.parameters = parameters
        self.options = options
        m = parameters.map { [Float](repeating: 0, count: $0.count) }
        v = options.kind == .sgd ? [] : parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Global L2 norm of all gradients.
    public func gradientNorm() -> Float {
        var s: Double = 0
        for p in parameters { for g in p.grad { s += Double(g) * Double(g) } }
        return Float(s.squareRoot())
    }

    /// Scales gradients so their global norm is at most `maxNorm` (PyTorch
    /// `clip_grad_norm_`: factor maxNorm / (norm + 1e-6) when norm > maxNorm).
    /// Returns the norm before clipping.
    @discardableResult
    public func clipGradients(maxNorm: Float) -> Float {
        let norm = gradientNorm()
        if maxNorm > 0 && norm > maxNorm {
            let scale = maxNorm / (norm + 1e-6)
            for p in parameters { for i in 0..<p.grad.count { p.grad[i] *= scale } }
        }
        return norm
    }

    /// One update at learning rate `lr`.
    public func update(learningRate lr: Float) {
        step += 1
        let o = options
        let bc1 = 1 - powf(o.beta1, Float(step)), bc2 = 1 - powf(o.beta2, Float(step))
        for (k, p) in parameters.enumerated() {
            let n = p.count
            p.value.withUnsafeMutableBufferPointer { w in
            p.grad.withUnsafeBufferPointer { g in
            m[k].withUnsafeMutableBufferPointer { mk in
                switch o.kind {
                case .adam, .adamw:
                    v[k].withUnsafeMutableBufferPointer { vk in
                        let stepSize = lr / bc1
                        let bc2Sqrt = bc2.squareRoot()
                        for i in 0..<n {
                            var gi = g[i]
                            if o.kind == .adam && o.weightDecay != 0 { gi += o.weightDecay * w[i] }
                            if o.kind == .adamw && o.weightDecay != 0 { w[i] *= 1 - lr * o.weightDecay }
                            mk[i] = o.beta1 * mk[i] + (1 - o.beta1) * gi
                            vk[i] = o.beta2 * vk[i] + (1 - o.beta2) * gi * gi
                            let denom = vk[i].squareRoot() / bc2Sqrt + o.epsilon
                            w[i] -= stepSize * mk[i] / denom
                        }
                    }
                case .sgd:
                    for i in 0..<n {
                        var gi = g[i]
                        if o.weightDecay != 0 { gi += o.weightDecay * w[i] }
                        if o.beta1 != 0 {
                            mk[i] = step == 1 ? gi : o.beta1 * mk[i] + gi
                            gi = mk[i]
                        }
                        w[i] -= lr * gi
                    }
                }
            }}}
        }
    }

    // MARK: State (for exact resumption)

    /// Moments as named tensors (`exp_avg.<name>`, `exp_avg_sq.<name>`) and the step in metadata.
    public func state() -> (tensors: [NamedTensor], metadata: [String: String]) {
        var t: [NamedTensor] = []
        for (k, p) in parameters.enumerated() {
            t.append(NamedTensor(name: "exp_avg.\(p.name)", shape: p.shape, values: m[k]))
            if !v.isEmpty { t.append(NamedTensor(name: "exp_avg_sq.\(p.name)", shape: p.shape, values: v[k])) }
        }
        return (t, ["step": String(step), "kind": options.kind.rawValue])
    }

    public func save(to path: String, extraMetadata: [String: String] = [:]) throws {
        let (t, meta) = state()
        try SafeTensors.write(t, metadata: meta.merging(extraMetadata) { a, _ in a }, to: path)
    }

    public func load(from path: String) throws {
        let (tensors, meta) = try SafeTensors.read(path)
        guard let s = meta["step"].flatMap(Int.init), meta["kind"] == options.kind.rawValue else {
            throw FileError.malformed(path: path, reason: "optimizer state for '\(meta["kind"] ?? "?")', expected '\(options.kind.rawValue)' with a step count")
        }
        for (k, p) in parameters.enumerated() {
            guard let a = tensors["exp_avg.\(p.name)"], a.values.count == p.count else {
                throw CheckpointError.missingTensor(path: path, name: "exp_avg.\(p.name)")
            }
            m[k] = a.values
            if !v.isEmpty {
                guard let b = tensors["exp_avg_sq.\(p.name)"], b.values.count == p.count else {
                    throw CheckpointError.missingTensor(path: path, name: "exp_avg_sq.\(p.name)")
                }
                v[k] = b.values
            }
        }
        step = s
    }
}

/// Learning-rate schedule: linear warm-up, then a decay; plus
/// reduce-on-plateau driven by validation results.
public struct LRSchedule: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    public enum Decay: String, StrictEnum, Sendable {
        /// Constant after warm-up.
        case constant
        /// × `decayRate` every epoch.
        case exponential
        /// Cosine from the peak to `minLearningRate` over `totalSteps`.
        case cosine
        /// ∝ 1/√step after warm-up (Noam).
        case inverseSqrt = "inverse_sqrt"
    }
    /// Steps of linear warm-up from 0 to the peak.
    public var warmupSteps = 0
    public var decay: Decay = .constant
    /// Per-epoch factor for `exponential`.
    public var decayRate: Float = 0.9
    /// Steps of the cosine decay (0 = set from the data by the trainer).
    public var totalSteps = 0
    public var minLearningRate: Float = 0
    /// Reduce-on-plateau: multiply by `plateauFactor` after `plateauPatience`
    /// epochs without validation improvement; 0 patience = off.
    public var plateauPatience = 0
    public var plateauFactor: Float = 0.5

    public init() {}

    public func validate() throws {
        func bad(_ k: String, _ r: String) -> ConfigError { .invalidValue(source: "", key: k, reason: r) }
        guard warmupSteps >= 0 else { throw bad("warmup_steps", "expected ≥ 0") }
        guard decayRate > 0 && decayRate <= 1 else { throw bad("decay_rate", "expected 0 < rate ≤ 1, found \(decayRate)") }
        guard plateauFactor > 0 && plateauFactor < 1 else { throw bad("plateau_factor", "expected 0 < factor < 1") }
        guard plateauPatience >= 0 else { throw bad("plateau_patience", "expected ≥ 0") }
        guard minLearningRate >= 0 else { throw bad("min_learning_rate", "expected ≥ 0") }
    }

    /// Learning rate at global `step` (1-based) during `epoch` (0-based), for
    /// peak `lr` and the plateau multiplier accumulated so far.
    public func learningRate(peak lr: Float, step: Int, epoch: Int, plateauScale: Float = 1) -> Float {
        var rate = lr * plateauScale
        if warmupSteps > 0 && step <= warmupSteps { return rate * Float(step) / Float(warmupSteps) }
        switch decay {
        case .constant: break
        case .exponential: rate *= powf(decayRate, Float(epoch))
        case .cosine:
            if totalSteps > warmupSteps {
                let progress = min(1, Float(step - warmupSteps) / Float(totalSteps - warmupSteps))
                rate = minLearningRate + (rate - minLearningRate) * 0.5 * (1 + cosf(Float.pi * progress))
            }
        case .inverseSqrt:
            let w = Float(max(warmupSteps, 1))
            rate *= (w / Float(max(step, 1))).squareRoot()
        }
        return max(rate, minLearningRate)
    }
}

/// Tracks validation results for reduce-on-plateau and early stopping.
public struct PlateauTracker: Codable, Equatable, Sendable {
    public var best: Float = .infinity
    public var epochsSinceBest = 0
    public var scale: Float = 1

    public init() {}

    /// Records an epoch's validation error (lower is better); returns true if it is the best so far.
    @discardableResult
    public mutating func record(_ value: Float, schedule: LRSchedule) -> Bool {
        if value < best {
            best = value
            epochsSinceBest = 0
            return true
        }
        epochsSinceBest += 1
        if schedule.plateauPatience > 0 && epochsSinceBest % schedule.plateauPatience == 0 {
            scale *= schedule.plateauFactor
        }
        return false
    }
}
