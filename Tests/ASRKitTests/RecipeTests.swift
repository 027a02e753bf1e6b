import Foundation
import Testing
import ASRCore
import Features
import AudioIO
import Decoding
@testable import ASRKit
import ASRText
import _TestSupport

@Suite struct RecipeTests {
    let dir = TestPaths.temporaryDirectory("recipe")

    func write(_ name: String, _ text: String) -> String { TestPaths.write(text, to: name, in: dir) }

    var manifest: String { write("m.jsonl", "{\"audio_filepath\": \"x.wav\", \"text\": \"a\"}\n") }

    func error(_ json: String) -> String {
        let p = write("r.json", json)
        do { _ = try Recipe.load(p); return "no error" } catch { return "\(error)" }
    }

    @Test func shippedRecipesAreValid() throws {
        for name in ["digits", "debug", "mandarin", "mandarin-chars"] {
            let p = TestPaths.repoRoot.appendingPathComponent("recipes/\(name).json").path
            let data = try Data(contentsOf: URL(fileURLWithPath: p))
            let r = try StrictJSON.decode(Recipe.self, from: data, source: p)  // paths are made by `make`, not checked here
            #expect(r.name == name)
            #expect(throws: Never.self) { try r.validate() }
        }
    }

    @Test func unknownKey() {
        let e = error(#"{"data": {"train": "\#(manifest)"}, "model": {"hiden_size": 3}}"#)
        #expect(e.contains("r.json") && e.contains("unknown key 'model.hiden_size'") && e.contains("hidden_size"))
    }

    @Test func wrongType() {
        let e = error(#"{"data": {"train": "\#(manifest)"}, "train": {"epochs": "ten"}}"#)
        #expect(e.contains("'train.epochs'") && e.contains("expected an integer"))
    }

    /// A fraction where an integer belongs names the key and the value (it was
    /// "key '(top level)': The given data was not valid JSON"); floats still take fractions.
    @Test func fractionWhereAnIntegerBelongs() {
        let e = error(#"{"data": {"train": "\#(manifest)"}, "model": {"hidden_size": 32.5}}"#)
        #expect(e.contains("key 'model.hidden_size': expected an integer, found 32.5"), "\(e)")
        let big = error(#"{"data": {"train": "\#(manifest)"}, "train": {"batch_size": 1e30, "epochs": 2.5}}"#)
        #expect(big.contains("key 'train.batch_size': expected an integer, found 1000000000000000019884624838656")
                || big.contains("key 'train.epochs': expected an integer, found 2.5"), "\(big)")
        let set = (try? Recipe.load(write("ok.json", #"{"data": {"train": "\#(manifest)"}}"#), overrides: ["train.batch_size=8.5"])).map { _ in "" }
        #expect(set == nil)
        do {
            _ = try Recipe.load(write("ok2.json", #"{"data": {"train": "\#(manifest)"}}"#), overrides: ["train.batch_size=8.5"])
        } catch {
            #expect("\(error)".contains("'train.batch_size': expected an integer, found 8.5"), "\(error)")
        }
    }

    @Test func missingFile() {
        let e = error(#"{"data": {"train": "/no/such/train.jsonl"}}"#)
        #expect(e.contains("'data.train'") && e.contains("/no/such/train.jsonl does not exist"))
        // A generated corpus not made yet says which make target makes it (recipes/debug.json once gave no clue).
        let g = error(#"{"data": {"train": "data/generated/not-made-yet/train.jsonl"}}"#)
        #expect(g.contains("data/generated/not-made-yet/train.jsonl does not exist") && g.contains("make debug-data"), "\(g)")
    }

    @Test func missingTrainSet() {
        #expect(error("{}").contains("'data.train'"))
    }

    @Test func impossibleValues() {
        #expect(error(#"{"data": {"train": "\#(manifest)"}, "model": {"dropout": 1.5}}"#).contains("'model.dropout'"))
        #expect(error(#"{"data": {"train": "\#(manifest)"}, "train": {"optimizer": {"learning_rate": -1}}}"#)
            .contains("'train.optimizer.learning_rate'"))
        #expect(error(#"{"data": {"train": "\#(manifest)", "sample_rate": 8000}}"#).contains("sample_rate"))
        #expect(error(#"{"data": {"train": "\#(manifest)"}, "features": {"type": "plp"}}"#).contains("\"fbank\", \"mfcc\""))
        #expect(error(#"{"data": {"train": "\#(manifest)"}, "augment": {"noise_snr_db": [30, 10]}}"#).contains("augment.noise_snr_db"))
        #expect(error("{\"data\": ").contains("invalid JSON"))
        #expect(error(#"{"data": {"train": "\#(manifest)"}, "decode": {"unknown_prefix_penalty": 2}}"#)
            .contains("'decode.unknown_prefix_penalty'"))
    }
}

@Suite struct DataSetTests {
    let dir = TestPaths.temporaryDirectory("dataset")

    func write(_ name: String, _ text: String) -> String { TestPaths.write(text, to: name, in: dir) }

    func wav(_ name: String) -> String {
        let p = dir.appendingPathComponent(name).path
        try! AudioFileStub.tone(p)
        return p
    }

    @Test func manifestErrorsNameFileAndLine() {
        _ = wav("a.wav")
        let missing = write("missing.jsonl", "{\"audio_filepath\": \"a.wav\", \"text\": \"hi\"}\n{\"audio_filepath\": \"nope.wav\", \"text\": \"x\"}\n")
        #expect(throws: DataError.missingAudio(origin: "\(missing):2", path: dir.appendingPathComponent("nope.wav").path)) {
            try DataSet.load(missing, normalize: .init())
        }
        let empty = write("empty.jsonl", "{\"audio_filepath\": \"a.wav\", \"text\": \"  \"}\n")
        #expect(throws: DataError.emptyText(origin: "\(empty):1")) { try DataSet.load(empty, normalize: .init()) }
        let bad = write("bad.jsonl", "{\"audio_filepath\": \"a.wav\", \"text\": \"hi\"}\nnot json\n")
        #expect(throws: DataError.malformed(origin: "\(bad):2", reason: "not a JSON object")) { try DataSet.load(bad, normalize: .init()) }
        let noText = write("notext.jsonl", "{\"audio_filepath\": \"a.wav\"}\n")
        #expect(throws: DataError.self) { try DataSet.load(noText, normalize: .init()) }
    }

    /// CRLF line ends and a UTF-8 byte-order mark read like LF, in manifests and in
    /// every file of a Kaldi folder (a CRLF manifest was "line 1: not a JSON object",
    /// a CRLF wav.scp one path of all its lines).
    @Test func crlfAndByteOrderMarkReadLikeLF() throws {
        _ = wav("a.wav"); _ = wav("b.wav")
        let manifest = "{\"audio_filepath\": \"a.wav\", \"text\": \"one two\"}\n{\"audio_filepath\": \"b.wav\", \"text\": \"three\"}\n"
        let styles: [(String, (String) -> String)] = [("lf", { $0 }), ("crlf", { $0.replacingOccurrences(of: "\n", with: "\r\n") }),
                                                      ("bom", { "\u{FEFF}" + $0.replacingOccurrences(of: "\n", with: "\r\n") })]
        func summary(_ u: [Utterance]) -> [String] { u.map { "\($0.id)|\($0.audioPath)|\($0.text)|\($0.speaker ?? "-")" } }
        var manifests: [[String]] = [], folders: [[String]] = []
        for (style, transform) in styles {
            manifests.append(summary(try DataSet.load(write("m-\(style).jsonl", transform(manifest)), normalize: .init())))
            let k = dir.appendingPathComponent("kaldi-\(style)")
            try FileManager.default.createDirectory(at: k, withIntermediateDirectories: true)
            for (name, text) in [("wav.scp", "u1 \(dir.path)/a.wav\nu2 \(dir.path)/b.wav\n"), ("text", "u1 one two\nu2 three\n"), ("utt2spk", "u1 s1\nu2 s2\n")] {
                try transform(text).write(to: k.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            folders.append(summary(try DataSet.load(k.path, normalize: .init())))
        }
        #expect(manifests[0].count == 2 && manifests.allSatisfy { $0 == manifests[0] }, "\(manifests)")
        #expect(folders[0] == ["u1|\(dir.path)/a.wav|one two|s1", "u2|\(dir.path)/b.wav|three|s2"] && folders.allSatisfy { $0 == folders[0] }, "\(folders)")
    }

    @Test func transcriptFromAnotherField() throws {
        _ = wav("a.wav")
        let m = write("pinyin.jsonl", "{\"audio_filepath\": \"a.wav\", \"text\": \"好棒棒\", \"pinyin\": \"hao3 bang4 bang4\"}\n")
        let utts = try DataSet.load(m, normalize: .init(), field: "pinyin")
        #expect(utts.map(\.text) == ["hao3 bang4 bang4"])
        #expect(utts[0].attributes["text"] == "好棒棒")      // the characters stay, as an attribute
        #expect(try DataSet.load(m, normalize: .init()).map(\.text) == ["好棒棒"])
        var joined = TextNormalization()
        joined.removeWhitespace = true
        #expect(try DataSet.load(m, normalize: joined, field: "pinyin").map(\.text) == ["hao3bang4bang4"])
        let other = write("other.jsonl", "{\"audio_filepath\": \"a.wav\", \"text\": \"好\"}\n")
        #expect(throws: DataError.malformed(origin: "\(other):1", reason: "missing \"pinyin\" (a string) (the recipe's tokens.field)")) {
            try DataSet.load(other, normalize: .init(), field: "pinyin")
        }
        var recipe = Recipe()
        recipe.data.train = m
        recipe.tokens.field = "audio_filepath"
        #expect(throws: ConfigError.self) { try recipe.validate() }
    }

    /// pinyin_to_zhuyin: syllables become zhuyin; a word that is not one is an error naming the line.
    @Test func pinyinSpeltInZhuyin() throws {
        _ = wav("a.wav")
        let m = write("zhuyin.jsonl", "{\"audio_filepath\": \"a.wav\", \"pinyin\": \"hao3 bang4 bang4\"}\n"
                                     + "{\"audio_filepath\": \"a.wav\", \"pinyin\": \"hao3 bang bang4\"}\n")
        var n = TextNormalization()
        n.pinyinToZhuyin = true
        n.removeWhitespace = true
        let utts = try DataSet.load(m, normalize: n, field: "pinyin")
        #expect(utts[0].text == "ㄏㄠ\u{030C}ㄅㄤ\u{0300}ㄅㄤ\u{0300}")
        #expect(throws: Never.self) { try DataSet.checkZhuyin([utts[0]], field: "pinyin") }
        #expect(throws: DataError.malformed(origin: "\(m):2", reason: "'bang' in \"pinyin\" is not a tone-numbered pinyin syllable (e.g. 'bang4', 'lv3'), which tokens.normalize.pinyin_to_zhuyin expects")) {
            try DataSet.checkZhuyin(utts, field: "pinyin")
        }
        // A recipe key like any other.
        let r = write("r.json", "{\"data\": {\"train\": \"\(m)\"}, \"tokens\": {\"field\": \"pinyin\", \"normalize\": {\"pinyin_to_zhuyin\": true}}}")
        #expect(try Recipe.load(r).tokens.normalize.pinyinToZhuyin)
    }

    @Test func charactersOutsideTheInventory() throws {
        _ = wav("a.wav")
        let m = write("dev.jsonl", "{\"audio_filepath\": \"a.wav\", \"text\": \"好棒\"}\n")
        let utts = try DataSet.load(m, normalize: .init())
        let tokens = TokenTable(tokens: ["<blank>", "好"])
        #expect(throws: DataError.unknownCharacter(origin: "\(m):1", character: "棒", text: "好棒")) {
            try DataSet.checkCharacters(utts, tokens: tokens)
        }
    }

    @Test func kaldiFolder() throws {
        let d = dir.appendingPathComponent("kaldi")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        try AudioFileStub.tone(d.appendingPathComponent("u1.wav").path)
        try "u1 u1.wav\n".write(to: d.appendingPathComponent("wav.scp"), atomically: true, encoding: .utf8)
        try "u1 Seven,  Three!\n".write(to: d.appendingPathComponent("text"), atomically: true, encoding: .utf8)
        try "u1 spk1\n".write(to: d.appendingPathComponent("utt2spk"), atomically: true, encoding: .utf8)
        let utts = try DataSet.load(d.path, normalize: .init(lowercase: true, stripPunctuation: true, collapseWhitespace: true))
        #expect(utts.count == 1 && utts[0].text == "seven three" && utts[0].speaker == "spk1")
        try "u1 cat x.wav |\n".write(to: d.appendingPathComponent("wav.scp"), atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try DataSet.load(d.path, normalize: .init()) }
    }
}

@Suite struct SerializationTests {
    /// snake_case keys survive a round trip (an acronym like `devWER` would not).
    @Test func recipeAndModelInfoRoundTrip() throws {
        var r = Recipe()
        r.data.train = "train.jsonl"
        #expect(try StrictJSON.decode(Recipe.self, from: StrictJSON.encode(r), source: "x") == r)
        let info = ModelInfo(name: "m", features: .init(), cmvn: CMVNStats(dimension: 2), model: .init(), inputSize: 40,
                             tokens: ["<blank>", "a"], normalize: .init(), decode: .init(), frameSeconds: 0.03, sampleRate: 16000,
                             epoch: 3, devWer: 0.1, devCer: 0.05, parameters: 7)
        let back = try ModelBundle.decoder().decode(ModelInfo.self, from: ModelBundle.encoder().encode(info))
        #expect(back == info)
    }

    /// An experiment's recipe.json written before keys existed (data.cache_mb and
    /// data.prefetch_batches came later) still reads for `asr report`, with their
    /// defaults; its own values are kept.
    @Test func olderRecipeJSONKeepsDefaults() throws {
        var r = Recipe()
        r.data.train = "t.jsonl"
        r.model.hiddenSize = 77
        var object = try JSONSerialization.jsonObject(with: StrictJSON.encode(r)) as! [String: Any]
        var data = object["data"] as! [String: Any]
        data["cache_mb"] = nil
        data["prefetch_batches"] = nil
        object["data"] = data
        let back = try ModelBundle.decodeRecipe(JSONSerialization.data(withJSONObject: object))
        #expect(back == r)
    }

    /// A model.json written before keys existed (decode.unknown_prefix_penalty,
    /// decode.lexicon and the other keys `DecodingConfig` added, the VTLN options) still loads, with their defaults; its
    /// own values are kept.
    @Test func olderModelJSONKeepsDefaults() throws {
        var decode = DecodingConfig()
        decode.beam = 8
        decode.lmWeight = 0.7
        let info = ModelInfo(name: "m", features: .init(), cmvn: nil, model: .init(), inputSize: 40,
                             tokens: ["<blank>", "a"], normalize: .init(), decode: decode, frameSeconds: 0.03, sampleRate: 16000,
                             epoch: 3, devWer: 0.1, devCer: 0.05, parameters: 7)
        var object = try #require(JSONSerialization.jsonObject(with: ModelBundle.encoder().encode(info)) as? [String: Any])
        var d = try #require(object["decode"] as? [String: Any])
        for k in ["unknown_prefix_penalty", "lexicon", "lexicon_from_lm", "hotwords", "nbest", "lm_unit", "search",
                  "token_top_k", "token_min_log_prob", "beam_prune_log_prob", "blank_skip_threshold"] { #expect(d.removeValue(forKey: k) != nil, "\(k)") }
        object["decode"] = d
        var f = try #require(object["features"] as? [String: Any]), fb = try #require(f["fbank"] as? [String: Any])
        var mel = try #require(fb["mel"] as? [String: Any])
        #expect(mel.removeValue(forKey: "vtln_low") != nil && fb.removeValue(forKey: "vtln_warp") != nil)
        fb["mel"] = mel; f["fbank"] = fb; object["features"] = f
        let old = try ModelBundle.decodeInfo(JSONSerialization.data(withJSONObject: object))
        #expect(old == info)
        #expect(old.decode.beam == 8 && old.decode.lmWeight == 0.7)
    }
}

@Suite struct CorpusGeneratorTests {
    /// The Mandarin corpus: Chinese text in the manifest, audio from the
    /// cmn-latn-pinyin voice, test voices disjoint from training voices; every dev
    /// and test line says its text kind, a "heldout" one holds a held-out word of
    /// its split, and no dev or test text is a training text.
    @Test func mandarinCorpus() throws {
        let dir = TestPaths.temporaryDirectory("zh-corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try makeCorpus(["mandarin", dir.path, "--count", "60", "--seed", "4"]).status == 0)
        let train = try DataSet.load(dir.appendingPathComponent("train.jsonl").path, normalize: .init())
        #expect(!train.isEmpty)
        for u in train {
            #expect(u.text.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) }, "\(u.text)")
            #expect(u.speaker?.hasPrefix("espeak-ng:cmn-latn-pinyin+") == true)
            #expect(u.duration > 0.3)
        }
        let trainVoices = Set(try String(contentsOf: dir.appendingPathComponent("voices-train.txt"), encoding: .utf8).split(separator: "\n"))
        let testVoices = Set(try String(contentsOf: dir.appendingPathComponent("voices-test.txt"), encoding: .utf8).split(separator: "\n"))
        #expect(trainVoices.isDisjoint(with: testVoices) && !testVoices.isEmpty)
        let held = try heldOutWords()
        let trainTexts = Set(train.map(\.text))
        for split in ["dev", "test"] {
            let utts = try DataSet.load(dir.appendingPathComponent("\(split).jsonl").path, normalize: .init())
            #expect(!utts.isEmpty, "\(split)")
            for u in utts {
                let kind = u.attributes["text_kind"]
                #expect(kind == "natural" || kind == "heldout", "\(split) \(u.text): text_kind \(kind ?? "missing")")
                if kind == "heldout" {
                    #expect(held[split, default: []].contains { u.text.contains($0) }, "\(split) \(u.text) has no held-out word")
                }
                #expect(!trainTexts.contains(u.text))
            }
        }
    }

    /// The committed clauses (data/mandarin/sentences.tsv.gz): no dev or test clause
    /// is a training clause, no training clause holds a held-out word, every
    /// "heldout" clause holds one of its split, pinyin has one syllable a character,
    /// and the 1,000 most frequent characters all occur in training.
    @Test func mandarinClauses() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "gzip -dc '\(TestPaths.repoRoot.appendingPathComponent("data/mandarin/sentences.tsv.gz").path)'"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        var texts: [String: Set<String>] = [:]
        var trainChars = Set<Character>()
        let held = try heldOutWords()
        let allHeld = held.values.flatMap { $0 }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(f.count == 4, "\(line)")
            #expect(f[2].count == f[3].split(separator: " ").count, "\(line)")
            texts[f[0], default: []].insert(f[2])
            if f[0] == "train" {
                trainChars.formUnion(f[2])
                #expect(!allHeld.contains { f[2].contains($0) }, "training clause \(f[2]) holds a held-out word")
            } else if f[1] == "heldout" {
                #expect(held[f[0], default: []].contains { f[2].contains($0) }, "\(f[0]) clause \(f[2]) has no held-out word")
            }
        }
        #expect(texts["train", default: []].count >= 10_000 && texts["test", default: []].count >= 1_000)
        #expect(texts["train", default: []].isDisjoint(with: texts["test", default: []].union(texts["dev", default: []])))
        let ranks = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("data/mandarin/characters.txt"), encoding: .utf8)
        let top = ranks.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line -> Character? in
            let f = line.split(separator: "\t")
            return f.count == 2 && Int(f[1])! <= 1000 ? f[0].first : nil
        }
        #expect(top.count == 1000 && top.allSatisfy { trainChars.contains($0) })
    }

    /// data/mandarin/heldout-words.txt: word → split.
    func heldOutWords() throws -> [String: [String]] {
        let text = try String(contentsOf: TestPaths.repoRoot.appendingPathComponent("data/mandarin/heldout-words.txt"), encoding: .utf8)
        var held: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            if f.count == 2 { held[f[1], default: []].append(f[0]) }
        }
        #expect(held["dev", default: []].count > 50 && held["test", default: []].count > 50)
        return held
    }
}

/// Runs data/make_corpus.sh: its exit status and standard error.
func makeCorpus(_ args: [String]) throws -> (status: Int32, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [TestPaths.repoRoot.appendingPathComponent("data/make_corpus.sh").path] + args
    p.standardOutput = FileHandle.nullDevice
    let err = Pipe()
    p.standardError = err
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

@Suite struct DigitsCorpusTests {
    /// The digits corpus from three engines: the held-out engine voice (flite
    /// awb) only in test, festival only in dev, held-out espeak-ng variants
    /// never in train; every line names speaker and engine.
    @Test func enginesAndHeldOutVoices() throws {
        let dir = TestPaths.temporaryDirectory("digits-corpus")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try makeCorpus(["digits", dir.path, "--count", "90", "--seed", "3"]).status == 0)
        func load(_ split: String) throws -> [Utterance] { try DataSet.load(dir.appendingPathComponent("\(split).jsonl").path, normalize: .init()) }
        let train = try load("train"), dev = try load("dev"), test = try load("test")
        #expect(train.count + dev.count + test.count == 90)
        for u in train + dev + test {
            let engine = try #require(u.attributes["engine"])
            #expect(u.speaker?.hasPrefix(engine + ":") == true, "\(u.origin)")
            #expect(u.duration > 0.2 && !u.text.isEmpty)
        }
        #expect(Set(train.compactMap { $0.attributes["engine"] }) == ["espeak-ng", "flite"])
        #expect(!train.contains { $0.speaker == "flite:awb" || $0.speaker == "festival:kal_diphone" })
        #expect(test.contains { $0.speaker == "flite:awb" } && test.allSatisfy { $0.speaker == "flite:awb" || $0.attributes["engine"] == "espeak-ng" })
        #expect(dev.contains { $0.speaker == "festival:kal_diphone" })
        let variant = { (u: Utterance) in u.speaker.flatMap { $0.split(separator: "+").last.map(String.init) } }
        let trainVariants = Set(train.filter { $0.attributes["engine"] == "espeak-ng" }.compactMap(variant))
        #expect(trainVariants.isDisjoint(with: test.filter { $0.attributes["engine"] == "espeak-ng" }.compactMap(variant)))
        // Same seed, same corpus.
        let again = TestPaths.temporaryDirectory("digits-corpus-again")
        defer { try? FileManager.default.removeItem(at: again) }
        #expect(try makeCorpus(["digits", again.path, "--count", "90", "--seed", "3"]).status == 0)
        for name in ["train.jsonl", "test.jsonl", "wav/\(URL(fileURLWithPath: test[0].audioPath).lastPathComponent)"] {
            #expect(FileManager.default.contents(atPath: dir.appendingPathComponent(name).path)
                    == FileManager.default.contents(atPath: again.appendingPathComponent(name).path), "\(name)")
        }
    }

    /// --mixed-voices: new variants built only from the training variants' lines, used
    /// only in training; the dev and test jobs are exactly those of the corpus without them.
    @Test func mixedVoicesAreCrossoversOfTrainingVariants() throws {
        let plain = TestPaths.temporaryDirectory("digits-corpus-plain"), mixed = TestPaths.temporaryDirectory("digits-corpus-mixed")
        defer { for d in [plain, mixed] { try? FileManager.default.removeItem(at: d) } }
        #expect(try makeCorpus(["digits", plain.path, "--count", "60", "--seed", "5"]).status == 0)
        #expect(try makeCorpus(["digits", mixed.path, "--count", "60", "--seed", "5", "--mixed-voices", "12"]).status == 0)
        func file(_ d: URL, _ name: String) -> Data? { FileManager.default.contents(atPath: d.appendingPathComponent(name).path) }
        for name in ["dev.jsonl", "test.jsonl"] { #expect(file(plain, name) == file(mixed, name), "\(name)") }
        let train = try DataSet.load(mixed.appendingPathComponent("train.jsonl").path, normalize: .init())
        #expect(train.contains { $0.speaker?.contains("+mix") == true })
        #expect(try DataSet.load(mixed.appendingPathComponent("test.jsonl").path, normalize: .init()).allSatisfy { $0.speaker?.contains("+mix") != true })
        // Every line of every mix is a line of a training variant.
        let variants = mixed.appendingPathComponent("espeak/espeak-ng-data/voices/!v")
        let trainNames = try String(contentsOf: mixed.appendingPathComponent("voices-train.txt"), encoding: .utf8)
            .split(separator: "\n").map { String($0.dropFirst("espeak-ng:".count)) }.filter { !$0.hasPrefix("mix") }
        func lines(_ name: String) -> Set<String> {
            // (Some variant files are Latin-1: decode leniently, the same way for mixes and sources.)
            let text = String(decoding: FileManager.default.contents(atPath: variants.appendingPathComponent(name).path) ?? Data(), as: UTF8.self)
            return Set(text.split(whereSeparator: \.isNewline).map {
                $0.replacingOccurrences(of: #"//.*"#, with: "", options: .regularExpression).split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }.filter { !$0.isEmpty })
        }
        let trainLines = trainNames.reduce(into: Set<String>()) { $0.formUnion(lines($1)) }
        for m in 1...12 {
            let mix = lines(String(format: "mix%03d", m)).filter { !$0.hasPrefix("name ") && $0 != "language variant" }
            #expect(!mix.isEmpty && mix.isSubset(of: trainLines), "mix\(m): \(mix.subtracting(trainLines))")
        }
        #expect(try makeCorpus(["digits", "/tmp/never-made", "--mixed-voices", "500"]).status == 2)
    }

    @Test func reservedAndUnknownVoicesAreRefused() throws {
        for args in [["--test-voices", "flite:slt"], ["--dev-voices", "festival:ked_diphone"], ["--engines", "espeak-ng,piper"],
                     ["--test-voices", "flite:awb", "--dev-voices", "flite:awb"]] {
            let (status, msg) = try makeCorpus(["digits", "/tmp/never-made"] + args)
            #expect(status == 2, "\(args)")
            #expect(msg.contains("make_corpus.sh:"), "\(msg)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-made"))
    }
}

@Suite struct SpeedPerturbationCacheTests {
    /// Augmented waveforms are the same with the cache (filled in epoch 0, read after) as without it.
    @Test func cachedPerturbationIsIdentical() throws {
        var g = SeededGenerator(seed: 5)
        let waves = (0..<3).map { n in (0..<(8000 + 1000 * n)).map { _ in 0.1 * g.nextGaussian() } }
        var o = AugmentOptions()
        o.speeds = [0.9, 1.0, 1.1]
        o.noiseProbability = 0.5
        let cache = try #require(SpeedPerturbationCache(speeds: o.speeds, sampleCounts: waves.map(\.count), budgetBytes: 1 << 30))
        #expect(cache.factors == [0.9, 1.1])
        var lengths = Set<Int>()
        for epoch in 0..<4 {
            for (i, w) in waves.enumerated() {
                var r1 = SeededGenerator(seed: 9, UInt64(epoch), UInt64(i))
                var r2 = r1
                let plain = try Augmenter.waveform(w, rate: 16000, options: o, rng: &r1)
                let cached = try Augmenter.waveform(w, rate: 16000, options: o, rng: &r2, speedCache: cache, index: i)
                #expect(plain == cached, "epoch \(epoch), utterance \(i)")
                #expect(r1.state == r2.state)
                lengths.insert(plain.count - w.count)
            }
        }
        #expect(lengths.count > 1)     // some draws were perturbed (length changes) …
        #expect(cache.filled > 0)      // … and kept
        #expect(SpeedPerturbationCache(speeds: o.speeds, sampleCounts: waves.map(\.count), budgetBytes: 0) == nil)
        #expect(SpeedPerturbationCache(speeds: [1.0], sampleCounts: waves.map(\.count), budgetBytes: 1 << 30) == nil)
    }

    /// A budget smaller than the copies: copies are kept until it is full, never
    /// past it, and what is not kept is still the same perturbed waveform.
    @Test func budgetBoundsTheCopies() throws {
        var g = SeededGenerator(seed: 6)
        let waves = (0..<8).map { _ in (0..<8000).map { _ in 0.1 * g.nextGaussian() } }
        let budget = 3 * 8000 * 4   // about three copies of the 16 (8 utterances × 2 speeds)
        let cache = try #require(SpeedPerturbationCache(speeds: [0.9, 1.0, 1.1], sampleCounts: waves.map(\.count), budgetBytes: budget))
        #expect(cache.bytes > budget)
        for _ in 0..<2 {
            for (i, w) in waves.enumerated() {
                for f: Float in [0.9, 1.1] {
                    let y = try cache.samples(i, factor: f) { try Augmenter.speed(w, factor: f, rate: 16000) }
                    #expect(y == (try Augmenter.speed(w, factor: f, rate: 16000)))
                }
            }
        }
        #expect(cache.usedBytes <= budget)
        #expect(cache.filled >= 2 && cache.filled <= 3)   // 0.9: 8,889 samples, 1.1: 7,273 (exact counts: libsamplerate)
    }
}

@Suite struct WaveformAugmentationTests {
    func tone(_ hz: Float, seconds: Float = 1) -> [Float] {
        (0..<Int(seconds * 16000)).map { 0.3 * sinf(2 * .pi * hz * Float($0) / 16000) }
    }

    /// Coloured noise lands at the drawn SNR (measured on the added signal, ±0.01 dB).
    @Test func noiseAtRequestedSNR() {
        for snr: Float in [0, 10, 25] {
            var g = SeededGenerator(seed: 3)
            let x = tone(500)
            var y = x
            Augmenter.addColouredNoise(&y, snrDb: snr, rng: &g)
            let noise = zip(y, x).map { $0 - $1 }
            #expect(abs(10 * log10f(meanPower(x) / meanPower(noise)) - snr) < 0.01)
        }
    }

    /// One babble talker at a fixed SNR: the mixed-in speech is that far below (±0.01 dB).
    @Test func babbleAtRequestedSNR() throws {
        var o = AugmentOptions()
        o.babbleProbability = 1
        o.babbleSnrDb = [12, 12]
        o.babbleTalkers = [1, 1]
        let others = [tone(300, seconds: 0.7), tone(700, seconds: 1.3)]
        var g = SeededGenerator(seed: 8)
        let x = tone(1000)
        let y = try Augmenter.waveform(x, rate: 16000, options: o, rng: &g, babble: (others.count, { others[$0] }))
        let added = zip(y, x).map { $0 - $1 }
        #expect(abs(10 * log10f(meanPower(x) / meanPower(added)) - 12) < 0.01)
    }

    /// Pitch shift keeps the duration (±0.5%) and moves a tone by the semitones drawn (±1%).
    @Test func pitchShiftKeepsTempo() throws {
        var o = AugmentOptions()
        o.pitchProbability = 1
        o.pitchSemitones = [3, 3]
        var g = SeededGenerator(seed: 1)
        let x = tone(200)
        let y = try Augmenter.waveform(x, rate: 16000, options: o, rng: &g)
        #expect(abs(Float(y.count - x.count)) / Float(x.count) < 0.005)
        // Zero crossings count the frequency.
        let mid = Array(y[1600..<(y.count - 1600)])
        let crossings = zip(mid, mid.dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        let hz = Float(crossings) / (Float(mid.count) / 16000)
        let expected = 200 * powf(2, 3.0 / 12)
        #expect(abs(hz - expected) / expected < 0.01, "\(hz) Hz")
    }

    /// Reverberation keeps the level; the telephone line removes what is above
    /// 4 kHz (a 6 kHz tone ≥ 30 dB down) and keeps a 1 kHz tone (±1 dB); clipping
    /// holds the samples under the drawn fraction of the peak.
    @Test func roomTelephoneAndClipping() throws {
        var g = SeededGenerator(seed: 2)
        var o = AugmentOptions()
        o.reverbProbability = 1
        let x = tone(800)
        let wet = try Augmenter.waveform(x, rate: 16000, options: o, rng: &g)
        #expect(wet.count == x.count && abs(10 * log10f(meanPower(wet) / meanPower(x))) < 0.01 && wet != x)
        o = AugmentOptions()
        o.telephoneProbability = 1
        let high = try Augmenter.waveform(tone(6000), rate: 16000, options: o, rng: &g)
        #expect(10 * log10f(meanPower(high) / meanPower(tone(6000))) < -30)
        let low = try Augmenter.waveform(tone(1000), rate: 16000, options: o, rng: &g)
        #expect(abs(10 * log10f(meanPower(Array(low[800..<15200])) / meanPower(tone(1000)))) < 1)
        o = AugmentOptions()
        o.clipProbability = 1
        o.clipLevel = [0.5, 0.5]
        let clipped = try Augmenter.waveform(x, rate: 16000, options: o, rng: &g)
        #expect(clipped.allSatisfy { abs($0) <= 0.15 + 1e-6 })
    }

    /// The echo draws its delay and feedback from the recipe's ranges and keeps the
    /// level (±0.01 dB) and length: with both ranges a single value, the result is
    /// `feedbackEcho` at that delay, rescaled (correlation ≥ 0.99999).
    @Test func echoIsTheDrawnCombKeptAtLevel() throws {
        var g = SeededGenerator(seed: 3)
        let x = (0..<16000).map { _ in 0.1 * g.nextGaussian() }
        var o = AugmentOptions()
        o.echoProbability = 1
        o.echoDelayMs = [100, 100]
        o.echoFeedback = [0.4, 0.4]
        let wet = try Augmenter.waveform(x, rate: 16000, options: o, rng: &g)
        #expect(wet.count == x.count && abs(10 * log10f(meanPower(wet) / meanPower(x))) < 0.01)
        let comb = feedbackEcho(x, delay: 1600, feedback: 0.4)
        let dot = zip(wet, comb).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let r = dot / (meanPower(wet) * meanPower(comb)).squareRoot() / Float(x.count)
        #expect(r >= 0.99999, "correlation \(r)")
        o.echoFeedback = [0.95, 0.95]
        #expect(throws: ConfigError.self) { try o.validate() }
    }

    /// Trimming keeps exactly the voiced frames' span: 0.3 s of zeros, 0.5 s of tone,
    /// 0.2 s of −80 dBFS noise → the tone alone (to the 10 ms frame), as a cut piece would be.
    @Test func trimmingKeepsTheSpeech() throws {
        var g = SeededGenerator(seed: 5)
        var o = AugmentOptions()
        o.trimProbability = 1
        let t = tone(300)   // 1 s at 16 kHz
        let speech = Array(t.prefix(8000))
        let quiet = (0..<3200).map { _ in 1e-4 * (g.nextUniform() - 0.5) }
        let x = [Float](repeating: 0, count: 4800) + speech + quiet
        let y = try Augmenter.waveform(x, rate: 16000, options: o, rng: &g)
        #expect(y == speech, "\(y.count) samples kept of \(x.count)")
        // Silence only: nothing voiced, nothing cut.
        let silent = [Float](repeating: 0, count: 1600)
        #expect(try Augmenter.waveform(silent, rate: 16000, options: o, rng: &g) == silent)
    }

    /// Nothing turned on: the waveform is unchanged and no random number is drawn.
    @Test func offMeansUntouched() throws {
        var g = SeededGenerator(seed: 4)
        let before = g.state
        let x = tone(440)
        #expect(try Augmenter.waveform(x, rate: 16000, options: AugmentOptions(), rng: &g) == x)
        #expect(g.state == before)
    }

    @Test func badRangesAreNamed() {
        var o = AugmentOptions()
        o.tempo = [1.2, 0.9]
        #expect(throws: ConfigError.self) { try o.validate() }
        o = AugmentOptions()
        o.reverbProbability = 1.5
        #expect(throws: ConfigError.self) { try o.validate() }
        o = AugmentOptions()
        o.vtlnWarp = [0.5, 1.1]
        #expect(throws: ConfigError.self) { try o.validate() }
    }
}

@Suite struct RecipeDefaultsTests {
    /// A recipe normalises each utterance by default (what generalised best, docs/ABLATION.md);
    /// plain feature extraction stays Kaldi's, unnormalised.
    @Test func perUtteranceCMVNByDefault() throws {
        #expect(Recipe().features.cmvn == .utterance)
        #expect(FeatureOptions().cmvn == .none)
        let r = try StrictJSON.decode(Recipe.self, from: Data(#"{"data": {"train": "t.jsonl"}, "features": {"type": "mfcc"}}"#.utf8), source: "x")
        #expect(r.features.cmvn == .utterance && r.features.type == .mfcc)
    }
}
