import ASRCore

/// Where a token sits in the frame sequence: its first and last frame
/// (inclusive), from a Viterbi alignment of the token sequence.
public struct TokenSpan: Equatable, Sendable, Codable {
    public var token: Int
    public var startFrame: Int
    public var endFrame: Int
    public init(token: Int, startFrame: Int, endFrame: Int) {
        self.token = token
        self.startFrame = startFrame
        self.endFrame = endFrame
    }
}

/// One decoding result.
public struct Hypothesis: Equatable, Sendable {
    /// Token ids, blanks removed, repeats collapsed.
    public var tokens: [Int]
    /// Total score used for ranking: acoustic + α·LM + β·length + hotword bonus (natural log).
    public var score: Float
    /// log p(tokens | x) summed over all alignments the search kept (natural log).
    public var acousticScore: Float
    /// Language-model log-probability (natural log), 0 without an LM.
    public var lmScore: Float
    /// Frame span of each token.
    public var spans: [TokenSpan]
    /// The text as written, when a `ReadingDecoder` wrote the tokens' readings
    /// (Mandarin characters for pinyin); nil = the tokens are the text.
    public var written: [WrittenForm]? = nil

    public init(tokens: [Int], score: Float, acousticScore: Float, lmScore: Float = 0, spans: [TokenSpan] = []) {
        self.tokens = tokens
        self.score = score
        self.acousticScore = acousticScore
        self.lmScore = lmScore
        self.spans = spans
    }
}

/// A CTC decoder: log-probabilities `[T, V]` (rows sum to 1 in probability)
/// in, best hypotheses out, best first.
public protocol CTCDecoding: Sendable {
    func decode(_ logProbs: Matrix) -> [Hypothesis]
}

/// Collapses a frame-level path: repeats merged first, then blanks dropped,
/// so `好 好 ∅ 棒 棒 ∅ 棒` → `好 棒 棒`.
public func collapseCTCPath(_ path: [Int], blank: Int = 0) -> [Int] {
    var out: [Int] = []
    var prev = -1
    for p in path {
        if p != prev && p != blank { out.append(p) }
        prev = p
    }
    return out
}

/// Best (Viterbi) alignment of `tokens` to `[T, V]` log-probs: the frame span
/// of each token. Empty when the sequence cannot be aligned in T frames.
public func alignTokens(_ tokens: [Int], logProbs x: Matrix, blank: Int = 0) -> [TokenSpan] {
    let T = x.rows, L = tokens.count
    guard L > 0, T > 0 else { return [] }
    let S = 2 * L + 1
    var ext = [Int](repeating: blank, count: S)
    for i in 0..<L { ext[2 * i + 1] = tokens[i] }
    let ninf = -Float.infinity
    var score = [Float](repeating: ninf, count: S)
    var back = [Int32](repeating: -1, count: T * S)  // previous state
    score[0] = x[0, ext[0]]
    score[1] = x[0, ext[1]]
    var next = score
    for t in 1..<T {
        for s in 0..<S {
            var best = score[s], arg = s
            if s >= 1 && score[s - 1] > best { best = score[s - 1]; arg = s - 1 }
            if s >= 2 && ext[s] != blank && ext[s] != ext[s - 2] && score[s - 2] > best { best = score[s - 2]; arg = s - 2 }
            next[s] = best == ninf ? ninf : best + x[t, ext[s]]
            back[t * S + s] = Int32(arg)
        }
        swap(&score, &next)
    }
    var s = score[S - 1] >= score[S - 2] ? S - 1 : S - 2
    if score[s] == ninf { return [] }
    var stateAt = [Int](repeating: 0, count: T)
    for t in stride(from: T - 1, through: 0, by: -1) {
        stateAt[t] = s
        if t > 0 { s = Int(back[t * S + s]) }
    }
    var spans = [TokenSpan]()
    for t in 0..<T where stateAt[t] % 2 == 1 {
        let k = stateAt[t] / 2
        if k < spans.count { spans[k].endFrame = t } else { spans.append(TokenSpan(token: tokens[k], startFrame: t, endFrame: t)) }
    }
    return spans
}
