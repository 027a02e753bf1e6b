import ASRCore
import Foundation

/// The words a lexicon-constrained beam search may emit, as a trie over token
/// ids (as flashlight's lexicon decoder and pyctcdecode's unigram list
/// constrain theirs). Word ids are spelt without the separator; state 0 is the
/// start of a word.
public struct Lexicon: Sendable, Equatable {
    /// The edges of state s are `edgeStart[s] ..< edgeStart[s + 1]`: their tokens
    /// (ascending) and the states they lead to. Most states have a few edges, so
    /// `next` scans them (a search over all edges was a third of a lexicon
    /// search's time).
    var edgeStart: [Int32] = [0, 0]
    var edgeToken: [Int32] = []
    var targets: [Int32] = []
    /// Whether the path to a state spells a whole word.
    var isWord: [Bool] = [false]
    /// Distinct words.
    public private(set) var wordCount = 0

    /// `words`: each word as token ids (no separator, not empty).
    public init(words: [[Int]]) {
        var edges: [Int: Int32] = [:]
        for w in words where !w.isEmpty {
            var s: Int32 = 0
            for t in w {
                let key = Int(s) << 20 | t
                if let c = edges[key] { s = c } else {
                    let c = Int32(isWord.count)
                    isWord.append(false)
                    edges[key] = c
                    s = c
                }
            }
            if !isWord[Int(s)] { isWord[Int(s)] = true; wordCount += 1 }
        }
        let sorted = edges.sorted { $0.key < $1.key }   // by state, then token
        edgeToken = sorted.map { Int32($0.key & (1 << 20 - 1)) }
        targets = sorted.map(\.value)
        edgeStart = [Int32](repeating: 0, count: isWord.count + 1)
        for e in sorted { edgeStart[(e.key >> 20) + 1] += 1 }
        for s in 0..<isWord.count { edgeStart[s + 1] += edgeStart[s] }
    }

    /// States in the trie (for tests and logs).
    public var stateCount: Int { isWord.count }

    /// The state after `token` from `state`, or nil when no word goes on that way.
    @inline(__always) public func next(_ state: Int32, token: Int) -> Int32? {
        let t = Int32(truncatingIfNeeded: token)
        var e = Int(edgeStart[Int(state)])
        let end = Int(edgeStart[Int(state) + 1])
        while e < end {
            let u = edgeToken[e]
            if u >= t { return u == t ? targets[e] : nil }
            e += 1
        }
        return nil
    }

    /// Whether `state` ends a whole word.
    @inline(__always) public func endsWord(_ state: Int32) -> Bool { isWord[Int(state)] }

    /// Whether the token ids `word` spell a word of the lexicon.
    public func contains(_ word: [Int]) -> Bool {
        var s: Int32 = 0
        for t in word { guard let n = next(s, token: t) else { return false }; s = n }
        return !word.isEmpty && endsWord(s)
    }

    /// Spells words (strings) in `tokens` (one grapheme cluster a token). A word
    /// with a character that is no token cannot be spelt: it is returned in `unspellable`.
    public static func spell(_ words: [String], tokens: [String]) -> (words: [[Int]], unspellable: [String]) {
        var index: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = i }
        var out: [[Int]] = [], bad: [String] = []
        for w in words {
            let ids = w.map { index[String($0)] }
            if ids.contains(where: { $0 == nil }) { bad.append(w) } else { out.append(ids.map { $0! }) }
        }
        return (out, bad)
    }

    /// The first character of `word` that is no token, if any.
    public static func unknownCharacter(in word: String, tokens: [String]) -> String? {
        word.first { !tokens.contains(String($0)) }.map(String.init)
    }

    /// A word list file: one word a line, the first whitespace-separated field
    /// (so a Kaldi `lexicon.txt`, word then pronunciation, works too); empty lines
    /// are skipped. `normalize` maps each word as transcripts are mapped. A word
    /// the tokens cannot spell is an error naming the file and line.
    public static func load(_ path: String, tokens: [String], normalize: (String) -> String = { $0 }) throws -> Lexicon {
        guard let data = fileContents(path) else { throw FileError.notFound(path: path) }
        guard let text = String(data: data, encoding: .utf8) else { throw FileError.cannotRead(path: path, reason: "not UTF-8 text") }
        var words: [[Int]] = []
        for (n, line) in TextLines.split(text).enumerated() {
            guard let first = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).first else { continue }
            let word = normalize(String(first))
            guard !word.isEmpty else { continue }
            let (ids, bad) = spell([word], tokens: tokens)
            if let b = bad.first {
                throw LexiconError.unspellable(origin: "\(path):\(n + 1)", word: b, character: unknownCharacter(in: b, tokens: tokens) ?? "?")
            }
            words.append(contentsOf: ids)
        }
        guard !words.isEmpty else { throw LexiconError.empty(path: path) }
        return Lexicon(words: words)
    }

    /// The words of a word LM's vocabulary (without `<s>`, `</s>`, `<unk>`) that
    /// `tokens` can spell; those it cannot are returned so that a caller can say so.
    public static func fromVocabulary(of lm: NGramLM, tokens: [String]) -> (lexicon: Lexicon, unspellable: [String]) {
        let words = lm.vocabulary.keys.filter { $0 != "<s>" && $0 != "</s>" && $0 != "<unk>" }.sorted()
        let (ids, bad) = spell(words, tokens: tokens)
        return (Lexicon(words: ids), bad)
    }
}

public enum LexiconError: Error, Equatable, CustomStringConvertible {
    case unspellable(origin: String, word: String, character: String)
    case empty(path: String)
    case noSeparator

    public var description: String {
        switch self {
        case .unspellable(let o, let w, let c): return "\(o): word '\(w)' has character '\(c)', which is not one of the model's tokens"
        case .empty(let p): return "\(p): no words (expected one word a line)"
        case .noSeparator: return "a lexicon needs a word separator: the model's tokens have no space"
        }
    }
}
