/// A language model the beam search can query. Scores are natural logs.
/// The state is the context the next unit is conditioned on.
public protocol LanguageModel: Sendable {
    /// Context at the start of a sentence (`<s>`).
    var initialState: [Int32] { get }
    /// log p(unit | state) and the state after it. A function of its arguments
    /// alone — the beam search asks once per (state, unit) and reuses the answer,
    /// treats equal states as the same, and compares units as `String`s (canonical
    /// equivalence).
    func score(_ state: [Int32], unit: String) -> (logProb: Float, next: [Int32])
    /// log p(`</s>` | state).
    func finalScore(_ state: [Int32]) -> Float
    /// Whether some word of the vocabulary begins with `partial` (word-level LMs).
    func isWordPrefix(_ partial: String) -> Bool
}

extension LanguageModel {
    public func isWordPrefix(_ partial: String) -> Bool { true }
}

/// What one LM unit is, as tokens see it.
public enum LMUnit: String, Codable, Sendable, CaseIterable {
    /// Words separated by a separator token (space): English. The LM scores a
    /// word when the separator after it (or the end) arrives.
    case word
    /// Every token is a unit: Mandarin characters.
    case token
}
