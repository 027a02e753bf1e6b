/// The n-grams of one order: their word ids (oldest first), log10 probabilities and
/// back-off weights, found by a 64-bit hash of the ids in an open-addressing table.
///
/// A hash is folded from the last id backwards (`NGramHash`), so the hashes of
/// "w", "c₂ w", "c₁ c₂ w" — the lookups of one back-off walk — each extend the
/// previous one by a single step. Indexing checks the ids behind an equal hash (a
/// repeated n-gram is an error; two n-grams with one hash make the model try the
/// next seed); a lookup compares
/// hashes only, so an absent n-gram could be taken for a present one with
/// probability about n / 2⁶⁴ per probe (n stored n-grams), as in KenLM's probing
/// model. In exchange the table holds 12 bytes a slot and no array per n-gram: the
/// 5-gram character LM of the Mandarin recipe (3.6 M n-grams) reads in seconds.
struct NGramTable: Sendable {
    let order: Int
    /// Entry i's ids are `ids[i·order ..< (i+1)·order]`.
    let ids: [Int32]
    let probs: [Float]
    let backoffs: [Float]
    /// Slot → hash (0: empty) and entry.
    private var keys: [UInt64]
    private var entries: [Int32]
    private let mask: Int

    var count: Int { probs.count }

    enum IndexError: Error {
        /// Entries `first` and `second` have the same ids.
        case repeated(first: Int, second: Int)
        /// Entries `first` and `second` differ but hash alike (with this seed).
        case clash
    }

    /// Indexes `count` n-grams of `order` ids each, hashed with `seed`.
    init(order: Int, ids: [Int32], probs: [Float], backoffs: [Float], seed: UInt64) throws(IndexError) {
        precondition(ids.count == probs.count * order && backoffs.count == probs.count)
        self.order = order
        self.ids = ids
        self.probs = probs
        self.backoffs = backoffs
        var capacity = 16
        while capacity * 2 < probs.count * 3 { capacity *= 2 }  // at most 2/3 full
        keys = [UInt64](repeating: 0, count: capacity)
        entries = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for e in 0..<probs.count {
            let h = ids.withUnsafeBufferPointer { NGramHash.of(UnsafeBufferPointer(rebasing: $0[(e * order)..<((e + 1) * order)]), seed: seed) }
            var s = Int(truncatingIfNeeded: h) & mask
            while keys[s] != 0 {
                if keys[s] == h {
                    let other = Int(entries[s])
                    if ids[(other * order)..<((other + 1) * order)] == ids[(e * order)..<((e + 1) * order)] {
                        throw .repeated(first: other, second: e)
                    }
                    throw .clash
                }
                s = (s + 1) & mask
            }
            keys[s] = h
            entries[s] = Int32(e)
        }
    }

    /// The entry whose hash is `h`, or nil.
    @inline(__always) func find(_ h: UInt64) -> Int? {
        keys.withUnsafeBufferPointer { k in
            var s = Int(truncatingIfNeeded: h) & mask
            while true {
                let key = k[s]
                if key == h { return Int(entries[s]) }
                if key == 0 { return nil }
                s = (s + 1) & mask
            }
        }
    }

    func words(of entry: Int) -> ArraySlice<Int32> { ids[(entry * order)..<((entry + 1) * order)] }
}

/// The hash of an id sequence, folded from its last id backwards; never 0 (the
/// empty slot).
enum NGramHash {
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }

    /// The hash of the one-id sequence `w`.
    @inline(__always) static func start(_ w: Int32, seed: UInt64) -> UInt64 {
        nonZero(mix(UInt64(UInt32(bitPattern: w)) &+ 0x9e3779b97f4a7c15 &* (seed &+ 1)))
    }

    /// The hash of `w` followed by the sequence whose hash is `h`.
    @inline(__always) static func extend(_ h: UInt64, before w: Int32) -> UInt64 {
        nonZero(mix(h &+ 0x9e3779b97f4a7c15 &* (UInt64(UInt32(bitPattern: w)) &+ 1)))
    }

    @inline(__always) static func nonZero(_ h: UInt64) -> UInt64 { h == 0 ? 1 : h }

    static func of(_ gram: UnsafeBufferPointer<Int32>, seed: UInt64) -> UInt64 {
        var h = start(gram[gram.count - 1], seed: seed)
        var i = gram.count - 2
        while i >= 0 { h = extend(h, before: gram[i]); i -= 1 }
        return h
    }
}
