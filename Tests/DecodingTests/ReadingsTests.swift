import Foundation
import Testing
import ASRCore
@testable import Decoding
import _TestSupport

/// Pinyin letters and tone digits, as a model trained on `tokens.field: pinyin`
/// with whitespace removed has them.
private let pinyinTokens = ["<blank>"] + "abghnouz12345".map { String($0) }

private func ids(_ s: String) -> [Int] { s.map { pinyinTokens.firstIndex(of: String($0))! } }

/// Frame posteriors that spell `s` (each token for two frames, a blank between):
/// log 0.9 on the token, the rest spread over the others.
private func posteriors(spelling s: String) -> Matrix {
    let path = ids(s).flatMap { [$0, $0, 0] }
    let V = pinyinTokens.count
    var x = Matrix(rows: path.count, cols: V)
    for (t, k) in path.enumerated() {
        for v in 0..<V { x[t, v] = logf(v == k ? 0.9 : 0.1 / Float(V - 1)) }
    }
    return x
}

@Suite struct ReadingsTests {
    let lexicon = ReadingLexicon.build(pairs: [("hao3 bang4 bang4", "好棒棒"), ("hao3 ba5", "好吧"), ("bang1 zhu4", "帮助"),
                                              ("hao3 hao3", "好好"), ("bang4 bang4", "棒棒"), ("hao4", "号"), ("ba5 bang4", "吧棒"),
                                              ("one", "two chars")]).lexicon

    @Test func buildCountsFormsMostFrequentFirst() {
        let (lex, skipped) = ReadingLexicon.build(pairs: [("bang4 bang4", "棒棒"), ("bang4", "傍"), ("bang4 a1", "棒啊"), ("x1 y2", "一")])
        #expect(skipped == 1)                           // two readings, one character
        #expect(lex.readings == ["a1", "bang4"])
        #expect(lex.forms["bang4"] == ["棒", "傍"])      // 3 × 棒, 1 × 傍
        #expect(lex.terminals == ["1", "4"])
    }

