import Foundation
import Testing
import ASRCore
import Features
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
        for name in ["digits", "debug", "mandarin"] {
            let p = TestPaths.repoRoot.appendingPathComponent("recipes/\(name).json").path
            let data = try Data(contentsOf: URL(fileURLWithPath: p))
            let r = try StrictJSON.decode(Recipe.self, from: data, source: p)  // paths are made by `make`, not checked here
            #expect(r.name == name)
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

    @Test func missingFile() {
        let e = error(#"{"data": {"train": "/no/such/train.jsonl"}}"#)
        #expect(e.contains("'data.train'") && e.contains("/no/such/train.jsonl does not exist"))
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

    /// A model.json written before `decode.unknown_prefix_penalty` existed still loads, with the default.
    @Test func olderDecodeSectionKeepsDefaults() throws {
        let old = try ModelBundle.decoder().decode(DecodeSection.self, from: Data(#"{"beam": 8, "lm": "", "lm_weight": 0.7, "length_bonus": 2}"#.utf8))
        #expect(old.beam == 8 && old.lmWeight == 0.7 && old.lengthBonus == 2 && old.unknownPrefixPenalty == DecodeSection().unknownPrefixPenalty)
        let given = try ModelBundle.decoder().decode(DecodeSection.self, from: Data(#"{"unknown_prefix_penalty": -3}"#.utf8))
        #expect(given.unknownPrefixPenalty == -3 && given.beam == 0)
    }
}

@Suite struct CorpusGeneratorTests {
    /// The Mandarin corpus: Chinese text in the manifest, audio from the
    /// cmn-latn-pinyin voice, test voices disjoint from training voices.
    @Test func mandarinCorpus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zh-\(getpid())")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [TestPaths.repoRoot.appendingPathComponent("data/make_corpus.sh").path, "mandarin", dir.path, "--count", "24", "--seed", "4"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let train = try DataSet.load(dir.appendingPathComponent("train.jsonl").path, normalize: .init())
        #expect(!train.isEmpty)
        for u in train {
            #expect(u.text.unicodeScalars.allSatisfy { (0x4E00...0x9FFF).contains($0.value) }, "\(u.text)")
            #expect(u.speaker?.hasPrefix("cmn-latn-pinyin+") == true)
            #expect(u.duration > 0.3)
        }
        let trainVoices = Set(try String(contentsOf: dir.appendingPathComponent("voices-train.txt"), encoding: .utf8).split(separator: "\n"))
        let testVoices = Set(try String(contentsOf: dir.appendingPathComponent("voices-test.txt"), encoding: .utf8).split(separator: "\n"))
        #expect(trainVoices.isDisjoint(with: testVoices) && !testVoices.isEmpty)
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
                let plain = Augmenter.waveform(w, rate: 16000, options: o, rng: &r1)
                let cached = Augmenter.waveform(w, rate: 16000, options: o, rng: &r2, speedCache: cache, index: i)
                #expect(plain == cached, "epoch \(epoch), utterance \(i)")
                #expect(r1.state == r2.state)
                lengths.insert(plain.count - w.count)
            }
        }
        #expect(lengths.count > 1)     // some draws were perturbed (length changes) …
        #expect(cache.filled > 0)      // … and kept
        #expect(SpeedPerturbationCache(speeds: o.speeds, sampleCounts: waves.map(\.count), budgetBytes: 1000) == nil)
        #expect(SpeedPerturbationCache(speeds: [1.0], sampleCounts: waves.map(\.count), budgetBytes: 1 << 30) == nil)
    }
}
