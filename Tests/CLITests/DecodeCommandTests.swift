import Foundation
import Testing
import ASRCore
import _TestSupport

/// `asr decode` and `asr lm build` run as separate processes.
@Suite struct DecodeCommandTests {
    let dir = TestPaths.temporaryDirectory("cli-decode")

    /// Log-probs whose argmax path is `path` (0.98 on the argmax).
    func posteriors(_ path: [Int], V: Int) throws -> String {
        var m = Matrix(rows: path.count, cols: V)
        for (t, p) in path.enumerated() { for v in 0..<V { m[t, v] = logf(v == p ? 0.98 : 0.02 / Float(V - 1)) } }
        let p = dir.appendingPathComponent("post-\(path.count).npy").path
        try NPY.write(m, to: p)
        return p
    }

    func write(_ name: String, _ text: String) throws -> String { TestPaths.write(text, to: name, in: dir) }

    @Test func mandarinRepeatsSurvive() throws {
        let tokens = try write("zh.txt", "<blank>\n好\n棒\n")
        let post = try posteriors([1, 1, 0, 2, 2, 0, 2], V: 3)
        for args in [[String](), ["--beam", "8"]] {
            let r = try CLI.run(["decode", post, "--tokens", tokens] + args)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == "好棒棒\n")
        }
    }

    /// `--search pyctcdecode` gives pyctcdecode's text (fixture of DecodingTests, flat utterances).
    @Test func pyctcdecodeSearch() throws {
        struct Doc: Decodable { struct Case: Decodable { var beam: Int; var best: [String] }; var frames: Int; var cases: [Case] }
        let fixtures = TestPaths.repoRoot.appendingPathComponent("Tests/DecodingTests/Fixtures")
        let doc = try JSONDecoder().decode(Doc.self, from: Data(contentsOf: fixtures.appendingPathComponent("pyctcdecode.json")))
        let all = try NPY.read(fixtures.appendingPathComponent("pyctcdecode.npy").path)
        let tokens = try write("a-j.txt", "<blank>\n<space>\n" + (0..<10).map { String(UnicodeScalar(97 + $0)!) }.joined(separator: "\n") + "\n")
        let T = doc.frames, V = all.cols, c = doc.cases[1]
        for n in [20, 25, 30, 35] {
            let post = dir.appendingPathComponent("pyctc-\(n).npy").path
            try NPY.write(Matrix(rows: T, cols: V, storage: Array(all.storage[(n * T * V)..<((n + 1) * T * V)])), to: post)
            let r = try CLI.run(["decode", post, "--tokens", tokens, "--beam", String(c.beam), "--search", "pyctcdecode",
                                 "--token-min-log-prob", "-5", "--beam-prune", "-10"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == c.best[n] + "\n", "utterance \(n)")
        }
        let bad = try CLI.run(["decode", dir.appendingPathComponent("pyctc-20.npy").path, "--tokens", tokens, "--beam", "4",
                               "--search", "pyctcdecode", "--hotword", "ab:2"])
        #expect(bad.status != 0 && bad.stderr.contains("--hotword: the pyctcdecode search takes no LM, hotwords or lexicon"), "\(bad.stderr)")
    }

    /// `--lexicon`: the acoustics spell "hx hi", the lexicon has only "hi" and
    /// "ho", so the first word becomes a lexicon word; a lexicon word with a
    /// character the tokens lack is an error naming the file and line.
    @Test func lexiconConstrainsTheWords() throws {
        let tokens = try write("hix.txt", "<blank>\n<space>\nh\ni\nx\no\n")
        // h x ␣ h i, with a second-best "i" under the "x".
        var m = Matrix(rows: 6, cols: 6)
        let rows: [[Float]] = [[0.01, 0.01, 0.95, 0.01, 0.01, 0.01], [0.05, 0.01, 0.01, 0.3, 0.6, 0.03], [0.01, 0.95, 0.01, 0.01, 0.01, 0.01],
                               [0.01, 0.01, 0.95, 0.01, 0.01, 0.01], [0.01, 0.01, 0.01, 0.95, 0.01, 0.01], [0.95, 0.01, 0.01, 0.01, 0.01, 0.01]]
        for t in 0..<6 { for v in 0..<6 { m[t, v] = logf(rows[t][v]) } }
        let post = dir.appendingPathComponent("hx-hi.npy").path
        try NPY.write(m, to: post)
        let free = try CLI.run(["decode", post, "--tokens", tokens, "--beam", "8"])
        #expect(free.status == 0 && free.stdout == "hx hi\n", "\(free.stdout) \(free.stderr)")
        let words = try write("hi-ho.txt", "hi\nho\n")
        let constrained = try CLI.run(["decode", post, "--tokens", tokens, "--beam", "8", "--lexicon", words])
        #expect(constrained.status == 0 && constrained.stdout == "hi hi\n", "\(constrained.stdout) \(constrained.stderr)")
        let bad = try write("bad-words.txt", "hi\nhey\n")
        let r = try CLI.run(["decode", post, "--tokens", tokens, "--beam", "8", "--lexicon", bad])
        #expect(r.status != 0 && r.stderr.contains("bad-words.txt:2") && r.stderr.contains("'e'"), "\(r.stderr)")
        let greedy = try CLI.run(["decode", post, "--tokens", tokens, "--lexicon", words])
        #expect(greedy.status != 0 && greedy.stderr.contains("--lexicon: needs a beam search"), "\(greedy.stderr)")
    }

    @Test func unknownPrefixPenaltyIsChecked() throws {
        let tokens = try write("hi.txt", "<blank>\n<space>\nh\ni\n")
        let post = try posteriors([2, 3, 0, 1, 2, 3], V: 4)
        let lm = try write("hi.arpa", "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.5\t</s>\n-99\t<s>\n-0.3\thi\n\n\\end\\\n")
        for p in ["0", "-4"] {
            let r = try CLI.run(["decode", post, "--tokens", tokens, "--beam", "4", "--lm", lm, "--unknown-prefix-penalty", p])
            #expect(r.status == 0 && r.stdout == "hi hi\n", "\(r.stderr)")
        }
        let bad = try CLI.run(["decode", post, "--tokens", tokens, "--beam", "4", "--unknown-prefix-penalty", "1"])
        #expect(bad.status != 0 && bad.stderr.contains("--unknown-prefix-penalty: expected a finite log-score ≤ 0"), "\(bad.stderr)")
        let inf = try CLI.run(["decode", post, "--tokens", tokens, "--beam", "4", "--hotword", "hi:inf"])
        #expect(inf.status != 0 && inf.stderr.contains("--hotword: 'hi:inf': expected 'phrase:weight' with a finite weight"), "\(inf.stderr)")
    }

    @Test func jsonHasWordTimings() throws {
        let tokens = try write("en.txt", "<blank>\n<space>\nh\ni\n")
        let post = try posteriors([2, 2, 3, 0, 1, 0, 2, 3, 3], V: 4)
        let r = try CLI.run(["decode", post, "--tokens", tokens, "--json", "--frame-seconds", "0.03"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["text"] as? String == "hi hi")
        let words = obj["words"] as! [[String: Any]]
        #expect(words.count == 2)
        // First "hi": frames 0–2 → 0.00–0.09 s; second: frames 6–8 → 0.18–0.27 s.
        #expect(abs((words[0]["start"] as! Double) - 0) < 1e-9 && abs((words[0]["end"] as! Double) - 0.09) < 1e-9)
        #expect(abs((words[1]["start"] as! Double) - 0.18) < 1e-9 && abs((words[1]["end"] as! Double) - 0.27) < 1e-9)
    }

    @Test func lmBuildAndDecodeWithLM() throws {
        let corpus = try write("corpus.txt", "ac\nac ac\nca\n")
        let arpa = dir.appendingPathComponent("lm.arpa").path
        let b = try CLI.run(["lm", "build", corpus, "--order", "2", "--out", arpa])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(try String(contentsOfFile: arpa, encoding: .utf8).hasPrefix("\\data\\\nngram 1="))
        let tokens = try write("abc.txt", "<blank>\n<space>\na\nb\nc\n")
        // Frame 0: a 0.45 / b 0.55 → acoustics say "bc"; the LM knows "ac".
        let rows: [[Float]] = [[1e-6, 1e-6, 0.45, 0.55, 1e-6], [0.98, 0.005, 0.005, 0.005, 0.005],
                               [0.02, 1e-6, 1e-6, 1e-6, 0.98], [0.98, 0.005, 0.005, 0.005, 0.005]]
        let post = dir.appendingPathComponent("conf.npy").path
        try NPY.write(Matrix(rows), to: post)
        let plain = try CLI.run(["decode", post, "--tokens", tokens, "--input", "probs", "--beam", "8"])
        #expect(plain.stdout == "bc\n", "\(plain.stderr)")
        let withLM = try CLI.run(["decode", post, "--tokens", tokens, "--input", "probs", "--beam", "8", "--lm", arpa, "--beta", "0"])
        #expect(withLM.stdout == "ac\n", "\(withLM.stderr)")
    }

    @Test func errors() throws {
        let tokens = try write("t.txt", "<blank>\na\nb\n")
        let wrongV = try posteriors([1, 2], V: 4)
        let r = try CLI.run(["decode", wrongV, "--tokens", tokens])
        #expect(r.status != 0 && r.stderr.contains("4 columns") && r.stderr.contains("3 tokens"))
        let badTokens = try write("bad.txt", "a\n<blank>\n")
        let r2 = try CLI.run(["decode", wrongV, "--tokens", badTokens])
        #expect(r2.status != 0 && r2.stderr.contains("bad.txt") && r2.stderr.contains("line 1"))
        let dup = try write("dup.txt", "<blank>\na\nb\na\n")
        let r3 = try CLI.run(["decode", wrongV, "--tokens", dup])
        #expect(r3.status != 0 && r3.stderr.contains("line 4"))
        let r4 = try CLI.run(["decode", "/no/x.npy", "--tokens", tokens])
        #expect(r4.status != 0 && r4.stderr.contains("/no/x.npy"))
        let r5 = try CLI.run(["lm", "build", "/no/corpus.txt", "--out", dir.appendingPathComponent("x.arpa").path])
        #expect(r5.status != 0 && r5.stderr.contains("/no/corpus.txt"))
        let r6 = try CLI.run(["decode", wrongV, "--tokens", tokens, "--lm", "/no/lm.arpa"])
        #expect(r6.status != 0)
    }
}
