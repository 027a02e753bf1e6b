import Foundation
import Testing
@testable import AudioIO
import _TestSupport

/// A test tone: `seconds` of a sine at `freq` Hz, amplitude `amp`.
func sine(_ freq: Double, rate: Int, seconds: Double, amp: Float = 0.5) -> [Float] {
    (0..<Int(Double(rate) * seconds)).map { amp * Float(sin(2 * Double.pi * freq * Double($0) / Double(rate))) }
}

/// Dominant frequency by correlating with candidate sines (coarse-to-fine), Hz.
func dominantFrequency(_ x: [Float], rate: Int, lo: Double, hi: Double) -> Double {
    func power(_ f: Double) -> Double {
        var re = 0.0, im = 0.0
        for (i, v) in x.enumerated() {
            let a = 2 * Double.pi * f * Double(i) / Double(rate)
            re += Double(v) * cos(a); im += Double(v) * sin(a)
        }
        return re * re + im * im
    }
    var best = lo, step = 10.0, a = lo, b = hi
    while step >= 0.05 {
        var bestP = -1.0
        var f = a
        while f <= b { let p = power(f); if p > bestP { bestP = p; best = f }; f += step }
        a = best - step; b = best + step; step /= 10
    }
    return best
}

func rms(_ x: ArraySlice<Float>) -> Float {
    (x.reduce(0) { $0 + $1 * $1 } / Float(x.count)).squareRoot()
}

@Suite struct AudioRoundTripTests {
    let dir = TestPaths.temporaryDirectory("audio")

    /// Every container/encoding we claim, written by libsndfile and read back.
    /// Tolerances: half a quantisation step for PCM (2^-(bits-1)), exact for
    /// float, and a loose 0.05 RMS error for lossy Vorbis.
    static let losslessCases: [(AudioContainer, SampleEncoding, Float)] = [
        (.wav, .pcm8, 1.0 / 128),
        (.wav, .pcm16, 1.0 / 32768),
        (.wav, .pcm24, 1.0 / 8_388_608),
        (.wav, .pcm32, 1e-7),
        (.wav, .float32, 0),
        (.flac, .pcm8, 1.0 / 128),
        (.flac, .pcm16, 1.0 / 32768),
        (.flac, .pcm24, 1.0 / 8_388_608),
    ]

    @Test(arguments: losslessCases)
    func losslessRoundTrip(container: AudioContainer, encoding: SampleEncoding, tolerance: Float) throws {
        let x = sine(440, rate: 16000, seconds: 0.5, amp: 0.6)
        let path = dir.appendingPathComponent("t-\(encoding.rawValue).\(container.rawValue)").path
        try AudioFile.write(x, sampleRate: 16000, to: path, container: container, encoding: encoding)
        let info = try AudioFile.info(path)
        #expect(info.sampleRate == 16000 && info.channels == 1 && info.frames == x.count)
        let y = try AudioFile.read(path)
        #expect(y.sampleRate == 16000)
        #expect(y.samples.count == x.count)
        // max |x − y| ≤ one quantisation step of the encoding (8-bit WAV is unsigned: a full step).
        #expect(closeness(y.samples, x, abs: Double(tolerance) + 1e-7).passes)
    }

    @Test func oggVorbisRoundTrip() throws {
        let x = sine(440, rate: 16000, seconds: 1.0, amp: 0.5)
        let path = dir.appendingPathComponent("t.ogg").path
        try AudioFile.write(x, sampleRate: 16000, to: path, container: .ogg)
        let y = try AudioFile.read(path)
        #expect(y.sampleRate == 16000)
        #expect(abs(y.samples.count - x.count) <= 16)
        // Lossy codec: same level (±5%) and same pitch (±1 Hz).
        let mid = y.samples[4000..<12000]
        #expect(abs(rms(mid) - rms(x[4000..<12000])) / rms(x[4000..<12000]) < 0.05)
        #expect(abs(dominantFrequency(Array(mid), rate: 16000, lo: 300, hi: 600) - 440) < 1.0)
    }

