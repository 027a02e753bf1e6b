import ASRCore
import Foundation

/// Written forms of spoken units, for a model that learns how text sounds rather
/// than how it is written: each tone-numbered pinyin syllable and the characters
/// it can be written with (`bang4` → 棒 帮 邦 …). A Mandarin model over pinyin
/// letters has a few dozen outputs that every utterance trains, where one over
/// characters has thousands, most of them rare; which character a syllable is
/// becomes the language model's choice (`ReadingDecoder`).
///
/// File (`readings.tsv`, what `asr lm readings` writes): one reading a line,
/// `reading<TAB>form form …`, its forms most frequent first. A reading ends at
/// whitespace and after every character that only ever ends a reading (pinyin's
/// tone digits), so a model's output `hao3bang4bang4` splits into three.
public struct ReadingLexicon: Equatable, Sendable {
    /// Readings in file order, and the written forms of each, most frequent first.
    public let readings: [String]
    public let forms: [String: [String]]
    /// Characters that end a reading wherever they appear in one (tone digits).
    public let terminals: Set<Character>

    public init(_ entries: [(reading: String, forms: [String])]) {
        readings = entries.map(\.reading)
        forms = Dictionary(entries.map { ($0.reading, $0.forms) }, uniquingKeysWith: { a, _ in a })
        var ending = Set<Character>(), inside = Set<Character>()
        for r in readings {
            if let last = r.last { ending.insert(last) }
            for c in r.dropLast() { inside.insert(c) }
        }
        terminals = ending.subtracting(inside)
    }

    /// Counts pairs of spoken and written texts: the spoken text's whitespace-separated
    /// readings against the written text's characters, one to one. A pair whose
    /// counts differ is skipped (its number is returned).
    public static func build(pairs: [(spoken: String, written: String)]) -> (lexicon: ReadingLexicon, skipped: Int) {
        var counts: [String: [String: Int]] = [:]
        var skipped = 0
        for (spoken, written) in pairs {
            let r = spoken.split(whereSeparator: \.isWhitespace).map(String.init)
            let w = written.filter { !$0.isWhitespace }.map { String($0) }
            guard r.count == w.count, !r.isEmpty else { skipped += 1; continue }
            for (a, b) in zip(r, w) { counts[a, default: [:]][b, default: 0] += 1 }
        }
        let entries = counts.keys.sorted().map { reading in
            let c = counts[reading]!
            return (reading, c.keys.sorted { c[$0]! != c[$1]! ? c[$0]! > c[$1]! : $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) })
        }
        return (ReadingLexicon(entries), skipped)
    }

    /// The file text: `reading<TAB>form form …` a line.
    public var text: String { readings.map { "\($0)\t\(forms[$0]!.joined(separator: " "))\n" }.joined() }

    public func write(_ path: String) throws { try AtomicFile.write(text, to: path) }

    /// Reads a readings file; a malformed line is an error naming it.
    public static func load(_ path: String) throws -> ReadingLexicon {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError.notFound(path: path, hint: "write one with `asr lm readings TRAIN.jsonl --spoken pinyin --out readings.tsv`")
        }
        guard let data = fileContents(path), let s = String(data: data, encoding: .utf8) else {
            throw FileError.cannotRead(path: path, reason: "not readable UTF-8 text")
        }
        var entries: [(String, [String])] = []
        var seen = Set<String>()
        // "\r\n" is one Character in Swift: split at every newline, CRLF included.
        for (i, line) in TextLines.split(s).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let reading = parts[0].trimmingCharacters(in: .whitespaces)
            let forms = parts.count > 1 ? parts[1].split(whereSeparator: \.isWhitespace).map(String.init) : []
            guard !reading.isEmpty, !reading.contains(where: \.isWhitespace), !forms.isEmpty else {
                throw FileError.malformed(path: path, reason: "line \(i + 1): expected 'reading<TAB>form form …' (e.g. 'bang4<TAB>棒 帮'), found '\(line)'")
            }
            guard seen.insert(reading).inserted else {
                throw FileError.malformed(path: path, reason: "line \(i + 1): reading '\(reading)' appears twice")
            }
            entries.append((reading, forms))
        }
        guard !entries.isEmpty else { throw FileError.malformed(path: path, reason: "no readings") }
        return ReadingLexicon(entries)
    }

    /// Groups a token sequence into readings: a group ends at a whitespace token
    /// (which belongs to no reading) and after a token ending in a terminal
    /// character. Returns each group's reading and token index range.
    public func split(_ ids: [Int], tokens: [String]) -> [(reading: String, range: Range<Int>)] {
        var out: [(String, Range<Int>)] = []
        var start = 0, current = ""
        func flush(_ end: Int) {
            if !current.isEmpty { out.append((current, start..<end)) }
            current = ""
        }
        for (i, id) in ids.enumerated() {
            let t = id < tokens.count ? tokens[id] : ""
            if t.allSatisfy(\.isWhitespace) { flush(i); start = i + 1; continue }
            if current.isEmpty { start = i }
            current += t
            if let last = t.last, terminals.contains(last) { flush(i + 1); start = i + 1 }
        }
        flush(ids.count)
        return out
    }

    /// `r` when it is a known reading, else the known reading nearest to it in
    /// edit distance (the first in file order among equals).
    public func nearest(_ r: String) -> String {
        if forms[r] != nil { return r }
        let a = Array(r)
        var best = readings[0], bestDistance = Int.max
        for candidate in readings {
            let d = editDistance(a, Array(candidate), bound: bestDistance)
            if d < bestDistance { best = candidate; bestDistance = d }
        }
        return best
    }
}

