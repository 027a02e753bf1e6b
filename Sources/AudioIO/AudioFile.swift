import ASRCore
import CSndFile
import Foundation

/// Mono audio in memory: samples in [-1, 1] at `sampleRate` Hz.
public struct Audio: Sendable, Equatable {
    public var samples: [Float]
    /// Samples per second, Hz.
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// What a file's header says, read without decoding the samples.
public struct AudioInfo: Sendable, Equatable {
    public var sampleRate: Int
    public var channels: Int
    /// Frames (samples per channel) as the header states them.
    public var frames: Int
    /// libsndfile's format code (`SF_FORMAT_*` major | minor).
    public var formatCode: Int
    public var duration: Double { Double(frames) / Double(sampleRate) }
}

/// Container formats we write (reading accepts anything libsndfile reads).
public enum AudioContainer: String, StrictEnum, Sendable {
    case wav, flac, ogg
}

/// Sample encodings we write. `pcm8` is unsigned in WAV and signed in FLAC;
/// OGG is always Vorbis and ignores the encoding.
public enum SampleEncoding: String, StrictEnum, Sendable {
    case pcm8, pcm16, pcm24, pcm32, float32
}

/// A stretch of a file, in seconds from its start: NeMo manifests' `offset` and
/// `duration`, and what `asr data pack` writes for each utterance of a shard.
public struct AudioSegment: Sendable, Equatable, Hashable {
    public var offset: Double
    public var duration: Double

    public init(offset: Double, duration: Double) {
        self.offset = offset
        self.duration = duration
    }

    /// First frame and frame count at `rate` Hz (nearest sample).
    public func frames(rate: Int) -> (start: Int, count: Int) {
        (Int((offset * Double(rate)).rounded()), Int((duration * Double(rate)).rounded()))
    }
}

/// Reading, writing and resampling through libsndfile and libsamplerate.
public enum AudioFile {
    /// Reads the header of `path`.
    public static func info(_ path: String) throws -> AudioInfo {
        let (handle, info) = try open(path)
        sf_close(handle)
        return info
    }

    /// Reads `path` (any format libsndfile knows), or only `segment` of it,
    /// downmixes to mono by averaging channels, and resamples to `sampleRate`
    /// when given.
    public static func read(_ path: String, sampleRate target: Int? = nil, segment: AudioSegment? = nil,
                            quality: ResampleQuality = .medium) throws -> Audio {
        if let t = target, !(1...AudioLimits.maxSampleRate).contains(t) {
            throw AudioError.invalidSampleRate(path: path, rate: t)
        }
        let (handle, info) = try open(path)
        defer { sf_close(handle) }
        var remaining = Int.max
        if let segment {
            let (start, count) = segment.frames(rate: info.sampleRate)
            guard segment.offset >= 0, count > 0, start + count <= info.frames else {
                throw AudioError.segmentOutOfRange(path: path, offset: segment.offset, duration: segment.duration, fileDuration: info.duration)
            }
            guard sf_seek(handle, sf_count_t(start), SEEK_SET) == start else {
                throw AudioError.unreadable(path: path, reason: "cannot seek to \(segment.offset) s: \(String(cString: sf_strerror(handle)))")
            }
            remaining = count
        }
        // Samples come back normalised to [-1, 1) whatever the stored encoding.
        sf_command(handle, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))
        let channels = info.channels
        let chunkFrames = 65_536
        var interleaved = [Float](repeating: 0, count: chunkFrames * channels)
        var mono: [Float] = []
        // Never trust the header's frame count for allocation (a corrupt one can claim terabytes).
        mono.reserveCapacity(min(max(info.frames, 0), remaining, 48_000 * 3600))
        let scale = 1 / Float(channels)
        while remaining > 0 {
            let want = min(chunkFrames, remaining)
            let got = interleaved.withUnsafeMutableBufferPointer {
                Int(sf_readf_float(handle, $0.baseAddress, sf_count_t(want)))
            }
            if got <= 0 { break }
            if let bad = interleaved.withUnsafeBufferPointer({ firstNonFinite(UnsafeBufferPointer(rebasing: $0[0..<(got * channels)])) }) {
                let frame = (segment.map { $0.frames(rate: info.sampleRate).start } ?? 0) + mono.count + bad / channels
                throw AudioError.nonFiniteSample(path: path, second: Double(frame) / Double(info.sampleRate))
            }
            remaining -= got
            if channels == 1 {
                mono.append(contentsOf: interleaved[0..<got])
            } else {
                for f in 0..<got {
                    var s: Float = 0
                    for c in 0..<channels { s += interleaved[f * channels + c] }
                    mono.append(s * scale)
                }
            }
        }
        if mono.isEmpty { throw AudioError.noSamples(path: path) }
        if segment != nil, remaining > 0 {
            throw AudioError.unreadable(path: path, reason: "the file ended \(remaining) frames before the segment's end (truncated?)")
        }
        var audio = Audio(samples: mono, sampleRate: info.sampleRate)
        if let t = target, t != info.sampleRate {
            audio = try resample(audio, to: t, quality: quality, path: path)
        }
        return audio
    }

