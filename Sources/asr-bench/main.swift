// asr-bench: times one of our components in-process and prints JSON, so the
// benchmark driver (scripts/bench/bench.py) can alternate it with the
// reference tools in the same run. Not a user-facing tool.
//
//   asr-bench features --wav W.wav --type fbank|mfcc [--mel-bins N] --reps K [--out F.npy]
//   asr-bench stepgemm [--B 16] [--H 256]   (one recurrent step's products, one call vs pieces)
//   asr-bench gates [--B 16] [--H 256] [--cell lstm|gru]  (a recurrent direction's step per SIMD level)
//   asr-bench arpa --path LM.arpa --sentences S.txt [--unit char|word] --reps K  (read + score)
//
// Public API only (no package-internal symbol, no C module): what it times is what
// another package using the libraries gets.
//
// Output (one line): {"case": "...", "times_ms": [...], "frames": T, "dim": D}
import ASRCore
import LinearAlgebra
import ASRKit
import ASRText
import AudioIO
import CTC
import Decoding
import Features
import Foundation
import NN

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("asr-bench: \(message)\n".utf8))
    exit(2)
}

FloatEnvironment.flushDenormals()  // as the asr tool does (see ASRCore.FloatEnvironment)
var args = Array(CommandLine.arguments.dropFirst())
if let i = args.firstIndex(of: "--threads"), i + 1 < args.count, let n = Int(args[i + 1]) {
    Parallelism.maxThreads = n
}
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

/// Median over 5 timings of `body`, which makes `reps` calls: µs per call.
func microsecondsPerCall(reps: Int, _ body: () -> Void) -> Double {
    let t = time(5, body).sorted()
    return t[t.count / 2] * 1000 / Double(reps)
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
        // --pitch 1: the base features plus the pitch tracker (FeaturePipeline, no deltas or CMVN).
        let pitch = opts["pitch"] == "1"
        fo.pitch.enabled = pitch
        try fo.validate()
        let pipeline = FeaturePipeline(fo)
        let extractor = pipeline.extractor
        let compute = { pitch ? pipeline.computeUnnormalized(audio.samples) : extractor.compute(audio.samples) }
        var result = compute()  // warm-up (plans, caches)
        let times = time(reps) { result = compute() }
        if let out = opts["out"] { try NPY.write(result, to: out) }
        let json: [String: Any] = ["case": "features-\(type)-\(bins)\(pitch ? "+pitch" : "")", "times_ms": times,
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
    var config = DecodingConfig(beam: opts["greedy"] != nil ? 0 : Int(opts["beam"] ?? "16")!)
    config.tokenTopK = Int(opts["topk"] ?? "0")!
    config.tokenMinLogProb = Float(opts["min-logp"] ?? "-5")!
    config.blankSkipThreshold = Float(opts["skip"] ?? "2")!
    config.beamPruneLogProb = Float(opts["beam-prune"] ?? "-10")!
    if opts["compat"] == "1" { config.search = .pyctcdecode }
    var tokens = (0..<V).map { $0 == 1 && V == 30 ? " " : "t\($0)" }  // V = 30 cases: id 1 is the space
    if let l = opts["labels"] {  // JSON array of token strings (needed with --lm: words are spelled from them)
        tokens = try! JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: l))) as! [String]
    }
    var lm: NGramLM?
    if let arpa = opts["lm"] {
        lm = try! NGramLM.load(arpa: arpa)
        config.lmWeight = Float(opts["alpha"] ?? "0.5")!
        config.lengthBonus = Float(opts["beta"] ?? "1.0")!
    }
    if opts["read-only"] == "1" {
        // The memory-read bound of the greedy case: the maximum of each utterance's
        // T·V floats (one streaming read, as greedy's argmax, without its per-lane
        // indices or per-frame work), each utterance its own array as the decoder reads them.
        let utts = (0..<N).map { n in Array(all.storage[(n * T * V)..<((n + 1) * T * V)]) }
        var top: Float = 0
        let times = time(reps) { top = utts.reduce(-Float.infinity) { m, u in max(m, u.withUnsafeBufferPointer { largest($0) }) } }
        let gb = Double(N * T * V * 4) / 1e9
        let json: [String: Any] = ["case": "read", "times_ms": times, "max": Double(top),
                                   "gb_per_s": gb / (times.sorted()[times.count / 2] / 1e3)]
        print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        break
    }
    // --lexicon-from-lm 1: only the LM's words may be spelt (flashlight's LexiconDecoder's setting).
    let lexicon = opts["lexicon-from-lm"] == "1" ? lm.map { Lexicon.fromVocabulary(of: $0, tokens: tokens).lexicon } : nil
    let decoder = config.makeDecoder(tokens: tokens, lm: lm, lexicon: lexicon)
    let utts = (0..<N).map { n in Matrix(rows: T, cols: V, storage: Array(all.storage[(n * T * V)..<((n + 1) * T * V)])) }
    var best = utts.map { decoder.decode($0)[0] }
    let times = time(reps) { best = utts.map { decoder.decode($0)[0] } }
    // Scores as Doubles (exact for a Float, printed so that they round-trip): outputs compared bit for bit.
    let json: [String: Any] = ["case": "beam", "times_ms": times, "hyps": best.map(\.tokens),
                               "scores": best.map { Double($0.score) }, "acoustic": best.map { Double($0.acousticScore) }]
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
    rows["exp_simd"] = median(time(reps) { y = x; VectorMath.exp(&y) })
    rows["tanh_scalar"] = median(time(reps) { for i in 0..<n { y[i] = tanhf(x[i]) } })
    rows["tanh_simd"] = median(time(reps) { y = x; VectorMath.tanh(&y) })
    rows["sigmoid_scalar"] = median(time(reps) { for i in 0..<n { y[i] = 1 / (1 + expf(-x[i])) } })
    rows["sigmoid_simd"] = median(time(reps) { y = x; VectorMath.sigmoid(&y) })
    rows["copy_only"] = median(time(reps) { y = x; y[0] += 1 })
    print(String(decoding: try! JSONSerialization.data(withJSONObject: ["case": "kernels", "ns_per_value": rows]), as: UTF8.self))
