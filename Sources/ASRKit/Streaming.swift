import AudioIO
import Decoding
import Features
import Foundation
import NN

/// What a stream says as it is transcribed: a partial hypothesis of the
/// utterance under way whenever it changes, and a final result per utterance
/// with word timings. Times are seconds from the stream's start.
public struct StreamEvent: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable { case partial, final }
    public var type: Kind
    /// The utterance's number in the stream, from 0.
    public var segment: Int
    /// Where the utterance starts, and where it ends (for a partial: the audio heard so far).
    public var start: Double
    public var end: Double
    public var text: String
    /// Final results only: each word with its start, end and confidence.
    public var words: [TimedUnit]?
    /// Seconds of the stream consumed when this was said (its latency, in audio time, is `audio − ` a word's end).
    public var audio: Double
    /// Milliseconds of computing behind this result (features, model, decoder).
    public var computeMs: Double

    enum CodingKeys: String, CodingKey {
        case type, segment, start, end, text, words, audio
        case computeMs = "compute_ms"
    }
}

/// How a stream is transcribed (the CLI's `--stream` flags, the server's query).
public struct StreamingOptions: Sendable, Equatable {
    /// A partial hypothesis is computed after every this many seconds of an utterance.
    public var partialEvery = 0.25
    /// Silence that ends an utterance, seconds (`decode.segmentation.min_pause` by default).
    public var minPause: Double
    /// Longest utterance, seconds, before it is cut (`decode.segmentation.max_seconds`).
    public var maxSeconds: Double
    /// The endpointer's threshold above the noise floor, dB (`decode.segmentation.threshold_db`).
    public var thresholdDb: Double
    /// Audio kept before and after each utterance, seconds (`decode.segmentation.padding`).
    public var padding: Double

    public init(segmentation: SegmentationOptions, partialEvery: Double = 0.25) {
        self.partialEvery = partialEvery
        minPause = segmentation.minPause
        maxSeconds = segmentation.maxSeconds
        thresholdDb = segmentation.thresholdDb
        padding = segmentation.padding
    }

    public func validate() throws {
        guard partialEvery >= 0.01, partialEvery.isFinite else {
            throw ConfigError.invalidValue(source: "", key: "partial_every", reason: "expected seconds ≥ 0.01, found \(partialEvery)")
        }
    }
}

/// Live transcription of one stream with any model: an `Endpointer` finds
/// the utterances as the audio arrives; the utterance under way is decoded
/// again every `partialEvery` seconds (a partial result, said when its text
/// changes) and once more when it ends (the final result). A bidirectional
/// model so hears all of the utterance so far at each partial — unless the
/// decoding runs it chunk by chunk (`decode.chunk`): then only the new chunks
/// go through the network at each partial (`ChunkedUtterance`), and a partial
/// holds what the chunks whose right context has arrived say. The final result
/// is the utterance decoded as `Transcriber.transcribe(samples:)` decodes it.
/// Memory holds one utterance of audio (at most `maxSeconds`). Samples go in at
/// the model's rate. One session per stream; sessions may share a `Transcriber`.
public final class StreamingSession {
    public let transcriber: Transcriber
    public let options: StreamingOptions
    private var endpointer: Endpointer
    private let rate: Int
    // Samples from `bufferStart` (absolute index in the stream) on.
    private var buffer: [Float] = []
    private var bufferStart = 0
    private var segments = 0
    /// Utterances shorter than this (seconds) are dropped: a click, not speech.
    static let shortest = 0.1
    private var lastPartial = ""
    private var partialDueFrame = Int.max
    private let partialFrames: Int
    /// Padding in samples (before the utterance: kept while idle; after: decoded once heard).
    private let pad: Int
    /// Where the previous utterance's audio ended, padding included (no sample is decoded twice).
    private var previousEnd = 0
    /// The utterance under way's network state, when the model runs chunk by chunk.
    private var chunked: ChunkedUtterance?