    @Test func stereoIsDownmixedByAveraging() throws {
        let left = sine(300, rate: 8000, seconds: 0.25, amp: 0.4)
        let right = sine(700, rate: 8000, seconds: 0.25, amp: 0.2)
        var interleaved: [Float] = []
        for i in 0..<left.count { interleaved += [left[i], right[i]] }
        let path = dir.appendingPathComponent("stereo.wav").path
        try AudioFile.write(interleaved, channels: 2, sampleRate: 8000, to: path, encoding: .float32)
        #expect(try AudioFile.info(path).channels == 2)
        let y = try AudioFile.read(path)
        let expected = (0..<left.count).map { (left[$0] + right[$0]) / 2 }
        #expect(closeness(y.samples, expected, abs: 1e-7).passes)  // float WAV: exact up to the halving
    }

    @Test func sixChannelsDownmix() throws {
        let n = 1000
        var x: [Float] = []
        for i in 0..<n { for c in 0..<6 { x.append(Float(c) * 0.1 + Float(i % 7) * 0.01) } }
        let path = dir.appendingPathComponent("six.wav").path
        try AudioFile.write(x, channels: 6, sampleRate: 48000, to: path, encoding: .float32)
        let y = try AudioFile.read(path)
        for i in 0..<n { #expect(abs(y.samples[i] - (0.25 + Float(i % 7) * 0.01)) < 1e-6) }
    }

    /// 44.1 kHz → 16 kHz keeps a 1 kHz sine's frequency (±0.5 Hz) and level (±1%).
    @Test func resampleKeepsFrequencyAndLevel() throws {
        let x = sine(1000, rate: 44100, seconds: 1.0, amp: 0.5)
        let path = dir.appendingPathComponent("sine44k.wav").path
        try AudioFile.write(x, sampleRate: 44100, to: path, encoding: .float32)
        let y = try AudioFile.read(path, sampleRate: 16000)
        #expect(y.sampleRate == 16000)
        #expect(y.samples.count == 16000)
        let mid = y.samples[2000..<14000]
        #expect(abs(rms(mid) - 0.5 / Float(2).squareRoot()) < 0.005)
        #expect(abs(dominantFrequency(Array(mid), rate: 16000, lo: 900, hi: 1100) - 1000) < 0.5)
    }

    @Test func upsamplingAndQualities() throws {
        let x = Audio(samples: sine(200, rate: 8000, seconds: 0.5), sampleRate: 8000)
        for q in ResampleQuality.allCases {
            let y = try AudioFile.resample(x, to: 22050, quality: q)
            #expect(y.samples.count == 11025)
            #expect(abs(rms(y.samples[2000..<9000]) - 0.5 / Float(2).squareRoot()) < 0.01)
        }
    }
}

/// Segments (manifest offset/duration) and the streamed writer of packed shards.
@Suite struct AudioSegmentTests {
    let dir = TestPaths.temporaryDirectory("segments")

    /// A segment is exactly the samples of the whole file at its frames, also
    /// at a sample rate the file does not have (the slice resampled alike is not
    /// bit-equal, so there the length and 1e-3 RMS closeness to the resampled
    /// whole are checked: resampling near a cut differs from resampling through it).
    @Test func segmentIsSliceOfWhole() throws {
        let p = dir.appendingPathComponent("whole.wav").path
        let x = sine(300, rate: 16000, seconds: 1.0, amp: 0.4)
        try AudioFile.write(x, sampleRate: 16000, to: p)
        let whole = try AudioFile.read(p).samples
        let seg = AudioSegment(offset: 0.25, duration: 0.5)
        let part = try AudioFile.read(p, segment: seg).samples
        #expect(part == Array(whole[4000..<12000]))
        let at8k = try AudioFile.read(p, sampleRate: 8000, segment: seg).samples
        #expect(at8k.count == 4000)
        let whole8k = try AudioFile.read(p, sampleRate: 8000).samples
        #expect(rms(ArraySlice(zip(at8k[200..<3800], whole8k[2200..<5800]).map { $0 - $1 })) < 1e-3)
        for bad in [AudioSegment(offset: 0.8, duration: 0.5), AudioSegment(offset: -1, duration: 0.5), AudioSegment(offset: 0, duration: 0)] {
            #expect(throws: AudioError.segmentOutOfRange(path: p, offset: bad.offset, duration: bad.duration, fileDuration: 1.0)) {
                try AudioFile.read(p, segment: bad)
            }
        }
    }

