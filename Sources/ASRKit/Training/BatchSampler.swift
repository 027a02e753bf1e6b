import ASRCore

/// The order of an epoch: length-bucketed batches in a seeded order.
///
/// Utterances are shuffled (so equal lengths are not always grouped the same
/// way), sorted by length, cut into batches of `batchSize`, and the batches
/// shuffled; the same (seed, epoch) always gives the same batches. A data-parallel
/// run takes every global batch and keeps its own `shard` of it, so N workers
/// together see exactly the batches of one.
public struct BatchSampler: Sendable {
    public var seed: UInt64
    /// Utterances per global batch (≥ 1).
    public var batchSize: Int
    /// This worker's part of each batch: `index` of `count` (0 of 1 = the whole batch).
    public var shard: Shard

    public struct Shard: Equatable, Sendable {
        public var index: Int
        public var count: Int
        public static let whole = Shard(index: 0, count: 1)
        public init(index: Int, count: Int) {
            precondition(count >= 1 && index >= 0 && index < count, "shard \(index) of \(count)")
            self.index = index
            self.count = count
        }
    }

    public init(seed: UInt64, batchSize: Int, shard: Shard = .whole) {
        precondition(batchSize >= 1, "batch size \(batchSize)")
        self.seed = seed
        self.batchSize = batchSize
        self.shard = shard
    }

    /// The global batches of `epoch` (0-based) over utterances of these
    /// `lengths` (any length measure: samples or frames), as indices into `lengths`.
    public func globalBatches(lengths: [Int], epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: seed, UInt64(epoch), 0xBA7C)
        var order = Array(lengths.indices)
        order.shuffle(using: &rng)
        order.sort { lengths[$0] < lengths[$1] }
        var out: [[Int]] = []
        var i = 0
        while i < order.count {
            out.append(Array(order[i..<min(order.count, i + batchSize)]))
            i += batchSize
        }
        out.shuffle(using: &rng)
        return out
    }

    /// This shard's part of one global batch: a contiguous slice, sizes differing by at most one.
    public func part(of batch: [Int]) -> [Int] {
        let n = batch.count, k = shard.count
        let lo = shard.index * n / k, hi = (shard.index + 1) * n / k
        return Array(batch[lo..<hi])
    }

    /// The batches this worker trains on in `epoch` (all of them for `.whole`).
    public func batches(lengths: [Int], epoch: Int) -> [[Int]] {
        let global = globalBatches(lengths: lengths, epoch: epoch)
        return shard.count == 1 ? global : global.map(part(of:))
    }

    /// Global batches in an epoch of `count` utterances.
    public func batchCount(utterances count: Int) -> Int { (count + batchSize - 1) / batchSize }
}
