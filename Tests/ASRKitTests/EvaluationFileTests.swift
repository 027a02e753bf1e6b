import Foundation
import Testing
import ASRCore
import ASRText
import Decoding
@testable import ASRKit
import _TestSupport

@Suite struct EvaluationFileTests {
    func scorer() -> Scorer {
        var s = Scorer()
        s.add(id: "u1", reference: "one two three", hypothesis: "one too three")
        s.add(id: "u2", reference: "four", hypothesis: "four")
        return s
    }

    /// eval.json keeps the scorer's summary at the top level (as files from before
    /// had it) plus the DecodingConfig and its one-line summary, and reads back equal.
    @Test func roundTripKeepsDecodingSettings() throws {
        var config = DecodingConfig(beam: 8)
        config.lmWeight = 0.3
        config.hotwords = ["seven:2"]
        var summary = scorer().summary
        summary.title = "a title"
        let file = EvaluationFile(summary: summary, decoding: config, decodingSummary: "beam 8")
        let data = try file.encoded()
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["wer"] as? Double == 0.25 && object?["title"] as? String == "a title")
        #expect(abs(((object?["decoding"] as? [String: Any])?["lm_weight"] as? Double ?? 0) - 0.3) < 1e-6)  // Float 0.3 as JSON
        let dir = TestPaths.temporaryDirectory("evalfile")
        let path = dir.appendingPathComponent("eval.json").path
        try AtomicFile.write(data, to: path)
        let back = try EvaluationFile.load(path)
        #expect(back.decoding == config && back.decodingSummary == "beam 8")
        #expect(back.summary.wer == 0.25 && back.summary.perUtterance.count == 2)
    }

    /// A summary written before the decoding keys existed still loads, without them;
    /// a missing file names itself and how to make it; a damaged one names itself.
    @Test func olderFilesAndBadFiles() throws {
        let dir = TestPaths.temporaryDirectory("evalfile-old")
        let old = dir.appendingPathComponent("old.json").path
        try AtomicFile.write(try scorer().summaryJSON(source: "test.jsonl", title: "t"), to: old)
        let back = try EvaluationFile.load(old)
        #expect(back.decoding == nil && back.decodingSummary == nil && back.summary.source == "test.jsonl")
        let missing = dir.appendingPathComponent("none.json").path
        #expect(throws: FileError.notFound(path: missing, hint: "write one with `asr eval --manifest TEST.jsonl --report eval.txt`")) {
            try EvaluationFile.load(missing)
        }
        let bad = dir.appendingPathComponent("bad.json").path
        try AtomicFile.write("{\"wer\": 1}", to: bad)
        do {
            _ = try EvaluationFile.load(bad)
            Issue.record("a damaged eval.json loaded")
        } catch let e as FileError {
            guard case .malformed(let p, _) = e else { Issue.record("\(e)"); return }
            #expect(p == bad)
        }
    }

    /// The file errors name the file (and line), and say what was expected.
    @Test func fileErrorsNameTheFile() {
        #expect(FileError.notFound(path: "a.txt").description == "a.txt: no such file")
        #expect(FileError.notFound(path: "a.txt", hint: "the word list").description == "a.txt: no such file (the word list)")
        #expect(FileError.malformedLine(path: "t.jsonl", line: 3, reason: "expected JSON").description == "t.jsonl:3: expected JSON")
        #expect(TrainError.noUsableData(manifest: "train.jsonl").description == "train.jsonl: no readable training utterances")
        #expect(TrainError.diverged(badBatches: 5, lastBatch: "[a, b]").description.hasPrefix("training diverged: 5 batches in a row"))
    }
}
