import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import ASRCore
import _TestSupport

/// Training, transcription and evaluation through the binary, on real speech
/// from the project's espeak-ng corpus generator.
@Suite(.serialized) struct TrainCommandTests {
    static let corpus: URL = try! SyntheticCorpus.digits(count: 60, seed: 3)

    /// A small recipe over the corpus; `extra` is spliced into the top level.
    func recipe(_ dir: URL, name: String, epochs: Int = 3, manifest: String? = nil, data: String = "", extra: String = "") -> String {
        let c = Self.corpus.path
        let json = """
        {"name": "\(name)",
         "data": {"train": "\(manifest ?? c + "/train.jsonl")", "dev": "\(c)/dev.jsonl"\(data)},
         "tokens": {"normalize": {"lowercase": true}},
         "features": {"fbank": {"mel": {"num_bins": 24}}, "cmvn": "global"},
         "augment": {"speeds": [0.9, 1.0, 1.1], "noise_probability": 0.5, "spec_augment": {"freq_masks": 1, "time_masks": 1}},
         "model": {"hidden_size": 24, "num_layers": 2, "frame_stacking": 3, "dropout": 0.2},
         "train": {"epochs": \(epochs), "batch_size": 6, "optimizer": {"learning_rate": 0.003}, "threads": 2},
         "output": {"dir": "\(dir.path)/exp"}\(extra)}
        """
        let p = dir.appendingPathComponent("\(name).json").path
        try! json.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test func trainTranscribeEval() throws {
        let dir = TestPaths.temporaryDirectory("e2e")
        let r = try CLI.run(["train", recipe(dir, name: "tiny")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("epoch 3/3"))
        let exp = dir.appendingPathComponent("exp/tiny")
        for f in ["model.json", "model.safetensors", "tokens.txt", "train.jsonl", "recipe.json", "cmvn.json"] {
            #expect(FileManager.default.fileExists(atPath: exp.appendingPathComponent(f).path), "\(f)")
        }
        let log = try String(contentsOf: exp.appendingPathComponent("train.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("exp/latest").path) == "tiny")
        let wav = Self.corpus.appendingPathComponent("wav").path
        let files = try FileManager.default.contentsOfDirectory(atPath: wav).filter { $0.hasPrefix("test") }.prefix(2).map { "\(wav)/\($0)" }
        let t = try CLI.run(["transcribe", "--model", exp.path, "--json"] + files)
        #expect(t.status == 0, "\(t.stderr)")
        let items = try JSONSerialization.jsonObject(with: Data(t.stdout.utf8)) as! [[String: Any]]
        #expect(items.count == 2 && items.allSatisfy { $0["text"] is String })
        // Decoding flags over the model's decode section (greedy here): one set of checks for
        // transcribe, eval and decode; an LM needs a beam, a hotword a finite weight.
        let negative = try CLI.run(["transcribe", "--model", exp.path, "--beam", "-3"] + files)
        #expect(negative.status != 0 && negative.stderr.contains("--beam: expected 0…100000"), "a negative value is range-checked, not 'Missing value': \(negative.stderr)")
        let prune = try CLI.run(["transcribe", "--model", exp.path, "--beam", "4", "--beam-prune", "-8"] + files)
        #expect(prune.status == 0, "\(prune.stderr)")
        let folder = try CLI.run(["transcribe", "--model", exp.path, dir.path])
        #expect(folder.status != 0 && folder.stderr.contains("\(dir.path): is a folder, expected an audio file"), "\(folder.stderr)")
        let noBeam = try CLI.run(["transcribe", "--model", exp.path, "--lm", "/no/words.arpa"] + files)
        #expect(noBeam.status != 0 && noBeam.stderr.contains("--lm: needs a beam search"), "\(noBeam.stderr)")
        let nan = try CLI.run(["eval", "--model", exp.path, "--manifest", Self.corpus.path + "/test.jsonl", "--beam", "4", "--hotword", "one:nan"])
        #expect(nan.status != 0 && nan.stderr.contains("--hotword: 'one:nan'"), "\(nan.stderr)")
        let hot = try CLI.run(["transcribe", "--model", exp.path, "--beam", "4", "--hotword", "One:1.5", "--top-k", "0"] + files)
        #expect(hot.status == 0, "\(hot.stderr)")
        let report = dir.appendingPathComponent("eval.txt").path
        let e = try CLI.run(["eval", "--model", exp.path, "--manifest", Self.corpus.path + "/test.jsonl", "--report", report])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("%WER ") && e.stdout.contains("%CER "))
        let text = try String(contentsOfFile: report, encoding: .utf8)
        #expect(text.contains("REF:") && text.contains("HYP:"))
        // eval.json keeps the decoding settings as data (the report shows them from there).
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("eval.json"))) as? [String: Any]
        #expect((json?["decoding"] as? [String: Any])?["beam"] as? Int == 0, "\(json ?? [:])")
        #expect(json?["decoding_summary"] as? String == "greedy" && json?["wer"] is Double, "\(json ?? [:])")
        // One line per engine of the test split (manifest field "engine"); a field no line has is an error.
        let per = try CLI.run(["eval", "--model", exp.path, "--manifest", Self.corpus.path + "/test.jsonl", "--per", "engine"])
        #expect(per.status == 0 && per.stdout.contains("Per engine:") && per.stdout.contains("\nespeak-ng "), "\(per.stdout)")
        let none = try CLI.run(["eval", "--model", exp.path, "--manifest", Self.corpus.path + "/test.jsonl", "--per", "room"])
        #expect(none.status != 0 && none.stderr.contains("no string field \"room\""), "\(none.stderr)")
        try checkReport(dir: dir, exp: exp, wav: files[0])
    }

    /// `asr report` writes well-formed XHTML with one curve point per epoch, the eval
    /// summary and posteriorgrams; `asr transcribe --plot` writes one posteriorgram.
    func checkReport(dir: URL, exp: URL, wav: String) throws {
        let out = dir.appendingPathComponent("report.html").path
        let r = try CLI.run(["report", exp.path, "--eval", dir.appendingPathComponent("eval.json").path, "--out", out, "--examples", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let doc = try XMLDocument(xmlString: html, options: [])
        func count(_ xpath: String) throws -> Int { try doc.nodes(forXPath: xpath).count }
        #expect(try count("//*[local-name()='svg'][contains(@class,'line-chart')]") == 4)  // loss, error rates, learning rate, speed
        let curves = try doc.nodes(forXPath: "//*[local-name()='polyline'][@class='series']").compactMap { $0 as? XMLElement }
        #expect(curves.count == 6)  // training + validation loss, WER + CER, learning rate, speed
        for c in curves {
            let points = c.attributes?.first { $0.localName == "points" }?.stringValue ?? ""
            #expect(points.split(separator: " ").count == 3, "one point per epoch")
        }
        #expect(try count("//*[local-name()='svg'][contains(@class,'posteriorgram')]") == 2)
        #expect(try count("//*[local-name()='svg'][contains(@class,'bar-chart')]") == 1)
        #expect(html.contains("test WER") && html.contains("Worst, median and best utterances"))
        #expect(html.contains(">greedy<"), "the decoding note comes from eval.json's decoding_summary")
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"),
                "nothing fetched from elsewhere")

        let svg = dir.appendingPathComponent("one.svg").path
        let t = try CLI.run(["transcribe", "--model", exp.path, "--plot", svg, wav])
        #expect(t.status == 0, "\(t.stderr)")
        let plot = try XMLDocument(contentsOf: URL(fileURLWithPath: svg), options: [])
        #expect(try plot.nodes(forXPath: "//*[local-name()='polyline'][@class='greedy-path']").count == 1)
        let two = try CLI.run(["transcribe", "--model", exp.path, "--plot", svg, wav, wav])
        #expect(two.status != 0 && two.stderr.contains("--plot draws one file"))

        // A damaged training log is named with its line; a folder without a model says what it lacks.
        let log = exp.appendingPathComponent("train.jsonl")
        let good = try String(contentsOf: log, encoding: .utf8)
        try (good + "{\"epoch\": oops}\n").write(to: log, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["report", exp.path, "--out", out])
        try good.write(to: log, atomically: true, encoding: .utf8)
        #expect(bad.status != 0 && bad.stderr.contains("train.jsonl:4:"), "\(bad.stderr)")
        // A damaged recipe.json is named too (once it was silently left out of the report).
        let recipeFile = exp.appendingPathComponent("recipe.json")
        let recipeText = try String(contentsOf: recipeFile, encoding: .utf8)
        try "{\"model\": [1, 2]}".write(to: recipeFile, atomically: true, encoding: .utf8)
        let badRecipe = try CLI.run(["report", exp.path, "--out", out])
        try recipeText.write(to: recipeFile, atomically: true, encoding: .utf8)
        #expect(badRecipe.status != 0 && badRecipe.stderr.contains("recipe.json"), "\(badRecipe.stderr)")
        let none = try CLI.run(["report", dir.path])
        #expect(none.status != 0 && none.stderr.contains("model.json"), "\(none.stderr)")
    }

    /// A corrupt file in the training set is reported and skipped; training completes.
    @Test func unreadableAudioIsSkipped() throws {
        let dir = TestPaths.temporaryDirectory("e2e-bad")
        let bad = dir.appendingPathComponent("broken.wav").path
        try Data("RIFF....WAVEfmt garbage".utf8).write(to: URL(fileURLWithPath: bad))
        var lines = try String(contentsOfFile: Self.corpus.path + "/train.jsonl", encoding: .utf8)
            .split(separator: "\n").map { $0.replacingOccurrences(of: "\"wav/", with: "\"\(Self.corpus.path)/wav/") }
        lines.insert("{\"audio_filepath\": \"\(bad)\", \"text\": \"one two\"}", at: 3)
        let manifest = dir.appendingPathComponent("train.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try CLI.run(["train", recipe(dir, name: "skip", epochs: 1, manifest: manifest)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("broken.wav") && r.stdout.contains("skipped"))
    }

    /// `asr data pack`: the corpus in shards trains to bit-identical weights (its
    /// 16-bit audio copies exactly), evaluates to the same report, keeps ids and
    /// fields; a bad line or an unreadable file is named.
    @Test func packedShardsTrainAndEvalLikeFiles() throws {
        let dir = TestPaths.temporaryDirectory("e2e-pack")
        let packed = dir.appendingPathComponent("packed").path
        for split in ["train", "test"] {
            let p = try CLI.run(["data", "pack", Self.corpus.path + "/\(split).jsonl", "--out", packed, "--shard-mb", "1"])
            #expect(p.status == 0, "\(p.stderr)")
        }
        let lines = try String(contentsOfFile: packed + "/train.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let originals = try String(contentsOfFile: Self.corpus.path + "/train.jsonl", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == originals.count)
        let shardNames = Set(lines.compactMap { $0["audio_filepath"] as? String })
        #expect(shardNames.count >= 2 && shardNames.allSatisfy { $0.hasPrefix("train-") }, "1 MiB shards: several, named by the manifest")
        for (l, o) in zip(lines, originals) {
            #expect(l["id"] as? String == ((o["audio_filepath"] as! NSString).lastPathComponent as NSString).deletingPathExtension)
            #expect(l["text"] as? String == o["text"] as? String && l["engine"] as? String == o["engine"] as? String)
            #expect(l["offset"] is Double && l["duration"] is Double)
        }
        // The same experiment name in two folders: model.safetensors records the name.
        let (dirA, dirB) = (dir.appendingPathComponent("a"), dir.appendingPathComponent("b"))
        for d in [dirA, dirB] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let files = try CLI.run(["train", recipe(dirA, name: "twin", epochs: 2)])
        let shards = try CLI.run(["train", recipe(dirB, name: "twin", epochs: 2, manifest: packed + "/train.jsonl")])
        #expect(files.status == 0 && shards.status == 0, "\(files.stderr)\(shards.stderr)")
        let w1 = try Data(contentsOf: dirA.appendingPathComponent("exp/twin/model.safetensors"))
        let w2 = try Data(contentsOf: dirB.appendingPathComponent("exp/twin/model.safetensors"))
        #expect(w1 == w2, "same samples, same seed: the same weights (\(w1.count) and \(w2.count) bytes)")
        let e1 = try CLI.run(["eval", "--model", dirA.appendingPathComponent("exp/twin").path, "--manifest", Self.corpus.path + "/test.jsonl"])
        let e2 = try CLI.run(["eval", "--model", dirA.appendingPathComponent("exp/twin").path, "--manifest", packed + "/test.jsonl"])
        #expect(e1.status == 0 && e2.status == 0, "\(e2.stderr)")
        func summary(_ s: String) -> [Substring] { s.split(separator: "\n").filter { $0.hasPrefix("%WER") || $0.hasPrefix("%CER") } }
        #expect(summary(e1.stdout) == summary(e2.stdout) && summary(e1.stdout).count == 2, "\(e1.stdout)\n\(e2.stdout)")
        let hyps = dir.appendingPathComponent("hyps.jsonl").path
        let t = try CLI.run(["transcribe", "--model", dirA.appendingPathComponent("exp/twin").path, "--manifest", packed + "/test.jsonl", "--out", hyps])
        let hypText = (try? String(contentsOfFile: hyps, encoding: .utf8)) ?? ""
        #expect(t.status == 0 && hypText.contains("\"offset\""), "\(t.stderr)")

        let bad = dir.appendingPathComponent("bad.jsonl").path
        try "{\"audio_filepath\": \"\(packed)/test-00000.wav\", \"text\": \"one\", \"offset\": 0.5}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let noDuration = try CLI.run(["data", "pack", bad, "--out", dir.appendingPathComponent("p2").path])
        #expect(noDuration.status != 0 && noDuration.stderr.contains("bad.jsonl:1") && noDuration.stderr.contains("\"duration\""), "\(noDuration.stderr)")
        try "{\"audio_filepath\": \"\(packed)/test-00000.wav\", \"text\": \"one\", \"offset\": 5000, \"duration\": 1}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let outside = try CLI.run(["data", "pack", bad, "--out", dir.appendingPathComponent("p3").path])
        #expect(outside.status != 0 && outside.stderr.contains("bad.jsonl:1") && outside.stderr.contains("not inside the file"), "\(outside.stderr)")
    }

    /// A model that says something: 150 epochs at a higher rate (about 6 s), for
    /// checks of timelines and formats rather than accuracy. Its folder.
    func talkingModel(_ dir: URL, name: String) throws -> String {
        let path = recipe(dir, name: name, epochs: 150)
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"learning_rate\": 0.003", with: "\"learning_rate\": 0.01")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["train", path])
        #expect(r.status == 0, "\(r.stderr)")
        return dir.appendingPathComponent("exp/\(name)").path
    }

    /// A recording longer than decode.segmentation.longer_than (test utterances
    /// joined with pauses, by sox) is cut at pauses and decoded piece by piece:
    /// word times increase and stay within the file, SRT and WebVTT cues parse
    /// with increasing times inside the file, and the text has no doubled spaces.
    @Test func longRecordingInPieces() throws {
        let dir = TestPaths.temporaryDirectory("e2e-long")
        let model = try talkingModel(dir, name: "long")
        let wavDir = Self.corpus.appendingPathComponent("wav").path
        let utts = try FileManager.default.contentsOfDirectory(atPath: wavDir).filter { $0.hasPrefix("test") }.sorted().map { "\(wavDir)/\($0)" }
        let silence = dir.appendingPathComponent("pause.wav").path
        let long = dir.appendingPathComponent("long.wav").path
        func sox(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
            p.arguments = args
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "sox \(args)")
        }
        try sox(["-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "0.7"])
        var parts: [String] = []
        while parts.count < 60 { for u in utts { parts += [u, silence] } }
        try sox(parts + [long])
        let bytes = try FileManager.default.attributesOfItem(atPath: long)[.size] as! NSNumber
        let duration = Double(bytes.intValue - 44) / 32000   // 16-bit mono at 16 kHz after a 44-byte header
        #expect(duration > 40, "longer than the 30 s default")
        let t = try CLI.run(["transcribe", "--model", model, "--json", "--max-segment-seconds", "8", long])
        #expect(t.status == 0, "\(t.stderr)")
        let item = try JSONSerialization.jsonObject(with: Data(t.stdout.utf8)) as! [String: Any]
        let text = item["text"] as! String
        let words = item["words"] as! [[String: Any]]
        #expect(!words.isEmpty && !text.contains("  ") && text == text.trimmingCharacters(in: .whitespaces), "\(text)")
        let times = words.map { ($0["start"] as! Double, $0["end"] as! Double) }
        #expect(times.allSatisfy { 0 <= $0.0 && $0.0 < $0.1 && $0.1 <= duration + 0.05 }, "\(times)")
        #expect(zip(times, times.dropFirst()).allSatisfy { $0.0 <= $1.0 }, "word starts never go back")
        for format in ["srt", "vtt"] {
            let sub = try CLI.run(["transcribe", "--model", model, "--format", format, "--max-segment-seconds", "8", long])
            #expect(sub.status == 0, "\(sub.stderr)")
            let stamps = sub.stdout.split(separator: "\n").filter { $0.contains(" --> ") }.map { line -> (Double, Double) in
                let ends = line.components(separatedBy: " --> ").map { stamp -> Double in
                    let f = stamp.replacingOccurrences(of: ",", with: ".").split(separator: ":").map { Double($0)! }
                    return f[0] * 3600 + f[1] * 60 + f[2]
                }
                return (ends[0], ends[1])
            }
            #expect(!stamps.isEmpty && stamps.allSatisfy { 0 <= $0.0 && $0.0 < $0.1 && $0.1 <= duration + 0.05 }, "\(sub.stdout)")
            #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0.1 <= $1.0 }, "cues in order, not overlapping")
            #expect(sub.stdout.hasPrefix(format == "srt" ? "1\n" : "WEBVTT\n"))
        }
        let two = try CLI.run(["transcribe", "--model", model, "--format", "srt", long, long])
        #expect(two.status != 0 && two.stderr.contains("--format srt writes the subtitles of one file"), "\(two.stderr)")
        let plot = try CLI.run(["transcribe", "--model", model, "--plot", dir.appendingPathComponent("p.svg").path, long])
        #expect(plot.status != 0 && plot.stderr.contains("is longer"), "\(plot.stderr)")
        let bad = try CLI.run(["transcribe", "--model", model, "--max-segment-seconds", "0.5", long])
        #expect(bad.status != 0 && bad.stderr.contains("--max-segment-seconds"), "\(bad.stderr)")
    }

    /// `--stream`: test utterances joined with pauses, read as if live from a file,
    /// from standard input as WAV and as raw PCM: the same events each way; a final
    /// result per utterance, in order, not overlapping, within the audio; partials
    /// before their final; bad input named.
    @Test func streamingTranscription() throws {
        let dir = TestPaths.temporaryDirectory("e2e-stream")
        let model = try talkingModel(dir, name: "stream")
        let wavDir = Self.corpus.appendingPathComponent("wav").path
        let utts = try FileManager.default.contentsOfDirectory(atPath: wavDir).filter { $0.hasPrefix("test") }.sorted().prefix(6).map { "\(wavDir)/\($0)" }
        let silence = dir.appendingPathComponent("pause.wav").path
        let joined = dir.appendingPathComponent("joined.wav").path
        for args in [["-n", "-r", "16000", "-c", "1", "-b", "16", silence, "trim", "0", "0.8"], [silence] + utts.flatMap { [$0, silence] } + [joined]] {
            let p = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/sox"), args)
            #expect(p.status == 0, "sox: \(p.stderr)")
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: joined))
        let duration = Double(bytes.count - 44) / 32000
        struct Event: Decodable, Equatable {
            var type: String, segment: Int, start: Double, end: Double, text: String, audio: Double
            var words: [Word]?
            struct Word: Decodable, Equatable { var text: String; var start: Double; var end: Double }
        }
        func events(_ r: CLI.Result) throws -> [Event] {
            #expect(r.status == 0, "\(r.stderr)")
            return try r.stdout.split(separator: "\n").map { try JSONDecoder().decode(Event.self, from: Data($0.utf8)) }
        }
        let file = try events(CLI.run(["transcribe", "--model", model, "--stream", joined]))
        let finals = file.filter { $0.type == "final" }
        #expect(finals.count >= 3 && finals.count <= utts.count + 2, "about one final per utterance: \(finals.map(\.text))")
        #expect(finals.map(\.segment) == Array(0..<finals.count))
        #expect(finals.allSatisfy { 0 <= $0.start && $0.start < $0.end && $0.end <= duration + 0.01 && $0.audio >= $0.end })
        #expect(zip(finals, finals.dropFirst()).allSatisfy { $0.end <= $1.start }, "utterances in order, apart")
        #expect(zip(file, file.dropFirst()).allSatisfy { $0.audio <= $1.audio }, "events in stream order")
        for f in finals {
            #expect(f.words?.allSatisfy { f.start - 0.01 <= $0.start && $0.end <= f.end + 0.05 } == true, "words inside their utterance: \(f)")
            let partials = file.filter { $0.type == "partial" && $0.segment == f.segment }
            #expect(partials.allSatisfy { $0.audio <= f.audio && $0.start == f.start })
        }
        #expect(file.contains { $0.type == "partial" }, "partial results")
        let viaWAV = try events(CLI.run(["transcribe", "--model", model, "--stream", "-"], input: bytes))
        #expect(viaWAV == file, "standard input as WAV: the same events")
        let viaRaw = try events(CLI.run(["transcribe", "--model", model, "--stream", "-", "--sample-rate", "16000"], input: bytes.dropFirst(44)))
        #expect(viaRaw == file, "raw PCM: the same events")
        // Errors.
        var bad = bytes.prefix(60)
        bad[34] = 8
        let b = try CLI.run(["transcribe", "--model", model, "--stream", "-"], input: Data(bad))
        #expect(b.status != 0 && b.stderr.contains("<stdin>") && b.stderr.contains("16-bit"), "\(b.stderr)")
        // Chunk by chunk (latency-controlled; this model's global CMVN is causal): the
        // network hears each chunk once, so a partial only ever grows (greedy: each one
        // the start of the next). Chunks of one frame and a partial every 10 ms: a partial
        // for each token as it comes, even from this small model's two-letter outputs.
        let chunked = try events(CLI.run(["transcribe", "--model", model, "--stream", joined, "--chunk-frames", "1", "--right-context", "2",
                                          "--partial-every", "0.01"]))
        let chunkedFinals = chunked.filter { $0.type == "final" }
        #expect(chunkedFinals.map(\.start) == finals.map(\.start), "the same utterances")
        #expect(chunkedFinals.contains { f in chunked.filter { $0.type == "partial" && $0.segment == f.segment }.count >= 2 },
                "some utterance has several partials (the growth check below is not vacuous): \(chunked.map { "\($0.type) \($0.segment) \($0.text)" })")
        for f in chunkedFinals {
            let partials = chunked.filter { $0.type == "partial" && $0.segment == f.segment }.map(\.text)
            #expect(zip(partials, partials.dropFirst()).allSatisfy { $1.hasPrefix($0) }, "partials only grow: \(partials)")
        }
        // A model normalised by the whole utterance cannot stream chunk by chunk: named, not guessed.
        let copy = dir.appendingPathComponent("utterance-cmvn").path
        try FileManager.default.copyItem(atPath: model, toPath: copy)
        let info = copy + "/model.json"
        try String(contentsOfFile: info, encoding: .utf8).replacingOccurrences(of: "\"cmvn\" : \"global\"", with: "\"cmvn\" : \"utterance\"")
            .write(toFile: info, atomically: true, encoding: .utf8)
        #expect(try String(contentsOfFile: info, encoding: .utf8).contains("\"cmvn\" : \"utterance\""))
        let noStream = try CLI.run(["transcribe", "--model", copy, "--stream", joined, "--chunk-frames", "4"])
        #expect(noStream.status != 0 && noStream.stderr.contains("features.cmvn") && noStream.stderr.contains("cmvn online"), "\(noStream.stderr)")
        #expect(try CLI.run(["transcribe", "--model", copy, "--stream", joined]).status == 0, "whole utterances stream with any CMVN")
        for (args, message) in [(["--stream", joined, joined], "one input"), (["--stream", "--format", "srt", joined], "JSON lines"),
                                (["--stream", "--chunk-frames", "-2", joined], "--chunk-frames"),
                                (["--sample-rate", "8000", joined], "go with --stream"), (["--stream", "--partial-every", "0", joined], "--partial-every"),
                                (["--stream", "--realtime", "-"], "--realtime")] {
            let e = try CLI.run(["transcribe", "--model", model] + args)
            #expect(e.status != 0 && e.stderr.contains(message), "\(args): \(e.stderr)")
        }
    }

    /// Killing training mid-epoch and resuming gives bit-identical weights to an
    /// uninterrupted run with the same seed (augmentation and dropout included).
    @Test func resumeAfterKillIsExact() throws {
        let dir = TestPaths.temporaryDirectory("e2e-resume")
        let a = try CLI.run(["train", recipe(dir, name: "straight", epochs: 4)])
        #expect(a.status == 0, "\(a.stderr)")
        let rb = recipe(dir, name: "killed", epochs: 4)
        let p = Process()
        p.executableURL = CLI.productsDirectory.appendingPathComponent("asr")
        p.arguments = ["train", rb]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let last = dir.appendingPathComponent("exp/killed/checkpoints/last").path
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: last, encoding: .utf8), s.hasPrefix("epoch-2") { break }
            usleep(2000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // Resumed with other data-pipeline memory settings (no read-ahead, no speed
        // cache): they are not training settings, and the weights come out the same.
        let rc = recipe(dir, name: "killed", epochs: 4, data: #", "prefetch_batches": 0, "cache_mb": 0"#)
        let c = try CLI.run(["train", rc, "--resume"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("resuming"))
        #expect(c.stdout.contains("exp/.killed.lock: left by a run that is no longer running (pid \(p.processIdentifier) "), "\(c.stdout)")
        let wa = try Data(contentsOf: dir.appendingPathComponent("exp/straight/checkpoints/epoch-4/model.safetensors"))
        let wb = try Data(contentsOf: dir.appendingPathComponent("exp/killed/checkpoints/epoch-4/model.safetensors"))
        #expect(wa == wb)
        let la = try String(contentsOf: dir.appendingPathComponent("exp/straight/train.jsonl"), encoding: .utf8)
        let lb = try String(contentsOf: dir.appendingPathComponent("exp/killed/train.jsonl"), encoding: .utf8)
        func losses(_ s: String) -> [String] { s.split(separator: "\n").map { String($0.split(separator: ",").first { $0.contains("train_loss") } ?? "") } }
        #expect(losses(la) == losses(lb))
        // Decoding settings may change before a resume; training settings may not.
        let decodeChanged = recipe(dir, name: "killed", epochs: 4, extra: #", "decode": {"beam": 4, "unknown_prefix_penalty": -5}"#)
        let d = try CLI.run(["train", decodeChanged, "--resume"])
        #expect(d.status == 0 && d.stdout.contains("resuming"), "\(d.stderr)")
        let trainChanged = recipe(dir, name: "killed", epochs: 5)
        let e = try CLI.run(["train", trainChanged, "--resume"])
        #expect(e.status != 0 && e.stderr.contains("the recipe changed since") && e.stderr.contains("train.epochs 4 → 5")
                && e.stderr.contains("give --epochs N"), "the message names the key: \(e.stderr)")
    }

    /// Checkpoint averaging (`train.average_last`): the last N checkpoints are kept and
    /// the mean of their weights becomes the model unless dev gets worse (model.json
    /// then names the epochs; otherwise the best epoch stays, unnamed). Set on a
    /// finished run, `--resume` only averages (not a training setting) what was kept,
    /// and says so.
    @Test func checkpointAveraging() throws {
        let dir = TestPaths.temporaryDirectory("e2e-average")
        let r = try CLI.run(["train", recipe(dir, name: "avg", epochs: 4), "--set", "train.average_last=3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("average of epochs 2–4: dev WER "), "\(r.stdout)")
        let exp = dir.appendingPathComponent("exp/avg")
        let kept = try FileManager.default.contentsOfDirectory(atPath: exp.path + "/checkpoints").filter { $0.hasPrefix("epoch-") }.sorted()
        #expect(kept == ["epoch-2", "epoch-3", "epoch-4"])
        let info = try JSONSerialization.jsonObject(with: Data(contentsOf: exp.appendingPathComponent("model.json"))) as! [String: Any]
        let model = try SafeTensors.read(exp.path + "/model.safetensors").tensors
        if r.stdout.contains("; it is the model") {
            #expect(info["averaged_epochs"] as? [Int] == [2, 3, 4], "\(info)")
            let checkpoints = try kept.map { try SafeTensors.read(exp.path + "/checkpoints/\($0)/model.safetensors").tensors }
            for (name, t) in model {
                let mean = (0..<t.values.count).map { i in checkpoints.reduce(0.0) { $0 + Double($1[name]!.values[i]) } / 3 }
                let worst = zip(t.values, mean).map { abs(Double($0) - $1) / Double(Float($1).ulp) }.max() ?? 0
                #expect(worst <= 1, "\(name): \(worst) ulp from the Double mean of the kept checkpoints")
            }
        } else {
            #expect(r.stdout.contains("the model stays epoch"), "\(r.stdout)")
            #expect(info["averaged_epochs"] == nil && info["epoch"] as? Int != nil, "\(info)")
        }
        // A run trained without it keeps two checkpoints: averaging after the fact uses those.
        let plain = recipe(dir, name: "plain", epochs: 3)
        #expect(try CLI.run(["train", plain]).status == 0)
        let later = try CLI.run(["train", plain, "--resume", "--set", "train.average_last=4"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(later.stdout.contains("only 2 checkpoints kept (epochs 2, 3); averaging those")
                && later.stdout.contains("average of epochs 2–3"), "\(later.stdout)")
        let bad = try CLI.run(["train", plain, "--resume", "--set", "train.average_last=-1"])
        #expect(bad.status != 0 && bad.stderr.contains("average_last") && bad.stderr.contains("expected 0…1000"), "\(bad.stderr)")
    }

    /// Chaos: training killed with SIGKILL at random moments (seeded; ASR_CHAOS_KILLS
    /// of them, 4 here, 20 in `make chaos`), resumed each time: after every kill each
    /// file of the experiment is whole (JSON parses, safetensors sizes match their
    /// headers, `last` names a complete checkpoint), and the final weights are
    /// byte-identical to an uninterrupted run's; no temporary file is left at the end.
    @Test func randomKillsResumeToTheSameWeights() throws {
        let dir = TestPaths.temporaryDirectory("e2e-chaos")
        let target = Int(ProcessInfo.processInfo.environment["ASR_CHAOS_KILLS"] ?? "") ?? 4
        let epochs = 8 * max(target, 1)   // about a second of training per kill here
        let calm = recipe(dir, name: "calm", epochs: epochs)
        var started = Date()
        let straight = try CLI.run(["train", calm])
        let whole = Date().timeIntervalSince(started)
        started = Date()
        _ = try CLI.run(["train", calm, "--resume"])   // loads everything, has nothing left to train: the start-up
        let startup = Date().timeIntervalSince(started)
        #expect(straight.status == 0, "\(straight.stderr)")
        let chaos = recipe(dir, name: "chaos", epochs: epochs)
        let exp = dir.appendingPathComponent("exp/chaos")
        var rng = SeededGenerator(seed: 11)
        var kills = 0, runs = 0
        var moments: [String] = []   // seconds into each killed run
        while true {
            runs += 1
            let p = Process()
            p.executableURL = CLI.productsDirectory.appendingPathComponent("asr")
            p.arguments = ["train", chaos, "--resume"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let launched = Date()
            if kills < target {
                // Anywhere in the start-up or up to twice a fair share of the training after it:
                // loading, mid-epoch, validation, checkpoint and report writes all get hit.
                let deadline = Date().addingTimeInterval(Double(rng.nextUniform()) * (startup + 2 * (whole - startup) / Double(target)))
                while p.isRunning && Date() < deadline { usleep(1000) }
            }
            if p.isRunning && kills < target {
                moments.append(String(format: "%.2f", Date().timeIntervalSince(launched)))
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                kills += 1
                try checkWholeFiles(exp)
                continue
            }
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "run \(runs) ended with \(p.terminationStatus)")
            break
        }
        #expect(kills == target && runs > target, "\(kills) kills in \(runs) runs")
        try checkWholeFiles(exp)
        for f in ["checkpoints/epoch-\(epochs)/model.safetensors", "checkpoints/epoch-\(epochs)/optimizer.safetensors", "model.safetensors"] {
            var a = try Data(contentsOf: dir.appendingPathComponent("exp/calm/\(f)"))
            var b = try Data(contentsOf: exp.appendingPathComponent(f))
            if f == "model.safetensors" {   // its header names the experiment: compare the tensors
                func body(_ d: Data) -> Data { d.dropFirst(8 + d.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }) }
                (a, b) = (body(a), body(b))
            }
            #expect(!a.isEmpty && a == b, "\(f) differs after \(kills) kills")
        }
        let leftovers = FileManager.default.enumerator(atPath: dir.appendingPathComponent("exp").path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".tmp") } ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")
        let sums = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/sha256sum"),
                               ["calm", "chaos"].map { dir.appendingPathComponent("exp/\($0)/checkpoints/epoch-\(epochs)/model.safetensors").path })
        print("chaos: \(kills) kills at \(moments.joined(separator: ", ")) s into their runs (start-up \(String(format: "%.2f", startup)) s; "
              + "\(runs) runs, \(epochs) epochs, \(String(format: "%.1f", whole)) s uninterrupted); final weights:\n\(sums.stdout)")
    }

    /// Every visible file of an experiment folder is whole.
    func checkWholeFiles(_ exp: URL) throws {
        let fm = FileManager.default
        let files = fm.enumerator(atPath: exp.path)?.compactMap { $0 as? String } ?? []
        for f in files where !(f as NSString).lastPathComponent.hasPrefix(".") {
            let url = exp.appendingPathComponent(f)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else { continue }
            let data = try Data(contentsOf: url)
            if f.hasSuffix(".json") {
                #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(f): not whole JSON")
            } else if f.hasSuffix(".jsonl") {
                for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                    #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(f): a torn line")
                }
            } else if f.hasSuffix(".safetensors") {
                guard data.count >= 8 else { Issue.record("\(f): \(data.count) bytes"); continue }
                let n = data.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
                guard data.count >= 8 + n, let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as? [String: Any] else {
                    Issue.record("\(f): header torn"); continue
                }
                let end = header.values.compactMap { ($0 as? [String: Any])?["data_offsets"] as? [Int] }.map { $0[1] }.max() ?? 0
                #expect(data.count == 8 + n + end, "\(f): \(data.count) bytes, header says \(8 + n + end)")
            } else if f == "checkpoints/last" {
                let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                for part in ["model.safetensors", "optimizer.safetensors", "trainer.json"] {
                    #expect(fm.fileExists(atPath: exp.appendingPathComponent("checkpoints/\(name)/\(part)").path), "last → \(name) lacks \(part)")
                }
                // The best model is saved before `last` moves: never older than the best epoch `last` knows.
                let state = try? JSONSerialization.jsonObject(with: Data(contentsOf: exp.appendingPathComponent("checkpoints/\(name)/trainer.json"))) as? [String: Any]
                let model = try? JSONSerialization.jsonObject(with: Data(contentsOf: exp.appendingPathComponent("model.json"))) as? [String: Any]
                if let best = state?["best_epoch"] as? Int, best > 0 {
                    #expect((model?["epoch"] as? Int ?? 0) >= best, "model.json epoch \(model?["epoch"] ?? "none") is older than the best epoch \(best) of \(name)")
                }
            }
        }
    }

    /// An experiment folder is never lost or shared: training again over a trained
    /// one is refused without --resume or --force; --force moves it aside; a run
    /// holding the lock (here flock(1)) keeps others out; a copied experiment resumes
    /// under its new name; temporary files a killed run left are removed.
    @Test func experimentFolderIsGuarded() throws {
        let dir = TestPaths.temporaryDirectory("e2e-guard")
        let first = recipe(dir, name: "guard", epochs: 1)
        let a = try CLI.run(["train", first])
        #expect(a.status == 0, "\(a.stderr)")
        let exp = dir.appendingPathComponent("exp/guard").path
        let model = try Data(contentsOf: URL(fileURLWithPath: exp + "/model.safetensors"))
        let again = try CLI.run(["train", first])
        #expect(again.status != 0 && again.stderr.contains("\(exp) already holds a model trained for 1 epoch: --resume"), "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: exp + "/model.safetensors")) == model, "untouched")
        let both = try CLI.run(["train", first, "--resume", "--force"])
        #expect(both.status != 0 && both.stderr.contains("give one"), "\(both.stderr)")
        let forced = try CLI.run(["train", first, "--force"])
        #expect(forced.status == 0 && forced.stdout.contains("moved the earlier experiment aside"), "\(forced.stderr)")
        // Held by another process (flock(1) here): refused.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        p.arguments = [dir.appendingPathComponent("exp/.guard.lock").path, "sleep", "30"]
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        var busy = try CLI.run(["train", first, "--resume"])
        for _ in 0..<50 where !busy.stderr.contains("being trained by") { usleep(100_000); busy = try CLI.run(["train", first, "--resume"]) }
        #expect(busy.status != 0 && busy.stderr.contains("exp/.guard.lock: the experiment is being trained by"), "\(busy.stderr)")
        p.terminate()
        p.waitUntilExit()
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("exp").path).filter { $0.hasPrefix("guard.replaced-") }
        #expect(aside.count == 1)
        #expect(try Data(contentsOf: dir.appendingPathComponent("exp/\(aside[0])/model.safetensors")) == model, "the first model, moved aside whole")
        // A copy resumes under its own name; a dead writer's temporary file goes.
        try FileManager.default.copyItem(atPath: exp, toPath: dir.appendingPathComponent("exp/copy").path)
        let stale = dir.appendingPathComponent("exp/copy/.model.json.4194301.77.tmp")
        try Data("half".utf8).write(to: stale)
        let copy = try CLI.run(["train", recipe(dir, name: "copy", epochs: 1), "--resume", "--epochs", "2"])
        #expect(copy.status == 0 && copy.stdout.contains("resuming") && copy.stdout.contains("epoch 2/2"), "\(copy.stdout)\(copy.stderr)")
        #expect(copy.stdout.contains("removed 1 temporary file left by an interrupted run") && !FileManager.default.fileExists(atPath: stale.path))
    }

    /// A learning rate of 1e9 diverges: training stops with an error naming the
    /// step or epoch (it once trained 10 epochs and saved 97% NaN weights with exit 0,
    /// its bad-batch count starting again every epoch), and no saved weight is NaN/inf.
    @Test func divergenceStopsBeforeAnythingNonFiniteIsSaved() throws {
        let dir = TestPaths.temporaryDirectory("e2e-diverge")
        let r = try CLI.run(["train", recipe(dir, name: "wild", epochs: 4), "--set", "train.optimizer.learning_rate=1e9"])
        #expect(r.status != 0 && r.stderr.contains("training diverged"), "\(r.stdout)\(r.stderr)")
        let exp = dir.appendingPathComponent("exp/wild")
        let files = FileManager.default.enumerator(atPath: exp.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".safetensors") } ?? []
        for f in files {
            let d = try Data(contentsOf: exp.appendingPathComponent(f))
            let n = d.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
            let body = d.dropFirst(8 + n)
            var w = [Float](repeating: 0, count: body.count / 4)
            _ = w.withUnsafeMutableBytes { body.copyBytes(to: $0) }
            #expect(w.allSatisfy { $0.isFinite }, "\(f): \(w.filter { !$0.isFinite }.count) non-finite weights")
        }
    }

    /// Data parallelism over Open MPI: 2 ranks, each with its part of every batch
    /// of 5 (2 and 3 utterances: unequal parts weigh by their size), train to the
    /// weights of one process with the whole batch (24 steps; the summation order
    /// of the gradient is the only difference), and a 2-rank run resumed by one
    /// process continues where it stopped.
    @Test func twoRanksTrainLikeOne() throws {
        let dir = TestPaths.temporaryDirectory("e2e-mpi")
        // No dropout (its masks are drawn per batch shape, so per rank); the rest as the other tests.
        func r(_ name: String) -> String { recipe(dir, name: name, epochs: 2, extra: "") }
        let common = ["--threads", "1", "--set", "model.dropout=0", "--set", "train.batch_size=5"]
        let one = try CLI.run(["train", r("one")] + common)
        #expect(one.status == 0, "\(one.stderr)")
        let two = try CLI.runMPI(ranks: 2, ["train", r("two")] + common)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stdout.contains("2 ranks") && two.stdout.components(separatedBy: "epoch 2/2").count == 2, "\(two.stdout)")  // rank 0 alone prints
        let half = try CLI.runMPI(ranks: 2, ["train", r("half"), "--epochs", "1"] + common)
        #expect(half.status == 0, "\(half.stderr)")
        let resumed = try CLI.run(["train", r("half"), "--resume"] + common)
        #expect(resumed.status == 0 && resumed.stdout.contains("resuming"), "\(resumed.stderr)")
        func weights(_ name: String) throws -> [Float] {
            let d = try Data(contentsOf: dir.appendingPathComponent("exp/\(name)/checkpoints/epoch-2/model.safetensors"))
            let n = d.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self)) }
            let body = d.dropFirst(8 + n)
            var w = [Float](repeating: 0, count: body.count / 4)
            _ = w.withUnsafeMutableBytes { body.copyBytes(to: $0) }
            return w
        }
        let a = try weights("one")
        for name in ["two", "half"] {
            let b = try weights(name)
            #expect(a.count == b.count && a.count > 1000)
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            // Float32 sums of two part-batch gradients instead of one, through 24 Adam steps:
            // measured 1.7e-6 on a 600-utterance run of 76 steps; weights are ~0.1–0.5.
            #expect(worst < 1e-4, "\(name): max |Δw| \(worst)")
        }
        try checkShardedTranscription(dir: dir, model: dir.appendingPathComponent("exp/one").path)
    }

    /// `transcribe --manifest --out`: blocks K/N concatenated, and 2 MPI ranks, give
    /// the lines of one process in input order; `eval` under mpirun scores like one
    /// process; a missing file is reported and the others go on.
    func checkShardedTranscription(dir: URL, model: String) throws {
        let manifest = Self.corpus.path + "/test.jsonl"
        func out(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let whole = try CLI.run(["transcribe", "--model", model, "--manifest", manifest, "--out", out("all.jsonl")])
        #expect(whole.status == 0, "\(whole.stderr)")
        let all = try String(contentsOfFile: out("all.jsonl"), encoding: .utf8)
        let ids = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n").count
        #expect(all.split(separator: "\n").count == ids && all.contains("\"text\":"))
        var parts = ""
        for k in 0..<3 {
            let r = try CLI.run(["transcribe", "--model", model, "--manifest", manifest, "--out", out("part\(k).jsonl"), "--shard", "\(k)/3"])
            #expect(r.status == 0, "\(r.stderr)")
            parts += try String(contentsOfFile: out("part\(k).jsonl"), encoding: .utf8)
        }
        #expect(parts == all)
        let mpi = try CLI.runMPI(ranks: 2, ["transcribe", "--model", model, "--manifest", manifest, "--out", out("mpi.jsonl")])
        #expect(mpi.status == 0, "\(mpi.stderr)")
        #expect(try String(contentsOfFile: out("mpi.jsonl"), encoding: .utf8) == all)
        let e1 = try CLI.run(["eval", "--model", model, "--manifest", manifest])
        let e2 = try CLI.runMPI(ranks: 2, ["eval", "--model", model, "--manifest", manifest])
        func wer(_ s: String) -> String? { s.split(separator: "\n").first { $0.hasPrefix("%WER") }.map(String.init) }
        #expect(e1.status == 0 && e2.status == 0 && wer(e1.stdout) != nil && wer(e1.stdout) == wer(e2.stdout), "\(e1.stdout)\n\(e2.stdout)")
        let bad = try CLI.run(["transcribe", "--model", model, "--manifest", manifest, "--out", out("x.jsonl"), "--shard", "3/3"])
        #expect(bad.status != 0 && bad.stderr.contains("expected K/N"), "\(bad.stderr)")
        // A missing file: an error line for it, the others transcribed, exit 1.
        let wav = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path + "/wav").filter { $0.hasPrefix("test") }.sorted()[0]
        let lines2 = #"{"audio_filepath": "/no/such.wav", "id": "gone"}"# + "\n" + #"{"audio_filepath": "\#(Self.corpus.path)/wav/\#(wav)"}"# + "\n"
        try lines2.write(toFile: out("holes.jsonl"), atomically: true, encoding: .utf8)
        let holes = try CLI.run(["transcribe", "--model", model, "--manifest", out("holes.jsonl"), "--out", out("holes-out.jsonl")])
        let lines = try String(contentsOfFile: out("holes-out.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(holes.status == 1 && holes.stderr.contains("gone") && lines.count == 2)
        #expect(lines[0].contains("\"error\"") && lines[1].contains("\"text\""))
    }

    @Test func recipeErrorsExitNonZero() throws {
        let dir = TestPaths.temporaryDirectory("e2e-err")
        let r = try CLI.run(["train", recipe(dir, name: "bad", extra: #", "modle": {}"#)])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown key 'modle'"))
        let m = try CLI.run(["transcribe", "--model", dir.appendingPathComponent("nothing").path, "x.wav"])
        #expect(m.status != 0 && m.stderr.contains("model.json"))
    }
}
