import ASRCore
import ASRText
import AudioIO
import Foundation

/// Packed shards: a data set's audio copied into a few large WAV files, in
/// manifest order, with a manifest whose lines point into them (`audio_filepath`
/// a shard, `offset` and `duration` its stretch, `id` kept). Every reader of
/// manifests (training, `asr eval`, `asr transcribe --manifest`) takes it as is;
/// on a network file system an epoch then opens a handful of files instead of
/// one per utterance. `asr data pack`.
public enum DataPack {
    public struct Options: Sendable {
        /// Rate of the shards (each utterance resampled to it when needed).
        public var sampleRate = 16_000
        /// A shard is closed once it holds this many bytes of samples.
        public var shardBytes = 512 << 20
        /// pcm16 (a 16-bit source copies exactly) or float32.
        public var encoding: SampleEncoding = .pcm16
        public init() {}
    }

    public struct Summary: Sendable, Equatable {
        public var utterances: Int
        public var shards: [String]
        public var seconds: Double
        public var manifest: String
    }

    /// Packs `manifest` (JSON lines or a Kaldi folder) into `outDir`: NAME.jsonl
    /// and its shards NAME-00000.wav, … (NAME: the input's name without its
    /// extension, so a folder can hold train, dev and test). An unreadable audio file
    /// stops the packing with its manifest line; nothing is left half-written
    /// (files are renamed into place when complete).
    @discardableResult
    public static func pack(manifest: String, outDir: String, options: Options = Options(),
                            progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let utts = try DataSet.load(manifest, normalize: TextNormalization(), requireText: false)
        let objects = try rawObjects(manifest, utterances: utts)
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let name = ((manifest as NSString).lastPathComponent as NSString).deletingPathExtension
        let bytesPerSample = options.encoding == .pcm16 ? 2 : 4
        var shards: [String] = []
        var writer: AudioWriter?
        var lines: [String] = []
        var seconds = 0.0
        let chunk = 64
        var next = 0
        while next < utts.count {
            let range = next..<min(next + chunk, utts.count)
            // Read (and resample) a chunk in parallel; write it in order.
            let audio: [Result<[Float], Error>] = parallelMap(range.count) { k in
                let u = utts[range.lowerBound + k]
                return Result { try AudioFile.read(u.audioPath, sampleRate: options.sampleRate, segment: u.segment).samples }
            }
            for (k, result) in audio.enumerated() {
                let i = range.lowerBound + k
                let samples: [Float]
                do { samples = try result.get() } catch { throw DataError.malformed(origin: utts[i].origin, reason: "\(error)") }
                if writer == nil || writer!.frames * bytesPerSample >= options.shardBytes {
                    try writer?.finish()
                    let shard = "\(name)-\(String(format: "%05d", shards.count)).wav"
                    writer = try AudioWriter(path: (outDir as NSString).appendingPathComponent(shard),
                                             sampleRate: options.sampleRate, encoding: options.encoding)
                    shards.append(shard)
                }
                let start = writer!.frames
                try writer!.append(samples)
                var obj = objects[i]
                obj["id"] = utts[i].id
                obj["audio_filepath"] = shards.last!
                // Shortest round-tripping decimals: offset · rate recovers the frame exactly.
                obj["offset"] = Double(start) / Double(options.sampleRate)
                obj["duration"] = Double(samples.count) / Double(options.sampleRate)
                seconds += Double(samples.count) / Double(options.sampleRate)
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
                lines.append(String(decoding: data, as: UTF8.self))
            }
            next = range.upperBound
            progress(next, utts.count)
        }
        try writer?.finish()
        let out = (outDir as NSString).appendingPathComponent(name + ".jsonl")
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: out)
        return Summary(utterances: utts.count, shards: shards, seconds: seconds, manifest: out)
    }

    /// Each utterance's manifest line as a JSON object (all its keys kept), or,
    /// for a Kaldi folder, its id, text and speaker.
    static func rawObjects(_ path: String, utterances: [Utterance]) throws -> [[String: Any]] {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            return utterances.map { u in
                var o: [String: Any] = ["text": u.text]
                if let s = u.speaker { o["speaker"] = s }
                return o
            }
        }
        guard let data = fileContents(path), let text = String(data: data, encoding: .utf8) else {
            throw FileError.cannotRead(path: path, reason: "not readable UTF-8 text")
        }
        let objects = TextLines.split(text)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        guard objects.count == utterances.count else {
            throw FileError.malformed(path: path, reason: "changed while it was read")
        }
        return objects
    }
}
