import ASRCore
import Foundation

/// A token or word with its time span, seconds.
public struct TimedUnit: Codable, Equatable, Sendable {
    public var text: String
    /// Start time, seconds (first frame × seconds per frame).
    public var start: Double
    /// End time, seconds (one past the last frame × seconds per frame).
    public var end: Double
    /// Mean posterior probability of the unit over its frames, 0…1.
    public var confidence: Float

    public init(text: String, start: Double, end: Double, confidence: Float) {
        self.text = text
        self.start = start
        self.end = end
        self.confidence = confidence
    }
}

/// A decoded utterance, ready to print or serialise.
public struct Transcript: Codable, Equatable, Sendable {
    public var text: String
    public var score: Float
    public var tokens: [TimedUnit]
    /// Words: runs of tokens between spaces; without a space token (Mandarin),
    /// every token is a word.
    public var words: [TimedUnit]

    public init(text: String, score: Float, tokens: [TimedUnit], words: [TimedUnit]) {
        self.text = text
        self.score = score
        self.tokens = tokens
        self.words = words
    }
}

/// Builds the transcript of `h`: text, and the timing of every token and word.
/// `secondsPerFrame` = frame shift × subsampling factor.
public func makeTranscript(_ h: Hypothesis, tokens: [String], logProbs x: Matrix, secondsPerFrame: Double) -> Transcript {
    var timed: [TimedUnit] = []
    let spans = h.spans.count == h.tokens.count ? h.spans : alignTokens(h.tokens, logProbs: x)
    for s in spans {
        var c: Float = 0
        for t in s.startFrame...s.endFrame { c += expf(x[t, s.token]) }
        timed.append(TimedUnit(text: s.token < tokens.count ? tokens[s.token] : "",
                               start: Double(s.startFrame) * secondsPerFrame,
                               end: Double(s.endFrame + 1) * secondsPerFrame,
                               confidence: c / Float(s.endFrame - s.startFrame + 1)))
    }
    var words: [TimedUnit] = []
    if let written = h.written {
        // A reading decoder's output: each written form spans the tokens of its reading.
        for w in written where !w.tokens.isEmpty && w.tokens.upperBound <= timed.count {
            let units = timed[w.tokens]
            words.append(TimedUnit(text: w.text, start: units.first!.start, end: units.last!.end,
                                   confidence: units.map(\.confidence).reduce(0, +) / Float(units.count)))
        }
        return Transcript(text: written.map(\.text).joined(), score: h.score, tokens: timed, words: words)
    }
    if tokens.contains(" ") {
        var current: [TimedUnit] = []
        func flush() {
            guard let first = current.first, let last = current.last else { return }
            words.append(TimedUnit(text: current.map(\.text).joined(), start: first.start, end: last.end,
                                   confidence: current.map(\.confidence).reduce(0, +) / Float(current.count)))
            current = []
        }
        for u in timed { if u.text == " " { flush() } else { current.append(u) } }
        flush()
        // The text is its words with one space between them: a model may emit a space at
        // either end or two in a row, which no reader wants (and CER would count).
        return Transcript(text: words.map(\.text).joined(separator: " "), score: h.score, tokens: timed, words: words)
    }
    let text = h.tokens.map { $0 < tokens.count ? tokens[$0] : "" }.joined()
    return Transcript(text: text, score: h.score, tokens: timed, words: timed)
}
