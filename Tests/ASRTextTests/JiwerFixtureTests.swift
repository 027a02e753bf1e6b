import Foundation
import Testing
@testable import ASRText
import _TestSupport

struct JiwerDoc: Decodable, Sendable {
    struct Pair: Decodable, Sendable { var ref: String; var hyp: String; var in_corpus: Bool; var words: [Int]; var chars: [Int] }
    struct Corpus: Decodable, Sendable { var wer: Double; var mer: Double; var wil: Double; var wip: Double; var cer: Double; var words: [Int]; var chars: [Int] }
    var pairs: [Pair]
    var corpus: Corpus
}

enum JiwerFixture {
    static let doc: JiwerDoc = try! JSONDecoder().decode(JiwerDoc.self, from: Data(contentsOf:
        TestPaths.repoRoot.appendingPathComponent("Tests/ASRTextTests/Fixtures/jiwer.json")))
}

/// scripts/fixtures/jiwer/make_fixtures.py: counts and measures must equal jiwer's exactly.
@Suite struct JiwerFixtureTests {
    @Test func everyPairMatchesJiwer() {
        #expect(JiwerFixture.doc.pairs.count >= 400)
        let workspace = AlignmentWorkspace()
        for p in JiwerFixture.doc.pairs {
            let w = align(words(p.ref), words(p.hyp))
            #expect([w.hits, w.substitutions, w.deletions, w.insertions] == p.words, "words \(p.ref) | \(p.hyp)")
            #expect(alignWords(p.ref, p.hyp) == w, "byte path \(p.ref) | \(p.hyp)")
            // Counts only, through one reused workspace: the same counts.
            let k = alignWords(p.ref, p.hyp, workspace: workspace, recordSteps: false)
            #expect([k.hits, k.substitutions, k.deletions, k.insertions] == p.words && k.steps.isEmpty, "counts \(p.ref) | \(p.hyp)")
            let c = align(characters(p.ref), characters(p.hyp))
            #expect([c.hits, c.substitutions, c.deletions, c.insertions] == p.chars, "chars \(p.ref) | \(p.hyp)")
        }
    }

    /// Corpus measures are sums over utterances (not means of rates); equal to jiwer's to 1e-12.
    @Test func corpusMeasures() {
        var w = ErrorCounts(), c = ErrorCounts()
        for p in JiwerFixture.doc.pairs where p.in_corpus {
            w.add(alignWords(p.ref, p.hyp))
            c.add(align(characters(p.ref), characters(p.hyp)))
        }
        let j = JiwerFixture.doc.corpus
        #expect([w.hits, w.substitutions, w.deletions, w.insertions] == j.words)
        #expect([c.hits, c.substitutions, c.deletions, c.insertions] == j.chars)
        #expect(abs(w.errorRate - j.wer) < 1e-12)
        #expect(abs(w.matchErrorRate - j.mer) < 1e-12)
        #expect(abs(w.wordInformationLost - j.wil) < 1e-12)
        #expect(abs(w.wordInformationPreserved - j.wip) < 1e-12)
        #expect(abs(c.errorRate - j.cer) < 1e-12)
    }
}

@Suite struct AlignmentTests {
    /// The documented tie-breaking (docs/SCORING.md), on cases with several minimal alignments.
    @Test func tieBreaking() {
        let a = align(words("a b"), words("b"))
        #expect(a.steps.map(\.op) == [EditOp.deletion, EditOp.match])
        let b = align(words("a c c c d"), words("d a c"))
        let counts: [Int] = [b.hits, b.substitutions, b.deletions, b.insertions]
        #expect(counts == [2, 0, 3, 1])
        let c = align(words("the cat sat"), words("the cat sad on"))
        #expect(c.steps.map(\.op) == [EditOp.match, EditOp.match, EditOp.insertion, EditOp.substitution])
    }

    @Test func emptySidesAndUnicode() {
        #expect(align([String](), words("x y")).insertions == 2)
        #expect(align(words("x y"), [String]()).deletions == 2)
        let z = align(characters("好棒棒"), characters("好棒"))
        #expect(z.hits == 2 && z.deletions == 1)
        #expect(characters("e\u{301}t") == ["e\u{301}", "t"])  // grapheme clusters, not scalars
    }

    /// 10,000-word lines align (memory is one byte per cell).
    @Test func longLines() {
        var g = SystemRandomNumberGenerator()
        let vocab = ["a", "b", "c", "d"]
        let r = (0..<10_000).map { _ in vocab[Int.random(in: 0..<4, using: &g)] }
        var h = r
        h.remove(at: 5000)
        h[100] = "z"
        let a = align(r, h)
        #expect(a.deletions >= 1 && a.errors == 2)
    }

    @Test func normalisation() {
        let n = TextNormalization(lowercase: true, stripPunctuation: true, collapseWhitespace: true)
        #expect(n.apply("  Don't,  STOP!  ") == "don't stop")
        var m = WordMap()
        m.map = ["oh": ["zero"], "uh": []]
        #expect(m.apply("one oh uh two") == "one zero two")
    }
}