    /// A 16-bit source copies bit-exactly through the PCM-16 writer, appended in
    /// pieces; float32 keeps any value; an unfinished writer leaves no file.
    @Test func writerCopiesExactly() throws {
        let src = dir.appendingPathComponent("src.wav").path
        try AudioFile.write(sine(440, rate: 16000, seconds: 0.3, amp: 0.9) + [1, -1, 0.99999], sampleRate: 16000, to: src)
        let x = try AudioFile.read(src).samples
        let out = dir.appendingPathComponent("copy.wav").path
        let w = try AudioWriter(path: out, sampleRate: 16000)
        try w.append(Array(x[..<1000]))
        try w.append(Array(x[1000...]))
        #expect(!FileManager.default.fileExists(atPath: out), "renamed into place only by finish()")
        try w.finish()
        #expect(try AudioFile.read(out).samples == x)
        let y: [Float] = [0.123456789, -0.5, 1e-6]
        let f = dir.appendingPathComponent("float.wav").path
        let wf = try AudioWriter(path: f, sampleRate: 8000, encoding: .float32)
        try wf.append(y)
        try wf.finish()
        #expect(try AudioFile.read(f).samples == y)
        let gone = dir.appendingPathComponent("gone.wav").path
        do { let u = try AudioWriter(path: gone, sampleRate: 16000); try u.append(y) }
        #expect(!FileManager.default.fileExists(atPath: gone))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") })?.isEmpty == true)
    }
}

@Suite struct AudioErrorTests {
    let dir = TestPaths.temporaryDirectory("audio-err")

    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let p = dir.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    @Test func missingFile() {
        let p = dir.appendingPathComponent("nope.wav").path
        #expect(throws: AudioError.fileNotFound(path: p)) { try AudioFile.read(p) }
    }

    @Test func directoryIsNotAFile() {
        #expect(throws: AudioError.isDirectory(path: dir.path)) { try AudioFile.read(dir.path) }
        #expect(AudioError.isDirectory(path: dir.path).description == "\(dir.path): is a folder, expected an audio file")
    }

