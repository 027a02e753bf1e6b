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
    /// n-gram (ids, oldest first) → (log10 p, log10 backoff).
    var grams: [[Int32]: (prob: Float, backoff: Float)]
    public let bos: Int32
    public let eos: Int32
    public let unk: Int32?
    /// log10 probability of a word the model does not know (when it has no `<unk>`).
    public var unknownLog10: Float = -10
    /// Every beginning of every vocabulary word ("t", "th", "the", …), for the
    /// decoder's partial-word check.
    let wordPrefixes: Set<String>

    init(order: Int, vocabulary: [String: Int32], grams: [[Int32]: (prob: Float, backoff: Float)], bos: Int32, eos: Int32, unk: Int32?) {
        self.order = order
        self.vocabulary = vocabulary
        self.grams = grams
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

    public func isWordPrefix(_ partial: String) -> Bool { wordPrefixes.contains(partial) }

    static let ln10 = Float(M_LN10)

    public var initialState: [Int32] { [bos] }

    /// Number of n-grams of each order 1…N.
    public var counts: [Int] {
        var c = [Int](repeating: 0, count: order)
        for k in grams.keys { c[k.count - 1] += 1 }
        return c
    }

    /// log10 p(w | context) with back-off.
    public func log10Prob(_ w: Int32, context: [Int32]) -> Float {
        var ctx = ArraySlice(context.suffix(order - 1))
        var backoff: Float = 0
        while true {
            if let g = grams[Array(ctx) + [w]] { return backoff + g.prob }
            if ctx.isEmpty { return backoff + unknownLog10 }
            backoff += grams[Array(ctx)]?.backoff ?? 0
            ctx = ctx.dropFirst()
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
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError.malformed(path: path, reason: "not UTF-8 text")
        }
        return try parse(arpa: text, path: path)
    }

    public static func parse(arpa text: String, path: String = "<arpa>") throws -> NGramLM {
        func fail(_ line: Int, _ why: String) -> FileError { .malformed(path: path, reason: "line \(line): \(why)") }
        var declared: [Int: Int] = [:]
        var vocab: [String: Int32] = [:]
        var grams: [[Int32]: (prob: Float, backoff: Float)] = [:]
        var section = 0  // 0 before \data\, -1 in \data\, k in \k-grams:, -2 after \end\
        var sawData = false
        var lineNo = 0
        func intern(_ w: Substring) -> Int32 {
            let s = String(w)
            if let id = vocab[s] { return id }
            let id = Int32(vocab.count)
            vocab[s] = id
            return id
        }
        for rawLine in TextLines.split(text) {
            lineNo += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            if line == "\\data\\" { section = -1; sawData = true; continue }
            if line == "\\end\\" { section = -2; break }
            if line.hasPrefix("\\") && line.hasSuffix("-grams:") {
                let inner = line.dropFirst().dropLast("-grams:".count)
                guard let k = Int(inner), k >= 1, declared[k] != nil else { throw fail(lineNo, "unexpected section \(line)") }
                section = k
                continue
            }
            switch section {
            case 0:
                continue  // text before \data\ is allowed (comments)
            case -1:
                guard line.hasPrefix("ngram "), let eq = line.firstIndex(of: "="),
                      let k = Int(line[line.index(line.startIndex, offsetBy: 6)..<eq].trimmingCharacters(in: .whitespaces)),
                      let n = Int(line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)), k >= 1, n >= 0
                else { throw fail(lineNo, "expected 'ngram K=N' in \\data\\, found '\(line)'") }
                declared[k] = n
            case let k where k >= 1:
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count == k + 1 || fields.count == k + 2, let p = Float(fields[0]) else {
                    throw fail(lineNo, "expected 'log10prob w1 … w\(k) [backoff]', found '\(line)'")
                }
                var bo: Float = 0
                if fields.count == k + 2 {
                    guard let b = Float(fields[k + 1]) else { throw fail(lineNo, "bad backoff '\(fields[k + 1])'") }
                    bo = b
                }
                let ids = fields[1...k].map(intern)
                grams[ids] = (p, bo)
            default:
                throw fail(lineNo, "unexpected text '\(line)'")
            }
        }
        guard sawData, !declared.isEmpty else { throw FileError.malformed(path: path, reason: "no \\data\\ section: not an ARPA file") }
        guard section == -2 else { throw FileError.malformed(path: path, reason: "missing \\end\\ (file truncated?)") }
        let order = declared.keys.max()!
        var found = [Int](repeating: 0, count: order + 1)
        for k in grams.keys { found[k.count] += 1 }
        for (k, n) in declared where found[k] != n {
            throw FileError.malformed(path: path, reason: "\\data\\ declares \(n) \(k)-grams, file has \(found[k])")
        }
        guard let bos = vocab["<s>"], let eos = vocab["</s>"] else {
            throw FileError.malformed(path: path, reason: "the model has no <s> or </s> unigram")
        }
        return NGramLM(order: order, vocabulary: vocab, grams: grams, bos: bos, eos: eos, unk: vocab["<unk>"])
    }

    // MARK: Writing

    /// The model as ARPA text (n-grams sorted for stable output).
    public func arpaText() -> String {
        var words = [String](repeating: "", count: vocabulary.count)
        for (w, i) in vocabulary { words[Int(i)] = w }
        var out = "\\data\\\n"
        let c = counts
        for k in 1...order { out += "ngram \(k)=\(c[k - 1])\n" }
        for k in 1...order {
            out += "\n\\\(k)-grams:\n"
            let entries = grams.filter { $0.key.count == k }
                .map { (words: $0.key.map { words[Int($0)] }, value: $0.value) }
                .sorted { $0.words.lexicographicallyPrecedes($1.words) }
            for e in entries {
                var line = String(format: "%.6f", e.value.prob) + "\t" + e.words.joined(separator: " ")
                if k < order && e.value.backoff != 0 { line += "\t" + String(format: "%.6f", e.value.backoff) }
                out += line + "\n"
            }
        }
        return out + "\n\\end\\\n"
    }

    public func write(arpa path: String) throws {
        try AtomicFile.write(arpaText(), to: path)
    }
}
