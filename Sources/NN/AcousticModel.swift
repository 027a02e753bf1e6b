import ASRCore
import LinearAlgebra
import Foundation

/// The `model` section of a recipe.
public struct ModelOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Recurrent cell.
    public var cell: CellType = .lstm
    /// Hidden units per direction, H.
    public var hiddenSize = 256
    /// Stacked recurrent layers.
    public var numLayers = 3
    /// Run a reverse direction too (output 2H per frame).
    public var bidirectional = true
    /// Dropout probability between recurrent layers (training only).
    public var dropout: Float = 0.1
    /// Stack k consecutive frames into one (stride k) before the first layer:
    /// k× fewer steps, k× wider input.
    public var frameStacking = 1
    /// Seed for weight initialisation and dropout.
    public var seed: UInt64 = 1

    public init() {}

    public func validate() throws {
        func bad(_ k: String, _ r: String) -> ConfigError { .invalidValue(source: "", key: k, reason: r) }
        guard (1...4096).contains(hiddenSize) else { throw bad("hidden_size", "expected 1…4096, found \(hiddenSize)") }
        guard (1...16).contains(numLayers) else { throw bad("num_layers", "expected 1…16, found \(numLayers)") }
        guard dropout >= 0 && dropout < 1 else { throw bad("dropout", "expected 0 ≤ p < 1, found \(dropout)") }
        guard (1...16).contains(frameStacking) else { throw bad("frame_stacking", "expected 1…16, found \(frameStacking)") }
    }
}

/// Frame stacking: `[T, B, D]` → `[⌈T/k⌉, B, k·D]`, output frame t holding
/// input frames t·k … t·k + k − 1 (zeros past each utterance's end);
/// lengths become ⌈len/k⌉.
public func stackFrames(_ x: SequenceBatch, k: Int) -> SequenceBatch {
    guard k > 1 else { return x }
    let T = x.frames, B = x.batch, D = x.data.cols
    let T2 = (T + k - 1) / k
    var out = Matrix(rows: T2 * B, cols: k * D)
    for t2 in 0..<T2 {
        for b in 0..<B {
            for j in 0..<k {
                let t = t2 * k + j
                guard t < x.lengths[b] else { continue }
                for d in 0..<D { out[t2 * B + b, j * D + d] = x.data[t * B + b, d] }
            }
        }
    }
    return SequenceBatch(data: out, frames: T2, batch: B, lengths: x.lengths.map { ($0 + k - 1) / k })
}

/// Gradient of `stackFrames` back to the unstacked layout.
public func unstackGradient(_ dy: Matrix, frames T: Int, batch B: Int, inputSize D: Int, k: Int) -> Matrix {
    guard k > 1 else { return dy }
    var dx = Matrix(rows: T * B, cols: D)
    for t in 0..<T {
        for b in 0..<B {
            let t2 = t / k, j = t % k
            for d in 0..<D { dx[t * B + b, d] = dy[t2 * B + b, j * D + d] }
        }
    }
    return dx
}

/// Frame stacking → N recurrent layers (uni- or bidirectional, dropout
/// between) → Linear to V logits. Parameter names are PyTorch's
/// (`lstm.weight_ih_l0`, `…_reverse`, `fc.weight`), so a state dict of
/// `nn.LSTM(..., batch_first=False, bidirectional=True)` + `nn.Linear` loads
/// unchanged.
public final class AcousticModel: ParameterContainer {
    public let options: ModelOptions
    public let inputSize: Int
    public let outputSize: Int
    /// layers[l] = [forward] or [forward, reverse].
    public let layers: [[RecurrentDirection]]
    public let fc: Linear
    /// Run the two directions of a layer on two threads (BLAS single-threaded meanwhile).
    public var parallelDirections = true
    private var rng: SeededGenerator
    private var dropoutMasks: [[Float]] = []
    private var cache: (frames: Int, batch: Int, lengths: [Int], stackedFrames: Int) = (0, 0, [], 0)

    public init(inputSize: Int, outputSize: Int, options: ModelOptions) {
        self.options = options
        self.inputSize = inputSize
        self.outputSize = outputSize
        var rng = SeededGenerator(seed: options.seed)
        let name = options.cell.rawValue
        var layers: [[RecurrentDirection]] = []
        for l in 0..<options.numLayers {
            let inSize = l == 0 ? inputSize * options.frameStacking : options.hiddenSize * (options.bidirectional ? 2 : 1)
            var dirs = [RecurrentDirection(cell: options.cell, inputSize: inSize, hiddenSize: options.hiddenSize,
                                           reverse: false, name: name, layer: l, rng: &rng)]
            if options.bidirectional {
                dirs.append(RecurrentDirection(cell: options.cell, inputSize: inSize, hiddenSize: options.hiddenSize,
                                               reverse: true, name: name, layer: l, rng: &rng))
            }
            layers.append(dirs)
        }
        self.layers = layers
        fc = Linear(inputSize: options.hiddenSize * (options.bidirectional ? 2 : 1), outputSize: outputSize,
                    prefix: "fc", rng: &rng)
        self.rng = SeededGenerator(seed: options.seed &+ 0x5EED)
    }

    public var parameters: [Parameter] { layers.flatMap { $0.flatMap(\.parameters) } + fc.parameters }

