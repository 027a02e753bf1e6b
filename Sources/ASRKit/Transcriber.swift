import ASRCore
import AudioIO
import Decoding
import Foundation
import NN

/// Decoding settings for transcription (command line over the model's defaults).
public struct TranscribeOptions: Sendable {
    public var beam: Int
    public var lm: NGramLM?
    public var lmWeight: Float
    public var lengthBonus: Float
    public var hotwords: HotwordGraph?
    /// With a word LM: log-score of a prefix whose unfinished word begins no LM word
    /// (`BeamSearchOptions.unknownPrefixPenalty`); 0 = off.
    public var unknownPrefixPenalty: Float
    /// Only these words can be emitted (a beam search); nil = any spelling.
    public var lexicon: Lexicon?

    public init(beam: Int = 0, lm: NGramLM? = nil, lmWeight: Float = 0.5, lengthBonus: Float = 1, hotwords: HotwordGraph? = nil,
                unknownPrefixPenalty: Float = BeamSearchOptions().unknownPrefixPenalty, lexicon: Lexicon? = nil) {
        self.lexicon = lexicon
        self.beam = beam
        self.lm = lm
        self.lmWeight = lmWeight
        self.lengthBonus = lengthBonus
        self.hotwords = hotwords
        self.unknownPrefixPenalty = unknownPrefixPenalty
    }
}

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
    public let options: TranscribeOptions
    let decoder: any CTCDecoding

    public init(bundle: ModelBundle, options: TranscribeOptions) {
        self.bundle = bundle
        self.options = options
        if options.beam > 1 || options.lm != nil || options.hotwords != nil || options.lexicon != nil {
            var o = BeamSearchOptions()
            o.beamWidth = max(options.beam, 2)
            o.lmWeight = options.lmWeight
            o.lengthBonus = options.lengthBonus
            o.unknownPrefixPenalty = options.unknownPrefixPenalty
            decoder = PrefixBeamDecoder(options: o, tokens: bundle.tokens.tokens, lm: options.lm,
                                        lmUnit: bundle.tokens.space != nil ? .word : .token, hotwords: options.hotwords,
                                        lexicon: options.lexicon)
        } else {
            decoder = GreedyDecoder()
        }
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
        var out = [FileTranscript?](repeating: nil, count: files.count)
        let blas = BLASThreads.current
        BLASThreads.set(1)
        defer { BLASThreads.set(blas) }
        out.withUnsafeMutableBufferPointer { buf in
            let o = UncheckedSendable(buf.baseAddress!)
            parallelFor(files.count) { i in
                let path = files[i]
                do {
                    let audio = try AudioFile.read(path, sampleRate: self.bundle.info.sampleRate)
                    let (t, lp) = self.transcribe(samples: audio.samples)
                    (o.value + i).initialize(to: FileTranscript(path: path, transcript: t, error: nil,
                                                                logProbs: keepLogProbs ? lp : nil, duration: audio.duration))
                } catch {
                    (o.value + i).initialize(to: FileTranscript(path: path, transcript: nil, error: "\(error)", logProbs: nil, duration: 0))
                }
            }
        }
        return out.map { $0! }
    }
}
