import ArgumentParser
import ASRKit
import Foundation

/// `asr eval`.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Transcribe a test set and report WER/CER with alignments (Kaldi-style %WER line).",
        discussion: "Example: asr eval --manifest data/generated/digits/test.jsonl --report exp/latest/eval.txt")

    @Option(help: "JSON-lines manifest to evaluate.") var manifest: String?
    @Option(help: "Kaldi data folder (wav.scp, text) to evaluate.") var data: String?
    @OptionGroup var decoding: ModelDecodingFlags
    @Option(help: "Write the full report (alignments, confusions) here; a JSON summary goes beside it (.json).") var report: String?
    @Flag(help: "CER without spaces.") var cerNoSpaces = false
    @Option(help: "Also score each group of utterances that share this manifest field (e.g. speaker, engine) on its own line.")
    var per: String?

    func validate() throws {
        if (manifest == nil) == (data == nil) { throw ValidationError("give exactly one of --manifest or --data") }
    }

    func run() throws {
        let transcriber = try decoding.transcriber()
        let bundle = transcriber.bundle
        let utts = try DataSet.load(manifest ?? data!, normalize: bundle.info.normalize)
        if let per, let u = utts.first(where: { $0.attributes[per] == nil }) {
            throw ValidationError("--per \(per): \(u.origin) has no string field \"\(per)\"")
        }
        let start = Date()
        let results = transcriber.transcribe(files: utts.map(\.audioPath))
        let seconds = Date().timeIntervalSince(start)
        var scorer = Scorer(cerNoSpaces: cerNoSpaces)
        var groups: [String: Scorer] = [:]
        var failed = 0, audio = 0.0
        for (u, r) in zip(utts, results) {
            if let e = r.error { printError("warning: \(u.origin): \(e); scored as an empty hypothesis"); failed += 1 }
            audio += r.duration
            let hyp = bundle.info.normalize.apply(r.transcript?.text ?? "")
            scorer.add(id: u.id, reference: u.text, hypothesis: hyp)
            if let per, let g = u.attributes[per] { groups[g, default: Scorer(cerNoSpaces: cerNoSpaces)].add(id: u.id, reference: u.text, hypothesis: hyp) }
        }
        var groupTable = ""
        if let per, !groups.isEmpty {
            let width = max(per.count, groups.keys.map(\.count).max() ?? 0)
            groupTable = "Per \(per):\n" + per.padding(toLength: width, withPad: " ", startingAt: 0) + "   utts   words    %WER    %CER    %SER\n"
            for (g, sc) in groups.sorted(by: { $0.key < $1.key }) {
                groupTable += g.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(format: "  %5d  %6d  %6.2f  %6.2f  %6.2f\n", sc.utterances.count, sc.words.referenceLength,
                             100 * sc.words.errorRate, 100 * sc.chars.errorRate, 100 * sc.words.sentenceErrorRate)
            }
        }
        let how = transcriber.decoding.summary(resources: transcriber.resources)
        let title = "asr eval: \(bundle.directory) on \(manifest ?? data!), \(how) (\(utts.count) utterances, "
            + String(format: "%.1f s of audio decoded in %.1f s, RTF %.3f)", audio, seconds, seconds / max(audio, 1e-9))
        if let report {
            try AtomicFile.write(scorer.report(title: title) + (groupTable.isEmpty ? "" : "\n" + groupTable), to: report)
            let jsonPath = (report as NSString).deletingPathExtension + ".json"
            try AtomicFile.write(try scorer.summaryJSON(source: manifest ?? data!, title: title), to: jsonPath == report ? report + ".json" : jsonPath)
        }
        print(title)
        for l in scorer.summaryLines { print(l) }
        if !groupTable.isEmpty { print(groupTable, terminator: "") }
        let worst = scorer.utterances.filter { $0.wordErrors > 0 }.sorted { $0.wordErrors > $1.wordErrors }.prefix(5)
        if !worst.isEmpty {
            print("worst utterances:")
            for w in worst { print("  \(w.id): REF \"\(w.reference)\"  HYP \"\(w.hypothesis)\"") }
        }
        let top = AlignmentReport.top(scorer.wordConfusions, 5)
        if !top.isEmpty { print("most frequent word errors: " + top.map { "\($0.pair) ×\($0.count)" }.joined(separator: ", ")) }
        if let report { print("report: \(report)") }
        if failed > 0 { printError("\(failed) files could not be read") }
    }
}
