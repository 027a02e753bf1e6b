import Foundation
import Testing
import ASRCore
@testable import NN
import _TestSupport

@Suite struct OptimizerTests {
    func param(_ values: [Float], grad: [Float]) -> Parameter {
        let p = Parameter(name: "w", shape: [values.count], value: values)
        p.grad = grad
        return p
    }

    /// Two Adam steps against the update written out in Double (PyTorch's rule).
    @Test func adamMatchesClosedForm() {
        let p = param([1, -2], grad: [0.5, -1])
        var o = OptimizerOptions()
        o.learningRate = 0.1
        let opt = Optimizer(parameters: [p], options: o)
        var m = [0.0, 0.0], v = [0.0, 0.0], w = [1.0, -2.0]
        for step in 1...2 {
            let g = step == 1 ? [0.5, -1.0] : [0.25, 0.75]
            p.grad = g.map(Float.init)
            opt.update(learningRate: 0.1)
            for i in 0..<2 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                let mh = m[i] / (1 - pow(0.9, Double(step))), vh = v[i] / (1 - pow(0.999, Double(step)))
                w[i] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
                #expect(abs(Double(p.value[i]) - w[i]) < 1e-6)
            }
        }
    }

    @Test func adamwDecouplesDecayAndSGDMomentum() {
        let p = param([1], grad: [0])
        var o = OptimizerOptions()
        o.kind = .adamw
        o.weightDecay = 0.1
        Optimizer(parameters: [p], options: o).update(learningRate: 0.5)
        #expect(abs(p.value[0] - 0.95) < 1e-6)  // zero gradient: only w ← w (1 − lr·wd)
        let q = param([1], grad: [1])
        var s = OptimizerOptions()
        s.kind = .sgd
        s.beta1 = 0.9
        let sgd = Optimizer(parameters: [q], options: s)
        sgd.update(learningRate: 0.1)  // buf = g = 1 → w = 0.9
        sgd.update(learningRate: 0.1)  // buf = 0.9 + 1 = 1.9 → w = 0.71
        #expect(abs(q.value[0] - 0.71) < 1e-6)
    }

    @Test func clipping() {
        let a = param([0, 0], grad: [3, 4]), b = param([0], grad: [12])
        let opt = Optimizer(parameters: [a, b], options: OptimizerOptions())
        #expect(abs(opt.clipGradients(maxNorm: 6.5) - 13) < 1e-5)
        #expect(abs(opt.gradientNorm() - 6.5) < 1e-4)
        #expect(abs(a.grad[0] / a.grad[1] - 0.75) < 1e-6)  // direction kept
    }

    @Test func schedules() {
        var s = LRSchedule()
        s.warmupSteps = 10
        #expect(abs(s.learningRate(peak: 1, step: 5, epoch: 0) - 0.5) < 1e-6)
        #expect(s.learningRate(peak: 1, step: 50, epoch: 3) == 1)
        s.decay = .exponential
        s.decayRate = 0.5
        #expect(abs(s.learningRate(peak: 1, step: 50, epoch: 2) - 0.25) < 1e-6)
        s.decay = .cosine
        s.totalSteps = 110
        #expect(abs(s.learningRate(peak: 1, step: 60, epoch: 0) - 0.5) < 1e-5)
        #expect(abs(s.learningRate(peak: 1, step: 110, epoch: 0)) < 1e-6)
        s.decay = .inverseSqrt
        #expect(abs(s.learningRate(peak: 1, step: 40, epoch: 0) - 0.5) < 1e-6)
        var plateau = PlateauTracker()
        var p = LRSchedule()
        p.plateauPatience = 2
        let r1 = plateau.record(1.0, schedule: p)
        let r2 = plateau.record(1.1, schedule: p)
        #expect(r1 && !r2)
        #expect(plateau.scale == 1)
        let r3 = plateau.record(1.2, schedule: p)
        #expect(!r3)
        #expect(plateau.scale == 0.5)
    }
}

@Suite struct CheckpointTests {
    func model(seed: UInt64 = 1) -> AcousticModel {
        var o = ModelOptions()
        o.hiddenSize = 4
        o.numLayers = 2
        o.seed = seed
        return AcousticModel(inputSize: 3, outputSize: 5, options: o)
    }

