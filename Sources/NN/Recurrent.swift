import ASRCore
import LinearAlgebra
import CKernels
import Foundation

/// Recurrent cell type.
public enum CellType: String, StrictEnum, Sendable {
    /// PyTorch `nn.LSTM`: gates (i, f, g, o), two biases.
    case lstm
    /// PyTorch `nn.GRU`: gates (r, z, n), `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`.
    case gru

    /// Gates per hidden unit.
    public var gates: Int { self == .lstm ? 4 : 3 }
}

/// A time-major padded batch: `data` is `[T·B, D]`, row `t·B + b`, with
/// per-utterance lengths (frames t ≥ lengths[b] are padding).
public struct SequenceBatch {
    public var data: Matrix
    public var frames: Int
    public var batch: Int
    public var lengths: [Int]

    public init(data: Matrix, frames: Int, batch: Int, lengths: [Int]) {
        precondition(data.rows == frames * batch && lengths.count == batch && lengths.allSatisfy { $0 <= frames })
        self.data = data
        self.frames = frames
        self.batch = batch
        self.lengths = lengths
    }
}

/// The state a recurrent direction carries between steps: `h` (and the
/// LSTM's cell `c`; empty for the GRU), `[B·H]` each.
public struct RecurrentState: Equatable, Sendable {
    public var h: [Float]
    public var c: [Float]
    public init(h: [Float], c: [Float]) {
        self.h = h
        self.c = c
    }
}

/// One direction of one recurrent layer, with backprop through time.
///
/// Forward: one GEMM projects all T·B inputs (`X W_ihᵀ + b`), then one
/// `[B, H] × [H, G·H]` GEMM per step plus fused vectorised gate math. A
/// padded frame (t ≥ length) keeps the previous state and outputs 0, so the
/// reverse direction of each utterance starts at its own last frame with a
/// zero state. Backward accumulates weight gradients with large GEMMs over all
/// steps at once.
public final class RecurrentDirection: ParameterContainer {
    public let cell: CellType
    public let inputSize: Int
    public let hiddenSize: Int
    public let reverse: Bool
    public let weightIH: Parameter  // [G·H, D]
    public let weightHH: Parameter  // [G·H, H]
    public let biasIH: Parameter    // [G·H]
    public let biasHH: Parameter    // [G·H]

    // Forward caches (per time index t, not per step).
    private var x = Matrix(rows: 0, cols: 0)
    private var T = 0, B = 0
    private var lengths: [Int] = []
    private var gates: [Float] = []   // activated gates [T·B, G·H]
    private var cells: [Float] = []   // LSTM c_t [T·B, H]
    private var tanhC: [Float] = []   // LSTM tanh(c_t)
    private var ghn: [Float] = []     // GRU W_hn h + b_hn [T·B, H]
    private var states: [Float] = []  // h after processing t [T·B, H]
    private var cachedForBackward = false
    /// Instruction-set level of the fused gate kernels (`SIMDLevel`; tests and the
    /// benchmark run each one). Every level computes the same formulas.
    public var simdLevel = SIMDLevel.supported

