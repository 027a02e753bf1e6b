import ASRCore

/// The whole feature recipe: base features (fbank or MFCC), deltas, pitch, CMVN.
public struct FeaturePipeline: Sendable {
    public let options: FeatureOptions
    public let extractor: any FeatureExtracting
    /// The pitch tracker, when `options.pitch.enabled`.
    public let pitch: PitchExtractor?
    /// Training-set statistics, required when `options.cmvn` is `.global` or `.online`.
    public var globalStats: CMVNStats?

    public init(_ options: FeatureOptions, globalStats: CMVNStats? = nil) {
        self.options = options
        switch options.type {
        case .fbank: extractor = FbankExtractor(options.fbank)
        case .mfcc: extractor = MfccExtractor(options.mfcc)
        }
        pitch = options.pitch.enabled ? PitchExtractor(options.pitch, frame: options.frame) : nil
        self.globalStats = globalStats
    }

    /// Output dimension D (after deltas).
    public var dimension: Int { options.dimension }
    /// Sample rate expected, Hz.
    public var sampleRate: Float { extractor.sampleRate }
    /// Feature rows T for a waveform of `sampleCount` samples (without computing them).
    public func frameCount(sampleCount n: Int) -> Int { FrameLayout(options.frame).frameCount(sampleCount: n) }

    /// Base features plus deltas (plus pitch), before any CMVN (what global stats accumulate).
    /// `vtlnWarp`: warp the mel filterbank by this factor instead of the options' (nil = theirs).
    public func computeUnnormalized(_ samples: [Float], vtlnWarp: Float? = nil) -> Matrix {
        let base = vtlnWarp.map { extractor.compute(samples, vtlnWarp: $0) } ?? extractor.compute(samples)
        let x = addDeltas(base, order: options.deltaOrder, window: options.deltaWindow)
        guard let pitch else { return x }
        let p = pitch.compute(samples, frames: x.rows)
        var out = Matrix(rows: x.rows, cols: x.cols + p.cols)
        for t in 0..<x.rows {
            for j in 0..<x.cols { out[t, j] = x[t, j] }
            for j in 0..<p.cols { out[t, x.cols + j] = p[t, j] }
        }
        return out
    }

    /// Features `[T, D]` with CMVN as configured. With `.global`/`.online` and no
    /// statistics loaded this is a programming error (callers load them first).
    public func compute(_ samples: [Float], vtlnWarp: Float? = nil) -> Matrix {
        normalize(computeUnnormalized(samples, vtlnWarp: vtlnWarp))
    }

    /// CMVN as configured, of `computeUnnormalized`'s features (`.online`: frame t from frames ≤ t).
    public func normalize(_ x: Matrix) -> Matrix {
        switch options.cmvn {
        case .none: return x
        case .utterance: return applyUtteranceCMVN(x, normVars: options.cmvnNormVars)
        case .global:
            guard let s = globalStats else { preconditionFailure("global CMVN needs statistics: accumulate or load them first") }
            return s.apply(to: x, normVars: options.cmvnNormVars)
        case .online:
            guard let s = globalStats else { preconditionFailure("online CMVN needs training statistics: accumulate or load them first") }
            return applyOnlineCMVN(x, prior: s, window: options.cmvnWindow, priorFrames: options.cmvnPriorFrames,
                                   normVars: options.cmvnNormVars)
        }
    }
}
