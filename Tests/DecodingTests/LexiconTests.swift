import Foundation
import Testing
import ASRCore
import CTC
@testable import Decoding
import _TestSupport

/// Tokens of the lexicon tests: blank, the separator and three letters.
private let letters = ["<blank>", " ", "a", "b", "c"]

/// Whether label sequence `l` (ids into `letters`) is made of lexicon words:
/// empty, or words joined by single spaces with at most one trailing space.
private func isLexiconSentence(_ l: [Int], _ words: Set<[Int]>) -> Bool {
    if l.isEmpty { return true }
    var body = l
    if body.last == 1 { body.removeLast() }
    if body.isEmpty { return false }
    let parts = body.split(separator: 1, omittingEmptySubsequences: false).map(Array.init)
    return parts.allSatisfy { words.contains($0) }
}

private func words(_ text: [String]) -> [[Int]] { Lexicon.spell(text, tokens: letters).words }

@Suite struct LexiconTests {
    @Test func trie() {
        let lex = Lexicon(words: words(["ab", "abc", "b", "ab"]))
        #expect(lex.wordCount == 3)
        #expect(lex.contains([2, 3]) && lex.contains([2, 3, 4]) && lex.contains([3]))
        #expect(!lex.contains([2]) && !lex.contains([]) && !lex.contains([4]))
        #expect(lex.stateCount == 5)  // root, a, ab, abc, b
        #expect(lex.next(0, token: 4) == nil)
    }

    /// Unpruned and wide enough to keep every prefix, the constrained search
    /// returns the label sequence of lexicon words with the highest p(l | x),
    /// found by enumerating every label sequence up to T tokens (±1e-4 on its score).
    @Test(arguments: [4, 5, 6])
    func unprunedEqualsExhaustiveSearchOverLexiconSentences(T: Int) {
        let lexWords = words(["a", "ab", "ca", "bcb"])
        let lex = Lexicon(words: lexWords)
        let set = Set(lexWords)
        for seed in 0..<6 {
            let x = randomLogProbs(T: T, V: letters.count, seed: UInt64(1000 + 10 * T + seed), scale: 2)
            var best: [Int] = [], bestScore = -Float.infinity
            for l in BruteForceCTC.allLabelSequences(vocabulary: letters.count, maxLength: T) where isLexiconSentence(l, set) {
                let s = logLikelihood(l, x)
                if s > bestScore { bestScore = s; best = l }
            }
            let h = PrefixBeamDecoder(options: .exhaustive(beamWidth: 100_000), tokens: letters, lexicon: lex).decode(x)[0]
            #expect(h.tokens == best, "seed \(seed): \(h.tokens) vs \(best)")
            #expect(abs(h.acousticScore - bestScore) < 1e-4, "seed \(seed)")
        }
    }

    /// With the default pruning, on posteriors that favour non-words, every
    /// emitted word is a lexicon word; without the lexicon non-words appear.
    @Test func nonWordIsNeverEmitted() {
        let lex = Lexicon(words: words(["ab", "ba", "cab"]))
        var nonWordsWithout = 0
        for seed in 0..<40 {
            let x = randomLogProbs(T: 40, V: letters.count, seed: UInt64(seed), scale: 3)
            var o = BeamSearchOptions()
            o.beamWidth = 8
            let constrained = PrefixBeamDecoder(options: o, tokens: letters, lexicon: lex).decode(x)[0]
            let text = constrained.tokens.map { letters[$0] }.joined()
            for w in text.split(separator: " ") { #expect(["ab", "ba", "cab"].contains(String(w)), "seed \(seed): '\(text)'") }
            #expect(!text.hasPrefix(" ") && !text.contains("  "), "seed \(seed): '\(text)'")
            let free = PrefixBeamDecoder(options: o, tokens: letters).decode(x)[0].tokens.map { letters[$0] }.joined()
            nonWordsWithout += free.split(separator: " ").filter { !["ab", "ba", "cab"].contains(String($0)) }.count
        }
        #expect(nonWordsWithout > 20)
    }

    /// A lexicon turns a misspelling the acoustics prefer into the nearest word.
    @Test func lexiconRepairsAMisspelling() {
        // Frames spell "ac" strongly, with "ab" second: the lexicon has only "ab".
        let V = letters.count
        var m = Matrix(rows: 4, cols: V)
        let probs: [[Float]] = [[0.05, 0.01, 0.9, 0.02, 0.02], [0.6, 0.01, 0.01, 0.08, 0.3],
                                [0.1, 0.01, 0.01, 0.3, 0.58], [0.9, 0.02, 0.02, 0.03, 0.03]]
        for t in 0..<4 { for v in 0..<V { m[t, v] = logf(probs[t][v]) } }
        #expect(PrefixBeamDecoder(tokens: letters).decode(m)[0].tokens == [2, 4])
        #expect(PrefixBeamDecoder(tokens: letters, lexicon: Lexicon(words: words(["ab"]))).decode(m)[0].tokens == [2, 3])
    }

    /// When every surviving prefix ends inside a word, the result is cut back
    /// to its last whole word (peaks of 0.99999: every other prefix is pruned).
    @Test func endsOnAWholeWord() {
        let decoder = PrefixBeamDecoder(tokens: letters, lexicon: Lexicon(words: words(["a", "abc"])))
        let cut = decoder.decode(peaked([2, 1, 2, 3], V: letters.count, peak: 0.99999))[0]  // "a ab…"
        #expect(cut.tokens == [2])
        let none = decoder.decode(peaked([2, 3], V: letters.count, peak: 0.99999))[0]  // "ab…"
        #expect(none.tokens == [])
        // With the word finished, it is kept.
        #expect(decoder.decode(peaked([2, 1, 2, 3, 4], V: letters.count, peak: 0.99999))[0].tokens == [2, 1, 2, 3, 4])
    }

    @Test func loadsWordListsAndNamesBadLines() throws {
        let dir = TestPaths.temporaryDirectory("lexicon")
        defer { try? FileManager.default.removeItem(at: dir) }
        let list = dir.path + "/words.txt"
        try "AB\n\nba  b a\ncab\tc a b\n".write(toFile: list, atomically: true, encoding: .utf8)
        let lex = try Lexicon.load(list, tokens: letters, normalize: { $0.lowercased() })
        #expect(lex.wordCount == 3 && lex.contains([2, 3]) && lex.contains([4, 2, 3]))
        let bad = dir.path + "/bad.txt"
        try "ab\nabd\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(throws: LexiconError.unspellable(origin: bad + ":2", word: "abd", character: "d")) {
            try Lexicon.load(bad, tokens: letters)
        }
        let empty = dir.path + "/empty.txt"
        try "\n\n".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(throws: LexiconError.empty(path: empty)) { try Lexicon.load(empty, tokens: letters) }
        #expect(throws: FileError.notFound(path: dir.path + "/none.txt")) { try Lexicon.load(dir.path + "/none.txt", tokens: letters) }
    }

