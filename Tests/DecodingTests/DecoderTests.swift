import Foundation
import Testing
import ASRCore
import CTC
@testable import Decoding
import _TestSupport

/// `[T, V]` log-probs whose argmax path is `path`, the argmax holding `peak` of the mass.
func peaked(_ path: [Int], V: Int, peak: Float = 0.9) -> Matrix {
    var m = Matrix(rows: path.count, cols: V)
    let rest = (1 - peak) / Float(V - 1)
    for (t, p) in path.enumerated() { for v in 0..<V { m[t, v] = logf(v == p ? peak : rest) } }
    return m
}

func randomLogProbs(T: Int, V: Int, seed: UInt64, scale: Float = 1.5) -> Matrix {
    var g = SeededGenerator(seed: seed)
    let z = (0..<(T * V)).map { _ in scale * g.nextGaussian() }
    return Matrix(rows: T, cols: V, storage: logSoftmax(z, rows: T, vocabulary: V))
}

/// log p(labels | x) by the CTC forward algorithm.
func logLikelihood(_ labels: [Int], _ x: Matrix) -> Float {
    guard let r = try? ctcLoss(logits: x.storage, frames: x.rows, batch: 1, vocabulary: x.cols, inputLengths: [x.rows],
                               targets: [labels], options: CTCOptions(reduction: .sum)) else { return -.infinity }
    return -r.loss
}

@Suite struct GreedyTests {
    let zh = ["<blank>", "好", "棒"]

    @Test func blankKeepsRepeatedCharacters() {
        // 好 好 ∅ 棒 棒 ∅ 棒 → 好棒棒
        let h = GreedyDecoder().decode(peaked([1, 1, 0, 2, 2, 0, 2], V: 3))[0]
        #expect(h.tokens.map { zh[$0] }.joined() == "好棒棒")
        #expect(h.spans == [TokenSpan(token: 1, startFrame: 0, endFrame: 1), TokenSpan(token: 2, startFrame: 3, endFrame: 4),
                            TokenSpan(token: 2, startFrame: 6, endFrame: 6)])
        // Without the blank the repeat collapses: 好 好 棒 棒 棒 → 好棒
        let g = GreedyDecoder().decode(peaked([1, 1, 2, 2, 2], V: 3))[0]
        #expect(g.tokens.map { zh[$0] }.joined() == "好棒")
    }

    @Test func hello() {
        let en = ["<blank>", "h", "e", "l", "o"]
        let h = GreedyDecoder().decode(peaked([1, 2, 3, 3, 0, 3, 4, 0], V: 5))[0]
        #expect(h.tokens.map { en[$0] }.joined() == "hello")
        let g = GreedyDecoder().decode(peaked([1, 2, 3, 3, 3, 4], V: 5))[0]
        #expect(g.tokens.map { en[$0] }.joined() == "helo")
    }

    /// Spaces at either end or two in a row (a weak model emits them) are not in the
    /// text: it is the words with one space between them.
    @Test func transcriptTextIsItsWordsWithOneSpace() {
        let en = ["<blank>", " ", "a", "b"]
        let h = GreedyDecoder().decode(peaked([1, 0, 2, 1, 0, 1, 3, 0, 1], V: 4))[0]
        #expect(h.tokens.map { en[$0] }.joined() == " a  b ")
        let t = makeTranscript(h, tokens: en, logProbs: peaked([1, 0, 2, 1, 0, 1, 3, 0, 1], V: 4), secondsPerFrame: 0.01)
        #expect(t.text == "a b")
        #expect(t.words.map(\.text) == ["a", "b"] && t.words[1].start == 0.06)
        #expect(t.tokens.count == 6, "the tokens keep every space with its timing")
    }

    @Test func collapseRule() {
        #expect(collapseCTCPath([1, 1, 0, 2, 2, 0, 2]) == [1, 2, 2])
        #expect(collapseCTCPath([0, 0, 0]) == [])
        #expect(collapseCTCPath([3, 0, 3, 3, 0, 0, 3]) == [3, 3, 3])
    }
}

