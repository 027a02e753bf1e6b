import ASRCore
import Foundation

/// Which unit an n-gram LM scores: `auto` = words when the tokens have a space
/// (English), else every token (Mandarin characters).
public enum LMUnitSetting: String, StrictEnum, Sendable {
    case auto, word, token

    /// The unit for a token inventory.
    public func resolved(tokens: [String]) -> LMUnit {
        switch self {
        case .auto: return tokens.contains(" ") ? .word : .token
        case .word: return .word
        case .token: return .token
        }
    }
}

/// Which prefix beam search: one slot per prefix (Hannun et al.; finds more
/// probable outputs), or pyctcdecode 0.5's, output for output (no LM, hotwords
/// or lexicon).
public enum BeamSearchKind: String, StrictEnum, Sendable {
    case merged, pyctcdecode
}

/// How CTC posteriors become text: the one set of decoding settings. It is a
/// recipe's `decode` section and model.json's, what `asr transcribe/eval/decode`
/// flags override, what the evaluator and the bench decode with. Keys are
/// snake_case in JSON; anything not given takes the default written here (the
/// search's own defaults are `BeamSearchOptions`'). `validate()` is the one
/// check; `makeDecoder` the one way to a decoder.
public struct DecodingConfig: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Beam width, prefixes kept per frame; 0 or 1 = greedy (the best token of
    /// every frame). An LM, hotwords or a lexicon need a beam > 1.
    public var beam = 0
    /// Hypotheses returned (n-best, best first); > 1 needs a beam.
    public var nbest = BeamSearchOptions.default.nbest
    /// ARPA n-gram language model file; "" = none.
    public var lm = ""
    /// LM weight α: multiplies the LM's natural-log probability.
    public var lmWeight = BeamSearchOptions.default.lmWeight
    /// Length bonus β, natural-log score per LM unit (word or token); like α, only with an LM.
    public var lengthBonus = BeamSearchOptions.default.lengthBonus
    /// The unit the LM scores.
    public var lmUnit = LMUnitSetting.auto
    /// With a word LM: log-score (≤ 0) while a word being spelled begins no LM word; 0 = off
    /// (`BeamSearchOptions.unknownPrefixPenalty`).
    public var unknownPrefixPenalty = BeamSearchOptions.default.unknownPrefixPenalty
    /// Boosted words or phrases, each "phrase:weight" (weight: natural-log bonus per
    /// token of the phrase matched; whole words only when the tokens have a space).
    public var hotwords: [String] = []
    /// Word list (one word a line, or a Kaldi lexicon.txt): only these words can be
    /// emitted; "" = any spelling.
    public var lexicon = ""
    /// Only the words of the word LM can be emitted (as with `lexicon`).
    public var lexiconFromLm = false
    /// Pruning: only the k most probable non-blank tokens of a frame are tried; 0 = all.
    public var tokenTopK = BeamSearchOptions.default.tokenTopK
    /// Pruning: tokens below this natural-log probability are not tried (the frame's best always is).
    public var tokenMinLogProb = BeamSearchOptions.default.tokenMinLogProb
    /// Pruning: prefixes more than this (natural log, ≤ 0) below the frame's best are dropped.
    public var beamPruneLogProb = BeamSearchOptions.default.beamPruneLogProb
    /// A frame whose blank probability is at least this adds no new tokens; > 1 = never skip.
    public var blankSkipThreshold = BeamSearchOptions.default.blankSkipThreshold
    /// Which beam search.
    public var search = BeamSearchKind.merged
    /// Readings file (`ReadingLexicon`: `reading<TAB>form form …`) for a model that
    /// emits readings (tone-numbered pinyin): its output is written with the forms
    /// (characters), chosen by `lm`, an LM of the written text, with weight α and
    /// bonus β per form; the CTC search itself (greedy, or a beam whose n-best are
    /// all written) then uses no LM. "" = the tokens are the text.
    public var readings = ""
    /// How audio longer than `segmentation.longer_than` seconds is cut at pauses.
    public var segmentation = SegmentationOptions()
    /// Latency-controlled inference: the model run chunk by chunk (0 frames = whole utterances).
    public var chunk = ChunkOptions()

    public init() {}

    /// Greedy decoding, or beam search with `beam`.
    public init(beam: Int) { self.beam = beam }

    /// Whether this decodes by beam search (else greedy).
    public var isBeamSearch: Bool { beam > 1 }

    public func validate() throws {
        func invalid(_ key: String, _ reason: String) -> ConfigError { .invalidValue(source: "", key: key, reason: reason) }
        guard (0...100_000).contains(beam) else { throw invalid("beam", "expected 0…100000 (0 or 1 = greedy), found \(beam)") }
        guard nbest >= 1 else { throw invalid("nbest", "expected ≥ 1, found \(nbest)") }
        if !isBeamSearch {
            let needsBeam: [(String, Bool)] = [("nbest", nbest > 1), ("lm", !lm.isEmpty && readings.isEmpty), ("hotwords", !hotwords.isEmpty),
                                               ("lexicon", !lexicon.isEmpty), ("lexicon_from_lm", lexiconFromLm)]
            if let (key, _) = needsBeam.first(where: { $0.1 }) {
                throw invalid(key, "needs a beam search (beam > 1, e.g. 8); beam \(beam) is greedy decoding, which uses no LM, hotwords, lexicon or n-best")
            }
        }
        guard lmWeight.isFinite else { throw invalid("lm_weight", "expected a finite number, found \(lmWeight)") }
        guard lengthBonus.isFinite else { throw invalid("length_bonus", "expected a finite number, found \(lengthBonus)") }
        guard BeamSearchOptions.isValidUnknownPrefixPenalty(unknownPrefixPenalty) else {
            throw invalid("unknown_prefix_penalty", "expected a finite log-score ≤ 0, found \(unknownPrefixPenalty)")
        }
        guard tokenTopK >= 0 else { throw invalid("token_top_k", "expected ≥ 0 (0 = all tokens), found \(tokenTopK)") }
        guard tokenMinLogProb <= 0 else { throw invalid("token_min_log_prob", "expected a log-probability ≤ 0 (−inf = all), found \(tokenMinLogProb)") }
        guard beamPruneLogProb <= 0 else { throw invalid("beam_prune_log_prob", "expected a log-probability margin ≤ 0 (−inf = off), found \(beamPruneLogProb)") }
        guard blankSkipThreshold > 0 else { throw invalid("blank_skip_threshold", "expected a probability > 0 (> 1 = never skip), found \(blankSkipThreshold)") }
        guard !(lexiconFromLm && lm.isEmpty) else { throw invalid("lexicon_from_lm", "needs an LM (lm), whose words are the ones allowed") }
        guard !(lexiconFromLm && !lexicon.isEmpty) else { throw invalid("lexicon_from_lm", "give either lexicon or lexicon_from_lm, not both") }
        for (i, h) in hotwords.enumerated() { _ = try Self.parseHotword(h, key: "hotwords[\(i)]") }
        try segmentation.validate()
        try chunk.validate()
        if !readings.isEmpty {
            if let (key, _) = [("lexicon", !lexicon.isEmpty || lexiconFromLm), ("hotwords", !hotwords.isEmpty),
                               ("search", search == .pyctcdecode)].first(where: { $0.1 }) {
                throw invalid(key, "not with readings (the LM and α, β apply to the written text; the search over readings takes no \(key))")
            }
        }
        if search == .pyctcdecode {
            guard isBeamSearch else { throw invalid("search", "pyctcdecode is a beam search: needs beam > 1") }
            if let (key, _) = [("lm", !lm.isEmpty), ("hotwords", !hotwords.isEmpty), ("lexicon", !lexicon.isEmpty || lexiconFromLm)].first(where: { $0.1 }) {
                throw invalid(key, "the pyctcdecode search takes no LM, hotwords or lexicon (use search \"merged\")")
            }
        }
    }

    /// "phrase:weight" → (phrase, weight); the weight is a finite number.
    public static func parseHotword(_ spec: String, key: String) throws -> (phrase: String, weight: Float) {
        guard let colon = spec.lastIndex(of: ":"), let w = Float(spec[spec.index(after: colon)...]), w.isFinite else {
            throw ConfigError.invalidValue(source: "", key: key, reason: "'\(spec)': expected 'phrase:weight' with a finite weight, e.g. 'nine one one:2.0'")
        }
        let phrase = String(spec[..<colon])
        guard !phrase.isEmpty else { throw ConfigError.invalidValue(source: "", key: key, reason: "'\(spec)': empty phrase") }
        return (phrase, w)
    }

    /// The search's parameters.
    public var beamSearchOptions: BeamSearchOptions {
        var o = BeamSearchOptions()
        o.beamWidth = beam
        o.nbest = nbest
        o.lmWeight = lmWeight
        o.lengthBonus = lengthBonus
        o.unknownPrefixPenalty = unknownPrefixPenalty
        o.tokenTopK = tokenTopK
        o.tokenMinLogProb = tokenMinLogProb
        o.beamPruneLogProb = beamPruneLogProb
        o.blankSkipThreshold = blankSkipThreshold
        if search == .pyctcdecode {
            // pyctcdecode prunes by log-probability only and never skips frames.
            o.pyctcdecodeCompatible = true
            o.tokenTopK = 0
            o.blankSkipThreshold = 2
        }
        return o
    }

    /// The decoder these settings describe, over `tokens` (id → string, a space as " ").
    public func makeDecoder(tokens: [String], lm: (any LanguageModel)? = nil, hotwords: HotwordGraph? = nil,
                            lexicon: Lexicon? = nil) -> any CTCDecoding {
        guard isBeamSearch else { return GreedyDecoder() }
        return PrefixBeamDecoder(options: beamSearchOptions, tokens: tokens, lm: lm, lmUnit: lmUnit.resolved(tokens: tokens),
                                 hotwords: hotwords, lexicon: lexicon)
    }

    /// The decoder, with the files of `resources`.
    public func makeDecoder(tokens: [String], resources: DecodingResources) -> any CTCDecoding {
        if let readings = resources.readings {
            // The search over readings uses no LM; a beam hands all its prefixes on to be written.
            var inner = self
            inner.lm = ""
            inner.nbest = max(nbest, beam)
            return ReadingDecoder(inner: inner.makeDecoder(tokens: tokens), tokens: tokens, lexicon: readings, lm: resources.lm,
                                  lmWeight: lmWeight, lengthBonus: lengthBonus, nbest: nbest)
        }
        return makeDecoder(tokens: tokens, lm: resources.lm, hotwords: resources.hotwords, lexicon: resources.lexicon)
    }

    /// One line for titles and reports, e.g. "beam 8 + lexicon of 11 words + LM words.arpa (α 0.3, β 1)".
    public func summary(resources: DecodingResources? = nil) -> String {
        if !readings.isEmpty {
            var s = (isBeamSearch ? "beam \(beam)" : "greedy") + " + readings \((readings as NSString).lastPathComponent)"
            if !lm.isEmpty { s += " + LM \((lm as NSString).lastPathComponent)" + String(format: " (α %g, β %g)", lmWeight, lengthBonus) }
            return s
        }
        guard isBeamSearch else { return "greedy" }
        var s = "beam \(beam)"
        if search == .pyctcdecode { s += " (pyctcdecode search)" }
        if let n = resources?.lexicon?.wordCount { s += " + lexicon of \(n) words" }
        else if !lexicon.isEmpty { s += " + lexicon \((lexicon as NSString).lastPathComponent)" }
        else if lexiconFromLm { s += " + the LM's words as lexicon" }
        if !hotwords.isEmpty { s += " + \(hotwords.count) hotword\(hotwords.count == 1 ? "" : "s")" }
        if !lm.isEmpty { s += " + LM \((lm as NSString).lastPathComponent)" + String(format: " (α %g, β %g)", lmWeight, lengthBonus) }
        return s
    }
}

