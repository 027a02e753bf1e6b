import ASRCore
import ASRText
import AudioIO
import Foundation

/// One utterance of a data set.
public struct Utterance: Equatable, Sendable {
    public var id: String
    public var audioPath: String
    /// Seconds, as the manifest states it (0 if unknown).
    public var duration: Double
    /// Transcript (normalised by the loader's options).
    public var text: String
    public var speaker: String?
    /// Where it came from, for error messages: "file:line".
    public var origin: String
    /// Only this stretch of the file (manifest `offset` with `duration`, as
    /// NeMo's; what `asr data pack` writes); nil: the whole file.
    public var segment: AudioSegment? = nil
    /// The manifest line's other string fields (`speaker`, `engine`, …), for
    /// grouping results (`asr eval --per engine`); a Kaldi folder gives `speaker`.
    public var attributes: [String: String] = [:]
    /// Its line (1-based) in a JSON-lines manifest; nil from a Kaldi folder.
    public var manifestLine: Int? = nil
}

/// Problems in data sets; each names the file and line.
public enum DataError: Error, Equatable, CustomStringConvertible {
    case malformed(origin: String, reason: String)
    case missingAudio(origin: String, path: String)
    case emptyText(origin: String)
    case unknownCharacter(origin: String, character: String, text: String)
    case empty(path: String)

    public var description: String {
        switch self {
        case .malformed(let o, let r): return "\(o): \(r)"
        case .missingAudio(let o, let p): return "\(o): audio file \(p) does not exist"
        case .emptyText(let o): return "\(o): empty transcript (text is \"\")"
        case .unknownCharacter(let o, let c, let t):
            return "\(o): character '\(c)' (U+\(String(c.unicodeScalars.first!.value, radix: 16, uppercase: true))) in \"\(t)\" is not in the token inventory"
        case .empty(let p): return "\(p): no utterances"
        }
    }
}

