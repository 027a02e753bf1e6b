import ASRCore
import Foundation
import Testing
@testable import Decoding
import _TestSupport

/// scripts/fixtures/pyctcdecode/make.sh: pyctcdecode 0.5 outputs on random peaked and
/// flat posteriors. The compatible mode must give the same text on every utterance:
/// decode()'s best path (with its history pruning) and decode_beams()'s 3-best.
@Suite struct PyctcdecodeFixtureTests {
    struct Doc: Decodable {
        struct Case: Decodable { var beam: Int; var best: [String]; var nbest: [[String]] }
        var labels: [String]; var utterances: Int; var frames: Int
        var token_min_logp: Float; var beam_prune_logp: Float; var cases: [Case]
    }

    static let dir = TestPaths.repoRoot.appendingPathComponent("Tests/DecodingTests/Fixtures")
    static let doc = try! JSONDecoder().decode(Doc.self, from: Data(contentsOf: dir.appendingPathComponent("pyctcdecode.json")))
    static let posteriors = try! NPY.read(dir.appendingPathComponent("pyctcdecode.npy").path)

    func utterance(_ n: Int) -> Matrix {
        let T = Self.doc.frames, V = Self.posteriors.cols
        return Matrix(rows: T, cols: V, storage: Array(Self.posteriors.storage[(n * T * V)..<((n + 1) * T * V)]))
    }

    func decoder(beam: Int, nbest: Int) -> PrefixBeamDecoder {
        var o = BeamSearchOptions()
        o.pyctcdecodeCompatible = true
        o.beamWidth = beam
        o.nbest = nbest
        o.tokenTopK = 0
        o.tokenMinLogProb = Self.doc.token_min_logp
        o.beamPruneLogProb = Self.doc.beam_prune_logp
        o.blankSkipThreshold = 2
        return PrefixBeamDecoder(options: o, tokens: Self.doc.labels.map { $0.isEmpty ? "<blank>" : $0 })
    }

    func text(_ h: Hypothesis) -> String { h.tokens.map { Self.doc.labels[$0] }.joined() }

    @Test func bestPathEqualsPyctcdecode() {
        #expect(Self.doc.utterances >= 40 && Self.doc.cases.count == 3)
        for c in Self.doc.cases {
            let d = decoder(beam: c.beam, nbest: 1)
            for n in 0..<Self.doc.utterances {
                #expect(text(d.decode(utterance(n))[0]) == c.best[n], "beam \(c.beam), utterance \(n)")
            }
        }
    }

    @Test func nbestEqualsPyctcdecodeDecodeBeams() {
        for c in Self.doc.cases {
            let d = decoder(beam: c.beam, nbest: 3)
            for n in 0..<Self.doc.utterances {
                #expect(d.decode(utterance(n)).map(text) == c.nbest[n], "beam \(c.beam), utterance \(n)")
            }
        }
    }
}