/// Levenshtein distance; stops early (returning ≥ `bound`) once it cannot be below `bound`.
func editDistance(_ a: [Character], _ b: [Character], bound: Int) -> Int {
    if abs(a.count - b.count) >= bound { return bound }
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count), current = previous
    for i in 1...a.count {
        current[0] = i
        var rowMin = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            rowMin = min(rowMin, current[j])
        }
        if rowMin >= bound { return bound }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// A decoder for models that emit readings (pinyin): the `inner` CTC decoder's
/// hypotheses (greedy: one; a beam: its n-best) are split into readings, and each
/// reading becomes a set of candidates: itself (or, unknown to the lexicon, the
/// nearest known reading) and the readings that end in another terminal token
/// (another tone) that the frames of its terminal token also found probable,
/// each with its log-posterior relative to the emitted one (max over those
/// frames; alternatives more than `alternativeMargin` below are dropped). A beam
/// search over the candidates' forms, scored by `relative acoustic + α·LM` with
/// the n-gram LM of the written text (characters), writes each hypothesis; a
/// hypothesis scores `acoustic + relative acoustic + α·LM + β·readings`, and the
/// best wins. Without an LM, every reading takes its own most frequent form.
///
/// Tones are where a Mandarin model errs most (espeak-ng's contours are gentle),
/// and a tone error alone would make every character of the reading wrong: the
/// alternatives let the LM choose 帮助 over 棒助 when the frames said bang4 by a
/// little.
public struct ReadingDecoder: CTCDecoding {
    public let inner: any CTCDecoding
    public let tokens: [String]
    public let lexicon: ReadingLexicon
    public let lm: (any LanguageModel)?
    public let lmWeight: Float, lengthBonus: Float
    /// Written prefixes kept per reading (after merging those with the same LM state).
    public let width: Int
    /// Hypotheses returned.
    public let nbest: Int
    /// Alternative terminal tokens (tones) more than this below the emitted one
    /// (natural log) are not tried.
    public let alternativeMargin: Float
    public static let defaultWidth = 64
    public static let defaultAlternativeMargin: Float = 8

    /// Token ids that are a single terminal character (the tone digits).
    let terminalTokens: [Int]

    public init(inner: any CTCDecoding, tokens: [String], lexicon: ReadingLexicon, lm: (any LanguageModel)?,
                lmWeight: Float, lengthBonus: Float, width: Int = ReadingDecoder.defaultWidth, nbest: Int = 1,
                alternativeMargin: Float = ReadingDecoder.defaultAlternativeMargin) {
        self.inner = inner
        self.tokens = tokens
        self.lexicon = lexicon
        self.lm = lm
        self.lmWeight = lmWeight
        self.lengthBonus = lengthBonus
        self.width = max(width, 1)
        self.nbest = max(nbest, 1)
        self.alternativeMargin = alternativeMargin
        terminalTokens = tokens.indices.filter { tokens[$0].count == 1 && lexicon.terminals.contains(tokens[$0].first!) }
    }

    /// A reading the beam may write at one position, and its log-posterior relative
    /// to what the CTC search emitted there.
    public struct Candidate: Equatable, Sendable {
        public var reading: String
        public var acoustic: Float
        public init(reading: String, acoustic: Float = 0) {
            self.reading = reading
            self.acoustic = acoustic
        }
    }

