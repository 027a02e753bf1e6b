import Foundation
import Testing
import ASRCore
@testable import NN
import _TestSupport

func randomBatch(T: Int, B: Int, D: Int, lengths: [Int], seed: UInt64) -> SequenceBatch {
    var g = SeededGenerator(seed: seed)
    var m = Matrix(rows: T * B, cols: D)
    for t in 0..<T { for b in 0..<B where t < lengths[b] { for d in 0..<D { m[t * B + b, d] = g.nextGaussian() } } }
    return SequenceBatch(data: m, frames: T, batch: B, lengths: lengths)
}

func doubles(_ p: Parameter) -> [Double] { p.value.map(Double.init) }

/// The reference model in Double: layers of directions + Linear, for a model's parameter values.
func referenceModel(_ model: AcousticModel, _ input: SequenceBatch, params override: [String: [Double]] = [:],
                    inputOverride: [[Double]]? = nil) -> [[Double]] {
    func p(_ q: Parameter) -> [Double] { override[q.name] ?? doubles(q) }
    let k = model.options.frameStacking
    let raw = inputOverride ?? (0..<input.data.rows).map { r in input.data.row(r).map(Double.init) }
    // Frame stacking in Double.
    let T = (input.frames + k - 1) / k, B = input.batch
    let lengths = input.lengths.map { ($0 + k - 1) / k }
    var x = [[Double]](repeating: [Double](repeating: 0, count: input.data.cols * k), count: T * B)
    for t2 in 0..<T { for b in 0..<B { for j in 0..<k {
        let t = t2 * k + j
        guard t < input.lengths[b] else { continue }
        for d in 0..<input.data.cols { x[t2 * B + b][j * input.data.cols + d] = raw[t * B + b][d] }
    } } }
    for dirs in model.layers {
        let outs = dirs.map { dir in
            ReferenceRNN.direction(lstm: dir.cell == .lstm, x: x, frames: T, batch: B, hidden: dir.hiddenSize,
                                   lengths: lengths, reverse: dir.reverse, wih: p(dir.weightIH), whh: p(dir.weightHH),
                                   bih: p(dir.biasIH), bhh: p(dir.biasHH))
        }
        x = (0..<(T * B)).map { r in outs.flatMap { $0[r] } }
    }
    let w = p(model.fc.weight), bias = p(model.fc.bias)
    let V = model.outputSize, Din = model.fc.inputSize
    var logits: [[Double]] = []
    for row in x {
        var out = [Double](repeating: 0, count: V)
        for v in 0..<V {
            var s = bias[v]
            for i in 0..<Din { s += w[v * Din + i] * row[i] }
            out[v] = s
        }
        logits.append(out)
    }
    return logits
}

/// Loss = Σ over valid output frames of logits ⊙ R (fixed random R).
func projection(rows: Int, V: Int, seed: UInt64) -> [[Double]] {
    var g = SeededGenerator(seed: seed)
    return (0..<rows).map { _ in (0..<V).map { _ in Double(g.nextGaussian()) } }
}

func loss(_ logits: [[Double]], _ R: [[Double]], frames T: Int, batch B: Int, lengths: [Int]) -> Double {
    var s = 0.0
    for t in 0..<T { for b in 0..<B where t < lengths[b] { for v in 0..<R[0].count { s += logits[t * B + b][v] * R[t * B + b][v] } } }
    return s
}

struct GradCase: CustomStringConvertible, Sendable {
    var cell: CellType, layers: Int, bidirectional: Bool, stack: Int, lengths: [Int], hidden = 5
    var description: String { "\(cell) H=\(hidden) layers=\(layers) bi=\(bidirectional) stack=\(stack) lengths=\(lengths)" }
}

@Suite struct RecurrentTests {
    static let cases: [GradCase] = [
        GradCase(cell: .lstm, layers: 1, bidirectional: false, stack: 1, lengths: [5, 5]),
        GradCase(cell: .lstm, layers: 2, bidirectional: true, stack: 1, lengths: [6, 3, 4]),
        GradCase(cell: .gru, layers: 1, bidirectional: false, stack: 1, lengths: [4, 2]),
        GradCase(cell: .gru, layers: 2, bidirectional: true, stack: 1, lengths: [5, 6, 2]),
        GradCase(cell: .lstm, layers: 1, bidirectional: true, stack: 2, lengths: [7, 4]),
        // H = 16 and 19: a whole AVX-512 vector (two AVX2 vectors), without and with a tail, in the fused kernels.
        GradCase(cell: .lstm, layers: 2, bidirectional: true, stack: 1, lengths: [5, 3, 5], hidden: 19),
        GradCase(cell: .lstm, layers: 1, bidirectional: false, stack: 1, lengths: [4, 2], hidden: 16),
    ]