    @Test func fromALanguageModelsVocabulary() throws {
        let lm = try NGramLM.parse(arpa: """
            \\data\\
            ngram 1=6

            \\1-grams:
            -1.0 <s> -0.5
            -1.0 </s>
            -1.0 <unk>
            -0.5 ab -0.3
            -0.6 ca -0.3
            -0.7 dd -0.3

            \\end\\
            """)
        let (lex, bad) = Lexicon.fromVocabulary(of: lm, tokens: letters)
        #expect(lex.wordCount == 2 && lex.contains([2, 3]) && lex.contains([4, 2]))
        #expect(bad == ["dd"])
    }
}

@Suite struct WholeWordHotwordTests {
    // Tokens: 1 = separator, 2 = a, 3 = b, 4 = c. Phrase "ac", weight 1 a token.
    let g = HotwordGraph(phrases: [(tokens: [2, 4], weight: 1)], wordBoundary: 1)

    func total(_ ids: [Int]) -> Float {
        var s = g.initialState, sum: Float = 0
        for t in ids { let r = g.step(s, token: t); s = r.state; sum += r.bonus }
        return sum + g.finish(s)
    }

    @Test func onlyWholeWordsKeepTheBonus() {
        #expect(total([2, 4]) == 2)              // "ac"
        #expect(total([3, 1, 2, 4, 1, 3]) == 2)  // "b ac b"
        #expect(total([2, 4, 1, 2, 4]) == 4)     // "ac ac"
        #expect(total([2, 4, 3]) == 0)           // "acb": a longer non-word
        #expect(total([3, 2, 4]) == 0)           // "bac": ends like the phrase
        #expect(total([2]) == 0)                 // "a": unfinished at the end
    }

    @Test func withoutBoundaryAPhraseMatchesAnywhere() {
        let h = HotwordGraph(phrases: [(tokens: [2, 4], weight: 1)])
        var s = h.initialState, sum: Float = 0
        for t in [3, 2, 4, 3] { let r = h.step(s, token: t); s = r.state; sum += r.bonus }
        #expect(sum + h.finish(s) == 2)
        // An unfinished match at the end gives its partial credit back.
        let r = h.step(0, token: 2)
        #expect(r.bonus == 1 && h.finish(r.state) == -1)
    }

    /// In the search: the acoustics prefer "acb" a little over "ac b". The
    /// whole-word bonus (2) goes to "ac b" only, so it wins; the old
    /// any-substring bonus goes to both, so the non-word "acb" stays ahead.
    @Test func decoderAppliesWholeWordBonus() {
        let rows: [[Float]] = [[0.04, 0.02, 0.9, 0.02, 0.02], [0.04, 0.02, 0.02, 0.02, 0.9],
                               [0.5, 0.4, 0.03, 0.04, 0.03], [0.04, 0.02, 0.02, 0.9, 0.02]]
        let x = Matrix(rows.map { $0.map { logf($0) } })
        let o = BeamSearchOptions.exhaustive(beamWidth: 1000)
        #expect(PrefixBeamDecoder(options: o, tokens: letters).decode(x)[0].tokens == [2, 4, 3])
        #expect(PrefixBeamDecoder(options: o, tokens: letters, hotwords: g).decode(x)[0].tokens == [2, 4, 1, 3])
        let anywhere = HotwordGraph(phrases: [(tokens: [2, 4], weight: 1)])
        #expect(PrefixBeamDecoder(options: o, tokens: letters, hotwords: anywhere).decode(x)[0].tokens == [2, 4, 3])
    }
}