    /// Output frames for `frames` input frames.
    public func outputFrames(_ frames: Int) -> Int { (frames + options.frameStacking - 1) / options.frameStacking }

    /// The random state of dropout (saved in checkpoints so training resumes exactly).
    public var dropoutState: SeededGenerator {
        get { rng }
        set { rng = newValue }
    }

    /// Logits `[T′·B, V]` for features `[T·B, D]` (time-major), T′ = ⌈T/k⌉.
    /// Output lengths are `outputFrames(lengths[b])`.
    public func forward(_ input: SequenceBatch, training: Bool) -> SequenceBatch {
        precondition(input.data.cols == inputSize, "model expects \(inputSize)-dimensional features, got \(input.data.cols)")
        var x = stackFrames(input, k: options.frameStacking)
        if training {
            cache = (input.frames, input.batch, input.lengths, x.frames)
            dropoutMasks = []
        }
        for (l, dirs) in layers.enumerated() {
            if l > 0 && training && options.dropout > 0 {
                let keep = 1 - options.dropout
                var mask = [Float](repeating: 0, count: x.data.storage.count)
                for i in 0..<mask.count { mask[i] = rng.nextUniform() < keep ? 1 / keep : 0 }
                for i in 0..<mask.count { x.data.storage[i] *= mask[i] }
                dropoutMasks.append(mask)
            }
            let outs = runDirections(dirs) { $0.forward(x, training: training) }
            x = SequenceBatch(data: concatColumns(outs), frames: x.frames, batch: x.batch, lengths: x.lengths)
        }
        let logits = fc.forward(x.data, training: training)
        return SequenceBatch(data: logits, frames: x.frames, batch: x.batch, lengths: x.lengths)
    }

    /// Backward from ∂loss/∂logits `[T′·B, V]`; accumulates all parameter
    /// gradients and returns ∂loss/∂features `[T·B, D]` — or an empty matrix when
    /// `inputGradient` is false (training: features take no gradient, which
    /// saves the first layer's `dG · W_ih` GEMM).
    @discardableResult
    public func backward(_ dLogits: Matrix, inputGradient: Bool = true) -> Matrix {
        var d = fc.backward(dLogits)
        var maskIndex = dropoutMasks.count - 1
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let dirs = layers[l]
            let H = options.hiddenSize
            let parts = splitColumns(d, parts: dirs.count, width: H)
            let wantDx = l > 0 || inputGradient
            let dxs = runDirections(dirs, inputs: parts) { dir, g in dir.backward(g, inputGradient: wantDx) }
            if !wantDx { return Matrix(rows: 0, cols: inputSize) }
            d = dxs[0]
            if dxs.count > 1 {
                d.storage.withUnsafeMutableBufferPointer { p in
                    dxs[1].storage.withUnsafeBufferPointer { q in for i in 0..<p.count { p[i] += q[i] } }
                }
            }
            if l > 0 && options.dropout > 0 && maskIndex >= 0 {
                let mask = dropoutMasks[maskIndex]
                for i in 0..<d.storage.count { d.storage[i] *= mask[i] }
                maskIndex -= 1
            }
        }
        return unstackGradient(d, frames: cache.frames, batch: cache.batch, inputSize: inputSize, k: options.frameStacking)
    }

    private func runDirections(_ dirs: [RecurrentDirection], _ body: @escaping (RecurrentDirection) -> Matrix) -> [Matrix] {
        runDirections(dirs, inputs: dirs.map { _ in Matrix(rows: 0, cols: 0) }) { d, _ in body(d) }
    }

    private func runDirections(_ dirs: [RecurrentDirection], inputs: [Matrix],
                               _ body: @escaping (RecurrentDirection, Matrix) -> Matrix) -> [Matrix] {
        var results = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: dirs.count)
        if dirs.count == 2 && parallelDirections {
            let blas = BLASThreads.current
            BLASThreads.set(1)
            results = parallelMap(2) { i in body(dirs[i], inputs[i]) }
            BLASThreads.set(blas)
        } else {
            for i in 0..<dirs.count { results[i] = body(dirs[i], inputs[i]) }
        }
        return results
    }
}

/// `[N, a] ++ [N, b]` → `[N, a + b]`.
func concatColumns(_ parts: [Matrix]) -> Matrix {
    guard parts.count > 1 else { return parts[0] }
    let n = parts[0].rows
    let total = parts.reduce(0) { $0 + $1.cols }
    var out = Matrix(rows: n, cols: total)
    out.storage.withUnsafeMutableBufferPointer { o in
        var offset = 0
        for p in parts {
            p.storage.withUnsafeBufferPointer { s in
                for r in 0..<n { (o.baseAddress! + r * total + offset).update(from: s.baseAddress! + r * p.cols, count: p.cols) }
            }
            offset += p.cols
        }
    }
    return out
}

/// Inverse of `concatColumns` for equal widths.
func splitColumns(_ x: Matrix, parts: Int, width: Int) -> [Matrix] {
    guard parts > 1 else { return [x] }
    return (0..<parts).map { i in
        var m = Matrix(rows: x.rows, cols: width)
        m.storage.withUnsafeMutableBufferPointer { o in
            x.storage.withUnsafeBufferPointer { s in
                for r in 0..<x.rows { (o.baseAddress! + r * width).update(from: s.baseAddress! + r * x.cols + i * width, count: width) }
            }
        }
        return m
    }
}
