import ASRCore
import ASRText
import Decoding
import Foundation

/// One evaluation of a model on a data set: what `asr eval` prints and writes, and
/// what `asr report` renders. The settings are kept as data (`decoding`), so a
/// report never has to read them back out of a printed title.
public struct Evaluation {
    /// Model folder and data set (manifest or Kaldi folder).
    public var model: String, source: String
    /// How it was decoded, and that as one line ("beam 8 + LM words.arpa (α 0.3, β 1)").
    public var decoding: DecodingConfig, decodingSummary: String
    /// All utterances, and each group of utterances sharing the field `groupField`.
    public var scorer: Scorer
    public var groupField: String?
    public var groups: [String: Scorer] = [:]
    /// Files that could not be read or decoded (scored as empty hypotheses): origin and error.
    public var failures: [(origin: String, error: String)] = []
    /// Seconds of audio, and seconds spent transcribing it.
    public var audioSeconds = 0.0, decodeSeconds = 0.0

    /// Transcribes every utterance of `dataSet` and scores it against its transcript
    /// (normalised as the model's training text was): the field the model learned,
    /// or `text` when a reading decoder writes the model's readings. `groupField` also scores each
    /// value of that manifest field on its own; an utterance without it is an error
    /// naming its manifest line.
    public static func run(_ transcriber: Transcriber, dataSet: String, groupField: String? = nil,
                           cerNoSpaces: Bool = false) throws -> Evaluation {
        try run(transcriber, dataSet: dataSet, groupField: groupField, cerNoSpaces: cerNoSpaces,
                part: .whole, collective: SingleProcess())!
    }

    /// `run` split over processes: under MPI each rank transcribes a block of the
    /// utterances and rank 0 scores them all (nil on the other ranks); `part`
    /// (`--shard K/N`, one process) evaluates that block only.
    public static func run(_ transcriber: Transcriber, dataSet: String, groupField: String?, cerNoSpaces: Bool,
                           part: BatchSampler.Shard, collective: any Collective) throws -> Evaluation? {
        let bundle = transcriber.bundle
        // A model that emits readings, written by the decoder, is scored on the written text.
        let field = transcriber.decoding.readings.isEmpty ? bundle.info.textField : "text"
        let utts = try DataSet.load(dataSet, normalize: bundle.info.normalize, field: field)
        if let field = groupField, let u = utts.first(where: { $0.attributes[field] == nil }) {
            throw EvaluationError.missingField(origin: u.origin, field: field)
        }
        var e = Evaluation(model: bundle.directory, source: dataSet, decoding: transcriber.decoding,
                           decodingSummary: transcriber.decoding.summary(resources: transcriber.resources),
                           scorer: Scorer(cerNoSpaces: cerNoSpaces), groupField: groupField)
        let start = Date()
        guard let results = try ShardedTranscription.run(transcriber, utterances: utts, part: part, collective: collective, words: false) else {
            return nil
        }
        e.decodeSeconds = Date().timeIntervalSince(start)
        let scored = collective.size > 1 ? utts : Array(utts[part.range(of: utts.count)])
        for (u, r) in zip(scored, results) {
            if let error = r.error { e.failures.append((u.origin, error)) }
            e.audioSeconds += r.duration
            let hyp = bundle.info.normalize.apply(r.text ?? "")
            e.scorer.add(id: u.id, reference: u.text, hypothesis: hyp)
            if let field = groupField, let g = u.attributes[field] {
                e.groups[g, default: Scorer(cerNoSpaces: cerNoSpaces)].add(id: u.id, reference: u.text, hypothesis: hyp)
            }
        }
        return e
    }

    /// "asr eval: MODEL on DATA, DECODING (N utterances, … RTF …)".
    public var title: String {
        "asr eval: \(model) on \(source), \(decodingSummary) (\(scorer.utterances.count) utterances, "
            + String(format: "%.1f s of audio decoded in %.1f s, RTF %.3f)", audioSeconds, decodeSeconds,
                     decodeSeconds / max(audioSeconds, 1e-9))
    }

    /// One line per group: utterances, reference words, %WER, %CER, %SER ("" without groups).
    public var groupTable: String { groupField.map { Scorer.groupTable($0, groups) } ?? "" }

    /// The full text report: title, summary, confusions, the group table, alignments.
    public var report: String { scorer.report(title: title, field: groupField ?? "", groups: groups) }

    /// What `eval.json` holds: the scorer's summary, the title, and the decoding settings as data.
    public var file: EvaluationFile {
        var summary = scorer.summary
        summary.source = source
        summary.title = title
        return EvaluationFile(summary: summary, decoding: decoding, decodingSummary: decodingSummary)
    }

    /// Writes the text report to `path` and `file` as JSON beside it (`X.txt` → `X.json`), atomically.
    public func write(reportTo path: String) throws {
        try AtomicFile.write(report, to: path)
        let json = (path as NSString).deletingPathExtension + ".json"
        try AtomicFile.write(try file.encoded(), to: json == path ? path + ".json" : json)
    }
}

/// Errors of an evaluation's set-up.
public enum EvaluationError: Error, CustomStringConvertible {
    case missingField(origin: String, field: String)

    public var description: String {
        switch self {
        case .missingField(let origin, let field): return "\(origin) has no string field \"\(field)\" to group by"
        }
    }
}

/// `eval.json`: the summary `Scorer` writes (its keys at the top level, as before),
/// plus `decoding` (the `DecodingConfig`) and `decoding_summary`. Files written
/// before these two existed still load, without them.
public struct EvaluationFile: Codable {
    public var summary: Scorer.Summary
    public var decoding: DecodingConfig?
    public var decodingSummary: String?

    enum CodingKeys: String, CodingKey { case decoding, decodingSummary }

    public init(summary: Scorer.Summary, decoding: DecodingConfig?, decodingSummary: String?) {
        self.summary = summary
        self.decoding = decoding
        self.decodingSummary = decodingSummary
    }

    public init(from decoder: Decoder) throws {
        summary = try Scorer.Summary(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        decoding = try c.decodeIfPresent(DecodingConfig.self, forKey: .decoding)
        decodingSummary = try c.decodeIfPresent(String.self, forKey: .decodingSummary)
    }

    public func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(decoding, forKey: .decoding)
        try c.encodeIfPresent(decodingSummary, forKey: .decodingSummary)
    }

    /// Pretty-printed, sorted, snake_case JSON (model.json's conventions: ±inf as strings).
    public func encoded() throws -> Data { try ModelBundle.encoder().encode(self) }

    /// Reads an `eval.json`; an unreadable or malformed file is an error naming it.
    public static func load(_ path: String) throws -> EvaluationFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError.notFound(path: path, hint: "write one with `asr eval --manifest TEST.jsonl --report eval.txt`")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FileError.cannotRead(path: path, reason: "\(error.localizedDescription)")
        }
        do { return try ModelBundle.decoder().decode(EvaluationFile.self, from: data) } catch {
            throw FileError.malformed(path: path, reason: "expected the JSON summary `asr eval --report` writes: \(error)")
        }
    }
}