case "lstm":
    // One training step (forward + backward + Adam) of a stacked BiLSTM on random
    // inputs with loss = Σ logits ⊙ R (dLogits = R), as the PyTorch peer does.
    let T = Int(opts["T"] ?? "300")!, B = Int(opts["B"] ?? "16")!, D = Int(opts["D"] ?? "80")!
    let H = Int(opts["H"] ?? "256")!, L = Int(opts["layers"] ?? "3")!, V = Int(opts["V"] ?? "30")!
    let reps = Int(opts["reps"] ?? "5")!, threads = Int(opts["threads"] ?? "1")!
    let mode = opts["mode"] ?? "directions"  // directions: 2 threads over directions, BLAS 1; blas: BLAS threads
    var mo = ModelOptions()
    mo.hiddenSize = H; mo.numLayers = L; mo.dropout = 0; mo.cell = CellType(rawValue: opts["cell"] ?? "lstm")!
    let model = AcousticModel(inputSize: D, outputSize: V, options: mo)
    model.parallelDirections = threads > 1 && mode == "directions"
    BLASThreads.set(mode == "blas" ? threads : 1)
    let optimizer = Optimizer(parameters: model.parameters, options: OptimizerOptions())
    var g = SeededGenerator(seed: 1)
    let x = SequenceBatch(data: Matrix(rows: T * B, cols: D, storage: (0..<(T * B * D)).map { _ in g.nextGaussian() }),
                          frames: T, batch: B, lengths: [Int](repeating: T, count: B))
    let R = Matrix(rows: T * B, cols: V, storage: (0..<(T * B * V)).map { _ in g.nextGaussian() * 1e-3 })
    var phases: [String: [Double]] = ["forward": [], "backward": [], "update": []]
    func step() {
        var t = DispatchTime.now().uptimeNanoseconds
        func lap(_ name: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            phases[name]!.append(Double(now - t) / 1e6)
            t = now
        }
        _ = model.forward(x, training: true)
        lap("forward")
        model.zeroGrad()
        model.backward(R, inputGradient: false)  // as torch: the input does not require grad
        lap("backward")
        optimizer.update(learningRate: 1e-4)
        lap("update")
    }
    step()
    phases = phases.mapValues { _ in [] }
    let times = time(reps) { step() }
    // GEMM FLOPs of one step: forward (input + recurrent projections, fc) and 2× for backward.
    let G = (mo.cell == .lstm ? 4 : 3) * H
    var flops = 0.0
    for l in 0..<L {
        let din = l == 0 ? D : 2 * H
        flops += 2 * 2 * Double(T * B) * Double(G) * Double(din + H)  // two directions
    }
    flops += 2 * Double(T * B) * Double(2 * H * V)
    flops *= 3
    // Peak resident memory of this process image (VmHWM; ru_maxrss would include the parent's at fork).
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let hwmKB = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
        .flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? 0
    let json: [String: Any] = ["case": "lstm", "times_ms": times, "gflop_per_step": flops / 1e9, "threads": threads, "mode": mode,
                               "max_rss_mb": hwmKB / 1024, "phases_ms": phases]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
