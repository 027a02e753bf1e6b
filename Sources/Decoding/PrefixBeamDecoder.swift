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
    /// Prefixes scoring below the frame's best + this (natural log) are dropped; −∞ = off.
    public var beamPruneLogProb: Float = -10
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
    /// With a word LM: log-score added to a prefix while its unfinished last word
    /// begins no word of the LM's vocabulary (× length/6 beyond 6 characters),
    /// removed when the word is complete and scored. Without it a search through
    /// noisy frames avoids spaces, since every completed word costs LM score and
    /// an endless non-word costs nothing until the end. pyctcdecode's
    /// `unk_score_offset` plays the same role (−10). 0 = off.
    public var unknownPrefixPenalty: Float = -10
    /// A usable `unknownPrefixPenalty`: a finite log-score ≤ 0.
    public static func isValidUnknownPrefixPenalty(_ v: Float) -> Bool { v <= 0 && v.isFinite }
    /// pyctcdecode 0.5's search: beam slots per (prefix, last token or blank)
    /// instead of one slot per prefix; blank and repeats only extend when they
    /// pass the token pruning; repeated, leading and trailing spaces add nothing
    /// to the text; scores summed in Double; with `nbest` 1 the history pruning
    /// of its `decode()` (of beams sharing the last complete word, the partial
    /// word and the last token only the best survives a frame), with more the
    /// n-best of its `decode_beams()`. Without LM or hotwords. Off by default:
    /// merging the two endings of a prefix (Hannun et al.) finds more probable
    /// outputs.
    public var pyctcdecodeCompatible = false

    public init() {}

    /// The defaults above (`DecodingConfig` takes its defaults from here).
    public static let `default` = BeamSearchOptions()

    /// No pruning at all: every token on every frame (for exactness tests).
    public static func exhaustive(beamWidth: Int) -> BeamSearchOptions {
        var o = BeamSearchOptions()
        o.beamWidth = beamWidth
        o.tokenTopK = 0
        o.tokenMinLogProb = -.infinity
        o.blankSkipThreshold = 2
        o.beamPruneLogProb = -.infinity
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
///
/// With a `lexicon` (and a separator token), only its words can be spelt: a
/// token that continues no lexicon word is never appended, a separator only
/// follows a whole word (so no leading or doubled spaces either), and the
/// result ends on a whole word. The best result is then the most probable
/// label sequence made of lexicon words (exact without pruning).
public struct PrefixBeamDecoder: CTCDecoding {
    public var options: BeamSearchOptions
    /// Token strings by id (needed for the LM and word boundaries).
    public var tokens: [String]
    public var lm: (any LanguageModel)?
    public var lmUnit: LMUnit
    /// Token id separating words (the space), for `lmUnit == .word`.
    public var separator: Int?
    public var hotwords: HotwordGraph?
    /// The words that may be emitted; nil = any token sequence. Needs `separator`
    /// (without one it is not applied: callers check, see `LexiconError.noSeparator`).
    public var lexicon: Lexicon?

    public init(options: BeamSearchOptions = BeamSearchOptions(), tokens: [String] = [], lm: (any LanguageModel)? = nil,
                lmUnit: LMUnit = .word, hotwords: HotwordGraph? = nil, lexicon: Lexicon? = nil) {
        self.options = options
        self.tokens = tokens
        self.lm = lm
        self.lmUnit = lmUnit
        self.separator = tokens.firstIndex(of: " ")
        self.hotwords = hotwords
        self.lexicon = lexicon
    }

    public func decode(_ x: Matrix) -> [Hypothesis] {
        precondition(x.cols <= 1 << 20, "beam search: at most 2^20 tokens (tables key (prefix, token) as prefix << 20 | token)")
        if options.pyctcdecodeCompatible && lm == nil && hotwords == nil && lexicon == nil { return decodeCompatible(x) }
        let T = x.rows, V = x.cols
        let blank = options.blank
        let ninf = -Float.infinity
        // The search state is one struct whose methods the frame loop calls: locals
        // captured by nested functions would get dynamic exclusivity checks (they
        // cost a third to half of the search time).
        var trie = PrefixTrie(self)
        var beam: [(node: Int32, pb: Float, pnb: Float)] = [(0, 0, ninf)]
        var candidates: [(token: Int, lp: Float)] = []
        candidates.reserveCapacity(V)
        var scored: [(entry: (node: Int32, pb: Float, pnb: Float), score: Float)] = []
        let topK = options.tokenTopK > 0 ? min(options.tokenTopK, V - 1) : V - 1
        let skipLog = options.blankSkipThreshold <= 1 ? logf(options.blankSkipThreshold) : Float.infinity
        let probs = x.storage

        for t in 0..<T {
            trie.startFrame(Int32(t))
            let base = t * V  // row t of the [T, V] log-probs
            let lpBlank = probs[base + blank]
            // Candidate tokens of this frame.
            candidates.removeAll(keepingCapacity: true)
            if lpBlank < skipLog {
                var best = blank
                for v in 0..<V {
                    if probs[base + v] > probs[base + best] { best = v }
                    if v != blank && probs[base + v] >= options.tokenMinLogProb { candidates.append((v, probs[base + v])) }
                }
                // The frame's most probable token is always tried, whatever the threshold.
                if best != blank && probs[base + best] < options.tokenMinLogProb { candidates.append((best, probs[base + best])) }
                if candidates.count > topK {
                    candidates.sort { $0.lp > $1.lp }
                    candidates.removeLast(candidates.count - topK)
                }
            }
            for (node, pb, pnb) in beam {
                let total = logAdd(pb, pnb)
                trie.add(node, pb: total + lpBlank, pnb: ninf)
                let last = Int(trie.token[Int(node)])
                if node != 0 {
                    // A repeat collapses into the same prefix (also on skipped frames).
                    trie.add(node, pb: ninf, pnb: pnb + probs[base + last])
                }
                for (c, lp) in candidates {
                    // After a non-blank, the same token again only continues (above);
                    // a new copy needs a blank in between.
                    let mass = (c == last && node != 0 ? pb : total) + lp
                    trie.extend(node, c, pnb: mass)
                }
            }
            // Keep the best beamWidth prefixes, then drop those far below the best.
            scored.removeAll(keepingCapacity: true)
            let firstNew = Int32(trie.parent.count)
            for node in trie.touched {
                if node < 0 {  // a prefix without a node yet: ranked under the id it would get
                    let i = Int(-node - 1)
                    scored.append(((firstNew + Int32(i), ninf, trie.pending[i].pnb), trie.pendingRank(i)))
                    continue
                }
                let n = Int(node)
                let pb = trie.nextPb[n], pnb = trie.nextPnb[n]
                scored.append(((node, pb, pnb), trie.rank(node, pb, pnb)))
            }
            if scored.count > options.beamWidth {
                keepBest(&scored, options.beamWidth)
            }
            if options.beamPruneLogProb > -.infinity {
                var top = -Float.infinity
                for e in scored { top = max(top, e.score) }
                scored.removeAll { $0.score < top + options.beamPruneLogProb }
            }
            if !trie.pending.isEmpty { trie.materialize(&scored, firstNew: firstNew) }
            beam = scored.map(\.entry)
        }
        return trie.finish(beam, x)
    }
}

/// Values numbered in the order first met (ids from 0).
struct Interner<Value: Hashable> {
    private var values: [Value] = []
    private var index: [Value: Int32] = [:]

    init(_ first: Value) { _ = intern(first) }

    /// The id of `value`, and whether it was met just now.
    mutating func intern(_ value: Value) -> (id: Int32, new: Bool) {
        if let id = index[value] { return (id, false) }
        let id = Int32(values.count)
        values.append(value)
        index[value] = id
        return (id, true)
    }

    subscript(id: Int32) -> Value { values[Int(id)] }
}

/// The state of one prefix beam search: the trie of prefixes, as parallel arrays
/// indexed by node (0 = the empty prefix), with each node's LM, hotword and
/// lexicon state, and the per-frame accumulators of the prefixes reached.
private struct PrefixTrie {
    let decoder: PrefixBeamDecoder
    let alpha: Float, beta: Float
    /// The lexicon, where it applies (it needs a separator).
    let lexicon: Lexicon?
    /// Whether unfinished words are checked against the LM's vocabulary.
    let checkPrefixes: Bool

    var parent: [Int32] = [-1], token: [Int32] = [-1]
    var lmScore: [Float] = [0], units: [Int32] = [0], wordTokens: [Int32] = [0]
    var hotState: [Int32], hotScore: [Float] = [0], prefixPenalty: [Float] = [0]
    /// Lexicon state of each node's unfinished word (0 = at a word start).
    var lexState: [Int32] = [0]
    /// Each node's LM context, as an id of `contexts` (the contexts this search met).
    var context: [Int32] = [0]
    var contexts: Interner<[Int32]>
    /// Each node's unfinished word (word-level LM), as an id of `partials` (the
    /// unfinished words this search met; 0 = ""), whether some LM word begins so,
    /// and the id after each (word, token): a node is made without building a
    /// string, hashing one, or copying a context.
    var partial: [Int32] = [0]
    var partials = Interner("")
    var partialIsPrefix: [Bool] = [true]
    var partialAfter = FrameTable()
    /// The LM's answers per (context, unit) — a unit is a token (token-level LM) or
    /// a partial id (word-level): `score` is a function of its arguments, so each is
    /// asked once a search.
    var scoreMemo = FrameTable()
    var memoLogProb: [Float] = [], memoNext: [Int32] = []
    let lm: (any LanguageModel)?
    let wordLevel: Bool
    /// (parent << 20 | token) → child, for the prefixes that have a node.
    var children = FrameTable()
    /// Per-frame accumulators, indexed by node; `stamp` marks nodes touched this frame.
    var nextPb: [Float] = [-.infinity], nextPnb: [Float] = [-.infinity], stamp: [Int32] = [-1]
    /// The prefixes reached this frame in the order first reached: node ids, and
    /// −(i + 1) for `pending[i]`.
    var touched: [Int32] = []
    var frame: Int32 = -1
    /// A new prefix gets its node only if it survives the frame: most extensions
    /// do not, and making a node for each (15 arrays and the child table, growing
    /// with beam × tokens × frames) was most of the search's time. Without LM,
    /// hotwords or lexicon (`plain`) a prefix's rank is its acoustic score alone;
    /// otherwise the state it would have (`Child`) is worked out to rank it.
    let plain: Bool
    /// This frame's new prefixes without a node: parent, token, mass ending in the
    /// token; and (unless `plain`) the state each would have.
    var pending: [(parent: Int32, token: Int32, pnb: Float)] = []
    var pendingState: [Child] = []

    init(_ d: PrefixBeamDecoder) {
        decoder = d
        alpha = d.lm == nil ? 0 : d.options.lmWeight
        beta = d.lm == nil ? 0 : d.options.lengthBonus
        lexicon = d.separator != nil ? d.lexicon : nil
        checkPrefixes = d.lm != nil && d.lmUnit == .word && d.separator != nil && d.options.unknownPrefixPenalty != 0
        hotState = [Int32(d.hotwords?.initialState ?? 0)]
        contexts = Interner(d.lm?.initialState ?? [])
        lm = d.lm
        wordLevel = d.lm != nil && d.lmUnit == .word && d.separator != nil
        // The empty word (a token spelt "" at a word start) is checked like any other.
        partialIsPrefix = [!checkPrefixes || d.lm!.isWordPrefix("")]
        plain = d.lm == nil && d.hotwords == nil && lexicon == nil
    }

    func tokenString(_ t: Int) -> String { t < decoder.tokens.count ? decoder.tokens[t] : "#\(t)" }

    /// The id of `partials[word] + tok`.
    mutating func partial(after word: Int32, _ tok: Int) -> Int32 {
        let key = Int(word) << 20 | tok
        if let id = partialAfter.get(key) { return id }
        let text = partials[word] + tokenString(tok)
        let (id, new) = partials.intern(text)
        if new { partialIsPrefix.append(!checkPrefixes || lm!.isWordPrefix(text)) }
        partialAfter.set(key, id)
        return id
    }

    /// log p(unit | contexts[ctx]) and the next context's id, from the LM once per
    /// (ctx, unit); `unit` is a token (token-level LM) or a partial id (word-level).
    mutating func lmAnswer(_ ctx: Int32, unit: Int32) -> (Float, Int32) {
        let key = Int(ctx) << 32 | Int(unit)
        if let m = scoreMemo.get(key) { return (memoLogProb[Int(m)], memoNext[Int(m)]) }
        let (lp, next) = lm!.score(contexts[ctx], unit: wordLevel ? partials[unit] : tokenString(Int(unit)))
        let id = contexts.intern(next).id
        scoreMemo.set(key, Int32(memoLogProb.count))
        memoLogProb.append(lp)
        memoNext.append(id)
        return (lp, id)
    }

    /// What the node of prefix p + tok holds, worked out without making it.
    struct Child {
        var lexState: Int32 = 0, lmScore: Float, units: Int32, context: Int32, partial: Int32 = 0, wordTokens: Int32
        var hotState: Int32, hotScore: Float, penalty: Float = 0
    }

    /// The state of prefix `p` + `tok`; nil where the lexicon forbids it.
    mutating func childState(_ p: Int32, _ tok: Int) -> Child? {
        let pi = Int(p)
        let separator = decoder.separator
        var c = Child(lmScore: lmScore[pi], units: units[pi], context: context[pi], wordTokens: wordTokens[pi] + 1,
                      hotState: hotState[pi], hotScore: hotScore[pi])
        if let lexicon {
            if tok == separator! {
                guard lexicon.endsWord(lexState[pi]) else { return nil }
            } else {
                guard let n = lexicon.next(lexState[pi], token: tok) else { return nil }
                c.lexState = n
            }
        }
        if let hw = decoder.hotwords {
            let (st, bonus) = hw.step(Int(c.hotState), token: tok)
            c.hotState = Int32(st)
            c.hotScore += bonus
        }
        if decoder.lmUnit == .token || separator == nil {
            if lm != nil {
                let (lp, next) = lmAnswer(c.context, unit: Int32(tok))
                c.lmScore += lp
                c.context = next
            }
            c.units += 1
        } else if tok == separator! {
            if lm != nil {
                let finished = partial[pi]
                if finished != 0 {  // id 0 is the empty word
                    let (lp, next) = lmAnswer(c.context, unit: finished)
                    c.lmScore += lp
                    c.context = next
                    c.units += 1
                }
            } else if wordTokens[pi] > 0 {  // no need to spell the word
                c.units += 1
            }
            c.wordTokens = 0
        } else if wordLevel {
            c.partial = partial(after: partial[pi], tok)
        }
        if checkPrefixes && tok != separator! {
            // Once no LM word begins like the parent's partial word, none begins like this one.
            if prefixPenalty[pi] != 0 || !partialIsPrefix[Int(c.partial)] {
                let n = c.wordTokens
                c.penalty = decoder.options.unknownPrefixPenalty * (n > 6 ? Float(n) / 6 : 1)
            }
        }
        return c
    }

    /// Makes the node of prefix `p` + `tok`, holding `c`.
    mutating func makeNode(_ p: Int32, _ tok: Int, _ c: Child) -> Int32 {
        let id = Int32(parent.count)
        prefixPenalty.append(c.penalty)
        lexState.append(c.lexState)
        parent.append(p); token.append(Int32(tok)); lmScore.append(c.lmScore); units.append(c.units)
        wordTokens.append(c.wordTokens)
        hotState.append(c.hotState); hotScore.append(c.hotScore); context.append(c.context); partial.append(c.partial)
        nextPb.append(-.infinity); nextPnb.append(-.infinity); stamp.append(-1)
        children.set(Int(p) << 20 | tok, id)
        return id
    }

    /// Starts the accumulators of frame `t`.
    mutating func startFrame(_ t: Int32) {
        frame = t
        touched.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
        pendingState.removeAll(keepingCapacity: true)
    }

    /// Adds mass ending in `tok` to prefix `p` + `tok`: to its node if it has one,
    /// else as a pending prefix; nothing where the lexicon forbids it. Each
    /// (prefix, token) is extended once a frame (the beam holds distinct
    /// prefixes), so pending ones never merge.
    @inline(__always) mutating func extend(_ p: Int32, _ tok: Int, pnb: Float) {
        let key = Int(p) << 20 | tok
        if let c = children.get(key) {
            add(c, pb: -.infinity, pnb: pnb)
            return
        }
        if !plain {
            // Forbidden by the lexicon: checked again each time, not recorded (most
            // tokens are, after most prefixes: the table would grow by beam × V a frame).
            guard let state = childState(p, tok) else { return }
            pendingState.append(state)
        }
        pending.append((p, Int32(tok), pnb))
        touched.append(-Int32(pending.count))
    }

    /// The rank of pending prefix `i` (as `rank` will give once it has a node).
    @inline(__always) func pendingRank(_ i: Int) -> Float {
        let e = pending[i]
        if plain { return rank(e.parent, -.infinity, e.pnb) }  // the parent's terms are 0, as the child's
        let c = pendingState[i]
        return logAdd(-.infinity, e.pnb) + alpha * c.lmScore + beta * Float(c.units) + c.hotScore + c.penalty
    }

    /// Gives the surviving pending prefixes of `scored` (ids from `firstNew` on, in
    /// the order they were reached) their nodes, in that order: ids keep their order,
    /// so ties are broken as they were ranked.
    mutating func materialize(_ scored: inout [(entry: (node: Int32, pb: Float, pnb: Float), score: Float)], firstNew: Int32) {
        var survivors: [Int] = []
        for (k, e) in scored.enumerated() where e.entry.node >= firstNew { survivors.append(k) }
        survivors.sort { scored[$0].entry.node < scored[$1].entry.node }
        for k in survivors {
            let i = Int(scored[k].entry.node - firstNew)
            let e = pending[i]
            // Plain: no lexicon, so every prefix has a state.
            scored[k].entry.node = makeNode(e.parent, Int(e.token), plain ? childState(e.parent, Int(e.token))! : pendingState[i])
        }
    }

    /// Adds probability mass (log) ending in blank and in non-blank to `node` this frame.
    @inline(__always) mutating func add(_ node: Int32, pb: Float, pnb: Float) {
        let n = Int(node)
        if stamp[n] == frame {
            nextPb[n] = logAdd(nextPb[n], pb)
            nextPnb[n] = logAdd(nextPnb[n], pnb)
        } else {
            stamp[n] = frame
            nextPb[n] = pb
            nextPnb[n] = pnb
            touched.append(node)
        }
    }

    @inline(__always) func rank(_ node: Int32, _ pb: Float, _ pnb: Float) -> Float {
        let n = Int(node)
        return logAdd(pb, pnb) + alpha * lmScore[n] + beta * Float(units[n]) + hotScore[n] + prefixPenalty[n]
    }

    /// Scores the trailing word and `</s>` of the final beam and ranks it.
    func finish(_ beam: [(node: Int32, pb: Float, pnb: Float)], _ x: Matrix) -> [Hypothesis] {
        let separator = decoder.separator, lm = decoder.lm, hotwords = decoder.hotwords
        var finals: [(node: Int32, acoustic: Float, lmScore: Float, score: Float)] = []
        // With a lexicon, prefixes that end inside a word are left out; if every
        // prefix does, the best one is cut back to its last whole word.
        var ends = beam
        if let lexicon {
            let whole = beam.filter { lexState[Int($0.node)] == 0 || lexicon.endsWord(lexState[Int($0.node)]) }
            if whole.isEmpty, let best = beam.max(by: { rank($0.node, $0.pb, $0.pnb) < rank($1.node, $1.pb, $1.pnb) }) {
                var n = best.node
                while n > 0 && lexState[Int(n)] != 0 { n = parent[Int(n)] }
                if n > 0 && Int(token[Int(n)]) == separator! { n = parent[Int(n)] }
                ends = [(n, best.pb, best.pnb)]
            } else {
                ends = whole
            }
        }
        for (node, pb, pnb) in ends {
            let n = Int(node)
            var score = lmScore[n], count = units[n], state = contexts[context[n]]
            // The unfinished last word (without an LM, α = β = 0: nothing to score).
            if let lm, wordLevel, !(node != 0 && Int(token[n]) == separator!) {
                let word = partial[n]
                if word != 0 {  // id 0 is the empty word
                    let (lp, s) = lm.score(state, unit: partials[word]); score += lp; state = s
                    count += 1
                }
            }
            if let lm { score += lm.finalScore(state) }
            var hot = hotScore[n]
            if let hw = hotwords, !(hw.boundary != nil && node != 0 && Int(token[n]) == hw.boundary!) { hot += hw.finish(Int(hotState[n])) }
            let acoustic = logAdd(pb, pnb)
            finals.append((node, acoustic, score, acoustic + alpha * score + beta * Float(count) + hot))
        }
        finals.sort { $0.score > $1.score || ($0.score == $1.score && $0.node < $1.node) }
        return finals.prefix(max(decoder.options.nbest, 1)).map { f in
            var ids: [Int] = []
            var n = f.node
            while n > 0 { ids.append(Int(token[Int(n)])); n = parent[Int(n)] }
            ids.reverse()
            return Hypothesis(tokens: ids, score: f.score, acousticScore: f.acoustic, lmScore: f.lmScore,
                              spans: alignTokens(ids, logProbs: x, blank: decoder.options.blank))
        }
    }
}

extension PrefixBeamDecoder {
    /// The pyctcdecode-compatible search (see `BeamSearchOptions.pyctcdecodeCompatible`).
    func decodeCompatible(_ x: Matrix) -> [Hypothesis] {
        let T = x.rows, V = x.cols
        let blank = options.blank
        // As in `decode`, the state lives in a struct (no captured locals, no dynamic exclusivity checks).
        var trie = WordTrackingTrie(space: separator ?? -1)
        // pyctcdecode's decode() (one best) prunes history: of the beams sharing the
        // last complete word, the partial word and the last token, only the best
        // survives a frame; decode_beams() (n-best) does not.
        let pruneHistory = options.nbest <= 1
        var seen = FrameTable()
        // Beam entries: (node, last token or −1 for blank, score). Scores are
        // summed in Double, as pyctcdecode's Python floats are.
        var beam: [(node: Int32, last: Int32, score: Double)] = [(0, -1, 0)]
        var next = BeamAccumulator()
        var allowed = [Bool](repeating: false, count: V)
        var order: [Int] = []
        let probs = x.storage
        for t in 0..<T {
            let base = t * V  // row t of the [T, V] log-probs
            var best = 0
            for v in 0..<V {
                if probs[base + v] > probs[base + best] { best = v }
                allowed[v] = probs[base + v] >= options.tokenMinLogProb
            }
            allowed[best] = true
            next.removeAll()
            trie.startFrame()
            for v in 0..<V where allowed[v] {
                let lp = Double(probs[base + v])
                for e in beam {
                    if v == blank {
                        next.add(e.node, -1, e.score + lp)
                    } else if Int(e.last) == v {
                        next.add(e.node, e.last, e.score + lp)
                    } else {
                        next.add(trie.reach(e.node, v), Int32(v), e.score + lp)
                    }
                }
            }
            var top = -Double.infinity
            for e in next.entries { top = max(top, e.score) }
            if options.beamPruneLogProb > -.infinity { next.entries.removeAll { $0.score < top + Double(options.beamPruneLogProb) } }
            if next.entries.count > options.beamWidth || pruneHistory {
                keepBestSorted(&next.entries, options.beamWidth, scratch: &order)
            }
            if pruneHistory {
                seen.removeAll()
                next.entries.removeAll { e in
                    let (lastWord, partialWord) = trie.words(e.node)
                    let key = Int(lastWord) << 42 | Int(partialWord) << 21 | Int(e.last + 1)
                    if seen.get(key) != nil { return true }
                    seen.set(key, 0)
                    return false
                }
            }
            trie.materialize(&next.entries)
            beam = next.entries
        }
        // Merge the endings of each prefix and rank; a trailing space adds nothing
        // to the text, so "a␣" merges with "a" (pyctcdecode merges by final text).
        var totals: [Int32: Double] = [:]
        for e in beam {
            let node = e.node > 0 && Int(trie.token[Int(e.node)]) == trie.space ? trie.parent[Int(e.node)] : e.node
            totals[node] = totals[node].map { logAdd($0, e.score) } ?? e.score
        }
        let ranked = totals.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
        return ranked.prefix(max(options.nbest, 1)).map { node, score in
            var ids: [Int] = []
            var n = node
            while n > 0 { ids.append(Int(trie.token[Int(n)])); n = trie.parent[Int(n)] }
            ids.reverse()
            return Hypothesis(tokens: ids, score: Float(score), acousticScore: Float(score), spans: alignTokens(ids, logProbs: x, blank: blank))
        }
    }
}

/// The prefixes of the pyctcdecode-compatible search, with, per prefix, the word
/// being spelt and the last complete word as ids in a trie of words (0 = empty),
/// for its history pruning. A prefix reached for the first time gets its node only
/// if it survives the frame (`reach`, then `materialize`): until then it has a
/// provisional id (`firstNew` + its index among the frame's new prefixes, in the
/// order they were reached), and the surviving ones get their nodes in that order.
private struct WordTrackingTrie {
    let space: Int
    var parent: [Int32] = [-1], token: [Int32] = [-1]
    var partialWord: [Int32] = [0], lastWord: [Int32] = [0]
    var children = FrameTable(), wordChildren = FrameTable()
    var words: Int32 = 1
    /// This frame's new prefixes: parent and token, by provisional id − `firstNew`;
    /// their word ids (−1 until asked for) are found only for the few that need them.
    var pending: [(parent: Int32, token: Int32, lastWord: Int32, partialWord: Int32)] = []
    var pendingIndex = FrameTable()
    var firstNew: Int32 = 1

    init(space: Int) { self.space = space }

    mutating func startFrame() {
        pending.removeAll(keepingCapacity: true)
        pendingIndex.removeAll()
        firstNew = Int32(parent.count)
    }

    /// The word ids of `tok` after a prefix with these word ids.
    mutating func wordsAfter(lastWord last: Int32, partialWord partial: Int32, _ tok: Int) -> (Int32, Int32) {
        if tok == space { return (partial != 0 ? partial : last, 0) }
        let wkey = Int(partial) << 20 | tok
        if let found = wordChildren.get(wkey) { return (last, found) }
        let w = words
        words += 1
        wordChildren.set(wkey, w)
        return (last, w)
    }

    /// The last complete word and the partial word of a node or a provisional id.
    mutating func words(_ n: Int32) -> (Int32, Int32) {
        if n < firstNew { return (lastWord[Int(n)], partialWord[Int(n)]) }
        let i = Int(n - firstNew)
        if pending[i].lastWord < 0 {
            let p = Int(pending[i].parent)
            (pending[i].lastWord, pending[i].partialWord) =
                wordsAfter(lastWord: lastWord[p], partialWord: partialWord[p], Int(pending[i].token))
        }
        return (pending[i].lastWord, pending[i].partialWord)
    }

    /// The prefix `p` + `tok`: its node, or a provisional id if it has none yet.
    /// `p` is a node (beam entries always are).
    mutating func reach(_ p: Int32, _ tok: Int) -> Int32 {
        // A space at the start or after a space leaves the text unchanged.
        if tok == space && (p == 0 || Int(token[Int(p)]) == space) { return p }
        let key = Int(p) << 20 | tok
        if let c = children.get(key) { return c }
        if let i = pendingIndex.get(key) { return firstNew + i }
        let i = Int32(pending.count)
        pending.append((p, Int32(tok), -1, -1))
        pendingIndex.set(key, i)
        return firstNew + i
    }

    /// Gives the surviving provisional ids of `entries` their nodes, in provisional order.
    mutating func materialize(_ entries: inout [(node: Int32, last: Int32, score: Double)]) {
        if pending.isEmpty { return }
        var survivors: [Int] = []
        for (k, e) in entries.enumerated() where e.node >= firstNew { survivors.append(k) }
        survivors.sort { entries[$0].node < entries[$1].node }
        // One entry per provisional id: a new prefix always ends in its own token.
        for k in survivors {
            let (last, partial) = words(entries[k].node)
            let e = pending[Int(entries[k].node - firstNew)]
            let id = Int32(parent.count)
            parent.append(e.parent); token.append(e.token)
            partialWord.append(partial); lastWord.append(last)
            children.set(Int(e.parent) << 20 | Int(e.token), id)
            entries[k].node = id
        }
    }
}

/// One frame's beam entries of the compatible search, merged by (node, last token).
private struct BeamAccumulator {
    var entries: [(node: Int32, last: Int32, score: Double)] = []
    private var index = FrameTable()  // (node << 21 | last + 1) → index in `entries`

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        index.removeAll()
    }

    mutating func add(_ node: Int32, _ last: Int32, _ score: Double) {
        let key = Int(node) << 21 | Int(last + 1)
        if let i = index.get(key) { entries[Int(i)].score = logAdd(entries[Int(i)].score, score) } else {
            index.set(key, Int32(entries.count))
            entries.append((node, last, score))
        }
    }
}

