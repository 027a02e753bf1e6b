import Foundation
import Testing
import ASRCore
@testable import NN
import _TestSupport

/// Latency-controlled (chunked) inference against whole-input inference and
/// against a brute-force Double reference of the LC-BLSTM rule.
@Suite struct ChunkedInferenceTests {
    func model(cell: CellType, layers: Int, bidirectional: Bool, stack: Int, D: Int = 5, V: Int = 6) -> AcousticModel {
        var o = ModelOptions()
        o.cell = cell
        o.hiddenSize = 8
        o.numLayers = layers
        o.bidirectional = bidirectional
        o.dropout = 0
        o.frameStacking = stack
        o.seed = 7
        return AcousticModel(inputSize: D, outputSize: V, options: o)
    }

    func features(T: Int, D: Int, seed: UInt64) -> Matrix { randomBatch(T: T, B: 1, D: D, lengths: [T], seed: seed).data }

    func maxDifference(_ a: Matrix, _ b: Matrix) -> Float {
        precondition(a.rows == b.rows && a.cols == b.cols, "\(a.rows)×\(a.cols) vs \(b.rows)×\(b.cols)")
        return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
    }

    /// One direction carries its state exactly: a unidirectional model gives its
    /// whole-input logits for any chunk and right context (1e-5: the same float
    /// operations, the input projection GEMM done per chunk).
    @Test(arguments: [CellType.lstm, .gru])
    func unidirectionalIsExactForAnyChunk(cell: CellType) {
        let m = model(cell: cell, layers: 2, bidirectional: false, stack: 2)
        let x = features(T: 37, D: 5, seed: 1)
        let whole = m.forward(SequenceBatch(data: x, frames: 37, batch: 1, lengths: [37]), training: false).data
        for (c, r) in [(1, 0), (3, 2), (5, 0), (7, 4), (19, 0), (40, 3)] {
            let chunked = m.forwardChunked(x, chunk: c, rightContext: r)
            #expect(maxDifference(chunked, whole) < 1e-5, "chunk \(c), right context \(r)")
        }
    }

    /// With a right context reaching past the end of the input, every reverse
    /// direction sees all that follows: the bidirectional whole-input logits (1e-5).
    @Test func bidirectionalWithRightContextToTheEndIsExact() {
        let m = model(cell: .lstm, layers: 3, bidirectional: true, stack: 3)
        let x = features(T: 31, D: 5, seed: 2)  // 11 stacked frames
        let whole = m.forward(SequenceBatch(data: x, frames: 31, batch: 1, lengths: [31]), training: false).data
        for c in [1, 2, 4, 11, 20] {
            #expect(maxDifference(m.forwardChunked(x, chunk: c, rightContext: 11), whole) < 1e-5, "chunk \(c)")
        }
        // A short right context is not the whole-input result (the test can fail).
        #expect(maxDifference(m.forwardChunked(x, chunk: 2, rightContext: 1), whole) > 1e-3)
    }

    /// The LC-BLSTM rule written out in Double, without carried states: a layer's
    /// forward direction runs from zero over the inputs it was given for every
    /// earlier chunk's own frames followed by this chunk's frames and right
    /// context; its reverse direction over this chunk and right context only.
    func reference(_ m: AcousticModel, _ x: Matrix, chunk C: Int, rightContext R: Int) -> [[Double]] {
        let k = m.options.frameStacking, D = m.inputSize
        let T2 = (x.rows + k - 1) / k
        var stacked = [[Double]](repeating: [Double](repeating: 0, count: D * k), count: T2)
        for t in 0..<x.rows { for d in 0..<D { stacked[t / k][(t % k) * D + d] = Double(x[t, d]) } }
        var history = [[[Double]]](repeating: [], count: m.layers.count)
        var logits: [[Double]] = []
        var s = 0
        while s < T2 {
            let e = min(T2, s + C + R), keep = min(C, e - s)
            var input = Array(stacked[s..<e])
            for (l, dirs) in m.layers.enumerated() {
                let outs: [[[Double]]] = dirs.map { dir in
                    let seq = dir.reverse ? input : history[l] + input
                    let y = ReferenceRNN.direction(lstm: dir.cell == .lstm, x: seq, frames: seq.count, batch: 1,
                                                   hidden: dir.hiddenSize, lengths: [seq.count], reverse: dir.reverse,
                                                   wih: doubles(dir.weightIH), whh: doubles(dir.weightHH),
                                                   bih: doubles(dir.biasIH), bhh: doubles(dir.biasHH))
                    return Array(y.suffix(input.count))
                }
                history[l] += input[0..<keep]
                input = (0..<input.count).map { r in outs.flatMap { $0[r] } }
            }
            let w = doubles(m.fc.weight), b = doubles(m.fc.bias), Din = m.fc.inputSize
            for row in input[0..<keep] {
                var out = b
                for v in 0..<m.outputSize { for i in 0..<Din { out[v] += w[v * Din + i] * row[i] } }
                logits.append(out)
            }
            s += keep
        }
        return logits
    }

    /// Float chunked inference equals the Double reference of the rule within
    /// 1e-4 absolute (Float against Double over ≤ 40 recurrent steps, 3 layers).
    @Test(arguments: [CellType.lstm, .gru])
    func chunkedEqualsTheReferenceRule(cell: CellType) {
        let m = model(cell: cell, layers: 3, bidirectional: true, stack: 2)
        let x = features(T: 53, D: 5, seed: 3)  // 27 stacked frames: the last chunk is short
        for (c, r) in [(4, 2), (5, 0), (8, 3)] {
            let got = m.forwardChunked(x, chunk: c, rightContext: r)
            let want = reference(m, x, chunk: c, rightContext: r)
            #expect(got.rows == want.count)
            var worst = 0.0
            for t in 0..<got.rows { for v in 0..<got.cols { worst = max(worst, abs(Double(got[t, v]) - want[t][v])) } }
            #expect(worst < 1e-4, "chunk \(c), right context \(r): \(worst)")
        }
    }

    /// Frames fed in any blocks give the same logits, each chunk as soon as its
    /// right context has arrived.
    @Test func blocksOfAnySizeGiveTheSameLogits() {
        let m = model(cell: .lstm, layers: 2, bidirectional: true, stack: 3)
        let x = features(T: 61, D: 5, seed: 4)
        let all = m.forwardChunked(x, chunk: 4, rightContext: 2)
        var g = SeededGenerator(seed: 9)
        let run = ChunkedInference(model: m, chunk: 4, rightContext: 2)
        var got: [Float] = []
        var t = 0
        while t < x.rows {
            let n = min(x.rows - t, Int(g.next() % 9))
            let block = Matrix(rows: n, cols: 5, storage: Array(x.storage[(t * 5)..<((t + n) * 5)]))
            let out = run.accept(block)
            got += out.storage
            t += n
            // Everything whose right context is in has been returned.
            let complete = t / 3
            #expect(run.emitted == max(0, complete - 2) / 4 * 4)
        }
        got += run.finish().storage
        #expect(got == all.storage)
    }
}
