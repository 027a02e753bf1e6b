import ASRCore
import CTC
import NN

/// One optimisation step on one batch: forward, CTC loss, a check that loss and
/// gradient are finite, backward, gradient clipping, the optimizer update.
/// A batch whose loss or gradient is not finite leaves the weights untouched.
public struct TrainStep {
    public let model: AcousticModel
    public let optimizer: Optimizer
    public let vocabulary: Int
    /// Global gradient-norm limit (0 = no clipping, as `Optimizer.clipGradients`).
    public let clipNorm: Float

    public init(model: AcousticModel, optimizer: Optimizer, vocabulary: Int, clipNorm: Float) {
        self.model = model
        self.optimizer = optimizer
        self.vocabulary = vocabulary
        self.clipNorm = clipNorm
    }

    public enum Outcome: Equatable {
        /// The weights moved; `loss` is the batch mean of per-utterance CTC losses.
        case updated(loss: Float)
        /// CTC refused the batch (shapes, labels); the weights did not move.
        case rejected(String)
        /// The loss or its gradient had a NaN/inf (a finite `loss` means the gradient); the weights did not move.
        case nonFinite(loss: Float)
    }

    /// Can an utterance of `frames` feature frames emit `labels` through this model?
    public func fits(frames: Int, labels: [Int]) -> Bool {
        frames > 0 && model.outputFrames(frames) >= ctcMinimumFrames(labels)
    }

    /// Trains on utterances `features[b]` with `labels[b]` at `learningRate`.
    public func callAsFunction(features: [Matrix], labels: [[Int]], learningRate: Float) -> Outcome {
        let outcome = gradients(features: features, labels: labels)
        if case .updated = outcome { apply(learningRate: learningRate) }
        return outcome
    }

    /// The first half of a step: forward, CTC loss, the finite check, and the
    /// gradient of the batch mean left in the parameters' `grad` (`.updated`
    /// here means the gradient is ready; the weights have not moved yet).
    /// Data-parallel training sums these over the ranks before `apply`.
    public func gradients(features: [Matrix], labels: [[Int]]) -> Outcome {
        precondition(!features.isEmpty && features.count == labels.count)
        let y = model.forward(timeMajorBatch(features), training: true)
        let result: CTCResult
        do {
            result = try ctcLoss(logits: y.data.storage, frames: y.frames, batch: features.count, vocabulary: vocabulary,
                                 inputLengths: y.lengths, targets: labels, options: CTCOptions(reduction: .mean))
        } catch {
            return .rejected("\(error)")
        }
        guard result.loss.isFinite && allFinite(result.gradient) else {
            return .nonFinite(loss: result.loss)
        }
        model.zeroGrad()
        model.backward(Matrix(rows: y.data.rows, cols: vocabulary, storage: result.gradient), inputGradient: false)
        return .updated(loss: result.loss)
    }

    /// Whether every weight is finite.
    public func weightsAreFinite() -> Bool { model.parameters.allSatisfy { allFinite($0.value) } }

    /// The second half: clipping and the optimizer update from the gradients in `grad`.
    public func apply(learningRate: Float) {
        optimizer.clipGradients(maxNorm: clipNorm)
        optimizer.update(learningRate: learningRate)
    }
}

/// Pads utterance features `[T_b, D]` into one time-major batch `[T·B, D]`.
func timeMajorBatch(_ feats: [Matrix]) -> SequenceBatch {
    let B = feats.count, D = feats[0].cols
    let T = feats.map(\.rows).max()!
    var x = Matrix(rows: T * B, cols: D)
    for (b, f) in feats.enumerated() {
        for t in 0..<f.rows { for d in 0..<D { x[t * B + b, d] = f[t, d] } }
    }
    return SequenceBatch(data: x, frames: T, batch: B, lengths: feats.map(\.rows))
}