/// Keeps the `k` highest-scoring entries, best first, ties in their present order:
/// what a stable sort by score and a cut after `k` give, in O(n + k log k) (a
/// quickselect of the best `k` by score and position, then a sort of those).
private func keepBestSorted(_ a: inout [(node: Int32, last: Int32, score: Double)], _ k: Int, scratch order: inout [Int]) {
    order.removeAll(keepingCapacity: true)
    order.append(contentsOf: a.indices)
    a.withUnsafeBufferPointer { e in
        order.withUnsafeMutableBufferPointer { o in
            @inline(__always) func better(_ x: Int, _ y: Int) -> Bool {
                e[x].score > e[y].score || (e[x].score == e[y].score && x < y)
            }
            var lo = 0, hi = o.count - 1
            while o.count > k && lo < hi {
                let mid = (lo + hi) / 2
                if better(o[mid], o[lo]) { o.swapAt(mid, lo) }
                if better(o[hi], o[lo]) { o.swapAt(hi, lo) }
                if better(o[mid], o[hi]) { o.swapAt(mid, hi) }
                var store = lo
                for i in lo..<hi where better(o[i], o[hi]) {
                    o.swapAt(i, store)
                    store += 1
                }
                o.swapAt(store, hi)
                if store == k - 1 || store == k { break }
                if store < k { lo = store + 1 } else { hi = store - 1 }
            }
            let n = min(k, o.count)
            o[0..<n].sort(by: better)
        }
    }
    let n = min(k, a.count)
    var kept = [(node: Int32, last: Int32, score: Double)]()
    kept.reserveCapacity(n)
    for i in 0..<n { kept.append(a[order[i]]) }
    a = kept
}