    /// A 32-bit float WAV (format 3), written byte by byte: `channels` interleaved.
    func floatWAV(_ samples: [Float], channels: Int = 1, rate: Int = 16000) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func u16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let data = samples.flatMap { v in u32(Int(v.bitPattern)) }
        return Array("RIFF".utf8) + u32(36 + data.count) + Array("WAVEfmt ".utf8) + u32(16) + u16(3) + u16(channels)
            + u32(rate) + u32(rate * 4 * channels) + u16(4 * channels) + u16(32) + Array("data".utf8) + u32(data.count) + data
    }

    /// A NaN or ±inf sample is an error naming the file and the time, whether the file
    /// is read whole, in blocks, or as a stream (once it gave empty text, exit 0).
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteSamplesAreNamed(bad: Float) throws {
        var x = (0..<16000).map { Float($0 % 50) / 100 - 0.25 }
        x[8000] = bad
        let p = file("bad-\(bad).wav", floatWAV(x))
        #expect(throws: AudioError.nonFiniteSample(path: p, second: 0.5)) { try AudioFile.read(p) }
        #expect(throws: AudioError.nonFiniteSample(path: p, second: 0.5)) { try AudioFile.read(p, sampleRate: 8000) }
        #expect(throws: AudioError.nonFiniteSample(path: p, second: 0.5)) {
            let r = try AudioReader(path: p)
            while try !r.read(frames: 1000).isEmpty {}
        }
        // From a segment's start, the time is still the file's.
        #expect(throws: AudioError.nonFiniteSample(path: p, second: 0.5)) { try AudioFile.read(p, segment: AudioSegment(offset: 0.25, duration: 0.5)) }
        #expect(try AudioFile.read(p, segment: AudioSegment(offset: 0.6, duration: 0.2)).samples.count == 3200, "a clean stretch reads")
        // Stereo, bad in the right channel only.
        var stereo = [Float](repeating: 0.1, count: 2 * 16000)
        stereo[2 * 4000 + 1] = bad
        let q = file("bad-stereo-\(bad).wav", floatWAV(stereo, channels: 2))
        #expect(throws: AudioError.nonFiniteSample(path: q, second: 0.25)) { try AudioFile.read(q) }
        var bytes = floatWAV(x)
        let s = try PCMStream(name: "<stdin>", rawSampleRate: 16000) { n in
            let k = min(n, bytes.count)
            defer { bytes.removeFirst(k) }
            return Array(bytes.prefix(k))
        }
        #expect(throws: AudioError.nonFiniteSample(path: "<stdin>", second: 0.5)) { while try !s.read(frames: 700).isEmpty {} }
    }

    @Test func emptyFile() {
        let p = file("empty.wav", [])
        #expect(throws: AudioError.emptyFile(path: p)) { try AudioFile.read(p) }
    }

    @Test func notAudio() {
        let p = file("notes.wav", Array("this is a text file, not audio\n".utf8))
        do {
            _ = try AudioFile.read(p)
            Issue.record("expected an error")
        } catch let e as AudioError {
            guard case .unreadable(let path, _) = e else { Issue.record("wrong error \(e)"); return }
            #expect(path == p)
            #expect(e.description.hasPrefix(p))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func truncatedHeader() throws {
        let good = dir.appendingPathComponent("good.wav").path
        try AudioFile.write(sine(440, rate: 16000, seconds: 0.1), sampleRate: 16000, to: good)
        let bytes = [UInt8](FileManager.default.contents(atPath: good)!)
        let p = file("trunc.wav", Array(bytes[0..<20]))
        #expect(throws: AudioError.self) { try AudioFile.read(p) }
        do { _ = try AudioFile.read(p) } catch let e as AudioError {
            #expect(e.description.contains(p))
        } catch { Issue.record("unexpected \(error)") }
    }

    /// A header cut right after the data chunk header: valid format, no samples.
    @Test func zeroLengthAudio() throws {
        let p = dir.appendingPathComponent("zero.wav").path
        try AudioFile.write([], sampleRate: 16000, to: p)
        #expect(throws: AudioError.noSamples(path: p)) { try AudioFile.read(p) }
    }

    /// A WAV header claiming 0 Hz or 10 MHz.
    @Test(arguments: [0, 10_000_000])
    func absurdSampleRateInHeader(rate: Int) throws {
        let good = dir.appendingPathComponent("rate-src-\(rate).wav").path
        try AudioFile.write(sine(440, rate: 16000, seconds: 0.1), sampleRate: 16000, to: good)
        var bytes = [UInt8](FileManager.default.contents(atPath: good)!)
        // RIFF/WAVE canonical header: sample rate at byte 24, byte rate at 28 (little-endian).
        for i in 0..<4 { bytes[24 + i] = UInt8((rate >> (8 * i)) & 0xFF) }
        let byteRate = rate * 2
        for i in 0..<4 { bytes[28 + i] = UInt8((byteRate >> (8 * i)) & 0xFF) }
        let p = file("rate-\(rate).wav", bytes)
        #expect(throws: AudioError.self) { try AudioFile.read(p) }
        do { _ = try AudioFile.read(p) } catch let e as AudioError {
            #expect(e.description.contains(p))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func absurdRequestedRate() throws {
        let p = dir.appendingPathComponent("ok.wav").path
        try AudioFile.write(sine(440, rate: 16000, seconds: 0.1), sampleRate: 16000, to: p)
        #expect(throws: AudioError.invalidSampleRate(path: p, rate: 0)) { try AudioFile.read(p, sampleRate: 0) }
        #expect(throws: AudioError.invalidSampleRate(path: p, rate: 5_000_000)) { try AudioFile.read(p, sampleRate: 5_000_000) }
    }

    @Test func writeErrors() {
        let p = dir.appendingPathComponent("no/such/dir/x.wav").path
        #expect(throws: AudioError.self) { try AudioFile.write([0.1], sampleRate: 16000, to: p) }
        #expect(throws: AudioError.invalidSampleRate(path: "x.wav", rate: -5)) {
            try AudioFile.write([0.1], sampleRate: -5, to: "x.wav")
        }
        let f = dir.appendingPathComponent("x.flac").path
        #expect(throws: AudioError.self) { try AudioFile.write([0.1], sampleRate: 16000, to: f, container: .flac, encoding: .float32) }
        #expect(!FileManager.default.fileExists(atPath: f))
    }

    /// Random garbage after a valid RIFF magic never crashes.
    @Test func garbageNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        for i in 0..<50 {
            var bytes = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WAVEfmt ".utf8)
            bytes += (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let p = file("garbage\(i).wav", bytes)
            do { _ = try AudioFile.read(p) } catch is AudioError {} catch { Issue.record("unexpected \(error)") }
        }
    }
}
