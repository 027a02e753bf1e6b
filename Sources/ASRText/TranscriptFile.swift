import ASRCore
import Foundation

/// Formats of transcript files that `asr score` reads.
public enum TranscriptFormat: String, StrictEnum, Sendable {
    /// Kaldi `text`: `utt-id word word …` a line, matched by id.
    case kaldi
    /// Plain text, one utterance a line, matched by line number.
    case lines
    /// `id<TAB>text` a line.
    case tsv
    /// NeMo JSON lines: `text` (reference) / `pred_text` (hypothesis, else `text`), id from `id` or `audio_filepath`.
    case jsonl
}

/// Which side a file is (JSONL picks `text` or `pred_text` by it).
public enum TranscriptSide: Sendable { case reference, hypothesis }

/// One transcript line.
public struct TranscriptEntry: Equatable, Sendable {
    public var id: String
    public var text: String
    public var line: Int
}

public enum TranscriptFile {
    /// Guesses the format from the file's first non-empty line: `{` → jsonl,
    /// a tab → tsv, otherwise lines (use `--format kaldi` for id-prefixed text,
    /// or let `detectPair` decide from both files).
    public static func detect(_ lines: [Substring]) -> TranscriptFormat {
        guard let first = lines.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { return .lines }
        if first.hasPrefix("{") { return .jsonl }
        if first.contains("\t") { return .tsv }
        return .lines
    }

    /// For two plain files: Kaldi `text` if the first tokens of every line are
    /// unique in each file, look like ids (a digit, `_` or `-`), and the two files
    /// share at least half of them.
    public static func looksLikeKaldiPair(_ a: [Substring], _ b: [Substring]) -> Bool {
        func ids(_ ls: [Substring]) -> [String] { ls.compactMap { $0.split(separator: " ", maxSplits: 1).first.map(String.init) } }
        let ia = ids(a), ib = ids(b)
        guard !ia.isEmpty, Set(ia).count == ia.count, Set(ib).count == ib.count else { return false }
        let shared = Set(ia).intersection(ib).count
        return shared * 2 >= max(ia.count, ib.count) && ia.allSatisfy(idLike) && ib.allSatisfy(idLike)
    }

    /// The formats of a reference and a hypothesis file when none is given. Each
    /// file's own: `{` → jsonl, a tab → tsv. Two plain files are Kaldi `text` when
    /// `looksLikeKaldiPair`, plain lines when their first words are not ids; when
    /// they half look like Kaldi text (most lines of both begin with an id-like word —
    /// with a digit, `_` or `-` — that also begins a line of the other file) but not wholly — a repeated id, a line without one —
    /// it is an error naming the line, never a silent fall-back to matching by line
    /// number. A plain file beside an id-keyed one (tsv, jsonl) is read as Kaldi text.
    public static func detectPair(reference a: [Substring], referencePath: String,
                                  hypothesis b: [Substring], hypothesisPath: String) throws -> (TranscriptFormat, TranscriptFormat) {
        let fa = detect(a), fb = detect(b)
        switch (fa, fb) {
        case (.lines, .lines):
            if looksLikeKaldiPair(a, b) { return (.kaldi, .kaldi) }
            func firsts(_ ls: [Substring]) -> [(line: Int, id: Substring)] {
                ls.enumerated().compactMap { i, l in l.split(separator: " ", maxSplits: 1).first.map { (i + 1, $0) } }
            }
            let ia = firsts(a), ib = firsts(b)
            let sa = Set(ia.map(\.id)), sb = Set(ib.map(\.id))
            let sharedA = ia.filter { idLike($0.id) && sb.contains($0.id) }.count
            let sharedB = ib.filter { idLike($0.id) && sa.contains($0.id) }.count
            guard !ia.isEmpty, !ib.isEmpty, sharedA * 2 > ia.count, sharedB * 2 > ib.count else { return (.lines, .lines) }
            for (lines, other, path) in [(ia, sb, referencePath), (ib, sa, hypothesisPath)] {
                var seen: [Substring: Int] = [:]
                for (n, id) in lines {
                    if let prev = seen[id] {
                        throw FileError.malformed(path: path, reason: "line \(n): id '\(id)' already on line \(prev) (the files look like Kaldi text, id first; "
                                                  + "fix the file, or --format lines to match by line number)")
                    }
                    seen[id] = n
                }
                if let stray = lines.first(where: { !idLike($0.id) && !other.contains($0.id) }) {
                    throw FileError.malformed(path: path, reason: "line \(stray.line): begins with '\(stray.id)', not an id like the other lines "
                                              + "(the files look like Kaldi text, id first); fix the line, or --format kaldi or --format lines")
                }
            }
            return (.kaldi, .kaldi)
        case (.lines, _): return (.kaldi, fb)
        case (_, .lines): return (fa, .kaldi)
        default: return (fa, fb)
        }
    }

