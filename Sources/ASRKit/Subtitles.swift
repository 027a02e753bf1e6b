import Decoding
import Foundation

/// One subtitle: text shown from `start` to `end`, seconds.
public struct SubtitleCue: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var text: String
}

/// SubRip (.srt) and WebVTT (.vtt) subtitles from word timings: a new cue at a
/// pause, or before a cue would last longer than `maxSeconds` or show more than
/// `maxCharacters`.
public struct Subtitles: Sendable {
    public var maxSeconds = 6.0
    public var maxCharacters = 42
    /// A silence at least this long between words starts a new cue, seconds.
    public var pause = 0.6

    public init(maxSeconds: Double = 6, maxCharacters: Int = 42, pause: Double = 0.6) {
        self.maxSeconds = maxSeconds
        self.maxCharacters = maxCharacters
        self.pause = pause
    }

    /// Cues of `words` (in time order), joined by `separator` (" ", or "" for
    /// Mandarin). Cue times never decrease and each cue ends after it starts.
    public func cues(_ words: [TimedUnit], separator: String) -> [SubtitleCue] {
        var cues: [SubtitleCue] = []
        var current: [TimedUnit] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            let start = max(first.start, cues.last?.end ?? 0)
            cues.append(SubtitleCue(start: start, end: max(last.end, start + 0.01),
                                    text: current.map(\.text).joined(separator: separator)))
            current = []
        }
        for w in words where !w.text.isEmpty {
            if let first = current.first, let last = current.last {
                let text = (current.map(\.text) + [w.text]).joined(separator: separator)
                if w.start - last.end >= pause || w.end - first.start > maxSeconds || text.count > maxCharacters { flush() }
            }
            current.append(w)
        }
        flush()
        return cues
    }

    /// "00:01:02,345" (SubRip) or "00:01:02.345" (WebVTT).
    static func timestamp(_ seconds: Double, separator: Character) -> String {
        let ms = Int((max(0, seconds) * 1000).rounded())
        return String(format: "%02d:%02d:%02d%@%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, String(separator), ms % 1000)
    }

    public static func srt(_ cues: [SubtitleCue]) -> String {
        cues.enumerated().map { i, c in
            "\(i + 1)\n\(timestamp(c.start, separator: ",")) --> \(timestamp(c.end, separator: ","))\n\(c.text)\n"
        }.joined(separator: "\n")
    }

    public static func vtt(_ cues: [SubtitleCue]) -> String {
        "WEBVTT\n\n" + cues.map { c in
            "\(timestamp(c.start, separator: ".")) --> \(timestamp(c.end, separator: "."))\n\(c.text)\n"
        }.joined(separator: "\n")
    }
}
