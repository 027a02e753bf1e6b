import ASRCore
import CSndFile
import Foundation

/// A file read piece by piece, mono at its own rate: long recordings pass
/// through memory a block at a time (pause detection over an hour of audio).
public final class AudioReader {
    public let path: String
    public let info: AudioInfo
    private var handle: OpaquePointer?
    private var remaining: Int
    private var interleaved: [Float] = []
    /// Frames handed out so far (from the segment's start), for error positions.
    private var position = 0
    private var start = 0

    /// Opens `path`, positioned at `segment`'s start when given (and ending at
    /// its end), else at the start.
    public init(path: String, segment: AudioSegment? = nil) throws {
        self.path = path
        let (h, info) = try AudioFile.open(path)
        handle = h
        self.info = info
        remaining = info.frames
        if let segment {
            let (start, count) = segment.frames(rate: info.sampleRate)
            guard segment.offset >= 0, count > 0, start + count <= info.frames else {
                sf_close(h)
                handle = nil
                throw AudioError.segmentOutOfRange(path: path, offset: segment.offset, duration: segment.duration, fileDuration: info.duration)
            }
            guard sf_seek(h, sf_count_t(start), SEEK_SET) == start else {
                sf_close(h)
                handle = nil
                throw AudioError.unreadable(path: path, reason: "cannot seek to \(segment.offset) s")
            }
            remaining = count
            self.start = start
        }
        sf_command(h, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
    }

    deinit { if let handle { sf_close(handle) } }

    /// Up to `frames` mono samples (channels averaged); empty at the end.
    public func read(frames: Int) throws -> [Float] {
        guard let handle, remaining > 0, frames > 0 else { return [] }
        let want = min(frames, remaining)
        let channels = info.channels
        if interleaved.count < want * channels { interleaved = [Float](repeating: 0, count: want * channels) }
        let got = interleaved.withUnsafeMutableBufferPointer { Int(sf_readf_float(handle, $0.baseAddress, sf_count_t(want))) }
        guard got >= 0 else { throw AudioError.unreadable(path: path, reason: String(cString: sf_strerror(handle))) }
        remaining = got == 0 ? 0 : remaining - got
        if let bad = interleaved.withUnsafeBufferPointer({ firstNonFinite(UnsafeBufferPointer(rebasing: $0[0..<(got * channels)])) }) {
            throw AudioError.nonFiniteSample(path: path, second: Double(start + position + bad / channels) / Double(info.sampleRate))
        }
        position += got
        if channels == 1 { return Array(interleaved[0..<got]) }
        let scale = 1 / Float(channels)
        return (0..<got).map { f in
            var s: Float = 0
            for c in 0..<channels { s += interleaved[f * channels + c] }
            return s * scale
        }
    }
}
