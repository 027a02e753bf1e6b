import ASRCore
import Foundation

/// A back-off n-gram language model read from (or written as) an ARPA file.
///
/// `p(w | h)` is the stored probability of `h w` if present, else
/// `backoff(h) · p(w | h′)` with h′ = h minus its oldest word. ARPA stores
/// log10; this type answers in natural log. Words missing from the
/// vocabulary score as `<unk>` if the model has it, else `unknownLog10`.
public struct NGramLM: LanguageModel {
    /// Highest n-gram order.
    public let order: Int
    /// Word → id.
    public let vocabulary: [String: Int32]
    /// The n-grams of order k are `tables[k − 1]`.
    let tables: [NGramTable]
    /// The hash seed every table was indexed with.
    let seed: UInt64
    public let bos: Int32
    public let eos: Int32
    public let unk: Int32?
    /// log10 probability of a word the model does not know (when it has no `<unk>`).
    public var unknownLog10: Float = -10
    /// Every beginning of every vocabulary word ("t", "th", "the", …), for the
    /// decoder's partial-word check.
    let wordPrefixes: Set<String>

    /// The n-grams of each order k = 1…order as flat id lists (k ids each, oldest
    /// first) with their log10 probabilities and back-off weights.
    struct Grams {
        var ids: [Int32] = []
        var probs: [Float] = []
        var backoffs: [Float] = []
    }

    enum IndexError: Error {
        /// The n-gram `words` (ids) of order `order` is listed twice.
        case repeated(order: Int, ids: [Int32])
    }

    init(order: Int, vocabulary: [String: Int32], grams: [Grams], bos: Int32, eos: Int32, unk: Int32?) throws(IndexError) {
        precondition(grams.count == order)
        var seed: UInt64 = 0
        var tables: [NGramTable] = []
        indexing: while true {
            tables = []
            for (k, g) in grams.enumerated() {
                do {
                    tables.append(try NGramTable(order: k + 1, ids: g.ids, probs: g.probs, backoffs: g.backoffs, seed: seed))
                } catch {
                    switch error {
                    case .repeated(_, let second):
                        throw .repeated(order: k + 1, ids: Array(g.ids[(second * (k + 1))..<((second + 1) * (k + 1))]))
                    case .clash:
                        seed += 1  // two different n-grams with one 64-bit hash: index everything again
                        continue indexing
                    }
                }
            }
            break
        }
        self.order = order
        self.vocabulary = vocabulary
        self.tables = tables
        self.seed = seed
        self.bos = bos
        self.eos = eos
        self.unk = unk
        var prefixes = Set<String>()
        for w in vocabulary.keys where w != "<s>" && w != "</s>" && w != "<unk>" {
            var p = ""
            for c in w {
                p.append(c)
                prefixes.insert(p)
            }
        }
        wordPrefixes = prefixes
    }

    /// A model from n-grams held in a dictionary (ids oldest first), as the builder makes them.
    init(order: Int, vocabulary: [String: Int32], grams: [[Int32]: (prob: Float, backoff: Float)], bos: Int32, eos: Int32, unk: Int32?) {
        var lists = [Grams](repeating: Grams(), count: order)
        for (g, v) in grams {
            lists[g.count - 1].ids += g
            lists[g.count - 1].probs.append(v.prob)
            lists[g.count - 1].backoffs.append(v.backoff)
        }
        // Dictionary keys are distinct, so indexing cannot find a repeated n-gram.
        try! self.init(order: order, vocabulary: vocabulary, grams: lists, bos: bos, eos: eos, unk: unk)
    }

    public func isWordPrefix(_ partial: String) -> Bool { wordPrefixes.contains(partial) }

    static let ln10 = Float(M_LN10)

    public var initialState: [Int32] { [bos] }

    /// Number of n-grams of each order 1…N.
    public var counts: [Int] { tables.map(\.count) }

    /// log10 p(w | context) with back-off: the longest stored n-gram "suffix of
    /// context, w", plus the back-off weights of the longer contexts passed over.
    public func log10Prob(_ w: Int32, context: [Int32]) -> Float {
        let n = min(context.count, order - 1)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * n + 1) { h in
            // h[j], j = 0…n: hash of the last j context ids and w; h[n + j], j = 1…n: of the last j ids.
            h[0] = NGramHash.start(w, seed: seed)
            var c: UInt64 = 0
            if n > 0 {
                for j in 1...n {
                    let id = context[context.count - j]
                    h[j] = NGramHash.extend(h[j - 1], before: id)
                    c = j == 1 ? NGramHash.start(id, seed: seed) : NGramHash.extend(c, before: id)
                    h[n + j] = c
                }
            }
            var backoff: Float = 0
            var j = n
            while true {
                if let e = tables[j].find(h[j]) { return backoff + tables[j].probs[e] }
                if j == 0 { return backoff + unknownLog10 }
                if let e = tables[j - 1].find(h[n + j]) { backoff += tables[j - 1].backoffs[e] }
                j -= 1
            }
        }
    }

    func id(_ word: String) -> Int32? { vocabulary[word] ?? unk }

    public func score(_ state: [Int32], unit: String) -> (logProb: Float, next: [Int32]) {
        guard let w = id(unit) else { return (unknownLog10 * Self.ln10, state.suffix(order - 1).map { $0 }) }
        let lp = log10Prob(w, context: state) * Self.ln10
        var next = state + [w]
        if next.count > order - 1 { next.removeFirst(next.count - (order - 1)) }
        return (lp, next)
    }

    public func finalScore(_ state: [Int32]) -> Float { log10Prob(eos, context: state) * Self.ln10 }

    /// log10 probability of a whole sentence (with `<s>` … `</s>`).
    public func sentenceLog10Prob(_ words: [String]) -> Float {
        var state = initialState
        var total: Float = 0
        for w in words {
            let (lp, next) = score(state, unit: w)
            total += lp / Self.ln10
            state = next
        }
        return total + finalScore(state) / Self.ln10
    }

    // MARK: Reading

    /// Reads an ARPA file. Errors name the file and line.
    public static func load(arpa path: String) throws -> NGramLM {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        guard let data = fileContents(path) else {
            throw FileError.cannotRead(path: path, reason: "permission denied")
        }
        return try ARPAReader.read(data, path: path)
    }

    public static func parse(arpa text: String, path: String = "<arpa>") throws -> NGramLM {
        try ARPAReader.read(Data(text.utf8), path: path)
    }

    // MARK: Writing

    /// The model as ARPA text (n-grams sorted for stable output).
    public func arpaText() -> String {
        var words = [String](repeating: "", count: vocabulary.count)
        for (w, i) in vocabulary { words[Int(i)] = w }
        var out = "\\data\\\n"
        for (k, t) in tables.enumerated() { out += "ngram \(k + 1)=\(t.count)\n" }
        for (k, t) in tables.enumerated() {
            out += "\n\\\(k + 1)-grams:\n"
            let entries = (0..<t.count).map { (words: t.words(of: $0).map { words[Int($0)] }, entry: $0) }
                .sorted { $0.words.lexicographicallyPrecedes($1.words) }
            for e in entries {
                var line = String(format: "%.6f", t.probs[e.entry]) + "\t" + e.words.joined(separator: " ")
                if k + 1 < order && t.backoffs[e.entry] != 0 { line += "\t" + String(format: "%.6f", t.backoffs[e.entry]) }
                out += line + "\n"
            }
        }
        return out + "\n\\end\\\n"
    }

    public func write(arpa path: String) throws {
        try AtomicFile.write(arpaText(), to: path)
    }
}