case "stepgemm":
    // One recurrent time step's products (forward h·W_hhᵀ, backward dG·W_hh), one
    // cblas_sgemm call vs stepGEMM's pieces, µs per call (medians).
    let B = Int(opts["B"] ?? "16")!, H = Int(opts["H"] ?? "256")!, reps = Int(opts["reps"] ?? "2000")!
    let GH = 4 * H
    BLASThreads.set(1)  // as in training: one BLAS thread per direction
    var g = SeededGenerator(seed: 3)
    let h = (0..<(B * H)).map { _ in g.nextGaussian() }, w = (0..<(GH * H)).map { _ in g.nextGaussian() }
    let dG = (0..<(B * GH)).map { _ in g.nextGaussian() }
    var gates = [Float](repeating: 0, count: B * GH), dh = [Float](repeating: 0, count: B * H)
    var rows: [String: Double] = [:]
    for cut in [false, true] {
        let name = cut ? "pieces" : "one_call"
        rows["forward_\(name)_us"] = microsecondsPerCall(reps: reps) {
            for _ in 0..<reps {
                matrixMultiply(.none, .transpose, m: B, n: GH, k: H, h, lda: H, w, ldb: H, beta: 1, &gates, ldc: GH,
                               recurrentStep: true, cut: cut)
            }
        }
        rows["backward_\(name)_us"] = microsecondsPerCall(reps: reps) {
            for _ in 0..<reps {
                matrixMultiply(.none, .none, m: B, n: H, k: GH, dG, lda: GH, w, ldb: H, beta: 0, &dh, ldc: H,
                               recurrentStep: true, cut: cut)
            }
        }
    }
    print(String(decoding: try! JSONSerialization.data(withJSONObject: ["case": "stepgemm", "B": B, "H": H, "core": BLASThreads.coreName,
                                                                        "us_per_call": rows], options: [.sortedKeys]), as: UTF8.self))
case "gates":
    // One recurrent direction (LSTM or GRU) forward and backward over T steps at every
    // instruction-set level of its fused gate kernels this CPU runs, µs per step
    // (medians). The step GEMMs are the same at every level, so the differences
    // between levels are the gate arithmetic's.
    let B = Int(opts["B"] ?? "16")!, H = Int(opts["H"] ?? "256")!, T = Int(opts["T"] ?? "50")!
    let cell = CellType(rawValue: opts["cell"] ?? "lstm")!
    BLASThreads.set(1)
    var g = SeededGenerator(seed: 5)
    let direction = RecurrentDirection(cell: cell, inputSize: H, hiddenSize: H, reverse: false, name: "rnn", layer: 0, rng: &g)
    let x = SequenceBatch(data: Matrix(rows: T * B, cols: H, storage: (0..<(T * B * H)).map { _ in g.nextGaussian() }),
                          frames: T, batch: B, lengths: [Int](repeating: T, count: B))
    let dOut = Matrix(rows: T * B, cols: H, storage: (0..<(T * B * H)).map { _ in 0.1 * g.nextGaussian() })
    var result: [String: Double] = [:]
    for level in 0...SIMDLevel.supported {
        direction.simdLevel = level
        let name = SIMDLevel.name(level)
        result["forward_\(name)_us"] = microsecondsPerCall(reps: T) { _ = direction.forward(x, training: true) }
        result["backward_\(name)_us"] = microsecondsPerCall(reps: T) {
            _ = direction.forward(x, training: true)
            _ = direction.backward(dOut, inputGradient: false)
        } - result["forward_\(name)_us"]!
    }
    print(String(decoding: try! JSONSerialization.data(withJSONObject: ["case": "gates", "cell": cell.rawValue, "B": B, "H": H, "T": T,
                                                                        "us_per_step": result], options: [.sortedKeys]), as: UTF8.self))