    /// An utterance id has a digit, `_` or `-` (a plain word rarely does).
    static func idLike<S: StringProtocol>(_ w: S) -> Bool { w.contains { $0.isNumber || $0 == "_" || $0 == "-" } }

    public static func readLines(_ path: String) throws -> [Substring] {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        guard let data = fileContents(path) else { throw FileError.cannotRead(path: path, reason: "permission denied") }
        guard let text = String(data: data, encoding: .utf8) else { throw FileError.malformed(path: path, reason: "not UTF-8 text") }
        var lines = TextLines.split(text)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Parses `lines` of `path` in `format`. Duplicate ids and malformed lines
    /// are errors naming the file and line.
    public static func parse(_ lines: [Substring], format: TranscriptFormat, side: TranscriptSide, path: String) throws -> [TranscriptEntry] {
        var out: [TranscriptEntry] = []
        var seen: [String: Int] = [:]
        func add(_ id: String, _ text: String, _ n: Int) throws {
            if let prev = seen[id] {
                throw FileError.malformed(path: path, reason: "line \(n): id '\(id)' already on line \(prev)")
            }
            seen[id] = n
            out.append(TranscriptEntry(id: id, text: text, line: n))
        }
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            switch format {
            case .lines:
                try add(String(n), String(raw), n)
            case .kaldi:
                let l = raw.trimmingCharacters(in: .whitespaces)
                if l.isEmpty { continue }
                let parts = l.split(separator: " ", maxSplits: 1)
                try add(String(parts[0]), parts.count > 1 ? String(parts[1]) : "", n)
            case .tsv:
                if raw.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                guard let tab = raw.firstIndex(of: "\t") else {
                    throw FileError.malformed(path: path, reason: "line \(n): expected 'id<TAB>text'")
                }
                try add(String(raw[..<tab]), String(raw[raw.index(after: tab)...]), n)
            case .jsonl:
                let l = raw.trimmingCharacters(in: .whitespaces)
                if l.isEmpty { continue }
                guard let obj = try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any] else {
                    throw FileError.malformed(path: path, reason: "line \(n): not a JSON object")
                }
                let key = side == .hypothesis && obj["pred_text"] != nil ? "pred_text" : "text"
                guard let text = obj[key] as? String else {
                    throw FileError.malformed(path: path, reason: "line \(n): no \"\(key)\" string")
                }
                let id = (obj["id"] as? String) ?? (obj["audio_filepath"] as? String) ?? String(n)
                try add(id, text, n)
            }
        }
        return out
    }
}

/// Word mapping applied before scoring (e.g. `oh zero`): each line maps its
/// first word to the rest (which may be several words or empty).
public struct WordMap: Sendable {
    public var map: [String: [String]] = [:]
    public init() {}

    public static func load(_ path: String) throws -> WordMap {
        var m = WordMap()
        for (i, line) in try TranscriptFile.readLines(path).enumerated() {
            let w = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if w.isEmpty || w[0].hasPrefix("#") { continue }
            if m.map[w[0]] != nil { throw FileError.malformed(path: path, reason: "line \(i + 1): '\(w[0])' is mapped twice") }
            m.map[w[0]] = Array(w.dropFirst())
        }
        return m
    }

    public func apply(_ text: String) -> String {
        guard !map.isEmpty else { return text }
        return words(text).flatMap { map[$0] ?? [$0] }.joined(separator: " ")
    }
}
