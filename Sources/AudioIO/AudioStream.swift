import ASRCore
import CSampleRate
import Foundation

/// Audio arriving over a pipe (`arecord … | asr transcribe --stream -`): a WAV
/// header is read if the bytes start with one (16-bit PCM or 32-bit float, any
/// channels; the data size may be unknown, as `arecord` writes it), otherwise the
/// bytes are raw 16-bit little-endian PCM at `rawSampleRate` with `rawChannels`.
/// Samples come out mono (channels averaged), in blocks, as the bytes arrive.
public final class PCMStream {
    public enum Encoding: Sendable { case int16, float32 }
    /// What the stream is named in errors (`-` or `<stdin>`, a path, a connection).
    public let name: String
    public private(set) var sampleRate: Int
    public private(set) var channels: Int
    public private(set) var encoding: Encoding = .int16
    private let source: (Int) throws -> [UInt8]
    private var pending: [UInt8] = []
    private var remaining = Int.max   // data bytes left in a WAV; unknown = max
    private var ended = false
    /// Samples handed out so far, for error positions.
    private var delivered = 0

    /// Reads from `source(n)`: up to n bytes, empty at the end (a file handle, a socket).
    public init(name: String, rawSampleRate: Int, rawChannels: Int = 1, source: @escaping (Int) throws -> [UInt8]) throws {
        self.name = name
        self.source = source
        sampleRate = rawSampleRate
        channels = rawChannels
        guard (1...AudioLimits.maxSampleRate).contains(rawSampleRate) else { throw AudioError.invalidSampleRate(path: name, rate: rawSampleRate) }
        guard (1...AudioLimits.maxChannels).contains(rawChannels) else { throw AudioError.invalidChannelCount(path: name, channels: rawChannels) }
        try fill(12)
        if pending.count >= 12, pending[0..<4].elementsEqual("RIFF".utf8), pending[8..<12].elementsEqual("WAVE".utf8) {
            pending.removeFirst(12)
            try readWAVHeader()
        }
    }

    /// Standard input, read as it arrives.
    public convenience init(standardInputWithRawSampleRate rate: Int, channels: Int = 1) throws {
        let handle = FileHandle.standardInput
        try self.init(name: "<stdin>", rawSampleRate: rate, rawChannels: channels) { n in
            [UInt8](try handle.read(upToCount: n) ?? Data())
        }
    }

    /// Up to `frames` mono samples; fewer when the source has less ready, empty at the end.
    public func read(frames: Int) throws -> [Float] {
        let width = (encoding == .int16 ? 2 : 4) * channels
        let want = min(frames * width, remaining)
        if pending.count < width && !ended {
            let got = try source(max(want - pending.count, width))
            if got.isEmpty { ended = true } else { pending += got }
            try fill(width)   // a pipe may hand over less than one sample: empty means the end, never "not yet"
        }
        let usable = min(pending.count - pending.count % width, want - want % width)
        guard usable > 0 else {
            if ended && !pending.isEmpty && pending.count < width {
                pending = []   // a torn last sample at the end of the stream: dropped
            }
            return []
        }
        let count = usable / width
        var out = [Float](repeating: 0, count: count)
        pending.withUnsafeBytes { raw in
            let scale = 1 / Float(channels)
            for f in 0..<count {
                var s: Float = 0
                for c in 0..<channels {
                    let at = f * width + c * (width / channels)
                    switch encoding {
                    case .int16: s += Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self))) / 32768
                    case .float32: s += Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    }
                }
                out[f] = s * scale
            }
        }
        if encoding == .float32, let bad = out.withUnsafeBufferPointer(firstNonFinite) {
            throw AudioError.nonFiniteSample(path: name, second: Double(delivered + bad) / Double(sampleRate))
        }
        delivered += count
        pending.removeFirst(usable)
        if remaining != .max { remaining -= usable }
        return out
    }

    private func fill(_ n: Int) throws {
        while pending.count < n && !ended {
            let got = try source(n - pending.count)
            if got.isEmpty { ended = true } else { pending += got }
        }
    }

    private func u16(_ at: Int) -> Int { Int(pending[at]) | Int(pending[at + 1]) << 8 }
    private func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }

    private func readWAVHeader() throws {
        var sawFormat = false
        while true {
            try fill(8)
            guard pending.count >= 8 else { throw AudioError.unreadable(path: name, reason: "WAV header ends before its data chunk") }
            let id = String(decoding: pending[0..<4], as: UTF8.self), size = u32(4)
            pending.removeFirst(8)
            if id == "data" {
                guard sawFormat else { throw AudioError.unreadable(path: name, reason: "WAV data chunk before its fmt chunk") }
                // arecord and other live writers put 0 or 0xFFFFFFFF here: read to the end.
                remaining = (size == 0 || size >= 0x7FFF_FFFF) ? .max : size
                return
            }
            guard size < 1 << 20 else { throw AudioError.unreadable(path: name, reason: "WAV chunk '\(id)' of \(size) bytes before the data") }
            try fill(size + size % 2)
            guard pending.count >= size else { throw AudioError.unreadable(path: name, reason: "WAV chunk '\(id)' cut short") }
            if id == "fmt " {
                guard size >= 16 else { throw AudioError.unreadable(path: name, reason: "WAV fmt chunk of \(size) bytes (expected ≥ 16)") }
                var tag = u16(0)
                let ch = u16(2), rate = u32(4), bits = u16(14)
                if tag == 0xFFFE && size >= 26 { tag = u16(24) }   // WAVE_FORMAT_EXTENSIBLE: the subformat's tag
                switch (tag, bits) {
                case (1, 16): encoding = .int16
                case (3, 32): encoding = .float32
                default:
                    throw AudioError.unreadable(path: name, reason: "WAV format \(tag) with \(bits)-bit samples; a stream takes 16-bit PCM or 32-bit float")
                }
                guard (1...AudioLimits.maxSampleRate).contains(rate) else { throw AudioError.invalidSampleRate(path: name, rate: rate) }
                guard (1...AudioLimits.maxChannels).contains(ch) else { throw AudioError.invalidChannelCount(path: name, channels: ch) }
                sampleRate = rate
                channels = ch
                sawFormat = true
            }
            pending.removeFirst(min(pending.count, size + size % 2))
        }
    }
}

