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
    @Option(help: "Evaluate only block K of N of the utterances (K/N, e.g. 0/4: job arrays; under mpirun the ranks split them).")
    var shard: String?

    func validate() throws {
        if (manifest == nil) == (data == nil) { throw ValidationError("give exactly one of --manifest or --data") }
        if let shard { do { _ = try BatchSampler.Shard(parsing: shard) } catch { throw ValidationError("\(error)") } }
    }

    func run() throws {
        let part = try shard.map { try BatchSampler.Shard(parsing: $0) } ?? .whole
        let collective: any Collective = try MPICollective.fromEnvironment() ?? SingleProcess()
        if collective.size > 1 && shard != nil { throw ValidationError("--shard: under mpirun the ranks split the utterances; give one or the other") }
        defer { collective.finish() }
        let transcriber = try decoding.transcriber()
        let evaluation: Evaluation
        do {
            guard let e = try Evaluation.run(transcriber, dataSet: manifest ?? data!, groupField: per, cerNoSpaces: cerNoSpaces,
                                             part: part, collective: collective) else { return }   // not rank 0: it reports
            evaluation = e
        } catch let e as EvaluationError {
            throw ValidationError("--per \(per ?? ""): \(e)")
        }
        for f in evaluation.failures { printError("warning: \(f.origin): \(f.error); scored as an empty hypothesis") }
        if let report { try evaluation.write(reportTo: report) }
        let scorer = evaluation.scorer
        print(evaluation.title)
        for l in scorer.summaryLines { print(l) }
        if !evaluation.groupTable.isEmpty { print(evaluation.groupTable, terminator: "") }
        let worst = scorer.utterances.filter { $0.wordErrors > 0 }.sorted { $0.wordErrors > $1.wordErrors }.prefix(5)
        if !worst.isEmpty {
            print("worst utterances:")
            for w in worst { print("  \(w.id): REF \"\(w.reference)\"  HYP \"\(w.hypothesis)\"") }
        }
        let top = AlignmentReport.top(scorer.wordConfusions, 5)
        if !top.isEmpty { print("most frequent word errors: " + top.map { "\($0.pair) ×\($0.count)" }.joined(separator: ", ")) }
        if let report { print("report: \(report)") }
        if !evaluation.failures.isEmpty { printError("\(evaluation.failures.count) files could not be read") }
    }
}