case "sgemm":
    // Peak single-precision GEMM rate of this machine through OpenBLAS, GFLOP/s.
    let n = Int(opts["n"] ?? "1024")!, threads = Int(opts["threads"] ?? "1")!
    BLASThreads.set(threads)
    let a = [Float](repeating: 1.0001, count: n * n), b = [Float](repeating: 0.9999, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    let times = time(Int(opts["reps"] ?? "10")!) { matrixMultiply(.none, .none, m: n, n: n, k: n, a, lda: n, b, ldb: n, beta: 0, &c, ldc: n) }
    let best = times.min()!
    print(String(decoding: try! JSONSerialization.data(withJSONObject: ["case": "sgemm", "times_ms": times, "gflops": 2 * Double(n * n * n) / best / 1e6, "threads": threads, "core": BLASThreads.coreName]), as: UTF8.self))
case "make-model":
    // A model folder of the demo recipes' shape (fbank, global CMVN from the given audio,
    // stacked BiLSTM, frame stacking 3) with seeded random weights, for the inference case.
    guard let dir = opts["dir"], let wav = opts["wav"] else { fail("--dir and --wav are required") }
    let H = Int(opts["H"] ?? "128")!, L = Int(opts["layers"] ?? "2")!, V = Int(opts["V"] ?? "17")!, bins = Int(opts["bins"] ?? "40")!
    var fo = FeatureOptions()
    fo.fbank.mel.numBins = bins
    fo.cmvn = .global
    let audio = try! AudioFile.read(wav, sampleRate: 16000)
    let raw = FeaturePipeline(fo).computeUnnormalized(audio.samples)
    var stats = CMVNStats(dimension: raw.cols)
    stats.accumulate(raw)
    var mo = ModelOptions()
    mo.hiddenSize = H; mo.numLayers = L; mo.frameStacking = 3; mo.dropout = 0; mo.seed = 7
    func token(_ k: Int) -> String {
        if V > 30 { return String(Character(UnicodeScalar(UInt32(0x4E00 + k))!)) }
        return k == 1 ? " " : String(Character(UnicodeScalar(UInt8(95 + k))))  // 2 → a, 3 → b, …
    }
    let tokens = ["<blank>"] + (1..<V).map(token)
    let model = AcousticModel(inputSize: raw.cols, outputSize: V, options: mo)
    let info = ModelInfo(name: "bench", features: fo, cmvn: stats, model: mo, inputSize: raw.cols, tokens: tokens,
                         normalize: TextNormalization(), decode: DecodingConfig(), frameSeconds: 0.03, sampleRate: 16000,
                         epoch: 0, devWer: nil, devCer: nil, parameters: model.parameters.reduce(0) { $0 + $1.count })
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try! ModelBundle.save(model: model, info: info, to: dir)
    print("{\"case\": \"make-model\"}")
case "infer":
    // Audio already in memory → features → acoustic model → log-softmax → greedy text, per call.
    guard let dir = opts["model"], let wav = opts["wav"] else { fail("--model and --wav are required") }
    let reps = Int(opts["reps"] ?? "3")!, threads = Int(opts["threads"] ?? "1")!
    let bundle = try! ModelBundle.load(dir)
    bundle.model.parallelDirections = threads > 1
    BLASThreads.set(1)
    let audio = try! AudioFile.read(wav, sampleRate: bundle.info.sampleRate)
    var lp = Matrix(rows: 0, cols: 0), text = ""
    func run() {
        lp = bundle.logProbs(bundle.features(audio.samples))
        text = GreedyDecoder().decode(lp)[0].tokens.map { bundle.info.tokens[$0] }.joined()
    }
    run()
    let times = time(reps) { run() }
    if let out = opts["out"] { try! NPY.write(lp, to: out) }
    let json: [String: Any] = ["case": "infer", "times_ms": times, "text": text, "frames": lp.rows, "seconds": audio.duration]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
case "export-model":
    // Writes a small random BiLSTM/GRU as model.safetensors with an input and our
    // logits, so scripts/fixtures/torch can load it into torch.nn.LSTM/GRU + Linear
    // and check the forward pass.
    guard let dir = opts["dir"] else { fail("--dir is required") }
    var mo = ModelOptions()
    mo.cell = CellType(rawValue: opts["cell"] ?? "lstm")!
    mo.hiddenSize = 8; mo.numLayers = 2; mo.dropout = 0; mo.seed = 123
    let model = AcousticModel(inputSize: 5, outputSize: 7, options: mo)
    let T = 9, B = 2
    var g = SeededGenerator(seed: 5)
    let x = Matrix(rows: T * B, cols: 5, storage: (0..<(T * B * 5)).map { _ in g.nextGaussian() })
    let y = model.forward(SequenceBatch(data: x, frames: T, batch: B, lengths: [T, T]), training: false)
    try! model.saveWeights(to: dir + "/model.safetensors", metadata: ["cell": mo.cell.rawValue, "hidden_size": "8", "num_layers": "2"])
    try! NPY.write(x, to: dir + "/input.npy")
    try! NPY.write(y.data, to: dir + "/logits.npy")
    print("{\"case\": \"export-model\"}")
case "score":
    // WER counts of line-aligned reference/hypothesis files (words), summed.
    guard let refPath = opts["ref"], let hypPath = opts["hyp"] else { fail("--ref and --hyp are required") }
    let refs = try! TranscriptFile.readLines(refPath).map(String.init), hyps = try! TranscriptFile.readLines(hypPath).map(String.init)
    let reps = Int(opts["reps"] ?? "5")!
    var counts = ErrorCounts()
    let workspace = AlignmentWorkspace()
    let times = time(reps) {
        counts = ErrorCounts()
        for (r, h) in zip(refs, hyps) { counts.add(alignWords(r, h, workspace: workspace, recordSteps: false)) }
    }
    let json: [String: Any] = ["case": "score", "times_ms": times,
                               "counts": [counts.hits, counts.substitutions, counts.deletions, counts.insertions]]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
case "arpa":
    // Reading an ARPA file (--path) and the log10 probability of each line of
    // --sentences (units: characters with --unit char, else words) under it, timed together.
    guard let path = opts["path"], let sentencesPath = opts["sentences"] else { fail("--path and --sentences are required") }
    let reps = Int(opts["reps"] ?? "3")!
    let byChar = opts["unit"] == "char"
    let sentences = try! TranscriptFile.readLines(sentencesPath).map { line in
        byChar ? line.map { String($0) } : line.split(separator: " ").map(String.init)
    }
    var scores: [Double] = []
    let times = time(reps) {
        let lm = try! NGramLM.load(arpa: path)
        scores = sentences.map { Double(lm.sentenceLog10Prob($0)) }
    }
    let json: [String: Any] = ["case": "arpa", "times_ms": times, "scores": scores]
    print(String(decoding: try! JSONSerialization.data(withJSONObject: json), as: UTF8.self))
case "augment":
    // Milliseconds per second of audio of each waveform perturbation alone (and all
    // of recipes/digits.json's together), on a `--seconds`-long noise-excited signal.
    let seconds = Double(opts["seconds"] ?? "2") ?? 2
    var g = SeededGenerator(seed: 7)
    let x = (0..<Int(seconds * 16000)).map { i in 0.2 * sinf(Float(i) * 0.05) + 0.05 * g.nextGaussian() }
    let others = [x]
    var cases: [(String, AugmentOptions)] = []
    func only(_ name: String, _ set: (inout AugmentOptions) -> Void) { var o = AugmentOptions(); set(&o); cases.append((name, o)) }
    only("speed 1.1") { $0.speeds = [1.1] }
    only("tempo") { $0.tempoProbability = 1 }
    only("pitch") { $0.pitchProbability = 1 }
    only("babble") { $0.babbleProbability = 1 }
    only("reverb") { $0.reverbProbability = 1 }
    only("echo") { $0.echoProbability = 1 }
    only("noise") { $0.noiseProbability = 1 }
    only("band limit") { $0.bandLimitProbability = 1 }
    only("eq") { $0.eqProbability = 1 }
    only("telephone") { $0.telephoneProbability = 1 }
    only("clip") { $0.clipProbability = 1 }
    only("trim") { $0.trimProbability = 1 }
    if let r = try? Recipe.load(opts["recipe"] ?? "recipes/digits.json") { cases.append(("recipe (mean of 50 draws)", r.augment)) }
    var rows: [String: Double] = [:]
    for (name, o) in cases {
        let t = time(5) {
            for k in 0..<10 {
                var r = SeededGenerator(seed: 1, UInt64(k))
                _ = try! Augmenter.waveform(x, rate: 16000, options: o, rng: &r, babble: (1, { others[$0] }))
            }
        }.sorted()
        rows[name] = t[2] / 10 / seconds
    }
    print(String(decoding: try! JSONSerialization.data(withJSONObject: ["case": "augment", "ms_per_audio_second": rows], options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
default:
    fail("unknown benchmark \(command)")
}