    public init(cell: CellType, inputSize: Int, hiddenSize: Int, reverse: Bool, name: String, layer: Int,
                rng: inout SeededGenerator) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.reverse = reverse
        let G = cell.gates * hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot()
        let suffix = "_l\(layer)" + (reverse ? "_reverse" : "")
        weightIH = Parameter(name: "\(name).weight_ih\(suffix)", shape: [G, inputSize], uniformBound: bound, rng: &rng)
        weightHH = Parameter(name: "\(name).weight_hh\(suffix)", shape: [G, hiddenSize], uniformBound: bound, rng: &rng)
        biasIH = Parameter(name: "\(name).bias_ih\(suffix)", shape: [G], uniformBound: bound, rng: &rng)
        biasHH = Parameter(name: "\(name).bias_hh\(suffix)", shape: [G], uniformBound: bound, rng: &rng)
    }

    public var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    /// Time indices in processing order.
    private func order(_ T: Int) -> [Int] { reverse ? Array((0..<T).reversed()) : Array(0..<T) }

    /// Output `[T·B, H]` (zeros on padding).
    public func forward(_ input: SequenceBatch, training: Bool = true) -> Matrix {
        run(input, training: training, initial: nil, keepStateAt: nil).output
    }

    /// Inference from a given state (nil: zeros), also returning the state
    /// after processing time index `keepStateAt` (nil: none) — what a chunked
    /// stream carries from one chunk to the next. `[B·H]` each.
    public func infer(_ input: SequenceBatch, from initial: RecurrentState?, keepStateAt: Int?) -> (output: Matrix, state: RecurrentState?) {
        run(input, training: false, initial: initial, keepStateAt: keepStateAt)
    }

    private func run(_ input: SequenceBatch, training: Bool, initial: RecurrentState?, keepStateAt: Int?) -> (output: Matrix, state: RecurrentState?) {
        let T = input.frames, B = input.batch, H = hiddenSize, D = inputSize
        let GH = cell.gates * H
        let level = Int32(simdLevel)
        precondition(input.data.cols == D, "recurrent layer expects \(D) inputs, got \(input.data.cols)")
        // Training reuses the previous batch's caches (every element is overwritten
        // below); inference must not touch them.
        var gates = training ? reusing(&self.gates, count: T * B * GH) : [Float](repeating: 0, count: T * B * GH)
        var states = training ? reusing(&self.states, count: T * B * H) : [Float](repeating: 0, count: T * B * H)
        let lstmCount = cell == .lstm ? T * B * H : 0
        var cells = training ? reusing(&self.cells, count: lstmCount) : [Float](repeating: 0, count: lstmCount)
        var tanhC = training ? reusing(&self.tanhC, count: lstmCount) : [Float](repeating: 0, count: lstmCount)
        var ghn = cell == .gru ? [Float](repeating: 0, count: T * B * H) : []
        var output = Matrix(rows: T * B, cols: H)
        let lengths = input.lengths
        // Input projection of all frames at once. The LSTM adds its biases in the
        // fused step; the GRU's input-side bias is filled in first.
        gates.withUnsafeMutableBufferPointer { g in
            let gp = g.baseAddress!
            if cell == .gru {
                biasIH.value.withUnsafeBufferPointer { bih in
                    for r in 0..<(T * B) { for j in 0..<GH { gp[r * GH + j] = bih[j] } }
                }
            }
            gemm(.none, .transpose, m: T * B, n: GH, k: D, input.data.storage, lda: D, weightIH.value, ldb: D,
                 beta: cell == .gru ? 1 : 0, gp, ldc: GH)
        }
        let bias = cell == .lstm ? zip(biasIH.value, biasHH.value).map { $0 + $1 } : []
        let zeros = [Float](repeating: 0, count: B * H)
        if let initial { precondition(initial.h.count == B * H && (cell == .gru || initial.c.count == B * H), "initial state of the wrong size") }
        let h0 = initial?.h ?? zeros, c0 = cell == .lstm ? (initial?.c ?? zeros) : zeros
        var hh = [Float](repeating: 0, count: cell == .gru ? B * GH : 0)  // GRU: h W_hhᵀ + b_hh for one step
        var prevT = -1
        gates.withUnsafeMutableBufferPointer { gBuf in
        states.withUnsafeMutableBufferPointer { sBuf in
        cells.withUnsafeMutableBufferPointer { cBuf in
        tanhC.withUnsafeMutableBufferPointer { tcBuf in
        ghn.withUnsafeMutableBufferPointer { nBuf in
        output.storage.withUnsafeMutableBufferPointer { oBuf in
        h0.withUnsafeBufferPointer { zBuf in
        c0.withUnsafeBufferPointer { c0Buf in
        bias.withUnsafeBufferPointer { biasBuf in
        hh.withUnsafeMutableBufferPointer { hhBuf in
        weightHH.value.withUnsafeBufferPointer { whh in
        biasHH.value.withUnsafeBufferPointer { bhh in
            for t in order(T) {
                let hPrev = prevT < 0 ? zBuf.baseAddress! : UnsafePointer(sBuf.baseAddress! + prevT * B * H)
                let G = gBuf.baseAddress! + t * B * GH
                let hOut = sBuf.baseAddress! + t * B * H
                let o = oBuf.baseAddress! + t * B * H
                switch cell {
                case .lstm:
                    let cPrev: UnsafePointer<Float> = prevT < 0 ? c0Buf.baseAddress! : UnsafePointer(cBuf.baseAddress! + prevT * B * H)
                    stepGEMM(.transpose, m: B, n: GH, k: H, hPrev, lda: H, whh.baseAddress!, ldb: H, beta: 1, G, ldc: GH)
                    let cOut = cBuf.baseAddress! + t * B * H
                    let tc = tcBuf.baseAddress! + t * B * H
                    for b in 0..<B {
                        let row = G + b * GH
                        let hp = hPrev + b * H, cp = cPrev + b * H
                        let h = hOut + b * H, c = cOut + b * H, tcb = tc + b * H
                        if t >= lengths[b] {  // padding: state passes through, output and gates 0
                            for j in 0..<H { h[j] = hp[j]; c[j] = cp[j]; tcb[j] = 0; o[b * H + j] = 0 }
                            for j in 0..<GH { row[j] = 0 }
                            continue
                        }
                        asr_lstm_forward_row(level, row, biasBuf.baseAddress!, cp, c, tcb, h, o + b * H, H)
                    }
                case .gru:
                    let hhp = hhBuf.baseAddress!
                    for b in 0..<B { for j in 0..<GH { hhp[b * GH + j] = bhh[j] } }
                    stepGEMM(.transpose, m: B, n: GH, k: H, hPrev, lda: H, whh.baseAddress!, ldb: H, beta: 1, hhp, ldc: GH)
                    let nOut = nBuf.baseAddress! + t * B * H
                    for b in 0..<B {
                        let row = G + b * GH
                        let hp = hPrev + b * H, h = hOut + b * H, nn = nOut + b * H
                        if t >= lengths[b] {
                            for j in 0..<H { h[j] = hp[j]; nn[j] = 0; o[b * H + j] = 0 }
                            for j in 0..<GH { row[j] = 0 }
                            continue
                        }
                        asr_gru_forward_row(level, row, hhp + b * GH, hp, h, nn, o + b * H, H)
                    }
                }
                prevT = t
            }
        }}}}}}}}}}}}
        var kept: RecurrentState?
        if let k = keepStateAt {
            precondition(k >= 0 && k < T, "state kept at \(k) of \(T) frames")
            kept = RecurrentState(h: Array(states[(k * B * H)..<((k + 1) * B * H)]),
                                  c: cell == .lstm ? Array(cells[(k * B * H)..<((k + 1) * B * H)]) : [])
        }
        if training {
            self.x = input.data
            self.T = T
            self.B = B
            self.lengths = lengths
            self.gates = gates
            self.states = states
            self.cells = cells
            self.tanhC = tanhC
            self.ghn = ghn
            self.cachedForBackward = true
        }
        return (output, kept)
    }

    /// Backward through time. `dOut` `[T·B, H]` (padding rows ignored).
    /// Accumulates parameter gradients; returns dX `[T·B, D]`. Once per forward:
    /// the LSTM turns its cached gates into their gradients in place.
    public func backward(_ dOut: Matrix, inputGradient: Bool = true) -> Matrix {
        let H = hiddenSize, D = inputSize, GH = cell.gates * H
        precondition(cachedForBackward && dOut.rows == T * B && dOut.cols == H, "backward without matching forward")
        cachedForBackward = false
        let T = T, B = B, lengths = lengths, level = Int32(simdLevel)
        // Pre-activation gate gradients: the LSTM's overwrite its cached gates; the GRU
        // keeps input-side and hidden-side ones apart (they differ in the n gate).
        var dG = cell == .lstm ? [] : [Float](repeating: 0, count: T * B * GH)
        var dGh = cell == .gru ? [Float](repeating: 0, count: T * B * GH) : []
        var dhNext = [Float](repeating: 0, count: B * H)
        var dcNext = [Float](repeating: 0, count: B * H)
        var dhTmp = [Float](repeating: 0, count: B * H)
        let steps = order(T)
        let zeros = [Float](repeating: 0, count: B * H)
        let h0 = zeros, c0 = zeros  // backward starts from the zero state (training)
        gates.withUnsafeMutableBufferPointer { gBuf in
        dG.withUnsafeMutableBufferPointer { dgBuf in
        dGh.withUnsafeMutableBufferPointer { dghBuf in
        dhNext.withUnsafeMutableBufferPointer { dhn in
        dcNext.withUnsafeMutableBufferPointer { dcn in
        dhTmp.withUnsafeMutableBufferPointer { tmp in
        cells.withUnsafeBufferPointer { cBuf in
        tanhC.withUnsafeBufferPointer { tcBuf in
        ghn.withUnsafeBufferPointer { nBuf in
        states.withUnsafeBufferPointer { sBuf in
        dOut.storage.withUnsafeBufferPointer { dO in
        h0.withUnsafeBufferPointer { zBuf in
        c0.withUnsafeBufferPointer { c0Buf in
        weightHH.value.withUnsafeBufferPointer { whh in
            for (k, t) in steps.enumerated().reversed() {
                let prevT = k > 0 ? steps[k - 1] : -1
                let G = gBuf.baseAddress! + t * B * GH
                let dOt = dO.baseAddress! + t * B * H
                let hPrev: UnsafePointer<Float> = prevT < 0 ? zBuf.baseAddress! : sBuf.baseAddress! + prevT * B * H
                let allValid = lengths.allSatisfy { t < $0 }
                switch cell {
                case .lstm:
                    let cPrev: UnsafePointer<Float> = prevT < 0 ? c0Buf.baseAddress! : cBuf.baseAddress! + prevT * B * H
                    for b in 0..<B where t < lengths[b] {  // padded rows: dh, dc carry over; gates are 0
                        asr_lstm_backward_row(level, G + b * GH, tcBuf.baseAddress! + (t * B + b) * H, cPrev + b * H,
                                              dhn.baseAddress! + b * H, dOt + b * H, dcn.baseAddress! + b * H, H)
                    }
                    // dh_prev = dG_t · W_hh for valid rows; padded rows pass dh through.
                    stepGEMM(.none, m: B, n: H, k: GH, G, lda: GH, whh.baseAddress!, ldb: H, beta: 0,
                             allValid ? dhn.baseAddress! : tmp.baseAddress!, ldc: H)
                    if !allValid {
                        for b in 0..<B where t < lengths[b] {
                            for j in 0..<H { dhn[b * H + j] = tmp[b * H + j] }
                        }
                    }
                case .gru:
                    let dGt = dgBuf.baseAddress! + t * B * GH
                    let dGht = dghBuf.baseAddress! + t * B * GH
                    for b in 0..<B where t < lengths[b] {  // padded rows: dh carries over; gates are 0
                        asr_gru_backward_row(level, G + b * GH, nBuf.baseAddress! + (t * B + b) * H, hPrev + b * H,
                                             dhn.baseAddress! + b * H, dOt + b * H, dGt + b * GH, dGht + b * GH, H)
                    }
                    stepGEMM(.none, m: B, n: H, k: GH, dGht, lda: GH, whh.baseAddress!, ldb: H, beta: 0, tmp.baseAddress!, ldc: H)
                    for b in 0..<B where t < lengths[b] {
                        for j in 0..<H { dhn[b * H + j] += tmp[b * H + j] }
                    }
                }
                // Padded rows: the incoming output gradient is ignored, dh passes through unchanged.
            }
        }}}}}}}}}}}}}}
        // Weight gradients over all steps at once (padded rows of the gate gradients are 0).
        let N = T * B
        let dGates = cell == .lstm ? gates : dG  // the LSTM's cached gates now hold their gradients
        let dHidden = cell == .gru ? dGh : dGates
        gemm(.transpose, .none, m: GH, n: D, k: N, dGates, lda: GH, x.storage, ldb: D, beta: 1, &weightIH.grad, ldc: D)
        // dW_hh = Σ_t dG_tᵀ h_prev(t): the previous state of time t is the state
        // after t − 1 (t + 1 in reverse), so the states shifted by one step serve;
        // the first step's previous state is 0.
        if T > 1 {
            dHidden.withUnsafeBufferPointer { dh in
                states.withUnsafeBufferPointer { s in
                    let (dgRows, hRows) = reverse ? (dh.baseAddress!, s.baseAddress! + B * H)
                                                  : (dh.baseAddress! + B * GH, s.baseAddress!)
                    gemm(.transpose, .none, m: GH, n: H, k: (T - 1) * B, dgRows, lda: GH, hRows, ldb: H, beta: 1,
                         &weightHH.grad, ldc: H)
                }
            }
        }
        columnSums(dGates, rows: N, cols: GH, into: &biasIH.grad)
        columnSums(dHidden, rows: N, cols: GH, into: &biasHH.grad)
        var dx = Matrix(rows: inputGradient ? N : 0, cols: D)
        if inputGradient {
            dx.storage.withUnsafeMutableBufferPointer { p in
                gemm(.none, .none, m: N, n: D, k: GH, dGates, lda: GH, weightIH.value, ldb: D, beta: 0, p.baseAddress!, ldc: D)
            }
        }
        return dx
    }
}

/// `array` resized to `count` keeping its storage where it can (contents are
/// left over from earlier use; new elements are 0). Avoids fresh pages and a
/// memset per call for buffers that are overwritten anyway.
private func reusing(_ array: inout [Float], count: Int) -> [Float] {
    var a: [Float] = []
    swap(&a, &array)
    if a.count > count {
        a.removeLast(a.count - count)
    } else if a.count < count {
        if a.capacity < count { return [Float](repeating: 0, count: count) }
        a.append(contentsOf: repeatElement(0, count: count - a.count))
    }
    return a
}

/// `out[j] += Σ_r x[r, j]`.
func columnSums(_ x: [Float], rows: Int, cols: Int, into out: inout [Float]) {
    x.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                let row = p.baseAddress! + r * cols
                for j in 0..<cols { o[j] += row[j] }
            }
        }
    }
}