    /// Whether `transcriber` can stream: chunk by chunk needs features whose
    /// frames do not change as more audio arrives (CMVN online, global or none;
    /// no pitch). An error names the key.
    public static func check(_ transcriber: Transcriber) throws {
        guard transcriber.decoding.chunk.isChunked else { return }
        let f = transcriber.bundle.info.features
        if f.cmvn == .utterance {
            throw ConfigError.invalidValue(source: transcriber.bundle.directory, key: "features.cmvn", reason:
                "streaming chunk by chunk (decode.chunk.frames \(transcriber.decoding.chunk.frames)) needs features that do not depend on audio still to come: this model normalises by the whole utterance (cmvn utterance); train with cmvn online, or stream with --chunk-frames 0")
        }
        if f.pitch.enabled {
            throw ConfigError.invalidValue(source: transcriber.bundle.directory, key: "features.pitch", reason:
                "streaming chunk by chunk needs features that do not depend on audio still to come: pitch tracking looks ahead; stream with --chunk-frames 0")
        }
    }

    public init(transcriber: Transcriber, options: StreamingOptions) {
        self.transcriber = transcriber
        self.options = options
        rate = transcriber.bundle.info.sampleRate
        endpointer = Endpointer(sampleRate: rate, minPause: options.minPause, maxSeconds: options.maxSeconds,
                                thresholdDb: options.thresholdDb)
        partialFrames = max(1, Int((options.partialEvery / PauseSegmenter.frameSeconds).rounded()))
        pad = Int((options.padding * Double(rate)).rounded())
    }

    /// Seconds of the stream consumed so far.
    public var position: Double { Double(bufferStart + buffer.count) / Double(rate) }

    /// Feeds samples (mono, the model's rate; any block size): the events they caused.
    /// The results do not depend on how the stream is cut into blocks.
    public func accept(_ samples: [Float]) -> [StreamEvent] {
        var events: [StreamEvent] = []
        let frame = endpointer.samplesPerFrame
        var at = 0
        while at < samples.count {
            // Up to the next frame boundary, so each completed frame is looked at once.
            let inFrame = (bufferStart + buffer.count) % frame
            let n = min(samples.count - at, frame - inFrame)
            let block = Array(samples[at..<(at + n)])
            buffer += block
            at += n
            for e in endpointer.add(block) { handle(e, into: &events) }
            if endpointer.utteranceStart != nil && endpointer.frames >= partialDueFrame {
                partial(into: &events)
            }
            if endpointer.utteranceStart == nil { trimIdle() }
        }
        return events
    }

    /// The stream has ended: the utterance under way, if any, as a final result.
    public func finish() -> [StreamEvent] {
        var events: [StreamEvent] = []
        for e in endpointer.finish() { handle(e, into: &events) }
        return events
    }

    private func handle(_ event: Endpointer.Event, into events: inout [StreamEvent]) {
        switch event {
        case .started(let f):
            let first = max(previousEnd, f * endpointer.samplesPerFrame - pad)
            if first > bufferStart {
                buffer.removeFirst(min(buffer.count, first - bufferStart))
                bufferStart = first
            }
            lastPartial = ""
            partialDueFrame = f + partialFrames
            chunked = transcriber.decoding.chunk.isChunked ? ChunkedUtterance(bundle: transcriber.bundle, chunk: transcriber.decoding.chunk) : nil
        case .ended(let r):
            let first = max(previousEnd, r.lowerBound * endpointer.samplesPerFrame - pad)
            let last = min(bufferStart + buffer.count, r.upperBound * endpointer.samplesPerFrame + pad)
            defer {
                previousEnd = max(previousEnd, last)   // the next utterance's padding starts after this one's
                partialDueFrame = .max
                chunked = nil
                // What follows the utterance stays (a forced cut goes on from `last`).
                let kept = r.upperBound * endpointer.samplesPerFrame
                if kept > bufferStart {
                    buffer.removeFirst(min(buffer.count, kept - bufferStart))
                    bufferStart = kept
                }
            }
            // A click shorter than the model's shortest input is no utterance.
            guard last - first >= Int(Self.shortest * Double(rate)) else { return }
            let clock = ContinuousClock.now
            let samples = slice(first, last)
            let (t, _) = transcriber.transcribe(samples: samples)
            let start = Double(first) / Double(rate)
            let shifted = Transcriber.shifted(t, by: start)
            events.append(StreamEvent(type: .final, segment: segments, start: start, end: Double(last) / Double(rate),
                                      text: t.text.trimmingCharacters(in: .whitespaces), words: shifted.words,
                                      audio: position, computeMs: milliseconds(since: clock)))
            segments += 1
        }
    }

