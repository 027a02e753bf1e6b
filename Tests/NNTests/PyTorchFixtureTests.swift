import Foundation
import Testing
import ASRCore
@testable import NN
import _TestSupport

/// Largest |a − b| relative to the largest |b|.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var d: Float = 0, m: Float = 0
    for i in 0..<a.count { d = max(d, abs(a[i] - b[i])); m = max(m, abs(b[i])) }
    return m == 0 ? d : d / m
}

enum TorchFixtures {
    static let dir = TestPaths.repoRoot.appendingPathComponent("Tests/NNTests/Fixtures")
    static var files: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".safetensors") }.sorted() ?? []
    }
}

/// torch.nn.LSTM / GRU + Linear (scripts/fixtures/torch/make_fixtures.py), same
/// weights and ragged batch: logits and every gradient agree within relative 1e-4.
@Suite struct PyTorchFixtureTests {
    @Test func fixturesExist() { #expect(TorchFixtures.files.count == 6) }

    @Test(arguments: TorchFixtures.files)
    func matchesPyTorch(_ file: String) throws {
        let path = TorchFixtures.dir.appendingPathComponent(file).path
        let (t, meta) = try SafeTensors.read(path)
        var o = ModelOptions()
        o.cell = CellType(rawValue: meta["cell"]!)!
        o.numLayers = Int(meta["num_layers"]!)!
        o.bidirectional = meta["bidirectional"] == "true"
        o.hiddenSize = Int(meta["hidden_size"]!)!
        o.dropout = 0
        let D = Int(meta["input_size"]!)!, V = Int(meta["output_size"]!)!
        let model = AcousticModel(inputSize: D, outputSize: V, options: o)
        try model.load(t, path: path, prefix: "model.")
        let input = t["input"]!
        let T = input.shape[0], B = input.shape[1]
        let lengths = t["lengths"]!.values.map { Int($0) }
        let x = SequenceBatch(data: Matrix(rows: T * B, cols: D, storage: input.values), frames: T, batch: B, lengths: lengths)
        let y = model.forward(x, training: true)
        // Logits on valid frames (torch's are masked to 0 on padding).
        var ours: [Float] = [], theirs: [Float] = []
        let ref = t["logits"]!.values
        for tt in 0..<T { for b in 0..<B where tt < lengths[b] { for v in 0..<V {
            ours.append(y.data[tt * B + b, v]); theirs.append(ref[(tt * B + b) * V + v])
        } } }
        #expect(relativeError(ours, theirs) <= 1e-4, "logits")
        model.zeroGrad()
        let dx = model.backward(Matrix(rows: T * B, cols: V, storage: t["R"]!.values))
        for p in model.parameters {
            let g = t["grad." + p.name]!
            #expect(g.shape == p.shape)
            #expect(relativeError(p.grad, g.values) <= 1e-4, "\(p.name)")
        }
        // Input gradient on valid frames.
        let gx = t["grad.input"]!.values
        var a: [Float] = [], b2: [Float] = []
        for tt in 0..<T { for b in 0..<B where tt < lengths[b] { for d in 0..<D {
            a.append(dx[tt * B + b, d]); b2.append(gx[(tt * B + b) * D + d])
        } } }
        #expect(relativeError(a, b2) <= 1e-4, "input gradient")
    }
}
