import CSndFile
import Foundation

/// A mono file written piece by piece (long recordings, packed shards) and
/// renamed into place only by `finish()`: until then it is a hidden temporary
/// file beside `path`, removed if the writer is dropped unfinished.
///
/// PCM-16 samples are written as `round(x · 32768)`, clipped: the inverse of how
/// `AudioFile.read` normalises 16-bit audio, so a 16-bit source copies exactly.
public final class AudioWriter {
    public let path: String
    public let sampleRate: Int
    public let encoding: SampleEncoding
    /// Frames written so far.
    public private(set) var frames = 0
    private let tmp: String
    private var handle: OpaquePointer?
    private var shorts: [Int16] = []

    /// A WAV file at `path`, `encoding` pcm16 or float32.
    public init(path: String, sampleRate: Int, encoding: SampleEncoding = .pcm16) throws {
        guard (1...AudioLimits.maxSampleRate).contains(sampleRate) else {
            throw AudioError.invalidSampleRate(path: path, rate: sampleRate)
        }
        guard encoding == .pcm16 || encoding == .float32 else {
            throw AudioError.cannotWrite(path: path, reason: "a streamed file is pcm16 or float32, not \(encoding.rawValue)")
        }
        self.path = path
        self.sampleRate = sampleRate
        self.encoding = encoding
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        info.format = try AudioFile.formatCode(container: .wav, encoding: encoding, path: path)
        tmp = AudioFile.temporaryPath(beside: path)
        guard let h = sf_open(tmp, Int32(SFM_WRITE), &info) else {
            throw AudioError.cannotWrite(path: path, reason: String(cString: sf_strerror(nil)))
        }
        handle = h
    }

    deinit {
        if let handle {
            sf_close(handle)
            unlink(tmp)
        }
    }

    /// Appends `samples` (values in [-1, 1]; clipped).
    public func append(_ samples: [Float]) throws {
        guard let handle else { throw AudioError.cannotWrite(path: path, reason: "already finished") }
        let written: Int
        if encoding == .pcm16 {
            shorts.removeAll(keepingCapacity: true)
            for x in samples { shorts.append(Int16(clamping: Int((x * 32768).rounded()))) }
            written = shorts.withUnsafeBufferPointer { Int(sf_writef_short(handle, $0.baseAddress, sf_count_t(samples.count))) }
        } else {
            written = samples.withUnsafeBufferPointer { Int(sf_writef_float(handle, $0.baseAddress, sf_count_t(samples.count))) }
        }
        guard written == samples.count else {
            throw AudioError.cannotWrite(path: path, reason: "wrote \(written) of \(samples.count) frames: \(String(cString: sf_strerror(handle)))")
        }
        frames += written
    }

    /// Closes the file and renames it into place.
    public func finish() throws {
        guard let h = handle else { return }
        handle = nil
        try AudioFile.closeAndMove(tmp, to: path, ok: sf_close(h) == 0, reason: "closing failed")
    }
}
