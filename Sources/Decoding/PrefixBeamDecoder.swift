import ASRCore
import Foundation

/// Prefix beam search settings.
public struct BeamSearchOptions: Codable, Equatable, Sendable, DefaultConstructible {
    /// Prefixes kept after each frame.
    public var beamWidth = 16
    /// Only the k most probable non-blank tokens of a frame extend prefixes; 0 = all.
    public var tokenTopK = 32
    /// Tokens below this log-probability (natural log) are not tried; −∞ = all.
    public var tokenMinLogProb: Float = -12
    /// A frame whose blank probability is at least this only extends prefixes
    /// by blank and repeats (no new tokens); > 1 = never skip.
    public var blankSkipThreshold: Float = 0.9999
    /// Hypotheses returned.
    public var nbest = 1
    /// LM weight α.
    public var lmWeight: Float = 0.5
    /// Length bonus β per LM unit (word or token); like α, used only with an LM.
    public var lengthBonus: Float = 1.0
    /// Token id of the blank.
    public var blank = 0

    public init() {}

    /// No pruning at all: every token on every frame (for exactness tests).
    public static func exhaustive(beamWidth: Int) -> BeamSearchOptions {
        var o = BeamSearchOptions()
        o.beamWidth = beamWidth
        o.tokenTopK = 0
        o.tokenMinLogProb = -.infinity
        o.blankSkipThreshold = 2
        return o
    }
}

/// CTC prefix beam search with optional n-gram LM and hotwords.
///
/// Each prefix keeps two log-probabilities: ending in blank (pb) and ending in
/// a non-blank (pnb). Per frame, for token c with log-prob y:
/// blank → pb'(ℓ) += (pb + pnb)(ℓ)·y; c = last(ℓ) → pnb'(ℓ) += pnb(ℓ)·y and
/// pnb'(ℓc) += pb(ℓ)·y (a blank separated the repeat); otherwise
/// pnb'(ℓc) += (pb + pnb)(ℓ)·y. Prefixes are ranked by
/// `log(pb + pnb) + α·LM + β·units + hotword bonus`.
public struct PrefixBeamDecoder: CTCDecoding {
    public var options: BeamSearchOptions
    /// Token strings by id (needed for the LM and word boundaries).
    public var tokens: [String]
    public var lm: (any LanguageModel)?
    public var lmUnit: LMUnit
    /// Token id separating words (the space), for `lmUnit == .word`.
    public var separator: Int?
    public var hotwords: HotwordGraph?

    public init(options: BeamSearchOptions = BeamSearchOptions(), tokens: [String] = [], lm: (any LanguageModel)? = nil,
                lmUnit: LMUnit = .word, hotwords: HotwordGraph? = nil) {
        self.options = options
        self.tokens = tokens
        self.lm = lm
        self.lmUnit = lmUnit
        self.separator = tokens.firstIndex(of: " ")
        self.hotwords = hotwords
    }

    struct Node {
        var parent: Int32
        var token: Int32
        var length: Int32
        /// LM context after the last completed unit, its cumulative log-prob, units scored.
        var lmState: [Int32]
        var lmScore: Float
        var units: Int32
        /// Node where the current (unfinished) word starts, word mode.
        var wordStart: Int32
        var hotState: Int32
        var hotScore: Float
    }