    func makeModel(_ c: GradCase, D: Int = 3, V: Int = 4) -> AcousticModel {
        var o = ModelOptions()
        o.cell = c.cell
        o.hiddenSize = c.hidden
        o.numLayers = c.layers
        o.bidirectional = c.bidirectional
        o.dropout = 0
        o.frameStacking = c.stack
        o.seed = 42
        return AcousticModel(inputSize: D, outputSize: V, options: o)
    }

    /// Float forward equals the Double reference within 1e-5 (ragged batches:
    /// the reverse direction starts at each utterance's own last frame).
    @Test(arguments: cases)
    func forwardMatchesReference(_ c: GradCase) {
        let model = makeModel(c)
        let T = c.lengths.max()!
        let x = randomBatch(T: T, B: c.lengths.count, D: 3, lengths: c.lengths, seed: 7)
        let y = model.forward(x, training: false)
        let ref = referenceModel(model, x)
        var worst = 0.0
        for t in 0..<y.frames { for b in 0..<y.batch where t < y.lengths[b] {
            for v in 0..<4 { worst = max(worst, abs(Double(y.data[t * y.batch + b, v]) - ref[t * y.batch + b][v])) }
        } }
        #expect(worst < 1e-5)
        // Padding frames never leak: changing padded input changes nothing.
        var x2 = x
        for t in 0..<T { for b in 0..<x.batch where t >= c.lengths[b] { for d in 0..<3 { x2.data[t * x.batch + b, d] = 100 } } }
        #expect(model.forward(x2, training: false).data == y.data)
    }

    /// Every parameter's gradient (sampled entries) and the input gradient
    /// against central differences of the Double reference (h = 1e-6);
    /// tolerance |analytic − numeric| ≤ 1e-4 + 1e-3·|numeric|.
    @Test(arguments: cases)
    func gradientsMatchFiniteDifferences(_ c: GradCase) {
        let model = makeModel(c)
        let T = c.lengths.max()!, B = c.lengths.count
        let x = randomBatch(T: T, B: B, D: 3, lengths: c.lengths, seed: 9)
        let y = model.forward(x, training: true)
        let R = projection(rows: y.data.rows, V: 4, seed: 3)
        var dy = Matrix(rows: y.data.rows, cols: 4)
        for t in 0..<y.frames { for b in 0..<B where t < y.lengths[b] { for v in 0..<4 { dy[t * B + b, v] = Float(R[t * B + b][v]) } } }
        model.zeroGrad()
        let dx = model.backward(dy)
        let h = 1e-6
        var g = SeededGenerator(seed: 5)
        for p in model.parameters {
            for _ in 0..<6 {
                let i = Int(g.next() % UInt64(p.count))
                var plus = doubles(p); plus[i] += h
                var minus = doubles(p); minus[i] -= h
                let lp = loss(referenceModel(model, x, params: [p.name: plus]), R, frames: y.frames, batch: B, lengths: y.lengths)
                let lm = loss(referenceModel(model, x, params: [p.name: minus]), R, frames: y.frames, batch: B, lengths: y.lengths)
                let numeric = (lp - lm) / (2 * h)
                #expect(abs(Double(p.grad[i]) - numeric) <= 1e-4 + 1e-3 * abs(numeric), "\(p.name)[\(i)]")
            }
        }
        let base = (0..<x.data.rows).map { r in x.data.row(r).map(Double.init) }
        for _ in 0..<8 {
            let r = Int(g.next() % UInt64(x.data.rows)), d = Int(g.next() % 3)
            var plus = base; plus[r][d] += h
            var minus = base; minus[r][d] -= h
            let lp = loss(referenceModel(model, x, inputOverride: plus), R, frames: y.frames, batch: B, lengths: y.lengths)
            let lm = loss(referenceModel(model, x, inputOverride: minus), R, frames: y.frames, batch: B, lengths: y.lengths)
            let numeric = (lp - lm) / (2 * h)
            #expect(abs(Double(dx[r, d]) - numeric) <= 1e-4 + 1e-3 * abs(numeric), "input[\(r), \(d)]")
        }
    }

