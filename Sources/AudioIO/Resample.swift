import ASRCore
import CSampleRate

/// libsamplerate converter quality (band-limited sinc interpolation).
public enum ResampleQuality: String, StrictEnum, Sendable {
    /// SRC_SINC_BEST_QUALITY: 97 dB SNR, 97% bandwidth; slowest.
    case best
    /// SRC_SINC_MEDIUM_QUALITY: 97 dB SNR, 90% bandwidth.
    case medium
    /// SRC_SINC_FASTEST: 97 dB SNR, 80% bandwidth.
    case fastest

    var converter: Int32 {
        switch self {
        case .best: return Int32(SRC_SINC_BEST_QUALITY)
        case .medium: return Int32(SRC_SINC_MEDIUM_QUALITY)
        case .fastest: return Int32(SRC_SINC_FASTEST)
        }
    }
}

extension AudioFile {
    /// Resamples mono `audio` to `rate` Hz with libsamplerate. The output has
    /// exactly `round(count × rate / audio.sampleRate)` samples. `path` is
    /// only used to name the source in errors.
    public static func resample(_ audio: Audio, to rate: Int, quality: ResampleQuality = .medium,
                                path: String = "<memory>") throws -> Audio {
        guard (1...AudioLimits.maxSampleRate).contains(rate) else {
            throw AudioError.invalidSampleRate(path: path, rate: rate)
        }
        if rate == audio.sampleRate || audio.samples.isEmpty { return Audio(samples: audio.samples, sampleRate: rate) }
        let ratio = Double(rate) / Double(audio.sampleRate)
        guard ratio >= 1.0 / 256, ratio <= 256 else {
            throw AudioError.resampleFailed(path: path, reason: "ratio \(rate)/\(audio.sampleRate) is beyond libsamplerate's 1/256…256")
        }
        let expected = Int((Double(audio.samples.count) * ratio).rounded())
        var out = [Float](repeating: 0, count: expected + 64)
        var generated = 0
        let status: Int32 = audio.samples.withUnsafeBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                var data = SRC_DATA()
                data.data_in = inBuf.baseAddress
                data.data_out = outBuf.baseAddress
                data.input_frames = inBuf.count
                data.output_frames = outBuf.count
                data.src_ratio = ratio
                data.end_of_input = 1
                let s = src_simple(&data, quality.converter, 1)
                generated = Int(data.output_frames_gen)
                return s
            }
        }
        guard status == 0 else {
            throw AudioError.resampleFailed(path: path, reason: String(cString: src_strerror(status)))
        }
        // src_simple may come up a few samples short of the exact length; pad with silence.
        if generated < expected { for i in generated..<expected { out[i] = 0 } }
        out.removeLast(out.count - expected)
        return Audio(samples: out, sampleRate: rate)
    }
}
