import Foundation

extension BatchSampler.Shard {
    /// "K/N" (0 ≤ K < N), as `--shard` takes it.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else {
            throw ShardError.malformed(text)
        }
        self.init(index: k, count: n)
    }

    /// This part of `n` items: a contiguous block, sizes differing by at most one,
    /// so the parts 0, 1, … N−1 concatenated are the items in order.
    public func range(of n: Int) -> Range<Int> { (index * n / count)..<((index + 1) * n / count) }
}

public enum ShardError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    public var description: String {
        switch self {
        case .malformed(let s): return "--shard: expected K/N with 0 ≤ K < N (e.g. 0/4), found '\(s)'"
        }
    }
}

/// One utterance of a manifest, transcribed: a line of `asr transcribe --manifest … --out`.
public struct UtteranceTranscript: Codable, Equatable, Sendable {
    public var id: String
    public var audioFilepath: String
    /// Where the utterance starts in the file, seconds (segments only).
    public var offset: Double? = nil
    /// nil when the file could not be transcribed (`error` says why).
    public var text: String?
    public var duration: Double
    /// Word timings (with `--json`).
    public var words: [TimedUnit]?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, audioFilepath = "audio_filepath", offset, text, duration, words, error
    }
}

/// Transcription of a data set split over processes: each rank of `collective`
/// (or the one process, with `part`) transcribes a contiguous block of the
/// utterances; rank 0 receives every block, in input order.
public enum ShardedTranscription {
    /// The utterances of `dataSet` this process transcribes, and their results on
    /// rank 0 (all ranks' blocks, in input order); nil on the other ranks.
    /// `part`: without MPI, the block `--shard K/N` names (.whole = everything).
    public static func run(_ transcriber: Transcriber, utterances utts: [Utterance], part: BatchSampler.Shard,
                           collective: any Collective, words: Bool) throws -> [UtteranceTranscript]? {
        let block = collective.size > 1 ? BatchSampler.Shard(index: collective.rank, count: collective.size) : part
        let mine = Array(utts[block.range(of: utts.count)])
        let results = transcriber.transcribe(files: mine.map(\.audioPath), segments: mine.map(\.segment))
        let lines = zip(mine, results).map { u, r in
            UtteranceTranscript(id: u.id, audioFilepath: u.audioPath, offset: u.segment?.offset, text: r.transcript?.text, duration: r.duration,
                                words: words ? r.transcript?.words : nil, error: r.error)
        }
        guard collective.size > 1 else { return lines }
        let all = try collective.gather(try JSONEncoder().encode(lines))
        guard let all else { return nil }
        return try all.flatMap { try JSONDecoder().decode([UtteranceTranscript].self, from: $0) }
    }

    /// JSON lines, one per utterance, in order.
    public static func jsonLines(_ lines: [UtteranceTranscript]) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for l in lines {
            out.append(try enc.encode(l))
            out.append(0x0A)
        }
        return out
    }
}