    public func decode(_ x: Matrix) -> [Hypothesis] {
        var out: [Hypothesis] = []
        var seen = Set<[String]>()
        for h in inner.decode(x) {
            let groups = lexicon.split(h.tokens, tokens: tokens)
            let spans = lm == nil || terminalTokens.isEmpty ? [] : (h.spans.count == h.tokens.count ? h.spans : alignTokens(h.tokens, logProbs: x))
            let positions = groups.map { candidates($0.reading, lastToken: $0.range.upperBound - 1, hypothesis: h, spans: spans, x: x) }
            guard seen.insert(positions.map { $0[0].reading }).inserted else { continue }   // the same readings: the same writing, a lower score
            let w = write(positions)
            var r = h
            r.written = zip(w.forms, groups).map { WrittenForm(text: $0, tokens: $1.range) }
            r.lmScore = w.lmScore
            r.score = h.acousticScore + w.acoustic + lmWeight * w.lmScore + lengthBonus * Float(w.forms.count)
            out.append(r)
        }
        out.sort { $0.score > $1.score }
        return Array(out.prefix(nbest))
    }

    /// The candidates of one reading, the emitted one (or its nearest known) first.
    func candidates(_ reading: String, lastToken i: Int, hypothesis h: Hypothesis, spans: [TokenSpan], x: Matrix) -> [Candidate] {
        var out = [Candidate(reading: lexicon.nearest(reading))]
        guard i < spans.count, terminalTokens.contains(h.tokens[i]) else { return out }
        let emitted = h.tokens[i], stem = String(reading.dropLast(tokens[emitted].count))
        func best(_ v: Int) -> Float { (spans[i].startFrame...spans[i].endFrame).reduce(-Float.infinity) { max($0, x[$1, v]) } }
        let reference = best(emitted)
        for v in terminalTokens where v != emitted {
            let r = stem + tokens[v]
            let a = best(v) - reference
            if lexicon.forms[r] != nil, a >= -alternativeMargin, r != out[0].reading { out.append(Candidate(reading: r, acoustic: a)) }
        }
        return out
    }

    /// The most probable written forms of `readings` under the LM (with `</s>`)
    /// and their LM log-probability; without an LM, the most frequent forms and 0.
    public func write(_ readings: [String]) -> (forms: [String], lmScore: Float) {
        let w = write(readings.map { [Candidate(reading: $0)] })
        return (w.forms, w.lmScore)
    }

    /// The best written forms over the positions' candidates, by relative acoustic +
    /// α·LM: the forms, their LM log-probability (with `</s>`) and relative acoustic
    /// score. Without an LM, each position's first candidate's most frequent form.
    public func write(_ positions: [[Candidate]]) -> (forms: [String], lmScore: Float, acoustic: Float) {
        guard let lm else { return (positions.map { lexicon.forms[$0[0].reading]!.first! }, 0, 0) }
        struct Prefix { var state: [Int32]; var lm: Float; var acoustic: Float; var forms: [String] }
        let alpha = lmWeight
        func total(_ p: Prefix) -> Float { p.acoustic + alpha * p.lm }
        var beam = [Prefix(state: lm.initialState, lm: 0, acoustic: 0, forms: [])]
        for candidates in positions {
            var best: [[Int32]: Prefix] = [:]
            for p in beam {
                for c in candidates {
                    for f in lexicon.forms[c.reading]! {
                        let (lp, next) = lm.score(p.state, unit: f)
                        let q = Prefix(state: next, lm: p.lm + lp, acoustic: p.acoustic + c.acoustic, forms: p.forms + [f])
                        if let old = best[next], total(old) >= total(q) { continue }
                        best[next] = q
                    }
                }
            }
            beam = best.values.sorted { total($0) != total($1) ? total($0) > total($1) : $0.forms.lexicographicallyPrecedes($1.forms) }
            if beam.count > width { beam.removeSubrange(width...) }
        }
        let final = beam.map { p -> (Prefix, Float) in
            var p = p
            p.lm += lm.finalScore(p.state)
            return (p, total(p))
        }.max { $0.1 < $1.1 }!.0
        return (final.forms, final.lm, final.acoustic)
    }
}

/// One written form of a `ReadingDecoder` hypothesis and the tokens (indices into
/// `Hypothesis.tokens`) that spell its reading.
public struct WrittenForm: Equatable, Sendable {
    public var text: String
    public var tokens: Range<Int>
    public init(text: String, tokens: Range<Int>) {
        self.text = text
        self.tokens = tokens
    }
}