/// What the files of a `DecodingConfig` hold, loaded once: the LM, the lexicon
/// (a word list, or the LM's vocabulary) and the hotword graph.
public struct DecodingResources: Sendable {
    public var lm: NGramLM?
    public var lexicon: Lexicon?
    public var hotwords: HotwordGraph?
    public var readings: ReadingLexicon?
    /// Things the user should know that are not errors (LM words the tokens cannot spell).
    public var warnings: [String] = []

    public init(lm: NGramLM? = nil, lexicon: Lexicon? = nil, hotwords: HotwordGraph? = nil) {
        self.lm = lm
        self.lexicon = lexicon
        self.hotwords = hotwords
    }

    /// Validates `config` and loads its files for a model with `tokens`; `normalize`
    /// maps lexicon words, hotword phrases and readings as the model's transcripts are mapped.
    /// Errors name the key (`ConfigError`) or the file and line.
    public static func load(_ config: DecodingConfig, tokens: [String],
                            normalize: (String) -> String = { $0 }) throws -> DecodingResources {
        try config.validate()
        var r = DecodingResources()
        let hasSeparator = tokens.contains(" ")
        if !config.lm.isEmpty { r.lm = try NGramLM.load(arpa: config.lm) }
        if !config.readings.isEmpty {
            // Readings are spelt as the model's transcripts were before normalisation
            // (e.g. pinyin for a model over zhuyin): mapped here as those were.
            let loaded = try ReadingLexicon.load(config.readings)
            let lexicon = ReadingLexicon(loaded.readings.map { (normalize($0), loaded.forms[$0]!) })
            let known = Set(tokens.joined())
            let unspellable = lexicon.readings.filter { !$0.allSatisfy(known.contains) }
            if !unspellable.isEmpty {
                r.warnings.append("\(unspellable.count) readings of \(config.readings) use characters the model cannot emit (e.g. \(unspellable.prefix(3).joined(separator: ", ")))")
            }
            r.readings = lexicon
        }
        if !config.lexicon.isEmpty {
            guard hasSeparator else { throw LexiconError.noSeparator }
            r.lexicon = try Lexicon.load(config.lexicon, tokens: tokens, normalize: normalize)
        } else if config.lexiconFromLm, let lm = r.lm {
            guard hasSeparator else { throw LexiconError.noSeparator }
            let (lex, bad) = Lexicon.fromVocabulary(of: lm, tokens: tokens)
            if !bad.isEmpty {
                r.warnings.append("\(bad.count) LM words use characters the model cannot emit and are left out of the lexicon (e.g. \(bad.prefix(3).joined(separator: ", ")))")
            }
            r.lexicon = lex
        }
        if !config.hotwords.isEmpty {
            var phrases: [(tokens: [Int], weight: Float)] = []
            for (i, h) in config.hotwords.enumerated() {
                let (phrase, weight) = try DecodingConfig.parseHotword(h, key: "hotwords[\(i)]")
                let text = normalize(phrase)
                let (ids, bad) = Lexicon.spell([text], tokens: tokens)
                guard bad.isEmpty, let spelt = ids.first, !spelt.isEmpty else {
                    let missing = Lexicon.unknownCharacter(in: text, tokens: tokens).map { "character '\($0)' is not one of the model's tokens" } ?? "empty phrase"
                    throw ConfigError.invalidValue(source: "", key: "hotwords[\(i)]", reason: "'\(h)': \(missing)")
                }
                phrases.append((spelt, weight))
            }
            let wordMode = config.lmUnit.resolved(tokens: tokens) == .word
            r.hotwords = HotwordGraph(phrases: phrases, wordBoundary: wordMode ? tokens.firstIndex(of: " ") : nil)
        }
        return r
    }
}

