import ArgumentParser
import ASRKit
import Foundation

/// `asr transcribe FILE…`.
struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files (any format/rate libsndfile reads) with a trained model.",
        discussion: """
            Example: asr transcribe a.wav b.flac
                     asr transcribe a.wav --json --beam 8
                     asr transcribe lecture.wav --format srt > lecture.srt
            Audio longer than decode.segmentation.longer_than (30 s) is cut at pauses and its pieces decoded in \
            parallel; memory stays bounded whatever the length.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, srt, vtt }

    @Argument(help: "Audio files.") var files: [String] = []
    @Option(help: "Transcribe the utterances of this JSON-lines manifest (or Kaldi data folder) instead of files; needs --out.")
    var manifest: String?
    @Option(help: "With --manifest: write one JSON line per utterance here (id, audio_filepath, text, duration; words with --json; error), in input order.")
    var out: String?
    @Option(help: "With --manifest: only block K of N of the utterances (K/N, e.g. 0/4: job arrays; the blocks concatenated are the input order). Under mpirun the ranks split them.")
    var shard: String?
    @OptionGroup var decoding: ModelDecodingFlags
    @Flag(help: "JSON with per-word start/end seconds and confidence (= --format json).") var json = false
    @Option(help: "Output: text, json (words with times), srt or vtt (subtitles; one file).") var format: Format = .text
    @Option(parsing: .unconditional, help: "Subtitles: longest cue, seconds.") var maxCueSeconds: Double = 6
    @Option(parsing: .unconditional, help: "Subtitles: most characters in a cue.") var maxCueChars: Int = 42
    @Option(help: "Write the posteriorgram of the file (tokens × frames, greedy path, word timings, waveform) as SVG here; one file only.")
    var plot: String?
    @Flag(help: "Live transcription of one input ('-' = standard input: WAV, or raw 16-bit PCM at --sample-rate): JSON lines, partial results as they change and a final one per utterance.")
    var stream = false
    @Option(parsing: .unconditional, help: "--stream: a partial result every this many seconds of an utterance.") var partialEvery: Double = 0.25
    @Option(parsing: .unconditional, help: "--stream: sample rate of raw PCM on standard input (default: the model's; a WAV header says its own).") var sampleRate: Int?
    @Option(parsing: .unconditional, help: "--stream: channels of raw PCM on standard input.") var channels: Int = 1
    @Flag(help: "--stream: read a file no faster than real time, as if it were live.") var realtime = false

    var wantsJSON: Bool { json || format == .json }

    func validate() throws {
        if stream {
            if files.count != 1 || manifest != nil { throw ValidationError("--stream transcribes one input: a file, or - for standard input") }
            if format != .text && format != .json || plot != nil {
                throw ValidationError("--stream writes JSON lines; --format, --plot and subtitles go with whole files")
            }
            if !(partialEvery >= 0.01) { throw ValidationError("--partial-every must be ≥ 0.01 seconds, found \(partialEvery)") }
            if channels < 1 { throw ValidationError("--channels must be ≥ 1, found \(channels)") }
            if let sampleRate, sampleRate < 1 { throw ValidationError("--sample-rate must be ≥ 1 Hz, found \(sampleRate)") }
            if realtime && files[0] == "-" { throw ValidationError("--realtime paces a file; standard input arrives at its own pace") }
            return
        }
        if sampleRate != nil || realtime || channels != 1 { throw ValidationError("--sample-rate, --channels and --realtime go with --stream") }
        if json && format != .text && format != .json { throw ValidationError("--json and --format \(format.rawValue): give one") }
        if format == .srt || format == .vtt {
            if manifest != nil || files.count != 1 { throw ValidationError("--format \(format.rawValue) writes the subtitles of one file") }
            if !(maxCueSeconds > 0) || maxCueChars < 1 { throw ValidationError("--max-cue-seconds must be > 0 and --max-cue-chars ≥ 1") }
        }
        if let shard { do { _ = try BatchSampler.Shard(parsing: shard) } catch { throw ValidationError("\(error)") } }
        if manifest != nil {
            if !files.isEmpty { throw ValidationError("give audio files or --manifest, not both") }
            if out == nil { throw ValidationError("--manifest needs --out (the JSON-lines results)") }
            if plot != nil { throw ValidationError("--plot draws one file, not a manifest") }
            return
        }
        if out != nil || shard != nil { throw ValidationError("--out and --shard go with --manifest") }
        if files.isEmpty { throw ValidationError("give at least one audio file") }
        if plot != nil && files.count != 1 { throw ValidationError("--plot draws one file; got \(files.count)") }
    }

    func run() throws {
        if let manifest { return try runManifest(manifest) }
        if stream { return try runStream(files[0]) }
        let transcriber = try decoding.transcriber()
        let bundle = transcriber.bundle
        let results = transcriber.transcribe(files: files, keepLogProbs: plot != nil, progress: progressBar(files))
        if plot != nil, results[0].transcript != nil, results[0].logProbs == nil {
            throw ValidationError("--plot draws audio of up to decode.segmentation.longer_than seconds (\(transcriber.decoding.segmentation.longerThan)); \(files[0]) is longer")
        }
        if format == .srt || format == .vtt {
            guard let t = results[0].transcript else {
                printError("error: \(results[0].error ?? "unknown")")
                throw ExitCode(1)
            }
            let cues = Subtitles(maxSeconds: maxCueSeconds, maxCharacters: maxCueChars)
                .cues(t.words, separator: bundle.tokens.tokens.contains(" ") ? " " : "")
            print(format == .srt ? Subtitles.srt(cues) : Subtitles.vtt(cues), terminator: "")
            return
        }
        if let plot, let t = results[0].transcript, let lp = results[0].logProbs {
            let audio = try AudioFile.read(files[0], sampleRate: bundle.info.sampleRate)
            let p = posteriorgram(title: "\((files[0] as NSString).lastPathComponent) · “\(t.text)”", logProbs: lp, transcript: t,
                                  samples: audio.samples, bundle: bundle)
            try AtomicFile.write(p.svg(), to: plot)
        }
        var failed = 0
        if wantsJSON {
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

extension TranscribeCommand {
    /// `--manifest M --out F [--shard K/N]`, or under mpirun each rank a block.
    func runManifest(_ manifest: String) throws {
        let part = try shard.map { try BatchSampler.Shard(parsing: $0) } ?? .whole
        let collective: any Collective = try MPICollective.fromEnvironment() ?? SingleProcess()
        if collective.size > 1 && shard != nil { throw ValidationError("--shard: under mpirun the ranks split the utterances; give one or the other") }
        defer { collective.finish() }
        let transcriber = try decoding.transcriber()
        let utts = try DataSet.load(manifest, normalize: TextNormalization(), field: "text", requireText: false)
        guard let lines = try ShardedTranscription.run(transcriber, utterances: utts, part: part, collective: collective, words: wantsJSON) else {
            return   // not rank 0: rank 0 writes
        }
        try AtomicFile.write(try ShardedTranscription.jsonLines(lines), to: out!)
        let failed = lines.filter { $0.error != nil }
        for f in failed.prefix(10) { printError("error: \(f.id): \(f.error!)") }
        print("\(manifest): \(lines.count) utterances\(part.count > 1 ? " (block \(part.index)/\(part.count))" : "")"
              + (collective.size > 1 ? " over \(collective.size) ranks" : "") + " → \(out!)"
              + (failed.isEmpty ? "" : "; \(failed.count) could not be transcribed"))
        if !failed.isEmpty { throw ExitCode(1) }
    }
}

extension TranscribeCommand {
    /// `--stream INPUT`: blocks of 0.1 s through a `StreamingSession`, one JSON line per event, flushed.
    func runStream(_ input: String) throws {
        let transcriber = try decoding.transcriber()
        try StreamingSession.check(transcriber)
        let rate = transcriber.bundle.info.sampleRate
        let block: () throws -> [Float]
        let inputRate: Int
        if input == "-" {
            let pcm = try PCMStream(standardInputWithRawSampleRate: sampleRate ?? rate, channels: channels)
            inputRate = pcm.sampleRate
            block = { try pcm.read(frames: max(1, pcm.sampleRate / 10)) }
        } else {
            if sampleRate != nil || channels != 1 { throw ValidationError("--sample-rate and --channels describe raw PCM on standard input; a file's header says its own") }
            let reader = try AudioReader(path: input)
            inputRate = reader.info.sampleRate
            block = { try reader.read(frames: max(1, reader.info.sampleRate / 10)) }
        }
        let resampler = try StreamResampler(from: inputRate, to: rate)
        let session = StreamingSession(transcriber: transcriber,
                                       options: StreamingOptions(segmentation: transcriber.decoding.segmentation, partialEvery: partialEvery))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func say(_ events: [StreamEvent]) throws {
            for e in events { FileHandle.standardOutput.write(try enc.encode(e) + Data("\n".utf8)) }
        }
        let started = ContinuousClock.now
        var heard = 0
        while true {
            let samples = try block()
            if samples.isEmpty { break }
            if realtime {
                heard += samples.count
                let due = started + .milliseconds(Int(Double(heard) / Double(inputRate) * 1000))
                if due > .now { Thread.sleep(forTimeInterval: Double((due - .now).components.attoseconds) / 1e18 + Double((due - .now).components.seconds)) }
            }
            try say(session.accept(try resampler.process(samples)))
        }
        try say(session.accept(try resampler.finish()))
        try say(session.finish())
    }
}

/// On a terminal, a line on stderr per long file, updated as its pieces finish.
func progressBar(_ files: [String]) -> ((Int, Double) -> Void)? {
    guard isatty(2) != 0 else { return nil }
    return { i, fraction in
        let width = 30, filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        FileHandle.standardError.write(Data("\r\((files[i] as NSString).lastPathComponent) \(bar) \(Int(fraction * 100))%\(fraction >= 1 ? "\n" : "")".utf8))
    }
}

struct AnyEncodable: Encodable {
    let value: Encodable
    init(_ v: Encodable) { value = v }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
