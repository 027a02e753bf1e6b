import ASRCore
import LinearAlgebra
import AudioIO
import Decoding
import Features
import Foundation
import NN

/// Result of transcribing one file.
public struct FileTranscript: Sendable {
    public var path: String
    public var transcript: Transcript?
    public var error: String?
    public var logProbs: Matrix?
    public var duration: Double
}

/// Audio files → text with a trained model, files in parallel.
public final class Transcriber: @unchecked Sendable {
    public let bundle: ModelBundle
    /// The decoding settings and what their files hold.
    public let decoding: DecodingConfig
    public let resources: DecodingResources
    let decoder: any CTCDecoding

    /// Decodes with `decoding` and its already loaded `resources`.
    public init(bundle: ModelBundle, decoding: DecodingConfig, resources: DecodingResources) {
        self.bundle = bundle
        self.decoding = decoding
        self.resources = resources
        decoder = decoding.makeDecoder(tokens: bundle.tokens.tokens, resources: resources)
        bundle.model.parallelDirections = false
    }

    /// Decodes log-probs into a transcript with timings.
    public func decode(_ logProbs: Matrix) -> Transcript {
        let h = decoder.decode(logProbs)[0]
        return makeTranscript(h, tokens: bundle.tokens.tokens, logProbs: logProbs, secondsPerFrame: bundle.info.frameSeconds)
    }

    /// Transcribes one waveform (mono, at the model's sample rate).
    public func transcribe(samples: [Float]) -> (Transcript, Matrix) {
        let lp = bundle.logProbs(bundle.features(samples), chunk: decoding.chunk)
        return (decode(lp), lp)
    }

    /// Transcribes files in parallel (one thread per file, BLAS single-threaded).
    /// A file that cannot be read gets an error, the others go on.
    public func transcribe(files: [String], keepLogProbs: Bool = false, progress: ((Int, Double) -> Void)? = nil) -> [FileTranscript] {
        transcribe(files: files, segments: [AudioSegment?](repeating: nil, count: files.count), keepLogProbs: keepLogProbs, progress: progress)
    }

    /// Transcribes `segments[i]` of `files[i]` (the whole file where nil). Audio
    /// longer than `decoding.segmentation.longerThan` is cut at pauses and its
    /// pieces decoded in parallel (`transcribeLong`), one such file at a time;
    /// the others in parallel, one thread per file. `progress(i, fraction)`
    /// reports a long file's pieces as they finish.
    public func transcribe(files: [String], segments: [AudioSegment?], keepLogProbs: Bool = false,
                           progress: ((Int, Double) -> Void)? = nil) -> [FileTranscript] {
        precondition(files.count == segments.count)
        let cut = decoding.segmentation
        let isLong: [Bool] = files.indices.map { i in
            guard let info = try? AudioFile.info(files[i]) else { return false }   // the whole-file path reports it
            return (segments[i]?.duration ?? info.duration) > cut.longerThan
        }
        let short = files.indices.filter { !isLong[$0] }
        let blas = BLASThreads.current
        BLASThreads.set(1)
        defer { BLASThreads.set(blas) }
        let shortResults = parallelMap(short.count) { k in
            let i = short[k], path = files[i]
            do {
                let audio = try AudioFile.read(path, sampleRate: self.bundle.info.sampleRate, segment: segments[i])
                let (t, lp) = self.transcribe(samples: audio.samples)
                return FileTranscript(path: path, transcript: t, error: nil, logProbs: keepLogProbs ? lp : nil, duration: audio.duration)
            } catch {
                return FileTranscript(path: path, transcript: nil, error: "\(error)", logProbs: nil, duration: 0)
            }
        }
        var results = [FileTranscript?](repeating: nil, count: files.count)
        for (k, i) in short.enumerated() { results[i] = shortResults[k] }
        for i in files.indices where isLong[i] {
            do {
                let long = try transcribeLong(path: files[i], segment: segments[i], progress: progress.map { p in { p(i, $0) } })
                results[i] = FileTranscript(path: files[i], transcript: long.transcript, error: nil, logProbs: nil, duration: long.duration)
            } catch {
                results[i] = FileTranscript(path: files[i], transcript: nil, error: "\(error)", logProbs: nil, duration: 0)
            }
        }
        return results.map { $0! }
    }

    /// A long recording (or `segment` of one): one pass over it in blocks for
    /// the frame energies, pieces cut at pauses (`PauseSegmenter` with
    /// `decoding.segmentation`), each piece read and decoded on its own, in
    /// parallel, and the pieces' words put back on the recording's timeline.
    /// Memory holds a few pieces of audio, whatever the length.
    public func transcribeLong(path: String, segment: AudioSegment? = nil,
                               progress: ((Double) -> Void)? = nil) throws -> (transcript: Transcript, duration: Double, pieces: Int) {
        let reader = try AudioReader(path: path, segment: segment)
        let fileRate = reader.info.sampleRate
        var energies = PauseSegmenter.Energies(sampleRate: fileRate)
        var total = 0
        while true {
            let block = try reader.read(frames: fileRate * 10)
            if block.isEmpty { break }
            total += block.count
            energies.add(block)
        }
        energies.finish()
        guard total > 0 else { throw AudioError.noSamples(path: path) }
        let o = decoding.segmentation
        let segmenter = PauseSegmenter(maxSeconds: o.maxSeconds, minPause: o.minPause, thresholdDb: o.thresholdDb, padding: o.padding,
                                       mergeSeconds: o.mergeSeconds)
        let pieces = segmenter.segments(energies.values)
        let frameLength = PauseSegmenter.samplesPerFrame(rate: fileRate)
        let base = segment?.offset ?? 0
        let lock = NSLock()
        var done = 0
        let blas = BLASThreads.current
        BLASThreads.set(1)
        defer { BLASThreads.set(blas) }
        let decoded: [Result<Transcript, Error>] = parallelMap(pieces.count) { k in
            let r = pieces[k]
            let first = r.lowerBound * frameLength, last = min(r.upperBound * frameLength, total)
            let start = Double(first) / Double(fileRate)
            let result = Result<Transcript, Error> {
                let audio = try AudioFile.read(path, sampleRate: self.bundle.info.sampleRate,
                                               segment: AudioSegment(offset: base + start, duration: Double(last - first) / Double(fileRate)))
                return Self.shifted(self.transcribe(samples: audio.samples).0, by: start)
            }
            if let progress {
                lock.lock()
                done += 1
                progress(Double(done) / Double(pieces.count))
                lock.unlock()
            }
            return result
        }
        let parts = try decoded.map { try $0.get() }
        let separator = bundle.tokens.tokens.contains(" ") ? " " : ""
        let text = parts.map(\.text).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: separator)
        let transcript = Transcript(text: text, score: parts.reduce(0) { $0 + $1.score },
                                    tokens: parts.flatMap(\.tokens), words: parts.flatMap(\.words))
        return (transcript, Double(total) / Double(fileRate), pieces.count)
    }

    /// `t` with every time `seconds` later.
    static func shifted(_ t: Transcript, by seconds: Double) -> Transcript {
        func shift(_ u: TimedUnit) -> TimedUnit {
            var u = u
            u.start += seconds
            u.end += seconds
            return u
        }
        return Transcript(text: t.text, score: t.score, tokens: t.tokens.map(shift), words: t.words.map(shift))
    }
}
