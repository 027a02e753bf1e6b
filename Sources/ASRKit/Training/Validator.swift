import ASRCore
import ASRText
import CTC
import Decoding
import Distributed
import NN

/// Scores a model on a held-out set: CTC loss per label, and WER/CER of greedy
/// decoding, in length-sorted batches. The features are unaugmented, computed
/// batch by batch when given as a function (memory does not grow with the set).
public struct Validator {
    public struct Result: Equatable, Sendable {
        /// Mean over utterances of CTC loss divided by the label count.
        public var loss: Double
        public var wer: Double
        public var cer: Double
    }

    public let tokens: TokenTable
    public let batchSize: Int
    /// Per utterance: feature frames (the batch order), features, label ids, reference text.
    let frames: [Int]
    let features: (Int) throws -> Matrix
    let labels: [[Int]]
    let references: [String]

    /// Features computed by `features(i)` when utterance i's batch comes up;
    /// `frames[i]`: its feature rows.
    public init(tokens: TokenTable, batchSize: Int, frames: [Int], features: @escaping (Int) throws -> Matrix,
                labels: [[Int]], references: [String]) {
        precondition(frames.count == labels.count && labels.count == references.count)
        self.tokens = tokens
        self.batchSize = max(batchSize, 1)
        self.frames = frames
        self.features = features
        self.labels = labels
        self.references = references
    }

    /// Features held in memory.
    public init(tokens: TokenTable, batchSize: Int, features: [Matrix], labels: [[Int]], references: [String]) {
        self.init(tokens: tokens, batchSize: batchSize, frames: features.map(\.rows), features: { features[$0] },
                  labels: labels, references: references)
    }

    public var isEmpty: Bool { frames.isEmpty }

    /// Throws on a CTC shape or label error (a bug, never the data: utterances
    /// too short for their labels count as zero loss) or what `features` throws.
    /// Data parallelism: each rank of `collective` scores every size-th batch
    /// and the sums are added; every rank gets the same result.
    public func run(_ model: AcousticModel, collective: any Collective = SingleProcess()) throws -> Result {
        var words = ErrorCounts(), chars = ErrorCounts()
        var lossSum = 0.0, count = 0
        let greedy = GreedyDecoder()
        let order = frames.indices.sorted { frames[$0] < frames[$1] }
        var i = 0, batchIndex = -1
        while i < order.count {
            let members = Array(order[i..<min(order.count, i + batchSize)])
            i += batchSize
            batchIndex += 1
            guard batchIndex % collective.size == collective.rank else { continue }
            let B = members.count
            guard members.contains(where: { frames[$0] > 0 }) else { continue }
            let computed: [Swift.Result<Matrix, Error>] = parallelMap(B) { k in Swift.Result { try features(members[k]) } }
            let x = try computed.map { try $0.get() }
            let y = model.forward(timeMajorBatch(x), training: false)
            let r = try ctcLoss(logits: y.data.storage, frames: y.frames, batch: B, vocabulary: tokens.count, inputLengths: y.lengths,
                                targets: members.map { labels[$0] }, options: CTCOptions(reduction: .none, zeroInfinity: true))
            for (b, k) in members.enumerated() where r.losses[b] > 0 || !labels[k].isEmpty {
                lossSum += Double(r.losses[b]) / Double(max(labels[k].count, 1))
                count += 1
            }
            let lp = logSoftmaxRows(y.data)
            for (b, k) in members.enumerated() {
                var m = Matrix(rows: y.lengths[b], cols: tokens.count)
                for t in 0..<y.lengths[b] { for v in 0..<tokens.count { m[t, v] = lp[t * B + b, v] } }
                let hyp = tokens.decode(greedy.decode(m)[0].tokens)
                words.add(align(ASRText.words(references[k]), ASRText.words(hyp)))
                chars.add(align(characters(references[k]), characters(hyp)))
            }
        }
        if collective.size > 1 {
            func fields(_ e: ErrorCounts) -> [Double] { [e.hits, e.substitutions, e.deletions, e.insertions, e.sentences, e.sentenceErrors].map(Double.init) }
            var sums = [lossSum, Double(count)] + fields(words) + fields(chars)
            try collective.sum(&sums)
            func counts(_ k: Int) -> ErrorCounts {
                var e = ErrorCounts()
                (e.hits, e.substitutions, e.deletions, e.insertions) = (Int(sums[k]), Int(sums[k + 1]), Int(sums[k + 2]), Int(sums[k + 3]))
                (e.sentences, e.sentenceErrors) = (Int(sums[k + 4]), Int(sums[k + 5]))
                return e
            }
            (lossSum, count, words, chars) = (sums[0], Int(sums[1]), counts(2), counts(8))
        }
        return Result(loss: lossSum / Double(max(count, 1)), wer: words.errorRate, cer: chars.errorRate)
    }
}