    /// The two directions on two threads give bit-identical results to one thread.
    @Test func parallelDirectionsAreDeterministic() {
        let c = GradCase(cell: .lstm, layers: 2, bidirectional: true, stack: 1, lengths: [6, 4])
        let a = makeModel(c), b = makeModel(c)
        b.parallelDirections = false
        let x = randomBatch(T: 6, B: 2, D: 3, lengths: c.lengths, seed: 1)
        let ya = a.forward(x, training: true), yb = b.forward(x, training: true)
        #expect(ya.data == yb.data)
        let dy = Matrix(rows: ya.data.rows, cols: 4, repeating: 0.5)
        a.zeroGrad(); b.zeroGrad()
        #expect(a.backward(dy) == b.backward(dy))
        for (p, q) in zip(a.parameters, b.parameters) { #expect(p.grad == q.grad) }
    }

    /// The fused LSTM and GRU gate kernels at every instruction-set level this CPU
    /// runs (baseline, AVX2, AVX-512): outputs within 1e-5 of the Double reference,
    /// gradients within 1e-5 + 1e-5·|g| of the baseline level's (the levels differ
    /// only by FMA rounding; the baseline's gradients are checked against PyTorch and
    /// finite differences elsewhere). H = 21 leaves a tail at every vector width.
    @Test(arguments: [CellType.lstm, .gru])
    func everySIMDLevelMatchesTheReference(cell: CellType) {
        let c = GradCase(cell: cell, layers: 2, bidirectional: true, stack: 1, lengths: [9, 4, 6], hidden: 21)
        let x = randomBatch(T: 9, B: 3, D: 3, lengths: c.lengths, seed: 21)
        let dy = Matrix(rows: 9 * 3, cols: 4, storage: (0..<(27 * 4)).map { Float($0 % 7) * 0.1 - 0.3 })
        var baseline: (dx: Matrix, grads: [[Float]])?
        for level in 0...SIMDLevel.supported {
            let model = makeModel(c)
            for dirs in model.layers { for d in dirs { d.simdLevel = level } }
            let y = model.forward(x, training: true)
            let ref = referenceModel(model, x)
            var worst = 0.0
            for t in 0..<9 { for b in 0..<3 where t < c.lengths[b] { for v in 0..<4 {
                worst = max(worst, abs(Double(y.data[t * 3 + b, v]) - ref[t * 3 + b][v]))
            } } }
            #expect(worst < 1e-5, "\(cell) level \(level)")
            model.zeroGrad()
            let dx = model.backward(dy)
            let grads = model.parameters.map(\.grad)
            if let base = baseline {
                for (g, h) in zip(grads + [dx.storage], base.grads + [base.dx.storage]) {
                    for (a, b) in zip(g, h) { #expect(abs(a - b) <= 1e-5 + 1e-5 * abs(b), "\(cell) level \(level)") }
                }
            } else {
                baseline = (dx, grads)
            }
        }
    }

    /// Training reuses the previous batch's buffers (and turns cached gates into
    /// their gradients in place): after batches of other lengths, a batch gives
    /// bit-identical outputs and gradients to a fresh model's.
    @Test func reusedBuffersChangeNothing() {
        for cell in [CellType.lstm, .gru] {
            let c = GradCase(cell: cell, layers: 2, bidirectional: true, stack: 1, lengths: [7, 3], hidden: 11)
            let used = makeModel(c), fresh = makeModel(c)
            for (T, lengths, seed) in [(6, [6, 2], UInt64(11)), (4, [4, 4], 12), (9, [9, 5], 13)] {
                let x = randomBatch(T: T, B: 2, D: 3, lengths: lengths, seed: seed)
                let y = used.forward(x, training: true)
                _ = used.backward(Matrix(rows: y.data.rows, cols: 4, repeating: 0.3))
            }
            let x = randomBatch(T: 7, B: 2, D: 3, lengths: c.lengths, seed: 14)
            let ya = used.forward(x, training: true), yb = fresh.forward(x, training: true)
            #expect(ya.data == yb.data)
            let dy = Matrix(rows: ya.data.rows, cols: 4, repeating: -0.2)
            used.zeroGrad(); fresh.zeroGrad()
            #expect(used.backward(dy) == fresh.backward(dy))
            for (p, q) in zip(used.parameters, fresh.parameters) { #expect(p.grad == q.grad, "\(cell) \(p.name)") }
        }
    }

    /// Skipping ∂loss/∂features (training) leaves every parameter gradient bit-identical.
    @Test func skippingTheInputGradientChangesNoWeightGradient() {
        for cell in [CellType.lstm, .gru] {
            let c = GradCase(cell: cell, layers: 2, bidirectional: true, stack: 2, lengths: [6, 3])
            let a = makeModel(c), b = makeModel(c)
            let x = randomBatch(T: 6, B: 2, D: 3, lengths: c.lengths, seed: 4)
            let ya = a.forward(x, training: true), yb = b.forward(x, training: true)
            let dy = Matrix(rows: ya.data.rows, cols: 4, repeating: 0.25)
            a.zeroGrad(); b.zeroGrad()
            #expect(a.backward(dy).rows == 6 * 2)
            #expect(b.backward(dy, inputGradient: false).rows == 0)
            #expect(ya.data == yb.data)
            for (p, q) in zip(a.parameters, b.parameters) { #expect(p.grad == q.grad, "\(p.name)") }
        }
    }

    @Test func pytorchNames() {
        let m = makeModel(GradCase(cell: .lstm, layers: 2, bidirectional: true, stack: 1, lengths: [1]))
        #expect(m.parameters.map(\.name) == [
            "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
            "lstm.weight_ih_l0_reverse", "lstm.weight_hh_l0_reverse", "lstm.bias_ih_l0_reverse", "lstm.bias_hh_l0_reverse",
            "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
            "lstm.weight_ih_l1_reverse", "lstm.weight_hh_l1_reverse", "lstm.bias_ih_l1_reverse", "lstm.bias_hh_l1_reverse",
            "fc.weight", "fc.bias",
        ])
        #expect(m.parameters[0].shape == [20, 3] && m.parameters[8].shape == [20, 10])
    }
}

@Suite struct LinearAndSoftmaxTests {
    /// log-softmax backward vs central differences in Double (h = 1e-3 on Float inputs; tolerance 1e-3).
    @Test func logSoftmaxGradient() {
        var g = SeededGenerator(seed: 1)
        let x = Matrix(rows: 3, cols: 5, storage: (0..<15).map { _ in g.nextGaussian() })
        let R = (0..<15).map { _ in g.nextGaussian() }
        let y = logSoftmaxRows(x)
        let dx = logSoftmaxRowsBackward(output: y, gradient: Matrix(rows: 3, cols: 5, storage: R))
        func f(_ m: [Double]) -> Double {
            var s = 0.0
            for r in 0..<3 {
                let row = Array(m[(r * 5)..<(r * 5 + 5)])
                let mx = row.max()!, lse = mx + log(row.map { exp($0 - mx) }.reduce(0, +))
                for v in 0..<5 { s += (row[v] - lse) * Double(R[r * 5 + v]) }
            }
            return s
        }
        let base = x.storage.map(Double.init)
        for i in 0..<15 {
            var p = base, m = base
            p[i] += 1e-5; m[i] -= 1e-5
            #expect(abs(Double(dx.storage[i]) - (f(p) - f(m)) / 2e-5) < 1e-4)
        }
    }

    @Test func linearGradient() {
        var rng = SeededGenerator(seed: 3)
        let lin = Linear(inputSize: 4, outputSize: 3, prefix: "fc", rng: &rng)
        let x = Matrix(rows: 5, cols: 4, storage: (0..<20).map { _ in rng.nextGaussian() })
        let dy = Matrix(rows: 5, cols: 3, storage: (0..<15).map { _ in rng.nextGaussian() })
        _ = lin.forward(x)
        let dx = lin.backward(dy)
        // Analytic forms in Double: dW = dyᵀ x, db = Σ dy, dx = dy W.
        for o in 0..<3 {
            for i in 0..<4 {
                let ref = (0..<5).reduce(0.0) { $0 + Double(dy[$1, o]) * Double(x[$1, i]) }
                #expect(abs(Double(lin.weight.grad[o * 4 + i]) - ref) < 1e-5)
            }
            #expect(abs(Double(lin.bias.grad[o]) - (0..<5).reduce(0.0) { $0 + Double(dy[$1, o]) }) < 1e-5)
        }
        for r in 0..<5 { for i in 0..<4 {
            let ref = (0..<3).reduce(0.0) { $0 + Double(dy[r, $1]) * Double(lin.weight.value[$1 * 4 + i]) }
            #expect(abs(Double(dx[r, i]) - ref) < 1e-5)
        } }
    }
}