    @Test func fileRoundTripAndErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("readings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("readings.tsv").path
        try lexicon.write(path)
        #expect(try ReadingLexicon.load(path) == lexicon)
        try "bang4\t棒 帮\r\nhao3\t好\r\n".write(toFile: path, atomically: true, encoding: .utf8)   // CRLF
        #expect(try ReadingLexicon.load(path).forms["hao3"] == ["好"])
        try "bang4\t棒\nhao3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FileError.malformed(path: path, reason: "line 2: expected 'reading<TAB>form form …' (e.g. 'bang4<TAB>棒 帮'), found 'hao3'")) {
            try ReadingLexicon.load(path)
        }
        try "bang4\t棒\nbang4\t帮\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FileError.malformed(path: path, reason: "line 2: reading 'bang4' appears twice")) { try ReadingLexicon.load(path) }
    }

    @Test func splitsAfterToneDigits() {
        let groups = lexicon.split(ids("hao3bang4ba"), tokens: pinyinTokens)
        #expect(groups.map(\.reading) == ["hao3", "bang4", "ba"])
        #expect(groups.map(\.range) == [0..<4, 4..<9, 9..<11])
        #expect(lexicon.nearest("ba") == "ba5")         // one edit away
        #expect(lexicon.nearest("hoa3") == "hao3")     // two edits; hao4 needs three
        #expect(lexicon.nearest("bang4") == "bang4")
    }

    /// With an LM, the written text is the most probable under it: checked against
    /// every combination of the readings' forms, scored by the LM (±1e-4).
    @Test func writingEqualsExhaustiveSearch() {
        let lm = buildNGramLM(sentences: ["好棒棒", "好吧", "帮助", "好好", "棒棒", "号", "帮助好", "好帮助"].map { $0.map { String($0) } },
                              order: 3, smoothing: .kneserNey)
        let decoder = ReadingDecoder(inner: GreedyDecoder(), tokens: pinyinTokens, lexicon: lexicon, lm: lm, lmWeight: 1, lengthBonus: 0)
        for readings in [["hao3", "bang4", "bang4"], ["bang4", "bang4"], ["hao3", "ba5"], ["bang1", "zhu4", "hao3"], ["ba5", "bang4", "hao3", "hao4"]] {
            var combos: [[String]] = [[]]
            for r in readings { combos = combos.flatMap { c in lexicon.forms[r]!.map { c + [$0] } } }
            func score(_ forms: [String]) -> Float {
                var state = lm.initialState, total: Float = 0
                for f in forms { let (lp, next) = lm.score(state, unit: f); total += lp; state = next }
                return total + lm.finalScore(state)
            }
            let best = combos.max { score($0) < score($1) }!
            let (forms, lmScore) = decoder.write(readings)
            #expect(forms == best, "\(readings)")
            #expect(abs(lmScore - score(best)) < 1e-4)
        }
    }

    /// Greedy CTC over pinyin letters, then the LM writes the characters: the doubled
    /// 棒 survives (the blank between the two bang4 keeps both), and word timings are
    /// the spans of each syllable's letters.
    @Test func greedyPinyinIsWrittenAsCharacters() {
        let lm = buildNGramLM(sentences: [["好", "棒", "棒"], ["好", "吧"], ["帮", "助"]], order: 3, smoothing: .kneserNey)
        var config = DecodingConfig()
        config.readings = "readings.tsv"
        var resources = DecodingResources(lm: lm)
        resources.readings = lexicon
        let decoder = config.makeDecoder(tokens: pinyinTokens, resources: resources)
        let x = posteriors(spelling: "hao3bang4bang4")
        let h = decoder.decode(x)[0]
        #expect(h.written?.map(\.text) == ["好", "棒", "棒"])
        let t = makeTranscript(h, tokens: pinyinTokens, logProbs: x, secondsPerFrame: 0.03)
        #expect(t.text == "好棒棒")
        #expect(t.words.map(\.text) == ["好", "棒", "棒"])
        #expect(t.words.count == 3 && t.words[0].start == 0 && t.words[1].start >= t.words[0].end && t.words[2].start >= t.words[1].end)
        #expect(abs(t.words[2].end - Double(x.rows - 1) * 0.03) < 1e-9)   // the last letter's frames end one frame before the final blank
        // Without an LM, each reading takes its most frequent form.
        let plain = ReadingDecoder(inner: GreedyDecoder(), tokens: pinyinTokens, lexicon: lexicon, lm: nil, lmWeight: 1, lengthBonus: 0)
        #expect(makeTranscript(plain.decode(x)[0], tokens: pinyinTokens, logProbs: x, secondsPerFrame: 0.03).text == "好棒棒")
    }

    /// A beam hands its n-best on: the LM can prefer the second-best reading.
    @Test func beamNBestLetsTheLMChooseAmongReadings() {
        let lm = buildNGramLM(sentences: Array(repeating: ["帮", "助"], count: 20), order: 2, smoothing: .kneserNey)
        // Frames favour bang4 over bang1 slightly on the first syllable.
        var x = posteriors(spelling: "bang4zhu4")
        let four = pinyinTokens.firstIndex(of: "4")!, one = pinyinTokens.firstIndex(of: "1")!
        for t in 0..<x.rows where x[t, four] > logf(0.5) && t < 14 {
            x[t, four] = logf(0.5); x[t, one] = logf(0.4)
        }
        var config = DecodingConfig(beam: 8)
        config.readings = "readings.tsv"
        config.lmWeight = 1
        config.lengthBonus = 0
        var resources = DecodingResources(lm: lm)
        resources.readings = lexicon
        let withLM = config.makeDecoder(tokens: pinyinTokens, resources: resources).decode(x)[0]
        #expect(withLM.written?.map(\.text) == ["帮", "助"])
        resources.lm = nil
        let without = config.makeDecoder(tokens: pinyinTokens, resources: resources).decode(x)[0]
        #expect(without.written?.first?.text == "棒")   // bang4's form: the acoustics alone
    }

    /// Greedy decoding emits bang4 where the frames of the tone say 4 by a little
    /// over 1: the tone alternative lets the LM write 帮助 (bang1 zhu4); with no
    /// margin for alternatives, the emitted tone stands (棒).
    @Test func toneAlternativesLetTheLMChoose() {
        let lm = buildNGramLM(sentences: Array(repeating: ["帮", "助"], count: 20), order: 2, smoothing: .kneserNey)
        var x = posteriors(spelling: "bang4zhu4")
        let four = pinyinTokens.firstIndex(of: "4")!, one = pinyinTokens.firstIndex(of: "1")!
        for t in 0..<14 where x[t, four] > logf(0.5) { x[t, four] = logf(0.5); x[t, one] = logf(0.4) }
        let greedy = ReadingDecoder(inner: GreedyDecoder(), tokens: pinyinTokens, lexicon: lexicon, lm: lm, lmWeight: 1, lengthBonus: 0)
        let h = greedy.decode(x)[0]
        #expect(h.written?.map(\.text) == ["帮", "助"])
        // The score carries the alternative's relative log-posterior: log 0.4 − log 0.5.
        let (forms, lmScore) = greedy.write(["bang1", "zhu4"])
        #expect(forms == ["帮", "助"])
        #expect(abs(h.score - (h.acousticScore + logf(0.4) - logf(0.5) + lmScore)) < 1e-4)
        let strict = ReadingDecoder(inner: GreedyDecoder(), tokens: pinyinTokens, lexicon: lexicon, lm: lm, lmWeight: 1, lengthBonus: 0,
                                    alternativeMargin: 0)
        #expect(strict.decode(x)[0].written?.first?.text == "棒")
    }

    @Test func configChecks() {
        var c = DecodingConfig()
        c.readings = "r.tsv"
        c.lm = "chars.arpa"
        #expect(throws: Never.self) { try c.validate() }   // greedy + readings may use an LM
        c.lexicon = "words.txt"
        #expect(throws: ConfigError.self) { try c.validate() }
        #expect(c.summary() == "greedy + readings r.tsv + LM chars.arpa (α 0.5, β 1)")
    }
}