    @Test func weightsRoundTrip() throws {
        let dir = TestPaths.temporaryDirectory("ckpt")
        let a = model(seed: 1), b = model(seed: 2)
        let p = dir.appendingPathComponent("model.safetensors").path
        try a.saveWeights(to: p, metadata: ["format": "pt"])
        #expect(a.parameters[0].value != b.parameters[0].value)
        try b.loadWeights(from: p)
        for (x, y) in zip(a.parameters, b.parameters) { #expect(x.value == y.value) }
        let (_, meta) = try SafeTensors.read(p)
        #expect(meta["format"] == "pt")
    }

    @Test func mismatchedFilesAreClearErrors() throws {
        let dir = TestPaths.temporaryDirectory("ckpt-bad")
        let p = dir.appendingPathComponent("m.safetensors").path
        var o = ModelOptions()
        o.hiddenSize = 6
        o.numLayers = 2
        try AcousticModel(inputSize: 3, outputSize: 5, options: o).saveWeights(to: p)
        #expect(throws: CheckpointError.shapeMismatch(path: p, name: "lstm.weight_ih_l0", expected: [16, 3], found: [24, 3])) {
            try model().loadWeights(from: p)
        }
        o.hiddenSize = 4
        o.numLayers = 1
        let q = dir.appendingPathComponent("one.safetensors").path
        try AcousticModel(inputSize: 3, outputSize: 5, options: o).saveWeights(to: q)
        #expect(throws: CheckpointError.missingTensor(path: q, name: "lstm.weight_ih_l1")) { try model().loadWeights(from: q) }
        // Truncated file.
        let good = try Data(contentsOf: URL(fileURLWithPath: p))
        let cut = dir.appendingPathComponent("cut.safetensors").path
        _ = FileManager.default.createFile(atPath: cut, contents: good.prefix(good.count / 2))
        do { try model().loadWeights(from: cut); Issue.record("expected error") } catch let e as FileError {
            #expect(e.description.contains("cut.safetensors") && e.description.contains("truncated"))
        } catch { Issue.record("unexpected \(error)") }
        _ = FileManager.default.createFile(atPath: cut, contents: Data("garbage".utf8))
        #expect(throws: FileError.self) { try model().loadWeights(from: cut) }
    }

    /// Saving optimizer state and reloading it continues bit-identically.
    @Test func optimizerResumesExactly() throws {
        let dir = TestPaths.temporaryDirectory("opt")
        func run(_ m: AcousticModel, _ opt: Optimizer, steps: Range<Int>) {
            for s in steps {
                for p in m.parameters { for i in 0..<p.count { p.grad[i] = sinf(Float(i + s)) } }
                opt.update(learningRate: 0.01)
            }
        }
        let a = model(), oa = Optimizer(parameters: a.parameters, options: OptimizerOptions())
        run(a, oa, steps: 0..<6)
        let b = model(), ob = Optimizer(parameters: b.parameters, options: OptimizerOptions())
        run(b, ob, steps: 0..<3)
        try b.saveWeights(to: dir.appendingPathComponent("w.safetensors").path)
        try ob.save(to: dir.appendingPathComponent("o.safetensors").path)
        let c = model(seed: 9), oc = Optimizer(parameters: c.parameters, options: OptimizerOptions())
        try c.loadWeights(from: dir.appendingPathComponent("w.safetensors").path)
        try oc.load(from: dir.appendingPathComponent("o.safetensors").path)
        #expect(oc.step == 3)
        run(c, oc, steps: 3..<6)
        for (x, y) in zip(a.parameters, c.parameters) { #expect(x.value == y.value) }
    }
}

@Suite struct TrainingSanityTests {
    /// A small LSTM learns to output, at each frame, the symbol of the previous
    /// frame (needs memory). Frame-level cross-entropy falls by 10× in ≤ 300 Adam steps.
    @Test func learnsDelayedCopy() {
        var o = ModelOptions()
        o.hiddenSize = 16
        o.numLayers = 1
        o.bidirectional = false
        o.dropout = 0
        o.seed = 3
        let V = 4, T = 12, B = 8
        let model = AcousticModel(inputSize: V, outputSize: V, options: o)
        var opt = OptimizerOptions()
        opt.learningRate = 0.02
        let optimizer = Optimizer(parameters: model.parameters, options: opt)
        var rng = SeededGenerator(seed: 11)
        func batch() -> (SequenceBatch, [Int]) {
            var x = Matrix(rows: T * B, cols: V)
            var sym = [Int](repeating: 0, count: T * B)
            for t in 0..<T { for b in 0..<B { let s = Int(rng.next() % UInt64(V)); sym[t * B + b] = s; x[t * B + b, s] = 1 } }
            let target = (0..<(T * B)).map { r in r < B ? 0 : sym[r - B] }
            return (SequenceBatch(data: x, frames: T, batch: B, lengths: [Int](repeating: T, count: B)), target)
        }
        func step() -> Float {
            let (x, target) = batch()
            let logits = model.forward(x, training: true).data
            let logp = logSoftmaxRows(logits)
            var loss: Float = 0
            var grad = Matrix(rows: logits.rows, cols: V)
            let n = Float(logits.rows)
            for r in 0..<logits.rows {
                loss -= logp[r, target[r]] / n
                for v in 0..<V { grad[r, v] = (expf(logp[r, v]) - (v == target[r] ? 1 : 0)) / n }
            }
            model.zeroGrad()
            model.backward(grad)
            optimizer.clipGradients(maxNorm: 5)
            optimizer.update(learningRate: opt.learningRate)
            return loss
        }
        let first = step()
        var last = first
        for _ in 0..<300 { last = step() }
        #expect(first > 1.2)
        #expect(last < first / 10, "loss \(first) → \(last)")
    }
}
