import ArgumentParser
import ASRCore
import ASRKit
import AudioIO
import Decoding
import Foundation

/// Decoding flags shared by `transcribe` and `eval`.
struct DecodingFlags: ParsableArguments {
    @Option(help: "Model folder (default exp/latest).") var model: String = "exp/latest"
    @Option(help: "Beam width; 0 or 1 = greedy (default: the model's recipe).") var beam: Int?
    @Option(help: "ARPA language model (word-level for English, character-level for Mandarin).") var lm: String?
    @Option(parsing: .unconditional, help: "LM weight α.") var alpha: Float?
    @Option(parsing: .unconditional, help: "Length bonus β.") var beta: Float?
    @Option(parsing: .singleValue, help: "Boost a word or phrase: 'phrase:weight' (repeatable).") var hotword: [String] = []
    @Option(parsing: .unconditional, help: "With a word LM: log-score while a word being spelled begins no LM word (≤ 0; 0 = off; default: the model's recipe).")
    var unknownPrefixPenalty: Float?
    @Option(help: "Word list (one word a line, or a Kaldi lexicon.txt): only these words can be emitted (default: the model's recipe).")
    var lexicon: String?
    @Flag(help: "Only the words of the word LM can be emitted.") var lexiconFromLm = false
    @Option(help: "Threads (0 = all cores).") var threads: Int = 0

    func validate() throws {
        if lexicon != nil && lexiconFromLm { throw ValidationError("give either --lexicon or --lexicon-from-lm, not both") }
        if let u = unknownPrefixPenalty, !BeamSearchOptions.isValidUnknownPrefixPenalty(u) { throw ValidationError("--unknown-prefix-penalty must be a finite log-score ≤ 0, got \(u)") }
    }

    func options(_ bundle: ModelBundle) throws -> TranscribeOptions {
        let d = bundle.info.decode
        let lmPath = lm ?? (d.lm.isEmpty ? nil : d.lm)
        var graph: HotwordGraph?
        if !hotword.isEmpty {
            var phrases: [(tokens: [Int], weight: Float)] = []
            for h in hotword {
                guard let colon = h.lastIndex(of: ":"), let w = Float(h[h.index(after: colon)...]) else {
                    throw ValidationError("--hotword '\(h)': expected 'phrase:weight'")
                }
                guard case .success(let ids) = bundle.tokens.encode(String(h[..<colon])), !ids.isEmpty else {
                    throw ValidationError("--hotword '\(h)': empty or has characters the model does not know")
                }
                phrases.append((ids, w))
            }
            graph = HotwordGraph(phrases: phrases, wordBoundary: bundle.tokens.space)
        }
        let languageModel = try lmPath.map { try NGramLM.load(arpa: $0) }
        var words: Lexicon?
        let fromLM = lexiconFromLm || (lexicon == nil && d.lexiconFromLm)
        if let path = lexicon ?? (fromLM || d.lexicon.isEmpty ? nil : d.lexicon) {
            guard bundle.tokens.space != nil else { throw LexiconError.noSeparator }
            words = try Lexicon.load(path, tokens: bundle.tokens.tokens, normalize: bundle.info.normalize.apply)
        } else if fromLM {
            guard let languageModel else { throw ValidationError("--lexicon-from-lm needs a word LM (--lm or decode.lm)") }
            guard bundle.tokens.space != nil else { throw LexiconError.noSeparator }
            let (lex, bad) = Lexicon.fromVocabulary(of: languageModel, tokens: bundle.tokens.tokens)
            if !bad.isEmpty {
                printError("warning: \(bad.count) LM words use characters the model cannot emit and are left out of the lexicon (e.g. \(bad.prefix(3).joined(separator: ", ")))")
            }
            words = lex
        }
        return TranscribeOptions(beam: beam ?? d.beam, lm: languageModel,
                                 lmWeight: alpha ?? d.lmWeight, lengthBonus: beta ?? d.lengthBonus, hotwords: graph,
                                 unknownPrefixPenalty: unknownPrefixPenalty ?? d.unknownPrefixPenalty, lexicon: words)
    }
}

/// `asr transcribe FILE…`.
struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files (any format/rate libsndfile reads) with a trained model.",
        discussion: "Example: asr transcribe a.wav b.flac\n         asr transcribe a.wav --json --beam 8")

    @Argument(help: "Audio files.") var files: [String]
    @OptionGroup var decoding: DecodingFlags
    @Flag(help: "JSON with per-word start/end seconds and confidence.") var json = false
    @Option(help: "Write the posteriorgram of the file (tokens × frames, greedy path, word timings, waveform) as SVG here; one file only.")
    var plot: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one audio file") }
        if plot != nil && files.count != 1 { throw ValidationError("--plot draws one file; got \(files.count)") }
    }

    func run() throws {
        if decoding.threads > 0 { Parallelism.maxThreads = decoding.threads }
        let bundle = try ModelBundle.load(decoding.model)
        let transcriber = Transcriber(bundle: bundle, options: try decoding.options(bundle))
        let results = transcriber.transcribe(files: files, keepLogProbs: plot != nil)
        if let plot, let t = results[0].transcript, let lp = results[0].logProbs {
            let audio = try AudioFile.read(files[0], sampleRate: bundle.info.sampleRate)
            let p = posteriorgram(title: "\((files[0] as NSString).lastPathComponent) · “\(t.text)”", logProbs: lp, transcript: t,
                                  samples: audio.samples, bundle: bundle)
            try AtomicFile.write(p.svg(), to: plot)
        }
        var failed = 0
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            struct Item: Encodable {
                var file: String; var text: String?; var duration: Double; var words: [TimedUnit]?; var error: String?
            }
            let items = results.map { Item(file: $0.path, text: $0.transcript?.text, duration: $0.duration,
                                           words: $0.transcript?.words, error: $0.error) }
            print(String(decoding: try enc.encode(files.count == 1 ? AnyEncodable(items[0]) : AnyEncodable(items)), as: UTF8.self))
            failed = results.filter { $0.error != nil }.count
        } else {
            for r in results {
                if let t = r.transcript {
                    print(files.count == 1 ? t.text : "\(r.path)\t\(t.text)")
                } else {
                    printError("error: \(r.error ?? "unknown")")
                    failed += 1
                }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ v: Encodable) { value = v }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
