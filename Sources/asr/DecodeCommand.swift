import ArgumentParser
import ASRKit
import Foundation

enum PosteriorKind: String, ExpressibleByArgument, CaseIterable {
    case logprobs, probs, logits
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
    @OptionGroup var decoding: DecodingFlags
    @Option(parsing: .unconditional, help: "Seconds per posterior frame (frame shift × subsampling).") var frameSeconds: Double = 0.01
    @Flag(help: "Print JSON with token and word timings.") var json = false

    func validate() throws {
        if frameSeconds <= 0 { throw ValidationError("--frame-seconds must be > 0") }
    }

    func run() throws {
        let table = try TokenTable.load(tokens)
        var x = try NPY.read(posteriors)
        guard x.cols == table.count else {
            throw FileError.malformed(path: posteriors, reason: "posteriors have \(x.cols) columns, \(tokens) has \(table.count) tokens")
        }
        guard x.rows > 0 else { throw FileError.malformed(path: posteriors, reason: "no frames (T = 0)") }
        x = try normalise(x)
        let config = try decoding.apply(to: DecodingConfig(), baseName: "decoding")
        let resources = try decoding.resources(for: config, tokens: table.tokens, baseName: "decoding")
        let decoder = config.makeDecoder(tokens: table.tokens, resources: resources)
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
        } else if config.nbest > 1 {
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
            let lse = logSumExp(x.storage[t * x.cols..<(t + 1) * x.cols])
            guard lse.isFinite, abs(lse) < 1e-2 else {
                throw FileError.malformed(
                    path: posteriors,
                    reason: "row \(t) is not a log-probability distribution (log Σ exp = \(lse)); use --input logits or --input probs")
            }
        }
        return x
    }
}
