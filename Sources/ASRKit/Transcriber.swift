import ASRCore
import LinearAlgebra
import AudioIO
import Decoding
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
        let lp = bundle.logProbs(bundle.features(samples))
        return (decode(lp), lp)
    }

    /// Transcribes files in parallel (one thread per file, BLAS single-threaded).
    /// A file that cannot be read gets an error, the others go on.
    public func transcribe(files: [String], keepLogProbs: Bool = false) -> [FileTranscript] {
        transcribe(files: files, segments: [AudioSegment?](repeating: nil, count: files.count), keepLogProbs: keepLogProbs)
    }

    /// Transcribes `segments[i]` of `files[i]` (the whole file where nil).
    public func transcribe(files: [String], segments: [AudioSegment?], keepLogProbs: Bool = false) -> [FileTranscript] {
        precondition(files.count == segments.count)
        let blas = BLASThreads.current
        BLASThreads.set(1)
        defer { BLASThreads.set(blas) }
        return parallelMap(files.count) { i in
            let path = files[i]
            do {
                let audio = try AudioFile.read(path, sampleRate: self.bundle.info.sampleRate, segment: segments[i])
                let (t, lp) = self.transcribe(samples: audio.samples)
                return FileTranscript(path: path, transcript: t, error: nil, logProbs: keepLogProbs ? lp : nil, duration: audio.duration)
            } catch {
                return FileTranscript(path: path, transcript: nil, error: "\(error)", logProbs: nil, duration: 0)
            }
        }
    }
}
