import Foundation
import Testing
import ASRCore
@testable import CTC
import _TestSupport

/// `torch.nn.functional.ctc_loss` on log_softmax(logits), float64
/// (scripts/fixtures/torch/make_fixtures.py): losses for every reduction and the
/// gradients with respect to the logits agree within relative 1e-5.
@Suite struct PyTorchCTCTests {
    static let dir = TestPaths.repoRoot.appendingPathComponent("Tests/CTCTests/Fixtures")
    static var files: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".safetensors") }.sorted() ?? []
    }

    static func relative(_ a: [Float], _ b: [Float]) -> Float {
        var d: Float = 0, m: Float = 0
        for i in 0..<a.count { d = max(d, abs(a[i] - b[i])); m = max(m, abs(b[i])) }
        return m == 0 ? d : d / m
    }

    @Test func fixturesExist() { #expect(Self.files.count == 5) }

    @Test(arguments: files)
    func matchesPyTorch(_ file: String) throws {
        let (t, meta) = try SafeTensors.read(Self.dir.appendingPathComponent(file).path)
        let logits = t["logits"]!
        let T = logits.shape[0], B = logits.shape[1], V = logits.shape[2]
        let tl = t["target_lengths"]!.values.map { Int($0) }
        let padded = t["targets"]!
        let targets = (0..<B).map { b in (0..<tl[b]).map { Int(padded.values[b * padded.shape[1] + $0]) } }
        let il = t["input_lengths"]!.values.map { Int($0) }
        let zi = meta["zero_infinity"] == "true"
        for red in CTCReduction.allCases {
            let r = try ctcLoss(logits: logits.values, frames: T, batch: B, vocabulary: V, inputLengths: il, targets: targets,
                                options: CTCOptions(reduction: red, zeroInfinity: zi))
            let refLoss = t["loss_\(red.rawValue)"]!.values
            if red == .none {
                #expect(Self.relative(r.losses, refLoss) <= 1e-5, "losses")
            } else {
                #expect(abs(r.loss - refLoss[0]) / abs(refLoss[0]) <= 1e-5, "loss \(red)")
                #expect(Self.relative(r.gradient, t["grad_\(red.rawValue)"]!.values) <= 1e-5, "gradient \(red)")
            }
        }
    }
}
