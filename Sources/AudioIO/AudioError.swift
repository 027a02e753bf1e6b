/// Everything that can go wrong reading, writing or resampling audio. Each
/// case names the file, so a user with ten thousand recordings knows which
/// one to look at.
public enum AudioError: Error, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case fileNotFound(path: String)
    /// The file exists but holds zero bytes.
    case emptyFile(path: String)
    /// libsndfile could not open it: not audio, unknown format, corrupt or truncated header.
    case unreadable(path: String, reason: String)
    /// A valid header but no samples (zero frames).
    case noSamples(path: String)
    /// A sample rate outside 1 Hz … 768 kHz, in the file or requested.
    case invalidSampleRate(path: String, rate: Int)
    /// A channel count outside 1 … 1024.
    case invalidChannelCount(path: String, channels: Int)
    /// libsamplerate refused the conversion.
    case resampleFailed(path: String, reason: String)
    /// The file could not be written.
    case cannotWrite(path: String, reason: String)
    /// A sample that is NaN or ±infinity (a float file), at `second` of the file.
    case nonFiniteSample(path: String, second: Double)
    /// The path is a folder, not a file.
    case isDirectory(path: String)
    /// A segment (offset, duration in seconds) that is not inside the file.
    case segmentOutOfRange(path: String, offset: Double, duration: Double, fileDuration: Double)

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "\(p): no such audio file"
        case .emptyFile(let p): return "\(p): file is empty (0 bytes), expected audio"
        case .unreadable(let p, let r): return "\(p): not readable as audio: \(r)"
        case .noSamples(let p): return "\(p): audio has no samples (zero length)"
        case .invalidSampleRate(let p, let r):
            return "\(p): sample rate \(r) Hz is out of range (expected 1 Hz to \(AudioLimits.maxSampleRate) Hz)"
        case .invalidChannelCount(let p, let c):
            return "\(p): \(c) channels is out of range (expected 1 to \(AudioLimits.maxChannels))"
        case .resampleFailed(let p, let r): return "\(p): resampling failed: \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write audio: \(r)"
        case .nonFiniteSample(let p, let t):
            return "\(p): sample at \(String(format: "%.3f", t)) s is NaN or infinite (expected finite samples; the file is damaged or was written from a failed computation)"
        case .isDirectory(let p): return "\(p): is a folder, expected an audio file"
        case .segmentOutOfRange(let p, let o, let d, let f):
            return "\(p): segment at offset \(o) s lasting \(d) s is not inside the file (\(f) s; expected offset ≥ 0, duration > 0, offset + duration ≤ its length)"
        }
    }
}

/// Sanity limits for headers and requests.
public enum AudioLimits {
    /// Highest sample rate accepted, Hz (DXD/8×; anything above is a corrupt header).
    public static let maxSampleRate = 768_000
    /// Most channels accepted.
    public static let maxChannels = 1024
}