/// Latency-controlled inference (`NN.ChunkedInference`, LC-BLSTM): the model
/// sees the audio in chunks of `frames` model frames (after frame stacking: 30 ms
/// each with the recipes' stacking of 3), each with `right_context` frames that
/// follow it; its forward directions carry their state from chunk to chunk. A
/// chunk's output is known `frames + right_context` frames after it starts, so
/// a stream's latency is bounded and its compute per frame too. A
/// unidirectional model gives the same output for any chunk.
public struct ChunkOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Model frames per chunk; 0 = the whole utterance at once.
    public var frames = 0
    /// Model frames after each chunk that its reverse directions hear.
    public var rightContext = 0

    public init() {}

    public init(frames: Int, rightContext: Int) {
        self.frames = frames
        self.rightContext = rightContext
    }

    /// Whether the model runs chunk by chunk.
    public var isChunked: Bool { frames > 0 }

    public func validate() throws {
        guard frames >= 0 else {
            throw ConfigError.invalidValue(source: "", key: "chunk.frames", reason: "expected model frames ≥ 0 (0 = whole utterances), found \(frames)")
        }
        guard rightContext >= 0 else {
            throw ConfigError.invalidValue(source: "", key: "chunk.right_context", reason: "expected model frames ≥ 0, found \(rightContext)")
        }
    }
}
