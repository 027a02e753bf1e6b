// asr-bench: times one of our components in-process and prints JSON, so the
// benchmark driver (scripts/bench/bench.py) can alternate it with the
// reference tools in the same run. Not a user-facing tool.
//
//   asr-bench features --wav W.wav --type fbank|mfcc [--mel-bins N] --reps K [--out F.npy]
//
// Output (one line): {"case": "...", "times_ms": [...], "frames": T, "dim": D}
import ASRCore
import AudioIO
import Features
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("asr-bench: \(message)\n".utf8))
    exit(2)
}

var args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { fail("usage: asr-bench features --wav W --type fbank|mfcc [--mel-bins N] --reps K [--out F]") }
args.removeFirst()
var opts: [String: String] = [:]
var i = 0
while i < args.count {
    guard args[i].hasPrefix("--"), i + 1 < args.count else { fail("bad argument \(args[i])") }
    opts[String(args[i].dropFirst(2))] = args[i + 1]
    i += 2
}

func time(_ reps: Int, _ body: () -> Void) -> [Double] {
    (0..<reps).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }
}

switch command {
case "features":
    guard let wav = opts["wav"] else { fail("--wav is required") }
    let reps = Int(opts["reps"] ?? "5") ?? 5
    let type = opts["type"] ?? "fbank"
    let bins = Int(opts["mel-bins"] ?? "23") ?? 23
    do {
        let audio = try AudioFile.read(wav)
        var fo = FeatureOptions()
        fo.type = FeatureType(rawValue: type) ?? .fbank
        fo.fbank.frame.sampleRate = Float(audio.sampleRate)
        fo.mfcc.frame.sampleRate = Float(audio.sampleRate)
        fo.fbank.mel.numBins = bins
        fo.mfcc.mel.numBins = bins
        try fo.validate()
        let extractor = FeaturePipeline(fo).extractor
        var result = extractor.compute(audio.samples)  // warm-up (plans, caches)
        let times = time(reps) { result = extractor.compute(audio.samples) }
        if let out = opts["out"] { try NPY.write(result, to: out) }
        let json: [String: Any] = ["case": "features-\(type)-\(bins)", "times_ms": times,
                                   "frames": result.rows, "dim": result.cols]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
    } catch {
        fail("\(error)")
    }
default:
    fail("unknown benchmark \(command)")
}
