import ArgumentParser
import ASRKit
import Foundation

/// `asr transcribe FILE…`.
struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files (any format/rate libsndfile reads) with a trained model.",
        discussion: "Example: asr transcribe a.wav b.flac\n         asr transcribe a.wav --json --beam 8")

    @Argument(help: "Audio files.") var files: [String]
    @OptionGroup var decoding: ModelDecodingFlags
    @Flag(help: "JSON with per-word start/end seconds and confidence.") var json = false
    @Option(help: "Write the posteriorgram of the file (tokens × frames, greedy path, word timings, waveform) as SVG here; one file only.")
    var plot: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one audio file") }
        if plot != nil && files.count != 1 { throw ValidationError("--plot draws one file; got \(files.count)") }
    }

    func run() throws {
        let transcriber = try decoding.transcriber()
        let bundle = transcriber.bundle
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
