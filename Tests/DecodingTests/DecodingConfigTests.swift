import Foundation
import Testing
import ASRCore
@testable import Decoding
import _TestSupport

private let letters = ["<blank>", " ", "a", "b", "c"]

/// Random log-probabilities [T, V] (rows normalised), seeded.
private func randomLogProbs(T: Int, V: Int, seed: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    var m = Matrix(rows: T, cols: V)
    for t in 0..<T {
        let row = (0..<V).map { _ in Float.random(in: -4...2, using: &rng) }
        let mx = row.max()!
        let lse = mx + log(row.reduce(0) { $0 + exp($1 - mx) })
        for v in 0..<V { m[t, v] = row[v] - lse }
    }
    return m
}

@Suite struct DecodingConfigTests {
    /// The config's defaults are the search's: one set of numbers.
    @Test func defaultsAreTheBeamSearchDefaults() {
        let c = DecodingConfig(beam: 16)
        #expect(c.beamSearchOptions == BeamSearchOptions.default)
        #expect(DecodingConfig().beam == 0 && !DecodingConfig().isBeamSearch)
    }

    /// Snake-case JSON with defaults for missing keys, the same rules as recipes;
    /// a key it does not have is an error naming it.
    @Test func strictJSON() throws {
        let c = try StrictJSON.decode(DecodingConfig.self, from: Data(#"{"beam": 8, "lm_weight": 0.3, "lm_unit": "token", "hotwords": ["ab:2"]}"#.utf8), source: "r.json")
        #expect(c.beam == 8 && c.lmWeight == 0.3 && c.lmUnit == .token && c.hotwords == ["ab:2"] && c.tokenTopK == 32)
        do {
            _ = try StrictJSON.decode(DecodingConfig.self, from: Data(#"{"alpha": 0.3}"#.utf8), source: "r.json")
            Issue.record("unknown key accepted")
        } catch let ConfigError.unknownKey(source, key, expected) {
            #expect(source == "r.json" && key == "alpha" && expected.contains("lm_weight"))
        }
        let back = try StrictJSON.decode(DecodingConfig.self, from: StrictJSON.encode(c), source: "again")
        #expect(back == c)
    }

    /// Every impossible combination is one error naming its key.
    @Test func invalidSettingsNameTheKey() {
        let cases: [(String, (inout DecodingConfig) -> Void)] = [
            ("beam", { c in c.beam = -1 }),
            ("lm", { c in c.lm = "x.arpa" }),  // greedy with an LM
            ("hotwords", { c in c.hotwords = ["ab:1"] }),
            ("lexicon", { c in c.lexicon = "w.txt" }),
            ("lexicon_from_lm", { c in c.lexiconFromLm = true }),
            ("nbest", { c in c.nbest = 3 }),
            ("nbest", { c in c.beam = 4; c.nbest = 0 }),
            ("lm_weight", { c in c.beam = 4; c.lmWeight = .nan }),
            ("length_bonus", { c in c.beam = 4; c.lengthBonus = .infinity }),
            ("unknown_prefix_penalty", { c in c.beam = 4; c.unknownPrefixPenalty = 1 }),
            ("token_top_k", { c in c.beam = 4; c.tokenTopK = -1 }),
            ("token_min_log_prob", { c in c.beam = 4; c.tokenMinLogProb = .nan }),
            ("beam_prune_log_prob", { c in c.beam = 4; c.beamPruneLogProb = 3 }),
            ("blank_skip_threshold", { c in c.beam = 4; c.blankSkipThreshold = 0 }),
            ("lexicon_from_lm", { c in c.beam = 4; c.lexiconFromLm = true }),  // no LM
            ("lexicon_from_lm", { c in c.beam = 4; c.lm = "x.arpa"; c.lexicon = "w"; c.lexiconFromLm = true }),
            ("hotwords[1]", { c in c.beam = 4; c.hotwords = ["ab:1", "ab:inf"] }),
            ("hotwords[0]", { c in c.beam = 4; c.hotwords = ["ab"] }),
            ("hotwords[0]", { c in c.beam = 4; c.hotwords = [":2"] }),
            ("search", { c in c.search = .pyctcdecode }),
            ("lm", { c in c.beam = 4; c.search = .pyctcdecode; c.lm = "x.arpa" }),
        ]
        for (key, change) in cases {
            var c = DecodingConfig()
            change(&c)
            do {
                try c.validate()
                Issue.record("no error for \(key)")
            } catch let ConfigError.invalidValue(_, k, _) {
                #expect(k == key)
            } catch { Issue.record("\(error)") }
        }
    }

    /// Greedy and beam come out of the one factory, equal to the decoders built by hand.
    @Test func makeDecoderEqualsTheDecodersItDescribes() {
        let x = randomLogProbs(T: 30, V: letters.count, seed: 3)
        #expect(DecodingConfig().makeDecoder(tokens: letters).decode(x)[0].tokens == GreedyDecoder().decode(x)[0].tokens)
        var c = DecodingConfig(beam: 6)
        c.nbest = 3
        c.tokenTopK = 0
        let byHand = PrefixBeamDecoder(options: c.beamSearchOptions, tokens: letters, lmUnit: .word).decode(x)
        let made = c.makeDecoder(tokens: letters).decode(x)
        #expect(made.map(\.tokens) == byHand.map(\.tokens) && made.count == 3)
        for (a, b) in zip(made, byHand) { #expect(abs(a.score - b.score) <= 1e-6) }  // same code path: equal up to float noise
        c.search = .pyctcdecode
        let o = c.beamSearchOptions
        #expect(o.pyctcdecodeCompatible && o.tokenTopK == 0 && o.blankSkipThreshold > 1)
    }

    @Test func lmUnitResolves() {
        #expect(LMUnitSetting.auto.resolved(tokens: letters) == .word)
        #expect(LMUnitSetting.auto.resolved(tokens: ["<blank>", "好", "棒"]) == .token)
        #expect(LMUnitSetting.token.resolved(tokens: letters) == .token)
    }

    /// Hotwords are spelt in the tokens after normalisation; a character the model
    /// cannot emit is an error naming the hotword.
    @Test func resourcesSpellHotwords() throws {
        var c = DecodingConfig(beam: 4)
        c.hotwords = ["AB:2", "c:1"]
        let r = try DecodingResources.load(c, tokens: letters, normalize: { $0.lowercased() })
        #expect(r.hotwords != nil && r.hotwords!.boundary == 1 && r.lm == nil && r.lexicon == nil)
        c.hotwords = ["abz:2"]
        #expect(throws: ConfigError.invalidValue(source: "", key: "hotwords[0]", reason: "'abz:2': character 'z' is not one of the model's tokens")) {
            try DecodingResources.load(c, tokens: letters)
        }
        c.hotwords = []
        c.lexicon = "/nonexistent/words.txt"
        #expect(throws: FileError.notFound(path: "/nonexistent/words.txt")) { try DecodingResources.load(c, tokens: letters) }
        #expect(throws: LexiconError.noSeparator) { try DecodingResources.load(c, tokens: ["<blank>", "好"]) }
    }

    @Test func summaryNamesWhatDecodes() {
        var c = DecodingConfig()
        #expect(c.summary() == "greedy")
        c.beam = 8
        c.lm = "exp/words.arpa"
        c.lmWeight = 0.3
        c.lexicon = "w.txt"
        #expect(c.summary(resources: DecodingResources(lexicon: Lexicon(words: [[2], [3]]))) == "beam 8 + lexicon of 2 words + LM words.arpa (α 0.3, β 1)")
    }
}
