import ASRCore

/// Latency-controlled inference of an `AcousticModel` (LC-BLSTM, Chen & Huo
/// 2016): the input is cut into chunks of `chunk` model frames (after frame
/// stacking), and each chunk is run through every layer together with the
/// `rightContext` frames that follow it. The forward direction of each layer
/// starts from the state it reached at the end of the previous chunk (carried,
/// exactly as over the whole input); the reverse direction starts from zeros at
/// the end of the right context. Logits of a chunk are known once its right
/// context has arrived: latency `chunk + rightContext` frames at most, compute
/// per frame bounded (`(chunk + rightContext) / chunk` of a whole-input pass).
///
/// A unidirectional model gives exactly its whole-input logits for any chunk;
/// a bidirectional one does when the right context reaches the end of the input.
/// Feed feature frames as they are computed (`accept`), then `finish`.
public final class ChunkedInference {
    public let model: AcousticModel
    public let chunk: Int
    public let rightContext: Int
    /// Raw feature frames not yet stacked (fewer than `frameStacking`).
    private var loose: [Float] = []
    /// Stacked frames from the current chunk's start on, row-major `[n, k·D]`.
    private var stacked: [Float] = []
    /// Per layer: the forward direction's state after the last completed chunk.
    private var carried: [RecurrentState?]
    /// Model frames whose logits were returned.
    public private(set) var emitted = 0
    private var finished = false

    public init(model: AcousticModel, chunk: Int, rightContext: Int) {
        precondition(chunk >= 1 && rightContext >= 0, "chunk ≥ 1 and right context ≥ 0 frames")
        self.model = model
        self.chunk = chunk
        self.rightContext = rightContext
        carried = Array(repeating: nil, count: model.layers.count)
    }

    private var stackedWidth: Int { model.inputSize * model.options.frameStacking }
    private var stackedRows: Int { stacked.count / stackedWidth }

    /// Adds feature frames `[n, D]`: the logits `[m, V]` of the chunks now complete (m may be 0).
    public func accept(_ frames: Matrix) -> Matrix {
        precondition(!finished, "accept after finish")
        precondition(frames.cols == model.inputSize, "model expects \(model.inputSize)-dimensional features, got \(frames.cols)")
        loose += frames.storage
        let rowWidth = stackedWidth
        let whole = loose.count / rowWidth
        if whole > 0 {
            stacked += loose[0..<(whole * rowWidth)]
            loose.removeFirst(whole * rowWidth)
        }
        var out: [Float] = []
        while stackedRows >= chunk + rightContext {
            out += runChunk(rows: chunk + rightContext, keep: chunk)
        }
        return Matrix(rows: out.count / model.outputSize, cols: model.outputSize, storage: out)
    }

    /// The input has ended: the logits of every frame not yet returned (the last
    /// stacked frame zero-padded, as `AcousticModel.forward` pads it).
    public func finish() -> Matrix {
        precondition(!finished, "finish twice")
        finished = true
        if !loose.isEmpty {
            stacked += loose + [Float](repeating: 0, count: stackedWidth - loose.count)
            loose = []
        }
        var out: [Float] = []
        while stackedRows > 0 {
            let rows = min(stackedRows, chunk + rightContext)
            out += runChunk(rows: rows, keep: min(chunk, rows))
        }
        return Matrix(rows: out.count / model.outputSize, cols: model.outputSize, storage: out)
    }

    /// Runs the first `rows` stacked frames through the layers; returns the
    /// logits of the first `keep` and drops them from the input.
    private func runChunk(rows: Int, keep: Int) -> [Float] {
        var x = SequenceBatch(data: Matrix(rows: rows, cols: stackedWidth, storage: Array(stacked[0..<(rows * stackedWidth)])),
                              frames: rows, batch: 1, lengths: [rows])
        for (l, dirs) in model.layers.enumerated() {
            var outs: [Matrix] = []
            for dir in dirs {
                if dir.reverse {
                    outs.append(dir.infer(x, from: nil, keepStateAt: nil).output)
                } else {
                    let (o, state) = dir.infer(x, from: carried[l], keepStateAt: keep - 1)
                    carried[l] = state
                    outs.append(o)
                }
            }
            x = SequenceBatch(data: concatColumns(outs), frames: rows, batch: 1, lengths: [rows])
        }
        let width = x.data.cols
        let kept = Matrix(rows: keep, cols: width, storage: Array(x.data.storage[0..<(keep * width)]))
        stacked.removeFirst(keep * stackedWidth)
        emitted += keep
        return model.fc.forward(kept, training: false).storage
    }
}

extension AcousticModel {
    /// Logits `[T′, V]` of one utterance's features `[T, D]` computed chunk by
    /// chunk (`ChunkedInference`); T′ = ⌈T/k⌉ as `forward`.
    public func forwardChunked(_ features: Matrix, chunk: Int, rightContext: Int) -> Matrix {
        let run = ChunkedInference(model: self, chunk: chunk, rightContext: rightContext)
        let head = run.accept(features)
        let tail = run.finish()
        return Matrix(rows: head.rows + tail.rows, cols: outputSize, storage: head.storage + tail.storage)
    }
}