    public func decode(_ x: Matrix) -> [Hypothesis] {
        let T = x.rows, V = x.cols
        let blank = options.blank
        let ninf = -Float.infinity
        let alpha = lm == nil ? 0 : options.lmWeight
        let beta = lm == nil ? 0 : options.lengthBonus
        var nodes: [Node] = [Node(parent: -1, token: -1, length: 0, lmState: lm?.initialState ?? [], lmScore: 0,
                                  units: 0, wordStart: 0, hotState: 0, hotScore: 0)]
        var children: [Int: Int32] = [:]  // (parent << 20 | token) → child

        func tokenString(_ t: Int) -> String { t < tokens.count ? tokens[t] : "#\(t)" }

        func wordString(from start: Int32, to end: Int32) -> String {
            var ids: [Int32] = []
            var n = end
            while n != start && n > 0 { ids.append(nodes[Int(n)].token); n = nodes[Int(n)].parent }
            return ids.reversed().map { tokenString(Int($0)) }.joined()
        }

        func child(_ parent: Int32, _ token: Int) -> Int32 {
            let key = Int(parent) << 20 | token
            if let c = children[key] { return c }
            let p = nodes[Int(parent)]
            var n = Node(parent: parent, token: Int32(token), length: p.length + 1, lmState: p.lmState,
                         lmScore: p.lmScore, units: p.units, wordStart: p.wordStart, hotState: p.hotState, hotScore: p.hotScore)
            let id = Int32(nodes.count)
            if let hw = hotwords {
                let (s, bonus) = hw.step(Int(p.hotState), token: token)
                n.hotState = Int32(s)
                n.hotScore += bonus
            }
            if lmUnit == .token || separator == nil {
                if let lm {
                    let (lp, next) = lm.score(p.lmState, unit: tokenString(token))
                    n.lmScore += lp
                    n.lmState = next
                }
                n.units += 1
            } else if token == separator! {
                let word = wordString(from: p.wordStart, to: parent)
                if !word.isEmpty {
                    if let lm {
                        let (lp, next) = lm.score(p.lmState, unit: word)
                        n.lmScore += lp
                        n.lmState = next
                    }
                    n.units += 1
                }
                n.wordStart = id
            }
            nodes.append(n)
            children[key] = id
            return id
        }

        func rank(_ node: Int32, _ pb: Float, _ pnb: Float) -> Float {
            let n = nodes[Int(node)]
            return logAdd(pb, pnb) + alpha * n.lmScore + beta * Float(n.units) + n.hotScore
        }

        // Beam: parallel arrays of node, pb, pnb.
        var beam: [(node: Int32, pb: Float, pnb: Float)] = [(0, 0, ninf)]
        var next: [Int32: (pb: Float, pnb: Float)] = [:]
        var candidates: [(token: Int, lp: Float)] = []
        candidates.reserveCapacity(V)
        let topK = options.tokenTopK > 0 ? min(options.tokenTopK, V - 1) : V - 1
        let skipLog = options.blankSkipThreshold <= 1 ? logf(options.blankSkipThreshold) : Float.infinity

        x.storage.withUnsafeBufferPointer { buf in
            for t in 0..<T {
                let row = buf.baseAddress! + t * V
                let lpBlank = row[blank]
                next.removeAll(keepingCapacity: true)
                func add(_ node: Int32, pb: Float, pnb: Float) {
                    if let e = next[node] { next[node] = (logAdd(e.pb, pb), logAdd(e.pnb, pnb)) } else { next[node] = (pb, pnb) }
                }
                // Candidate tokens of this frame.
                candidates.removeAll(keepingCapacity: true)
                let skip = lpBlank >= skipLog
                if !skip {
                    for v in 0..<V where v != blank && row[v] >= options.tokenMinLogProb { candidates.append((v, row[v])) }
                    if candidates.count > topK {
                        candidates.sort { $0.lp > $1.lp }
                        candidates.removeLast(candidates.count - topK)
                    }
                }
                for (node, pb, pnb) in beam {
                    let total = logAdd(pb, pnb)
                    add(node, pb: total + lpBlank, pnb: ninf)
                    let last = Int(nodes[Int(node)].token)
                    if node != 0 && last >= 0 {
                        // Repeat collapses into the same prefix (always considered, even on skipped frames).
                        add(node, pb: ninf, pnb: pnb + row[last])
                    }
                    for (c, lp) in candidates {
                        if c == last && node != 0 {
                            let ch = child(node, c)
                            add(ch, pb: ninf, pnb: pb + lp)
                        } else {
                            let ch = child(node, c)
                            add(ch, pb: ninf, pnb: total + lp)
                        }
                    }
                }
                // Keep the best beamWidth prefixes.
                var entries = next.map { (node: $0.key, pb: $0.value.pb, pnb: $0.value.pnb) }
                if entries.count > options.beamWidth {
                    var scored = entries.map { ($0, rank($0.node, $0.pb, $0.pnb)) }
                    scored.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0.node < $1.0.node) }
                    entries = scored.prefix(options.beamWidth).map { $0.0 }
                }
                beam = entries
            }
        }

        // Finish: score the trailing word and </s>, then rank.
        var finals: [(node: Int32, acoustic: Float, lmScore: Float, units: Int32, score: Float)] = []
        for (node, pb, pnb) in beam {
            let n = nodes[Int(node)]
            var lmScore = n.lmScore, units = n.units, state = n.lmState
            if lmUnit == .word, let sep = separator {
                let lastIsSep = node != 0 && Int(n.token) == sep
                if !lastIsSep {
                    let word = wordString(from: n.wordStart, to: node)
                    if !word.isEmpty {
                        if let lm { let (lp, s) = lm.score(state, unit: word); lmScore += lp; state = s }
                        units += 1
                    }
                }
            }
            if let lm { lmScore += lm.finalScore(state) }
            let acoustic = logAdd(pb, pnb)
            finals.append((node, acoustic, lmScore, units, acoustic + alpha * lmScore + beta * Float(units) + n.hotScore))
        }
        finals.sort { $0.score > $1.score || ($0.score == $1.score && $0.node < $1.node) }
        return finals.prefix(max(options.nbest, 1)).map { f in
            var ids: [Int] = []
            var n = f.node
            while n > 0 { ids.append(Int(nodes[Int(n)].token)); n = nodes[Int(n)].parent }
            ids.reverse()
            return Hypothesis(tokens: ids, score: f.score, acousticScore: f.acoustic, lmScore: f.lmScore,
                              spans: alignTokens(ids, logProbs: x, blank: blank))
        }
    }
}

@inline(__always)
func logAdd(_ a: Float, _ b: Float) -> Float {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1pf(expf(b - a)) : b + log1pf(expf(a - b))
}
