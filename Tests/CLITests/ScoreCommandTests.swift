import Foundation
import Testing
import ASRCore
import _TestSupport

/// `asr score` on files in every supported format.
@Suite struct ScoreCommandTests {
    let dir = TestPaths.temporaryDirectory("score")

    func write(_ name: String, _ text: String) -> String { TestPaths.write(text, to: name, in: dir) }

    @Test func kaldiTextWithMissingIds() throws {
        let ref = write("ref.txt", "utt_1 seven three oh\nutt_2 one two\nutt_3 nine\n")
        let hyp = write("hyp.txt", "utt_1 seven tree oh\nutt_3 nine nine\nutt_9 extra words\n")
        let r = try CLI.run(["score", ref, hyp])
        #expect(r.status == 0, "\(r.stderr)")
        // utt_1: 1 sub; utt_2 missing: 2 del; utt_3: 1 ins; utt_9 extra: 2 ins → 6 errors / 6 words.
        #expect(r.stdout.contains("%WER 100.00 [ 6 / 6, 3 ins, 2 del, 1 sub ]"))
        #expect(r.stderr.contains("utt_2") && r.stderr.contains("utt_9"))
        let ignore = try CLI.run(["score", ref, hyp, "--ignore-missing"])
        #expect(ignore.stdout.contains("%WER 50.00 [ 2 / 4, 1 ins, 0 del, 1 sub ]"), "\(ignore.stdout)")
    }

    @Test func plainLinesTSVAndJSONL() throws {
        let lr = write("r.lines", "the cat sat\non the mat\n")
        let lh = write("h.lines", "the cat sat\non a mat\n")
        #expect(try CLI.run(["score", lr, lh]).stdout.contains("%WER 16.67 [ 1 / 6, 0 ins, 0 del, 1 sub ]"))
        let tr = write("r.tsv", "a\tgood morning\nb\tthank you\n")
        let th = write("h.tsv", "b\tthank you\na\tgood mourning\n")
        #expect(try CLI.run(["score", tr, th]).stdout.contains("%WER 25.00 [ 1 / 4"))
        let jr = write("r.jsonl", "{\"audio_filepath\": \"x.wav\", \"text\": \"好棒棒\"}\n")
        let jh = write("h.jsonl", "{\"audio_filepath\": \"x.wav\", \"text\": \"好棒棒\", \"pred_text\": \"好棒\"}\n")
        let j = try CLI.run(["score", jr, jh, "--cer"])
        #expect(j.stdout.hasPrefix("%CER 33.33 [ 1 / 3, 0 ins, 1 del, 0 sub ]"), "\(j.stdout)")
    }

    @Test func normalisationMappingSpeakersAndReport() throws {
        let ref = write("ref2.txt", "u1 Seven, oh NINE!\nu2 zero\n")
        let hyp = write("hyp2.txt", "u1 seven zero nine\nu2 oh\n")
        let map = write("map.txt", "oh zero\n")
        let spk = write("utt2spk", "u1 alice\nu2 bob\n")
        let report = dir.appendingPathComponent("report.txt").path
        let r = try CLI.run(["score", ref, hyp, "--lowercase", "--strip-punctuation", "--map", map, "--utt2spk", spk, "--report", report])
        #expect(r.stdout.contains("%WER 0.00 [ 0 / 4"), "\(r.stdout)")
        let text = try String(contentsOfFile: report, encoding: .utf8)
        #expect(text.contains("Per speaker:") && text.contains("alice") && text.contains("REF:"))
        let json = try CLI.run(["score", ref, hyp, "--json"])
        let obj = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(obj["wer"] is Double && obj["mer"] is Double && obj["wil"] is Double)
    }

    @Test func badInputNamesFileAndLine() throws {
        let ref = write("dup.txt", "u1 a b\nu1 c\n")
        let hyp = write("ok.txt", "u1 a b\n")
        let r = try CLI.run(["score", ref, hyp, "--format", "kaldi"])
        #expect(r.status != 0 && r.stderr.contains("dup.txt") && r.stderr.contains("line 2"))
        let tsv = write("bad.tsv", "a\tx\nno tab here\n")
        let t = try CLI.run(["score", tsv, tsv, "--format", "tsv"])
        #expect(t.status != 0 && t.stderr.contains("line 2"))
        let m = try CLI.run(["score", "/no/ref.txt", hyp])
        #expect(m.status != 0 && m.stderr.contains("/no/ref.txt"))
    }

    /// Without --format, files that look like Kaldi text but have a repeated id or a
    /// line without one are an error naming the line (they were silently scored as
    /// plain lines, ids counted as words); plain sentences stay plain lines.
    @Test func halfKaldiFilesAreNamedNotGuessed() throws {
        let ref = write("k-ref.txt", "u1 one two\nu2 three\nu3 four five\n")
        let dup = write("k-dup.txt", "u1 one two\nu1 three\nu3 four five\n")
        let d = try CLI.run(["score", ref, dup])
        #expect(d.status != 0 && d.stderr.contains("k-dup.txt: line 2: id 'u1' already on line 1"), "\(d.stderr)")
        let mixed = write("k-mixed.txt", "u1 one two\nthree\nu3 four five\n")
        let x = try CLI.run(["score", ref, mixed])
        #expect(x.status != 0 && x.stderr.contains("k-mixed.txt: line 2: begins with 'three'"), "\(x.stderr)")
        let plain = write("p-ref.txt", "one two\none three\none four\n")
        let plainHyp = write("p-hyp.txt", "one two\none tree\none four\n")
        let p = try CLI.run(["score", plain, plainHyp])
        #expect(p.status == 0 && p.stdout.contains("%WER 16.67 [ 1 / 6"), "\(p.stdout)\(p.stderr)")
    }

    /// CRLF line ends and a UTF-8 byte-order mark read like LF files, in every format
    /// (a CRLF file was one line: WER 111% instead of 16.7%, exit 0).
    @Test func crlfAndByteOrderMarkReadLikeLF() throws {
        let cases: [(String, String, String)] = [
            ("lines", "the cat sat\non the mat\n", "the cat sat\non a mat\n"),
            ("kaldi", "utt_1 the cat sat\nutt_2 on the mat\n", "utt_2 on a mat\nutt_1 the cat sat\n"),
            ("tsv", "a\tthe cat sat\nb\ton the mat\n", "b\ton a mat\na\tthe cat sat\n"),
            ("jsonl", "{\"id\": \"a\", \"text\": \"the cat sat\"}\n{\"id\": \"b\", \"text\": \"on the mat\"}\n",
             "{\"id\": \"b\", \"text\": \"on a mat\"}\n{\"id\": \"a\", \"text\": \"the cat sat\"}\n")]
        let styles: [(String, (String) -> String)] = [("lf", { $0 }), ("crlf", { $0.replacingOccurrences(of: "\n", with: "\r\n") }),
                                                      ("bom", { "\u{FEFF}" + $0.replacingOccurrences(of: "\n", with: "\r\n") })]
        for (name, r, h) in cases {
            for (style, transform) in styles {
                let rr = write("\(name)-\(style)-ref", transform(r)), hh = write("\(name)-\(style)-hyp", transform(h))
                let out = try CLI.run(["score", rr, hh])
                #expect(out.status == 0 && out.stdout.contains("%WER 16.67 [ 1 / 6, 0 ins, 0 del, 1 sub ]") && out.stdout.contains("%SER 50.00 [ 1 / 2 ]"),
                        "\(name) \(style): \(out.stdout)\(out.stderr)")
            }
        }
    }
}
