import ArgumentParser
import ASRKit

extension LMUnitSetting: ExpressibleByArgument {}
extension BeamSearchKind: ExpressibleByArgument {}

/// The decoding flags of `transcribe`, `eval` and `decode`: each overrides one
/// field of a `DecodingConfig` (the model's `decode` section, or the defaults for
/// `asr decode`); a flag not given leaves the field as it is.
struct DecodingFlags: ParsableArguments {
    @Option(parsing: .unconditional, help: "Beam width; 0 or 1 = greedy. An LM, hotwords, a lexicon or n-best need a beam > 1.") var beam: Int?
    @Option(help: "ARPA language model (word-level for English, character-level for Mandarin).") var lm: String?
    @Option(parsing: .unconditional, help: "LM weight α.") var alpha: Float?
    @Option(parsing: .unconditional, help: "Length bonus β per LM unit.") var beta: Float?
    @Option(help: "LM unit: word (split at spaces), token (every character, e.g. Mandarin), or auto (word if the tokens have a space).")
    var lmUnit: LMUnitSetting?
    @Option(parsing: .singleValue, help: "Boost a word or phrase: 'phrase:weight' (repeatable; replaces the model's hotwords).") var hotword: [String] = []
    @Option(help: "Word list (one word a line, or a Kaldi lexicon.txt): only these words can be emitted.") var lexicon: String?
    @Flag(help: "Only the words of the word LM can be emitted.") var lexiconFromLm = false
    @Option(parsing: .unconditional, help: "With a word LM: log-score while a word being spelled begins no LM word (≤ 0; 0 = off).")
    var unknownPrefixPenalty: Float?
    @Option(parsing: .unconditional, help: "Hypotheses to return (beam search).") var nbest: Int?
    @Option(parsing: .unconditional, help: "Keep the k most probable tokens per frame (0 = all).") var topK: Int?
    @Option(parsing: .unconditional, help: "Tokens below this log-probability on a frame are not tried (the frame's best always is).")
    var tokenMinLogProb: Float?
    @Option(parsing: .unconditional, help: "Prefixes more than this below the frame's best are dropped (log, ≤ 0).") var beamPrune: Float?
    @Option(help: "Readings file (reading<TAB>form form …, e.g. pinyin → characters; asr lm readings): the model's readings are written with these forms, chosen by --lm (an LM of the written text).")
    var readings: String?
    @Option(help: "Beam search: merged (one slot per prefix, Hannun et al.) or pyctcdecode (pyctcdecode 0.5's search, same outputs; no LM, hotwords or lexicon).")
    var search: BeamSearchKind?
    @Option(help: "Audio longer than this many seconds is cut at pauses and decoded piece by piece (0 = always; decode.segmentation.longer_than).")
    var segmentLongerThan: Double?
    @Option(parsing: .unconditional, help: "Longest piece of a cut recording, seconds (decode.segmentation.max_seconds).") var maxSegmentSeconds: Double?
    @Option(parsing: .unconditional, help: "Audio kept around each piece of a cut recording or stream, seconds (decode.segmentation.padding).") var segmentPadding: Double?
    @Option(parsing: .unconditional, help: "Run the model chunk by chunk, this many model frames each (latency-controlled BLSTM; 0 = whole utterances; decode.chunk.frames).")
    var chunkFrames: Int?
    @Option(parsing: .unconditional, help: "Model frames after each chunk that its reverse directions hear (decode.chunk.right_context).")
    var rightContext: Int?

    func validate() throws {
        if lexicon != nil && lexiconFromLm { throw ValidationError("give either --lexicon or --lexicon-from-lm, not both") }
    }

