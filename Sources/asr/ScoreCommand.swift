import ArgumentParser
import ASRKit
import Foundation

extension TranscriptFormat: ExpressibleByArgument {}

/// `asr score REF HYP`: WER/CER of any recognizer's text output.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score hypotheses against references: %WER/%CER/%SER, MER/WIL/WIP, sclite-style alignments.",
        discussion: """
            Formats (detected, or --format): Kaldi text (utt-id words…, matched by id), plain lines \
            (matched by line number), TSV (id<TAB>text), NeMo JSON lines (text / pred_text).
            Normalisation is off unless asked (--lowercase, --strip-punctuation, --map FILE); \
            whitespace is collapsed. CER counts Unicode characters, spaces included unless --cer-no-spaces.
            Ties between minimal alignments are broken as jiwer does (see docs/SCORING.md).
            Example: asr score ref.txt hyp.txt --report score.txt
            """)

    @Argument(help: "Reference transcripts.") var ref: String
    @Argument(help: "Hypothesis transcripts.") var hyp: String
    @Option(help: "Input format of both files: kaldi, lines, tsv, jsonl (default: detect).") var format: TranscriptFormat?
    @Flag(help: "Headline CER instead of WER (Mandarin and other unspaced scripts).") var cer = false
    @Flag(help: "CER without spaces.") var cerNoSpaces = false
    @Flag(help: "Skip ids missing on either side instead of counting them as all deleted / all inserted.") var ignoreMissing = false
    @Flag(help: "Lower-case both sides.") var lowercase = false
    @Flag(help: "Strip punctuation on both sides.") var stripPunctuation = false
    @Option(help: "Word mapping file applied to both sides ('oh zero' a line).") var map: String?
    @Option(help: "Kaldi utt2spk file: adds a per-speaker table.") var utt2spk: String?
    @Option(help: "Write the full report (alignments, confusions, per speaker) here.") var report: String?
    @Flag(help: "Print the JSON summary instead of the text lines.") var json = false

    func run() throws {
        let refLines = try TranscriptFile.readLines(ref), hypLines = try TranscriptFile.readLines(hyp)
        let (refFormat, hypFormat) = try format.map { ($0, $0) }
            ?? TranscriptFile.detectPair(reference: refLines, referencePath: ref, hypothesis: hypLines, hypothesisPath: hyp)
        let refs = try TranscriptFile.parse(refLines, format: refFormat, side: .reference, path: ref)
        let hyps = try TranscriptFile.parse(hypLines, format: hypFormat, side: .hypothesis, path: hyp)
        let norm = TextNormalization(lowercase: lowercase, stripPunctuation: stripPunctuation, collapseWhitespace: true)
        let wordMap = try map.map { try WordMap.load($0) } ?? WordMap()
        func clean(_ s: String) -> String { wordMap.apply(norm.apply(s)) }
        let hypByID = Dictionary(uniqueKeysWithValues: hyps.map { ($0.id, $0.text) })
        let refIDs = Set(refs.map(\.id))
        var scorer = Scorer(cerNoSpaces: cerNoSpaces)
        var speakers: [String: Scorer] = [:]
        let spk = try utt2spk.map { p in
            Dictionary(try TranscriptFile.parse(try TranscriptFile.readLines(p), format: .kaldi, side: .reference, path: p)
                .map { ($0.id, $0.text) }, uniquingKeysWith: { a, _ in a })
        } ?? [:]
        var missingHyp: [String] = [], missingRef: [String] = []
        for r in refs {
            let h = hypByID[r.id]
            if h == nil {
                missingHyp.append(r.id)
                if ignoreMissing { continue }
            }
            scorer.add(id: r.id, reference: clean(r.text), hypothesis: clean(h ?? ""))
            if let s = spk[r.id] {
                speakers[s, default: Scorer(cerNoSpaces: cerNoSpaces)].add(id: r.id, reference: clean(r.text), hypothesis: clean(h ?? ""))
            }
        }
        for h in hyps where !refIDs.contains(h.id) {
            missingRef.append(h.id)
            if !ignoreMissing { scorer.add(id: h.id, reference: "", hypothesis: clean(h.text)) }
        }
        let treatment = ignoreMissing ? "skipped" : "counted"
        if !missingHyp.isEmpty {
            printError("warning: \(missingHyp.count) ids of \(ref) have no hypothesis in \(hyp) (\(treatment) as all deleted): "
                       + missingHyp.prefix(5).joined(separator: ", ") + (missingHyp.count > 5 ? ", …" : ""))
        }
        if !missingRef.isEmpty {
            printError("warning: \(missingRef.count) ids of \(hyp) have no reference in \(ref) (\(treatment) as all inserted): "
                       + missingRef.prefix(5).joined(separator: ", ") + (missingRef.count > 5 ? ", …" : ""))
        }
        if let report {
            let title = "asr score: \(hyp) against \(ref) (\(refFormat == hypFormat ? refFormat.rawValue : refFormat.rawValue + "/" + hypFormat.rawValue) format, \(scorer.utterances.count) utterances)"
            try AtomicFile.write(scorer.report(title: title, field: "speaker", groups: speakers), to: report)
        }
        if json {
            print(String(decoding: try scorer.summaryJSON(), as: UTF8.self))
            return
        }
        let lines = scorer.summaryLines
        print(cer ? [lines[1], lines[0], lines[2]].joined(separator: "\n") : lines.joined(separator: "\n"))
        print(String(format: "MER %.2f%%  WIL %.2f%%  WIP %.2f%%", 100 * scorer.words.matchErrorRate,
                     100 * scorer.words.wordInformationLost, 100 * scorer.words.wordInformationPreserved))
        if !speakers.isEmpty && report == nil {
            for (s, sc) in speakers.sorted(by: { $0.key < $1.key }) { print("\(s): \(sc.words.kaldiLine())") }
        }
    }
}
