import ArgumentParser
import ASRKit
import Foundation

/// `asr data pack`: a data set's audio in a few large files.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Data-set tools.", subcommands: [Pack.self])

    enum Encoding: String, ExpressibleByArgument, CaseIterable { case pcm16, float32 }

    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a data set's audio into large WAV shards, with a manifest pointing into them.",
            discussion: """
                The shards (NAME-00000.wav, … for NAME.jsonl) hold the utterances in manifest order at one sample \
                rate; the new manifest NAME.jsonl keeps every line's fields and id, with audio_filepath a shard and \
                offset/duration its stretch (seconds). Train, eval and transcribe take it as is. For network file \
                systems, where an epoch of one file per utterance costs an open per read (docs/SCALING.md).
                Example: asr data pack data/generated/digits/train.jsonl --out data/packed/digits
                """)

        @Argument(help: "Manifest (.jsonl) or Kaldi data folder.") var manifest: String
        @Option(help: "Output folder (created).") var out: String
        @Option(parsing: .unconditional, help: "Sample rate of the shards, Hz (the recipe's data.sample_rate).") var sampleRate: Int = 16_000
        @Option(parsing: .unconditional, help: "Shard size, MiB of samples.") var shardMb: Int = 512
        @Option(help: "pcm16 (16-bit sources copy exactly) or float32.") var encoding: Encoding = .pcm16

        func validate() throws {
            if shardMb < 1 { throw ValidationError("--shard-mb must be ≥ 1") }
            if !(1...768_000).contains(sampleRate) { throw ValidationError("--sample-rate must be 1…768000 Hz") }
        }

        func run() throws {
            var options = DataPack.Options()
            options.sampleRate = sampleRate
            options.shardBytes = shardMb << 20
            options.encoding = encoding == .pcm16 ? .pcm16 : .float32
            let s = try DataPack.pack(manifest: manifest, outDir: out, options: options)
            FileHandle.standardError.write(Data(String(format: "%@: %d utterances, %.2f h → %@ (%d shards)\n",
                                                       manifest, s.utterances, s.seconds / 3600, s.manifest, s.shards.count).utf8))
        }
    }
}