/// Keeps the `k` highest-scoring entries (ties: lower node id first), in no
/// particular order: a quickselect, O(n) on average.
func keepBest(_ array: inout [(entry: (node: Int32, pb: Float, pnb: Float), score: Float)], _ k: Int) {
    // On the buffer: no bounds or uniqueness checks in the partition loop (a sixth of
    // the search's time with them at beam 64).
    array.withUnsafeMutableBufferPointer { a in
        @inline(__always) func better(_ x: Int, _ y: Int) -> Bool {
            a[x].score > a[y].score || (a[x].score == a[y].score && a[x].entry.node < a[y].entry.node)
        }
        var lo = 0, hi = a.count - 1
        while lo < hi {
            // Median-of-three pivot moved to hi.
            let mid = (lo + hi) / 2
            if better(mid, lo) { a.swapAt(mid, lo) }
            if better(hi, lo) { a.swapAt(hi, lo) }
            if better(mid, hi) { a.swapAt(mid, hi) }
            var store = lo
            for i in lo..<hi where better(i, hi) {
                a.swapAt(i, store)
                store += 1
            }
            a.swapAt(store, hi)
            if store == k - 1 || store == k { break }
            if store < k { lo = store + 1 } else { hi = store - 1 }
        }
    }
    array.removeLast(array.count - k)
}

