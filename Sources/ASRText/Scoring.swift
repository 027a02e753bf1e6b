import Foundation

/// One scored pair.
public struct ScoredUtterance: Codable, Sendable {
    public var id: String
    public var reference: String
    public var hypothesis: String
    public var wordErrors: Int
    public var referenceWords: Int
    public var charErrors: Int
    public var referenceChars: Int
}

/// WER/CER over a set of (id, reference, hypothesis) pairs: corpus counts,
/// per-utterance alignments, confusions; text and JSON reports. Used by
/// `asr eval` and `asr score`.
public struct Scorer {
    public var words = ErrorCounts()
    public var chars = ErrorCounts()
    public var utterances: [ScoredUtterance] = []
    public var wordConfusions: [String: Int] = [:]
    public var charConfusions: [String: Int] = [:]
    var alignmentText: [String] = []
    /// Drop spaces from the character sequences (CER without spaces).
    public var cerNoSpaces = false

    public init(cerNoSpaces: Bool = false) { self.cerNoSpaces = cerNoSpaces }

    public mutating func add(id: String, reference: String, hypothesis: String) {
        let rw = ASRText.words(reference), hw = ASRText.words(hypothesis)
        let wa = alignWords(reference, hypothesis)
        let rc = characters(reference, dropSpaces: cerNoSpaces), hc = characters(hypothesis, dropSpaces: cerNoSpaces)
        let ca = align(rc, hc)
        words.add(wa)
        chars.add(ca)
        AlignmentReport.confusions(ref: rw, hyp: hw, alignment: wa, into: &wordConfusions)
        AlignmentReport.confusions(ref: rc, hyp: hc, alignment: ca, into: &charConfusions)
        utterances.append(ScoredUtterance(id: id, reference: reference, hypothesis: hypothesis, wordErrors: wa.errors,
                                          referenceWords: wa.referenceLength, charErrors: ca.errors, referenceChars: ca.referenceLength))
        // Mandarin and other unspaced scripts read better aligned by character.
        let byChar = rw.count <= 1 && rc.count > 1
        let (r, h, e) = byChar ? AlignmentReport.lines(ref: rc, hyp: hc, alignment: ca) : AlignmentReport.lines(ref: rw, hyp: hw, alignment: wa)
        let counts = byChar ? "#C \(ca.hits) #S \(ca.substitutions) #D \(ca.deletions) #I \(ca.insertions) (characters)"
                            : "#C \(wa.hits) #S \(wa.substitutions) #D \(wa.deletions) #I \(wa.insertions)"
        alignmentText.append("id: \(id)\nScores: \(counts)\n\(r)\n\(h)\n\(e)\n")
    }

    /// `%WER …`, `%CER …` and `%SER …` lines.
    public var summaryLines: [String] { [words.kaldiLine("WER"), chars.kaldiLine("CER"), words.sentenceLine()] }

    /// One line per group of utterances (utterances, reference words, %WER, %CER,
    /// %SER), under "Per FIELD:"; "" without groups. `asr eval --per` prints it;
    /// `report(title:field:groups:)` places it before the alignments (`asr eval
    /// --report`, `asr score --utt2spk --report`).
    public static func groupTable(_ field: String, _ groups: [String: Scorer]) -> String {
        guard !groups.isEmpty else { return "" }
        let width = max(field.count, groups.keys.map(\.count).max() ?? 0)
        var s = "Per \(field):\n" + field.padding(toLength: width, withPad: " ", startingAt: 0) + "   utts   words    %WER    %CER    %SER\n"
        for (g, sc) in groups.sorted(by: { $0.key < $1.key }) {
            s += g.padding(toLength: width, withPad: " ", startingAt: 0)
                + String(format: "  %5d  %6d  %6.2f  %6.2f  %6.2f\n", sc.utterances.count, sc.words.referenceLength,
                         100 * sc.words.errorRate, 100 * sc.chars.errorRate, 100 * sc.words.sentenceErrorRate)
        }
        return s
    }

    /// The full text report: summary, confusions, the table of each group of
    /// utterances (`groups`, by the value of `field`), per-utterance alignments.
    public func report(title: String, field: String = "", groups: [String: Scorer] = [:]) -> String {
        var s = "\(title)\n\n" + summaryLines.joined(separator: "\n") + "\n"
        s += String(format: "MER %.2f%%  WIL %.2f%%  WIP %.2f%%\n", 100 * words.matchErrorRate, 100 * words.wordInformationLost,
                    100 * words.wordInformationPreserved)
        let topWords = AlignmentReport.top(wordConfusions, 15)
        if !topWords.isEmpty {
            s += "\nMost frequent word errors (ref → hyp):\n"
            for (pair, n) in topWords { s += String(format: "%6d  ", n) + pair + "\n" }
        }
        let topChars = AlignmentReport.top(charConfusions, 15)
        if !topChars.isEmpty {
            s += "\nMost frequent character errors (ref → hyp):\n"
            for (pair, n) in topChars { s += String(format: "%6d  ", n) + pair + "\n" }
        }
        let table = Self.groupTable(field, groups)
        if !table.isEmpty { s += "\n" + table }
        s += "\nAlignments (*** = gap; S substitution, D deletion, I insertion):\n\n" + alignmentText.joined(separator: "\n")
        return s
    }

    public struct Summary: Codable {
        public var wer: Double, cer: Double, mer: Double, wil: Double, wip: Double, ser: Double
        public var words: ErrorCounts, chars: ErrorCounts
        public var utterances: Int
        public var topWordConfusions: [[String]]
        /// The most frequent character confusions (absent in files written before it existed).
        public var topCharConfusions: [[String]]?
        public var perUtterance: [ScoredUtterance]
        /// What was evaluated (manifest or Kaldi folder) and the one-line title; set by `asr eval`.
        public var source: String?
        public var title: String?
    }

    public var summary: Summary {
        Summary(wer: words.errorRate, cer: chars.errorRate, mer: words.matchErrorRate, wil: words.wordInformationLost,
                wip: words.wordInformationPreserved, ser: words.sentenceErrorRate, words: words, chars: chars,
                utterances: utterances.count,
                topWordConfusions: AlignmentReport.top(wordConfusions, 15).map { [$0.pair, String($0.count)] },
                topCharConfusions: AlignmentReport.top(charConfusions, 15).map { [$0.pair, String($0.count)] },
                perUtterance: utterances)
    }

    public func summaryJSON(source: String? = nil, title: String? = nil) throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var s = summary
        s.source = source
        s.title = title
        return try e.encode(s)
    }
}