@Suite struct PrefixBeamTests {
    /// With no pruning and a beam wide enough to keep every prefix, the best
    /// hypothesis is the label sequence maximising p(l | x) over all sequences
    /// (exhaustive search), and its score is log p(l | x) (±1e-4).
    @Test(arguments: [(3, 3), (4, 3), (5, 3), (4, 4), (6, 3)])
    func unprunedEqualsExhaustiveSearch(T: Int, V: Int) {
        for seed in 0..<5 {
            let x = randomLogProbs(T: T, V: V, seed: UInt64(100 * T + 10 * V + seed))
            var best: [Int] = [], bestScore = -Float.infinity
            for l in BruteForceCTC.allLabelSequences(vocabulary: V, maxLength: T) {
                let s = logLikelihood(l, x)
                if s > bestScore { bestScore = s; best = l }
            }
            var o = BeamSearchOptions.exhaustive(beamWidth: 100_000)
            o.nbest = 3
            let hyps = PrefixBeamDecoder(options: o).decode(x)
            #expect(hyps[0].tokens == best, "seed \(seed)")
            #expect(abs(hyps[0].acousticScore - bestScore) < 1e-4)
            // Every n-best entry's score is the exact sequence probability, in decreasing order.
            for h in hyps { #expect(abs(h.acousticScore - logLikelihood(h.tokens, x)) < 1e-4) }
            #expect(zip(hyps, hyps.dropFirst()).allSatisfy { $0.score >= $1.score })
        }
    }

    /// A new prefix gets its node only if it survives the frame, ranked before that by
    /// its parent's terms (no LM, hotwords or lexicon) or by the state it would have.
    /// The two ways must agree: a token LM at weight 0 and no length bonus ranks
    /// exactly as no LM but takes the second; the same n-best bit for bit (tokens,
    /// scores), pruned or not.
    @Test(arguments: [(4, 12), (16, 30), (64, 30), (8, 200)])
    func parentRanksEqualChildStateRanks(beam: Int, V: Int) throws {
        let tokens = ["<b>"] + (1..<V).map { "t\($0)" }
        let lm = buildNGramLM(sentences: [Array(tokens.dropFirst())], order: 1, smoothing: .wittenBell)
        for seed in 0..<4 {
            let x = randomLogProbs(T: 120, V: V, seed: UInt64(7_000 + 100 * beam + seed), scale: seed % 2 == 0 ? 1.5 : 4)
            for pruned in [true, false] {
                var o = pruned ? BeamSearchOptions() : BeamSearchOptions.exhaustive(beamWidth: beam)
                o.beamWidth = beam
                o.nbest = 3
                let byParent = PrefixBeamDecoder(options: o, tokens: tokens).decode(x)
                o.lmWeight = 0
                o.lengthBonus = 0
                let byState = PrefixBeamDecoder(options: o, tokens: tokens, lm: lm, lmUnit: .token).decode(x)
                #expect(byParent.map(\.tokens) == byState.map(\.tokens), "seed \(seed), pruned \(pruned)")
                // Exact: the same sums in the same order (tolerance 0).
                #expect(byParent.map(\.score.bitPattern) == byState.map(\.score.bitPattern))
                #expect(byParent.map(\.acousticScore.bitPattern) == byState.map(\.acousticScore.bitPattern))
            }
        }
    }

    /// With an LM and nothing pruned, the best hypotheses maximise what the search
    /// ranks by — log p(l | x) + α·ln p_LM(units of l, then </s>) + β·units — over
    /// every label sequence (brute force; score within 1e-4, the order of the 3-best
    /// by that objective too): word units (words between spaces, some outside the
    /// LM's vocabulary, so scored as <unk>; the unknown-prefix penalty steers only
    /// pruning) and token units (every token scored, as Mandarin characters).
    @Test(arguments: [(4, LMUnit.word), (5, LMUnit.word), (6, LMUnit.word), (4, LMUnit.token), (5, LMUnit.token)])
    func unprunedWithAnLMEqualsExhaustiveSearch(T: Int, unit: LMUnit) {
        let tokens = ["<b>", " ", "a", "b"]
        let lm = unit == .word
            ? buildNGramLM(sentences: [["ab", "a"], ["b", "ab"], ["a"], ["ab", "ab", "b"]], order: 2, smoothing: .kneserNey)
            : buildNGramLM(sentences: [["a", "b"], ["b", "a", "a"], ["a"], [" ", "b"]], order: 3, smoothing: .wittenBell)
        let (alpha, beta): (Float, Float) = (0.8, 0.6)
        func units(_ l: [Int]) -> [String] {
            let text = l.map { tokens[$0] }.joined()
            return unit == .word ? text.split(separator: " ").map(String.init) : l.map { tokens[$0] }
        }
        func lmPart(_ l: [Int]) -> Float {
            var state = lm.initialState, score: Float = 0
            for u in units(l) { let (lp, next) = lm.score(state, unit: u); score += lp; state = next }
            return score + lm.finalScore(state)
        }
        func objective(_ l: [Int], _ x: Matrix) -> Float {
            logLikelihood(l, x) + alpha * lmPart(l) + beta * Float(units(l).count)
        }
        for seed in 0..<4 {
            let x = randomLogProbs(T: T, V: tokens.count, seed: UInt64(900 + 10 * T + seed), scale: 2)
            let ranked = BruteForceCTC.allLabelSequences(vocabulary: tokens.count, maxLength: T)
                .map { ($0, objective($0, x)) }.sorted { $0.1 > $1.1 }
            var o = BeamSearchOptions.exhaustive(beamWidth: 100_000)
            o.lmWeight = alpha
            o.lengthBonus = beta
            o.nbest = 3
            let hyps = PrefixBeamDecoder(options: o, tokens: tokens, lm: lm, lmUnit: unit).decode(x)
            #expect(hyps.count == 3)
            for (k, h) in hyps.enumerated() {
                #expect(abs(h.score - ranked[k].1) < 1e-4, "seed \(seed), rank \(k): \(h.score) vs \(ranked[k].1)")
                #expect(abs(h.score - objective(h.tokens, x)) < 1e-4, "seed \(seed), rank \(k)")
                #expect(abs(h.acousticScore - logLikelihood(h.tokens, x)) < 1e-4, "seed \(seed), rank \(k)")
                // The LM part is the same sums in the same order: exact (tolerance 0).
                #expect(h.lmScore == lmPart(h.tokens), "seed \(seed), rank \(k): \(h.lmScore) vs \(lmPart(h.tokens))")
            }
            if ranked[0].1 - ranked[1].1 > 1e-3 { #expect(hyps[0].tokens == ranked[0].0, "seed \(seed)") }
        }
    }

    /// On peaked posteriors, beam search agrees with greedy.
    @Test func agreesWithGreedyOnPeakedInputs() {
        var g = SeededGenerator(seed: 1)
        for _ in 0..<50 {
            let path = (0..<30).map { _ in Int(g.next() % 6) }
            let x = peaked(path, V: 6, peak: 0.97)
            let greedy = GreedyDecoder().decode(x)[0].tokens
            #expect(PrefixBeamDecoder().decode(x)[0].tokens == greedy)
        }
    }

    @Test func haoBangBang() {
        let zh = ["<blank>", "好", "棒"]
        let d = PrefixBeamDecoder(tokens: zh)
        #expect(d.decode(peaked([1, 1, 0, 2, 2, 0, 2], V: 3))[0].tokens.map { zh[$0] }.joined() == "好棒棒")
        #expect(d.decode(peaked([1, 1, 2, 2, 2], V: 3))[0].tokens.map { zh[$0] }.joined() == "好棒")
        let en = ["<blank>", "h", "e", "l", "o"]
        let e = PrefixBeamDecoder(tokens: en)
        #expect(e.decode(peaked([1, 2, 3, 3, 0, 3, 4], V: 5))[0].tokens.map { en[$0] }.joined() == "hello")
    }

    /// Beam search sums alignments: a sequence whose mass is spread over many
    /// paths beats the single best path (greedy gets this wrong).
    @Test func sumsOverAlignments() {
        // Frame probabilities over (blank, a, b): greedy path ∅ ∅ → "" with p 0.16,
        // but "a" totals 1 − P("")  − P("b") = 0.64 − ... ≥ 0.4.
        let p: [[Float]] = [[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]]
        let x = Matrix(p.map { $0.map { logf($0) } })
        #expect(GreedyDecoder().decode(x)[0].tokens == [])
        #expect(PrefixBeamDecoder(options: .exhaustive(beamWidth: 10)).decode(x)[0].tokens == [1])
    }

    @Test func spansAreOrderedAndInside() {
        let x = randomLogProbs(T: 40, V: 5, seed: 77, scale: 3)
        let h = PrefixBeamDecoder().decode(x)[0]
        #expect(h.spans.count == h.tokens.count)
        var last = -1
        for s in h.spans {
            #expect(s.startFrame > last && s.endFrame >= s.startFrame && s.endFrame < 40)
            last = s.endFrame
        }
    }
}

@Suite struct CompatibleBeamTests {
    func compat(_ tokens: [String]) -> PrefixBeamDecoder {
        var o = BeamSearchOptions()
        o.pyctcdecodeCompatible = true
        o.tokenMinLogProb = -5
        return PrefixBeamDecoder(options: o, tokens: tokens)
    }

    @Test func repeatsAndSpaces() {
        let zh = ["<blank>", "好", "棒"]
        #expect(compat(zh).decode(peaked([1, 1, 0, 2, 2, 0, 2], V: 3))[0].tokens == [1, 2, 2])
        let en = ["<blank>", " ", "a", "b"]
        // ␣ a ␣ ∅ ␣ b ␣ → "a b": leading, repeated and trailing spaces add nothing (pyctcdecode's text).
        let h = compat(en).decode(peaked([1, 2, 1, 0, 1, 3, 1], V: 4))[0]
        #expect(h.tokens.map { en[$0] }.joined() == "a b")
    }

    @Test func agreesWithGreedyOnPeakedInputs() {
        var g = SeededGenerator(seed: 9)
        for _ in 0..<30 {
            let path = (0..<25).map { _ in 2 + Int(g.next() % 4) == 5 ? 0 : 2 + Int(g.next() % 4) }
            let x = peaked(path, V: 6, peak: 0.97)
            #expect(compat(["<blank>", " ", "a", "b", "c", "d"]).decode(x)[0].tokens == GreedyDecoder().decode(x)[0].tokens)
        }
    }
}