/// A small open-addressing hash map Int → Int32, much faster than Dictionary's
/// seeded SipHash for the decoder's child lookups, and emptied in O(1)
/// (`removeAll` starts a new generation; a slot of an older one counts as empty)
/// for the per-frame maps of the search.
struct FrameTable {
    private var keys: [Int]
    private var values: [Int32]
    private var stamps: [UInt32]
    private var generation: UInt32 = 1
    private var count = 0
    private var mask: Int
    /// 64 − log2(slots): the slot is the top bits of key × the golden-ratio constant,
    /// which depend on every bit of the key (keys put ids in high bits, `ctx << 32 | unit`).
    private var shift: UInt64

    init(capacity: Int = 1024) {
        var c = 16
        while c < capacity * 2 { c <<= 1 }
        keys = [Int](repeating: 0, count: c)
        values = [Int32](repeating: 0, count: c)
        stamps = [UInt32](repeating: 0, count: c)
        mask = c - 1
        shift = UInt64(64 - c.trailingZeroBitCount)
    }

    mutating func removeAll() {
        count = 0
        if generation == .max {
            for i in stamps.indices { stamps[i] = 0 }
            generation = 0
        }
        generation += 1
    }

    @inline(__always) private func slot(_ key: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: Int64(key)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    @inline(__always) func get(_ key: Int) -> Int32? {
        var i = slot(key)
        while stamps[i] == generation {
            if keys[i] == key { return values[i] }
            i = (i + 1) & mask
        }
        return nil
    }

    mutating func set(_ key: Int, _ value: Int32) {
        if (count + 1) * 2 > keys.count { grow() }
        var i = slot(key)
        while stamps[i] == generation && keys[i] != key { i = (i + 1) & mask }
        if stamps[i] != generation { count += 1; stamps[i] = generation; keys[i] = key }
        values[i] = value
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values, oldStamps = stamps, live = generation
        keys = [Int](repeating: 0, count: oldKeys.count * 2)
        values = [Int32](repeating: 0, count: oldKeys.count * 2)
        stamps = [UInt32](repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        shift -= 1
        count = 0
        generation = 1
        for i in oldKeys.indices where oldStamps[i] == live { set(oldKeys[i], oldValues[i]) }
    }
}