    /// Writes interleaved `samples` (`channels` per frame, values in [-1, 1],
    /// clipped) to `path` atomically (temporary file, then rename).
    public static func write(_ samples: [Float], channels: Int = 1, sampleRate: Int, to path: String,
                             container: AudioContainer = .wav, encoding: SampleEncoding = .pcm16) throws {
        guard (1...AudioLimits.maxSampleRate).contains(sampleRate) else {
            throw AudioError.invalidSampleRate(path: path, rate: sampleRate)
        }
        guard (1...AudioLimits.maxChannels).contains(channels) else {
            throw AudioError.invalidChannelCount(path: path, channels: channels)
        }
        guard samples.count % channels == 0 else {
            throw AudioError.cannotWrite(path: path, reason: "\(samples.count) samples is not a whole number of \(channels)-channel frames")
        }
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = try formatCode(container: container, encoding: encoding, path: path)
        guard sf_format_check(&info) == SF_TRUE else {
            throw AudioError.cannotWrite(path: path, reason: "libsndfile cannot write \(encoding.rawValue) in \(container.rawValue) at \(sampleRate) Hz")
        }
        let tmp = temporaryPath(beside: path)
        guard let handle = sf_open(tmp, Int32(SFM_WRITE), &info) else {
            throw AudioError.cannotWrite(path: path, reason: String(cString: sf_strerror(nil)))
        }
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        if container == .ogg {
            var q = 0.6  // Vorbis quality 0…1
            sf_command(handle, Int32(SFC_SET_VBR_ENCODING_QUALITY), &q, Int32(MemoryLayout<Double>.size))
        }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { Int(sf_writef_float(handle, $0.baseAddress, sf_count_t(frames))) }
        let closeStatus = sf_close(handle)
        try closeAndMove(tmp, to: path, ok: written == frames && closeStatus == 0, reason: "wrote \(written) of \(frames) frames")
    }

    /// A hidden temporary file name beside `path` (same folder: rename is atomic).
    static func temporaryPath(beside path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp").path
    }

    /// Renames the written `tmp` to `path` when `ok`; otherwise (or when the rename
    /// fails) removes it and throws `cannotWrite` with the reason.
    static func closeAndMove(_ tmp: String, to path: String, ok: Bool, reason: String) throws {
        guard ok else {
            unlink(tmp)
            throw AudioError.cannotWrite(path: path, reason: reason)
        }
        if rename(tmp, path) != 0 {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw AudioError.cannotWrite(path: path, reason: why)
        }
    }

    /// Writes mono `audio` as a file.
    public static func write(_ audio: Audio, to path: String, container: AudioContainer = .wav,
                             encoding: SampleEncoding = .pcm16) throws {
        try write(audio.samples, channels: 1, sampleRate: audio.sampleRate, to: path,
                  container: container, encoding: encoding)
    }

    // MARK: - Private

    static func open(_ path: String) throws -> (OpaquePointer, AudioInfo) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw AudioError.fileNotFound(path: path) }
        guard !isDir.boolValue else { throw AudioError.isDirectory(path: path) }
        if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
           let size = attrs[.size] as? NSNumber, size.intValue == 0 {
            throw AudioError.emptyFile(path: path)
        }
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw AudioError.unreadable(path: path, reason: String(cString: sf_strerror(nil)))
        }
        let rate = Int(info.samplerate)
        let channels = Int(info.channels)
        guard (1...AudioLimits.maxSampleRate).contains(rate) else {
            sf_close(handle)
            throw AudioError.invalidSampleRate(path: path, rate: rate)
        }
        guard (1...AudioLimits.maxChannels).contains(channels) else {
            sf_close(handle)
            throw AudioError.invalidChannelCount(path: path, channels: channels)
        }
        if info.frames <= 0 {
            sf_close(handle)
            throw AudioError.noSamples(path: path)
        }
        return (handle, AudioInfo(sampleRate: rate, channels: channels, frames: Int(info.frames),
                                  formatCode: Int(info.format)))
    }

    static func formatCode(container: AudioContainer, encoding: SampleEncoding, path: String) throws -> Int32 {
        switch container {
        case .ogg:
            return Int32(SF_FORMAT_OGG) | Int32(SF_FORMAT_VORBIS)
        case .wav:
            let sub: Int32
            switch encoding {
            case .pcm8: sub = Int32(SF_FORMAT_PCM_U8)
            case .pcm16: sub = Int32(SF_FORMAT_PCM_16)
            case .pcm24: sub = Int32(SF_FORMAT_PCM_24)
            case .pcm32: sub = Int32(SF_FORMAT_PCM_32)
            case .float32: sub = Int32(SF_FORMAT_FLOAT)
            }
            return Int32(SF_FORMAT_WAV) | sub
        case .flac:
            let sub: Int32
            switch encoding {
            case .pcm8: sub = Int32(SF_FORMAT_PCM_S8)
            case .pcm16: sub = Int32(SF_FORMAT_PCM_16)
            case .pcm24: sub = Int32(SF_FORMAT_PCM_24)
            case .pcm32, .float32:
                throw AudioError.cannotWrite(path: path, reason: "FLAC stores at most 24-bit integer samples, not \(encoding.rawValue)")
            }
            return Int32(SF_FORMAT_FLAC) | sub
        }
    }
}