    private func partial(into events: inout [StreamEvent]) {
        guard let f = endpointer.utteranceStart else { return }
        partialDueFrame = endpointer.frames + partialFrames
        let first = max(previousEnd, f * endpointer.samplesPerFrame - pad), last = endpointer.frames * endpointer.samplesPerFrame
        guard last - first >= Int(Self.shortest * Double(rate)) else { return }
        let clock = ContinuousClock.now
        let t: Transcript
        if let chunked {
            let lp = chunked.advance(slice(first, last))
            guard lp.rows > 0 else { return }
            t = transcriber.decode(lp)
        } else {
            t = transcriber.transcribe(samples: slice(first, last)).0
        }
        let text = t.text.trimmingCharacters(in: .whitespaces)
        guard text != lastPartial else { return }
        lastPartial = text
        events.append(StreamEvent(type: .partial, segment: segments, start: Double(first) / Double(rate),
                                  end: Double(last) / Double(rate), text: text, words: nil,
                                  audio: position, computeMs: milliseconds(since: clock)))
    }

    private func slice(_ first: Int, _ last: Int) -> [Float] {
        let lo = max(0, first - bufferStart), hi = min(buffer.count, max(lo, last - bufferStart))
        return Array(buffer[lo..<hi])
    }

    /// Between utterances only the frame in progress and the padding are kept.
    private func trimIdle() {
        let keep = (bufferStart + buffer.count) % endpointer.samplesPerFrame + pad
        let drop = buffer.count - keep
        if drop > 0 {
            buffer.removeFirst(drop)
            bufferStart += drop
        }
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return ((Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15) * 10).rounded() / 10
    }
}

/// One utterance of a stream through a model run chunk by chunk: at each call
/// the features of the utterance so far are computed again (cheap next to the
/// network) and only their rows not seen yet, and final, go on through the
/// network; the log-probabilities of every chunk whose right context has
/// arrived are kept. Rows are final once the frames after them that deltas read
/// are in; the CMVN must be causal (`StreamingSession.check`).
final class ChunkedUtterance {
    let bundle: ModelBundle
    let run: ChunkedInference
    /// Feature rows given to the network.
    private var fed = 0
    /// Log-probabilities so far, `[rows, V]` row-major.
    private var logProbs: [Float] = []
    /// Rows at the end that deltas may still change.
    private let lookahead: Int

    init(bundle: ModelBundle, chunk: ChunkOptions) {
        self.bundle = bundle
        run = ChunkedInference(model: bundle.model, chunk: chunk.frames, rightContext: chunk.rightContext)
        let f = bundle.info.features
        lookahead = f.deltaOrder * f.deltaWindow
    }

    /// The utterance's samples so far (from its start): log-probabilities of every chunk known now.
    func advance(_ samples: [Float]) -> Matrix {
        let x = bundle.pipeline.normalize(bundle.pipeline.computeUnnormalized(samples))
        let final = max(fed, x.rows - lookahead)
        if final > fed {
            let D = x.cols
            let rows = Matrix(rows: final - fed, cols: D, storage: Array(x.storage[(fed * D)..<(final * D)]))
            fed = final
            let logits = run.accept(rows)
            if logits.rows > 0 { logProbs += logSoftmaxRows(logits).storage }
        }
        let V = bundle.model.outputSize
        return Matrix(rows: logProbs.count / V, cols: V, storage: logProbs)
    }
}