/// libsamplerate over a stream: blocks in, blocks out, the filter's state kept
/// between them, so the result matches converting the whole at once (to within
/// the filter's delay being flushed by `finish`).
public final class StreamResampler {
    public let from: Int
    public let to: Int
    private var state: OpaquePointer?
    private let ratio: Double

    public init(from: Int, to: Int, quality: ResampleQuality = .medium) throws {
        self.from = from
        self.to = to
        ratio = Double(to) / Double(from)
        guard ratio >= 1.0 / 256, ratio <= 256 else {
            throw AudioError.resampleFailed(path: "<stream>", reason: "ratio \(to)/\(from) is beyond libsamplerate's 1/256…256")
        }
        if from != to {
            var error: Int32 = 0
            state = src_new(quality.converter, 1, &error)
            guard state != nil else { throw AudioError.resampleFailed(path: "<stream>", reason: String(cString: src_strerror(error))) }
        }
    }

    deinit { if let state { src_delete(state) } }

    /// The converted samples of this block (the filter holds back its delay).
    public func process(_ samples: [Float]) throws -> [Float] { try run(samples, last: false) }

    /// What the filter still holds, at the end of the stream.
    public func finish() throws -> [Float] { try run([], last: true) }

    private func run(_ samples: [Float], last: Bool) throws -> [Float] {
        guard let state else { return samples }
        var out: [Float] = []
        var input = samples[...]
        var buffer = [Float](repeating: 0, count: Int(Double(max(samples.count, 256)) * ratio) + 256)
        while true {
            var used = 0, made = 0
            let status: Int32 = input.withUnsafeBufferPointer { inBuf in
                buffer.withUnsafeMutableBufferPointer { outBuf in
                    var data = SRC_DATA()
                    data.data_in = inBuf.baseAddress
                    data.input_frames = inBuf.count
                    data.data_out = outBuf.baseAddress
                    data.output_frames = outBuf.count
                    data.src_ratio = ratio
                    data.end_of_input = last ? 1 : 0
                    let s = src_process(state, &data)
                    used = Int(data.input_frames_used)
                    made = Int(data.output_frames_gen)
                    return s
                }
            }
            guard status == 0 else { throw AudioError.resampleFailed(path: "<stream>", reason: String(cString: src_strerror(status))) }
            out += buffer[0..<made]
            input = input.dropFirst(used)
            if input.isEmpty && (!last || made == 0) { break }
            if used == 0 && made == 0 { break }
        }
        return out
    }
}