public enum DataSet {
    /// Loads a JSON-lines manifest or a Kaldi data folder, normalising text.
    /// Checks that every audio file exists and every transcript is non-empty.
    /// `field` names the transcript: the manifest key (or Kaldi folder file) the
    /// text comes from (`tokens.field`; `text` by default).
    /// `requireText: false` (audio to transcribe): a manifest line may lack the
    /// text, and a missing audio file is left for the transcriber to report
    /// (the others go on).
    public static func load(_ path: String, normalize: TextNormalization, field: String = "text", requireText: Bool = true) throws -> [Utterance] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw FileError.notFound(path: path) }
        let utts = isDir.boolValue ? try loadKaldi(path, normalize: normalize, field: field)
                                   : try loadManifest(path, normalize: normalize, field: field, requireText: requireText)
        guard !utts.isEmpty else { throw DataError.empty(path: path) }
        guard requireText else { return utts }
        for u in utts {
            if u.text.isEmpty { throw DataError.emptyText(origin: u.origin) }
            guard FileManager.default.fileExists(atPath: u.audioPath) else { throw DataError.missingAudio(origin: u.origin, path: u.audioPath) }
        }
        return utts
    }

    /// NeMo-style manifest: one JSON object a line with `audio_filepath`,
    /// `text` and optionally `duration`, `id`, `speaker`. Relative audio paths
    /// are resolved against the manifest's folder. The transcript is `field`
    /// (`text` unless the recipe's `tokens.field` names another key); the other
    /// string fields, `text` among them then, become attributes.
    public static func loadManifest(_ path: String, normalize: TextNormalization, field: String = "text",
                                    requireText: Bool = true) throws -> [Utterance] {
        guard let data = fileContents(path), let text = String(data: data, encoding: .utf8) else {
            throw FileError.cannotRead(path: path, reason: "not readable UTF-8 text")
        }
        let base = (path as NSString).deletingLastPathComponent
        var out: [Utterance] = []
        var seen = Set<String>()
        for (i, line) in TextLines.split(text).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            var u = try parseManifestLine(trimmed, line: i + 1, path: path, base: base, normalize: normalize, field: field, requireText: requireText)
            if seen.contains(u.id) { u.id = "\(u.id)#\(i + 1)" }
            seen.insert(u.id)
            out.append(u)
        }
        return out
    }

    /// One non-empty manifest line (line number `line` of `path`, whose folder is
    /// `base`) → its utterance; the id is the line's own (not made unique).
    public static func parseManifestLine(_ trimmed: String, line: Int, path: String, base: String, normalize: TextNormalization,
                                         field: String = "text", requireText: Bool = true) throws -> Utterance {
        let origin = "\(path):\(line)"
        guard let obj = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
            throw DataError.malformed(origin: origin, reason: "not a JSON object")
        }
        guard let audio = obj["audio_filepath"] as? String, !audio.isEmpty else {
            throw DataError.malformed(origin: origin, reason: "missing \"audio_filepath\" (a string)")
        }
        guard let t = obj[field] as? String ?? (requireText || obj[field] != nil ? nil : "") else {
            let why = field == "text" ? "" : " (the recipe's tokens.field)"
            throw DataError.malformed(origin: origin, reason: "missing \"\(field)\" (a string)\(why)")
        }
        var duration = 0.0
        if let d = obj["duration"] {
            guard let n = d as? NSNumber, n.doubleValue >= 0 else { throw DataError.malformed(origin: origin, reason: "\"duration\" must be a number ≥ 0") }
            duration = n.doubleValue
        }
        var segment: AudioSegment?
        if let o = obj["offset"] {
            guard let n = o as? NSNumber, n.doubleValue >= 0 else { throw DataError.malformed(origin: origin, reason: "\"offset\" must be a number of seconds ≥ 0") }
            guard duration > 0 else { throw DataError.malformed(origin: origin, reason: "\"offset\" needs \"duration\" (seconds > 0): the segment's length") }
            segment = AudioSegment(offset: n.doubleValue, duration: duration)
        }
        let resolved = audio.hasPrefix("/") ? audio : (base as NSString).appendingPathComponent(audio)
        let id = (obj["id"] as? String) ?? ((audio as NSString).lastPathComponent as NSString).deletingPathExtension
        var attributes: [String: String] = [:]
        for (k, v) in obj where k != "audio_filepath" && k != field { if let v = v as? String { attributes[k] = v } }
        return Utterance(id: id, audioPath: resolved, duration: duration, text: normalize.apply(t),
                         speaker: obj["speaker"] as? String, origin: origin, segment: segment, attributes: attributes,
                         manifestLine: line)
    }

    /// Kaldi data folder: `wav.scp` (`utt-id path`), `text` (`utt-id words…`; the
    /// file named `field` when that is not `text`), optional `utt2spk`. Pipes in
    /// wav.scp (`… |`) are not supported.
    public static func loadKaldi(_ dir: String, normalize: TextNormalization, field: String = "text") throws -> [Utterance] {
        func table(_ name: String, required: Bool) throws -> [(String, String, Int)] {
            let p = (dir as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: p) else {
                if required { throw FileError.notFound(path: p) }
                return []
            }
            guard let d = fileContents(p), let s = String(data: d, encoding: .utf8) else {
                throw FileError.cannotRead(path: p, reason: "not readable UTF-8 text")
            }
            var rows: [(String, String, Int)] = []
            for (i, line) in TextLines.split(s).enumerated() {
                let l = line.trimmingCharacters(in: .whitespaces)
                if l.isEmpty { continue }
                let parts = l.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
                let key = String(parts[0]), value = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
                rows.append((key, value, i + 1))
            }
            return rows
        }
        let scpPath = (dir as NSString).appendingPathComponent("wav.scp")
        let textPath = (dir as NSString).appendingPathComponent(field)
        let wav = try table("wav.scp", required: true)
        let texts = Dictionary(try table(field, required: true).map { ($0.0, ($0.1, $0.2)) }, uniquingKeysWith: { a, _ in a })
        let spk = Dictionary(try table("utt2spk", required: false).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        var out: [Utterance] = []
        var seen = Set<String>()
        for (id, path, line) in wav {
            let origin = "\(scpPath):\(line)"
            guard !seen.contains(id) else { throw DataError.malformed(origin: origin, reason: "utterance id \(id) appears twice") }
            seen.insert(id)
            guard !path.isEmpty else { throw DataError.malformed(origin: origin, reason: "expected 'utt-id path'") }
            guard !path.hasSuffix("|") else {
                throw DataError.malformed(origin: origin, reason: "command pipes in wav.scp are not supported; give a file path")
            }
            guard let (t, _) = texts[id] else {
                throw DataError.malformed(origin: origin, reason: "utterance \(id) has no line in \(textPath)")
            }
            let resolved = path.hasPrefix("/") ? path : (dir as NSString).appendingPathComponent(path)
            let audio = FileManager.default.fileExists(atPath: resolved) ? resolved : path
            out.append(Utterance(id: id, audioPath: audio, duration: 0, text: normalize.apply(t), speaker: spk[id],
                                 origin: "\(textPath):\(texts[id]!.1)", attributes: spk[id].map { ["speaker": $0] } ?? [:]))
        }
        return out
    }

    /// Checks that transcripts normalised with `pinyin_to_zhuyin` are all zhuyin: a word
    /// of `field` that was not a tone-numbered syllable is an error naming its line.
    public static func checkZhuyin(_ utts: [Utterance], field: String) throws {
        for u in utts {
            if let word = Zhuyin.firstUnconverted(in: u.text) {
                throw DataError.malformed(origin: u.origin, reason: "'\(word)' in \"\(field)\" is not a tone-numbered pinyin syllable (e.g. 'bang4', 'lv3'), which tokens.normalize.pinyin_to_zhuyin expects")
            }
        }
    }

    /// Checks that every character of every transcript is in `tokens`.
    public static func checkCharacters(_ utts: [Utterance], tokens: TokenTable) throws {
        for u in utts {
            if case .failure(let e) = tokens.encode(u.text) {
                throw DataError.unknownCharacter(origin: u.origin, character: e.character, text: u.text)
            }
        }
    }
}
