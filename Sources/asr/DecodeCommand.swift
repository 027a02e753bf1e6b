import ArgumentParser
import ASRCore
import ASRText
import CTC
import Decoding
import Foundation

enum PosteriorKind: String, ExpressibleByArgument, CaseIterable {
    case logprobs, probs, logits
}

extension LMUnit: ExpressibleByArgument {}

/// Which prefix beam search: one slot per prefix (more probable outputs), or
/// pyctcdecode's, output for output.
enum SearchKind: String, ExpressibleByArgument, CaseIterable {
    case merged, pyctcdecode
}

/// `asr decode`: CTC-decode a `[T, V]` posterior matrix from any model.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode CTC posteriors [T, V] (.npy) into text: greedy or prefix beam search, optional n-gram LM.",
        discussion: """
            tokens.txt: one token per line, line index = id, <blank> first, a space written <space>.
            Examples:
              asr decode post.npy --tokens tokens.txt
              asr decode post.npy --tokens tokens.txt --beam 16 --lm words.arpa --alpha 0.5 --beta 1.0 --json
            """)

    @Argument(help: "Posteriors .npy, float32/float64 [T, V].") var posteriors: String
    @Option(help: "Token inventory (tokens.txt).") var tokens: String
    @Option(help: "Input values: logprobs (log-softmax output), probs, or logits.") var input: PosteriorKind = .logprobs
    @Option(help: "Beam width; 0 or 1 = greedy decoding (no LM).") var beam: Int = 0
    @Option(help: "ARPA n-gram language model.") var lm: String?
    @Option(parsing: .unconditional, help: "LM weight α.") var alpha: Float = 0.5
    @Option(parsing: .unconditional, help: "Length bonus β per LM unit.") var beta: Float = 1.0
    @Option(help: "LM unit: word (split at <space>) or token (every character, e.g. Mandarin). Default: word if tokens have <space>.") var lmUnit: LMUnit?
    @Option(parsing: .singleValue, help: "Boost a word or phrase: 'phrase:weight' (repeatable).") var hotword: [String] = []
    @Option(help: "Word list (one word a line, or a Kaldi lexicon.txt): only these words can be emitted.") var lexicon: String?
    @Option(help: "Hypotheses to print.") var nbest: Int = 1
    @Option(help: "Keep the k most probable tokens per frame (0 = all).") var topK: Int = 32
    @Option(parsing: .unconditional, help: "Tokens below this log-probability on a frame are not tried (the frame's best always is).") var tokenMinLogProb: Float = -12
    @Option(parsing: .unconditional, help: "Prefixes more than this below the frame's best are dropped (log, ≤ 0).") var beamPrune: Float = -10
    @Option(parsing: .unconditional, help: "With a word LM: log-score while a word being spelled begins no LM word (≤ 0; 0 = off).")
    var unknownPrefixPenalty: Float = BeamSearchOptions().unknownPrefixPenalty
    @Option(help: "Beam search: merged (one slot per prefix, Hannun et al.) or pyctcdecode (pyctcdecode 0.5's search, same outputs; no LM or hotwords).") var search: SearchKind = .merged
    @Option(help: "Seconds per posterior frame (frame shift × subsampling).") var frameSeconds: Double = 0.01
    @Flag(help: "Print JSON with token and word timings.") var json = false

    func validate() throws {
        if nbest < 1 { throw ValidationError("--nbest must be ≥ 1") }
        if beam < 0 { throw ValidationError("--beam must be ≥ 0") }
        if nbest > 1 && beam <= 1 { throw ValidationError("--nbest needs --beam > 1") }
        if (lm != nil || !hotword.isEmpty || lexicon != nil) && beam <= 1 { throw ValidationError("--lm, --hotword and --lexicon need --beam > 1") }
        if frameSeconds <= 0 { throw ValidationError("--frame-seconds must be > 0") }
        if beamPrune > 0 { throw ValidationError("--beam-prune must be ≤ 0 (a log-probability margin)") }
        if !BeamSearchOptions.isValidUnknownPrefixPenalty(unknownPrefixPenalty) { throw ValidationError("--unknown-prefix-penalty must be a finite log-score ≤ 0, got \(unknownPrefixPenalty)") }
        if search == .pyctcdecode {
            if beam <= 1 { throw ValidationError("--search pyctcdecode needs --beam > 1") }
            if lm != nil || !hotword.isEmpty || lexicon != nil { throw ValidationError("--search pyctcdecode does not take --lm, --hotword or --lexicon (use --search merged)") }
        }
    }

    func run() throws {
        let table = try TokenTable.load(tokens)
        var x = try NPY.read(posteriors)
        guard x.cols == table.count else {
            throw FileError.malformed(path: posteriors, reason: "posteriors have \(x.cols) columns, \(tokens) has \(table.count) tokens")
        }
        guard x.rows > 0 else { throw FileError.malformed(path: posteriors, reason: "no frames (T = 0)") }
        x = try normalise(x)
        let lmModel = try lm.map { try NGramLM.load(arpa: $0) }
        let hotwords = try parseHotwords(table)
        var words: Lexicon?
        if let lexicon {
            guard table.space != nil else { throw LexiconError.noSeparator }
            words = try Lexicon.load(lexicon, tokens: table.tokens)
        }
        let decoder: any CTCDecoding
        if beam <= 1 {
            decoder = GreedyDecoder()
        } else {
            var o = BeamSearchOptions()
            o.beamWidth = beam
            o.nbest = nbest
            o.lmWeight = alpha
            o.lengthBonus = beta
            o.tokenTopK = topK
            o.tokenMinLogProb = tokenMinLogProb
            o.beamPruneLogProb = beamPrune
            o.unknownPrefixPenalty = unknownPrefixPenalty
            if search == .pyctcdecode {
                // pyctcdecode prunes by log-probability only and never skips frames.
                o.pyctcdecodeCompatible = true
                o.tokenTopK = 0
                o.blankSkipThreshold = 2
            }
            decoder = PrefixBeamDecoder(options: o, tokens: table.tokens, lm: lmModel,
                                        lmUnit: lmUnit ?? (table.space != nil ? .word : .token), hotwords: hotwords, lexicon: words)
        }
        let hyps = decoder.decode(x)
        let transcripts = hyps.map { makeTranscript($0, tokens: table.tokens, logProbs: x, secondsPerFrame: frameSeconds) }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            enc.keyEncodingStrategy = .convertToSnakeCase
            struct Output: Encodable { var text: String; var score: Float; var tokens: [TimedUnit]; var words: [TimedUnit]; var nbest: [NBest] }
            struct NBest: Encodable { var text: String; var score: Float }
            let best = transcripts[0]
            let out = Output(text: best.text, score: best.score, tokens: best.tokens, words: best.words,
                             nbest: transcripts.map { NBest(text: $0.text, score: $0.score) })
            print(String(decoding: try enc.encode(out), as: UTF8.self))
        } else if nbest > 1 {
            for t in transcripts { print(String(format: "%.4f", t.score) + "\t" + t.text) }
        } else {
            print(transcripts[0].text)
        }
    }

    /// Converts to log-probabilities and checks that rows are distributions.
    func normalise(_ m: Matrix) throws -> Matrix {
        var x = m
        switch input {
        case .logits:
            x.storage = logSoftmax(x.storage, rows: x.rows, vocabulary: x.cols)
        case .probs:
            guard x.storage.allSatisfy({ $0 >= 0 && $0 <= 1.0001 }) else {
                throw FileError.malformed(path: posteriors, reason: "--input probs: values must lie in [0, 1]")
            }
            x.storage = x.storage.map { logf(max($0, 1e-30)) }
        case .logprobs:
            break
        }
        for t in 0..<x.rows {
            var m = -Float.infinity
            for v in 0..<x.cols { m = max(m, x[t, v]) }
            var s: Float = 0
            for v in 0..<x.cols { s += expf(x[t, v] - m) }
            let lse = m + logf(s)
            guard lse.isFinite, abs(lse) < 1e-2 else {
                throw FileError.malformed(
                    path: posteriors,
                    reason: "row \(t) is not a log-probability distribution (log Σ exp = \(lse)); use --input logits or --input probs")
            }
        }
        return x
    }

    func parseHotwords(_ table: TokenTable) throws -> HotwordGraph? {
        guard !hotword.isEmpty else { return nil }
        var phrases: [(tokens: [Int], weight: Float)] = []
        for h in hotword {
            guard let colon = h.lastIndex(of: ":"), let w = Float(h[h.index(after: colon)...]), w.isFinite else {
                throw ValidationError("--hotword '\(h)': expected 'phrase:weight', e.g. 'nine one one:2.0'")
            }
            let phrase = String(h[..<colon])
            switch table.encode(phrase) {
            case .success(let ids) where !ids.isEmpty: phrases.append((ids, w))
            case .success: throw ValidationError("--hotword '\(h)': empty phrase")
            case .failure(let u): throw ValidationError("--hotword '\(h)': character '\(u.character)' is not in \(tokens)")
            }
        }
        return HotwordGraph(phrases: phrases, wordBoundary: (lmUnit ?? (table.space != nil ? .word : .token)) == .word ? table.space : nil)
    }
}