    /// `base` with the flags given laid over it, checked; an invalid result is an
    /// error naming the flag (or the model's key, when a flag did not set it).
    func apply(to base: DecodingConfig, baseName: String) throws -> DecodingConfig {
        var d = base
        if let beam { d.beam = beam }
        if let lm { d.lm = lm }
        if let alpha { d.lmWeight = alpha }
        if let beta { d.lengthBonus = beta }
        if let lmUnit { d.lmUnit = lmUnit }
        if !hotword.isEmpty { d.hotwords = hotword }
        if let lexicon { d.lexicon = lexicon; d.lexiconFromLm = false }
        if lexiconFromLm { d.lexiconFromLm = true; d.lexicon = "" }
        if let unknownPrefixPenalty { d.unknownPrefixPenalty = unknownPrefixPenalty }
        if let nbest { d.nbest = nbest }
        if let topK { d.tokenTopK = topK }
        if let tokenMinLogProb { d.tokenMinLogProb = tokenMinLogProb }
        if let beamPrune { d.beamPruneLogProb = beamPrune }
        if let search { d.search = search }
        if let readings { d.readings = readings }
        if let segmentLongerThan { d.segmentation.longerThan = segmentLongerThan }
        if let maxSegmentSeconds { d.segmentation.maxSeconds = maxSegmentSeconds }
        if let segmentPadding { d.segmentation.padding = segmentPadding }
        if let chunkFrames { d.chunk.frames = chunkFrames }
        if let rightContext { d.chunk.rightContext = rightContext }
        do { try d.validate() } catch let ConfigError.invalidValue(_, key, reason) {
            throw ValidationError("\(name(of: key, baseName: baseName)): \(reason)")
        }
        return d
    }

    /// The flag that sets a `DecodingConfig` key, when it was given; else the key in `baseName`.
    func name(of key: String, baseName: String) -> String {
        let field = key.split(separator: "[").first.map(String.init) ?? key
        let flags: [String: (String, Bool)] = [
            "beam": ("--beam", beam != nil), "lm": ("--lm", lm != nil), "lm_weight": ("--alpha", alpha != nil),
            "length_bonus": ("--beta", beta != nil), "lm_unit": ("--lm-unit", lmUnit != nil), "hotwords": ("--hotword", !hotword.isEmpty),
            "lexicon": ("--lexicon", lexicon != nil), "lexicon_from_lm": ("--lexicon-from-lm", lexiconFromLm),
            "unknown_prefix_penalty": ("--unknown-prefix-penalty", unknownPrefixPenalty != nil), "nbest": ("--nbest", nbest != nil),
            "token_top_k": ("--top-k", topK != nil), "token_min_log_prob": ("--token-min-log-prob", tokenMinLogProb != nil),
            "beam_prune_log_prob": ("--beam-prune", beamPrune != nil), "search": ("--search", search != nil),
            "readings": ("--readings", readings != nil),
            "segmentation.longer_than": ("--segment-longer-than", segmentLongerThan != nil),
            "segmentation.max_seconds": ("--max-segment-seconds", maxSegmentSeconds != nil),
            "segmentation.padding": ("--segment-padding", segmentPadding != nil),
            "chunk.frames": ("--chunk-frames", chunkFrames != nil), "chunk.right_context": ("--right-context", rightContext != nil),
        ]
        if let (flag, given) = flags[field], given { return flag }
        return "\(baseName) \(key)"
    }
}

extension DecodingFlags {
    /// Loads the LM, lexicon and hotwords of `d`; warnings go to stderr, errors name the flag.
    func resources(for d: DecodingConfig, tokens: [String], normalize: (String) -> String = { $0 },
                   baseName: String) throws -> DecodingResources {
        let r: DecodingResources
        do { r = try DecodingResources.load(d, tokens: tokens, normalize: normalize) } catch let ConfigError.invalidValue(_, key, reason) {
            throw ValidationError("\(name(of: key, baseName: baseName)): \(reason)")
        }
        for w in r.warnings { printError("warning: \(w)") }
        return r
    }
}

/// A trained model and how to decode with it: `transcribe` and `eval`.
struct ModelDecodingFlags: ParsableArguments {
    @Option(help: "Model folder (default exp/latest).") var model: String = "exp/latest"
    @OptionGroup var decoding: DecodingFlags
    @Option(parsing: .unconditional, help: "Threads (0 = all cores).") var threads: Int = 0

    func validate() throws {
        if threads < 0 { throw ValidationError("--threads must be ≥ 0 (0 = all cores)") }
    }

    /// Loads the model and a transcriber that decodes with its `decode` section
    /// overridden by the flags.
    func transcriber() throws -> Transcriber {
        if threads > 0 { Parallelism.maxThreads = threads }
        let bundle = try ModelBundle.load(model)
        let baseName = "\(bundle.directory)/model.json decode"
        let d = try decoding.apply(to: bundle.info.decode, baseName: baseName)
        let normalize = bundle.info.normalize
        let r = try decoding.resources(for: d, tokens: bundle.tokens.tokens, normalize: { normalize.apply($0) }, baseName: baseName)
        return Transcriber(bundle: bundle, decoding: d, resources: r)
    }
}
