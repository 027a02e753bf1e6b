// asr-bench: times one of our components in-process and prints JSON, so the
// benchmark driver (scripts/bench/bench.py) can alternate it with the
// reference tools in the same run. Not a user-facing tool.
//
//   asr-bench features --wav W.wav --type fbank|mfcc [--mel-bins N] --reps K [--out F.npy]
//
// Output (one line): {"case": "...", "times_ms": [...], "frames": T, "dim": D}
import ASRCore
import AudioIO
import CTC
import Decoding
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
case "ctc":
    // Random logits [T, B, V] and labels, seeded; writes loss/grad for agreement checks.
    let T = Int(opts["T"] ?? "200")!, B = Int(opts["B"] ?? "16")!, V = Int(opts["V"] ?? "30")!, L = Int(opts["L"] ?? "40")!
    let reps = Int(opts["reps"] ?? "5")!
    var g = SeededGenerator(seed: UInt64(opts["seed"] ?? "1")!)
    var logits = [Float](repeating: 0, count: T * B * V)
    var targets: [[Int]] = []
    var lengths: [Int] = []
    if let inp = opts["inputs"] {
        // logits [T·B, V] and targets [B, L] (ints stored as float) from .npy files.
        let z = try! NPY.read(inp + "-logits.npy"), y = try! NPY.read(inp + "-targets.npy")
        logits = z.storage
        targets = (0..<B).map { b in (0..<L).map { Int(y[b, $0]) } }
        lengths = [Int](repeating: T, count: B)
    } else {
        for i in 0..<logits.count { logits[i] = g.nextGaussian() }
        targets = (0..<B).map { _ in (0..<L).map { _ in 1 + Int(g.next() % UInt64(V - 1)) } }
        lengths = [Int](repeating: T, count: B)
    }
    var result = try! ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: lengths, targets: targets,
                              options: CTCOptions(reduction: .sum))
    let times = time(reps) {
        result = try! ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: lengths, targets: targets,
                              options: CTCOptions(reduction: .sum))
    }
    if let out = opts["out"] {
        try! NPY.write(Matrix(rows: B, cols: 1, storage: result.losses), to: out + "-losses.npy")
        try! NPY.write(Matrix(rows: T * B, cols: V, storage: result.gradient), to: out + "-grad.npy")
    }
    let json: [String: Any] = ["case": "ctc-T\(T)-B\(B)-V\(V)-L\(L)", "times_ms": times, "loss": result.loss]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
case "beam":
    // Log-probs [N·T, V] for N utterances from .npy; decodes each; prints hypotheses as token ids.
    guard let inp = opts["inputs"] else { fail("--inputs is required") }
    let T = Int(opts["T"]!)!, reps = Int(opts["reps"] ?? "3")!
    let all = try! NPY.read(inp)
    let V = all.cols, N = all.rows / T
    var o = BeamSearchOptions()
    o.beamWidth = Int(opts["beam"] ?? "16")!
    o.tokenTopK = Int(opts["topk"] ?? "0")!
    o.tokenMinLogProb = Float(opts["min-logp"] ?? "-5")!
    o.blankSkipThreshold = Float(opts["skip"] ?? "2")!
    let decoder: any CTCDecoding = opts["greedy"] != nil ? GreedyDecoder() : PrefixBeamDecoder(options: o)
    let utts = (0..<N).map { n in Matrix(rows: T, cols: V, storage: Array(all.storage[(n * T * V)..<((n + 1) * T * V)])) }
    var hyps: [[Int]] = utts.map { decoder.decode($0)[0].tokens }
    let times = time(reps) { hyps = utts.map { decoder.decode($0)[0].tokens } }
    let json: [String: Any] = ["case": "beam", "times_ms": times, "hyps": hyps]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
case "kernels":
    // Vectorised elementwise kernels against libm scalar loops, 1M values, ns per value.
    let n = 1 << 20, reps = Int(opts["reps"] ?? "20")!
    var g = SeededGenerator(seed: 4)
    let x = (0..<n).map { _ in 4 * g.nextGaussian() }
    var y = [Float](repeating: 0, count: n)
    func median(_ t: [Double]) -> Double { t.sorted()[t.count / 2] * 1e6 / Double(n) }
    var rows: [String: Double] = [:]
    rows["exp_scalar"] = median(time(reps) { for i in 0..<n { y[i] = expf(x[i]) } })
    rows["exp_simd"] = median(time(reps) { x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { vexp(xp.baseAddress!, $0.baseAddress!, count: n) } } })
    rows["tanh_scalar"] = median(time(reps) { for i in 0..<n { y[i] = tanhf(x[i]) } })
    rows["tanh_simd"] = median(time(reps) { y = x; y.withUnsafeMutableBufferPointer { vtanh($0.baseAddress!, count: n) } })
    rows["sigmoid_scalar"] = median(time(reps) { for i in 0..<n { y[i] = 1 / (1 + expf(-x[i])) } })
    rows["sigmoid_simd"] = median(time(reps) { y = x; y.withUnsafeMutableBufferPointer { vsigmoid($0.baseAddress!, count: n) } })
    rows["copy_only"] = median(time(reps) { y = x; y[0] += 1 })
    print(String(decoding: try! JSONSerialization.data(withJSONObject: ["case": "kernels", "ns_per_value": rows]), as: UTF8.self))
default:
    fail("unknown benchmark \(command)")
}
