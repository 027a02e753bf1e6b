import Foundation
import Testing
import ASRCore
import _TestSupport

/// `asr features` run as a separate process, checking outputs and exit codes.
@Suite struct FeaturesCommandTests {
    let dir = TestPaths.temporaryDirectory("cli")

    /// A 1 s test tone written as 16-bit WAV by sox-free means: the binary itself cannot
    /// write audio, so build the RIFF bytes here.
    func toneWAV(rate: Int = 16000, seconds: Double = 1.0, channels: Int = 1) -> String {
        let n = Int(Double(rate) * seconds)
        var pcm = Data()
        for i in 0..<n {
            let v = Int16(8000 * sin(2 * Double.pi * 440 * Double(i) / Double(rate)))
            for _ in 0..<channels { withUnsafeBytes(of: v.littleEndian) { pcm.append(contentsOf: $0) } }
        }
        var d = Data("RIFF".utf8)
        func u32(_ x: Int) { withUnsafeBytes(of: UInt32(x).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ x: Int) { withUnsafeBytes(of: UInt16(x).littleEndian) { d.append(contentsOf: $0) } }
        u32(36 + pcm.count); d.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(channels)
        u32(rate); u32(rate * 2 * channels); u16(2 * channels); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(pcm.count); d.append(pcm)
        let p = dir.appendingPathComponent("tone-\(rate)-\(channels).wav").path
        FileManager.default.createFile(atPath: p, contents: d)
        return p
    }

    @Test func fbankDefaults() throws {
        let wav = toneWAV()
        let out = dir.appendingPathComponent("f.npy").path
        let r = try CLI.run(["features", wav, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try NPY.read(out)
        #expect(m.rows == 98 && m.cols == 23)  // 1 + (16000 − 400) / 160
    }

    @Test func mfccWithDeltasAndCentredFrames() throws {
        let wav = toneWAV(rate: 8000, channels: 2)
        let out = dir.appendingPathComponent("m.npy").path
        let r = try CLI.run(["features", wav, "--type", "mfcc", "--deltas", "2", "--snip-edges", "false",
                             "--window", "hamming", "--num-ceps", "12", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try NPY.read(out)
        #expect(m.rows == 100 && m.cols == 36)  // (8000 + 40) / 80 frames at the file's own 8 kHz
    }

    @Test func resamplesToRequestedRate() throws {
        let wav = toneWAV(rate: 44100)
        let out = dir.appendingPathComponent("r.npy").path
        let r = try CLI.run(["features", wav, "--sample-rate", "16000", "--mel-bins", "40", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try NPY.read(out)
        #expect(m.rows == 98 && m.cols == 40)
    }

    @Test func recipeFeatureSection() throws {
        let wav = toneWAV()
        let recipe = dir.appendingPathComponent("r.json").path
        try #"{"features": {"type": "fbank", "fbank": {"mel": {"num_bins": 80}}, "cmvn": "utterance"}}"#
            .write(toFile: recipe, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("rec.npy").path
        let r = try CLI.run(["features", wav, "--recipe", recipe, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let m = try NPY.read(out)
        #expect(m.cols == 80)
        // Utterance CMVN: every column has mean ~0 (1e-3 absolute on values of magnitude ~10).
        for d in 0..<80 { #expect(abs((0..<m.rows).map { m[$0, d] }.reduce(0, +) / Float(m.rows)) < 1e-3) }
    }

    @Test func errorsAreClearAndNonZero() throws {
        let wav = toneWAV()
        let out = dir.appendingPathComponent("e.npy").path
        let missing = try CLI.run(["features", "/no/such.wav", "--out", out])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("/no/such.wav"))

        let badRecipe = dir.appendingPathComponent("bad.json").path
        try #"{"features": {"fbank": {"mel": {"bins": 80}}}}"#.write(toFile: badRecipe, atomically: true, encoding: .utf8)
        let r = try CLI.run(["features", wav, "--recipe", badRecipe, "--out", out])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad.json") && r.stderr.contains("features.fbank.mel.bins"))

        let badValue = try CLI.run(["features", wav, "--frame-shift", "0", "--out", out])
        #expect(badValue.status != 0)
        #expect(badValue.stderr.contains("frame_shift_ms"))

        let badWindow = try CLI.run(["features", wav, "--window", "triangle", "--out", out])
        #expect(badWindow.status != 0)
        #expect(badWindow.stderr.contains("triangle"))

        let noDir = try CLI.run(["features", wav, "--out", "/no/such/dir/x.npy"])
        #expect(noDir.status != 0)
        #expect(noDir.stderr.contains("/no/such/dir/x.npy"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
