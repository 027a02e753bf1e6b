import ASRCore
import ASRText
import Features
import Foundation
import NN
import Decoding

/// `data`: where the utterances are.
public struct DataSection: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Training set: a JSON-lines manifest or a Kaldi data folder.
    public var train = ""
    /// Validation set (each epoch); empty = none.
    public var dev = ""
    /// Test set for `asr eval` after training; empty = none.
    public var test = ""
    /// Audio is resampled to this rate, Hz (and features computed at it).
    public var sampleRate = 16000
    /// Utterances longer than this are skipped (with a warning), seconds.
    public var maxDuration: Double = 30
    /// Memory for speed-perturbed copies of training audio kept between epochs,
    /// MiB (0 = none: resampled every time), plus a quarter of it for the dev
    /// set's features (kept between validations). Training audio itself is read from
    /// disk batch by batch, so this and `prefetch_batches` bound the memory of
    /// the data, whatever the corpus size.
    public var cacheMb = 4096
    /// Batches read and featurised ahead of the training step, on a background
    /// thread (0 = each when it is needed).
    public var prefetchBatches = 2
    public init() {}
    public func validate() throws {
        guard !train.isEmpty else { throw ConfigError.invalidValue(source: "", key: "train", reason: "expected a manifest (.jsonl) or Kaldi data folder") }
        guard (4000...96000).contains(sampleRate) else {
            throw ConfigError.invalidValue(source: "", key: "sample_rate", reason: "expected 4000…96000 Hz, found \(sampleRate)")
        }
        guard maxDuration > 0 else { throw ConfigError.invalidValue(source: "", key: "max_duration", reason: "expected > 0 s") }
        guard (0...(1 << 24)).contains(cacheMb) else {
            throw ConfigError.invalidValue(source: "", key: "cache_mb", reason: "expected 0…16777216 MiB, found \(cacheMb)")
        }
        guard (0...64).contains(prefetchBatches) else {
            throw ConfigError.invalidValue(source: "", key: "prefetch_batches", reason: "expected 0…64 batches, found \(prefetchBatches)")
        }
    }
}

/// `tokens`: the output units. Characters (grapheme clusters) of the
/// normalised training text; `<blank>` is 0.
public struct TokenSection: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// The manifest field (in a Kaldi folder, the file) whose text the model learns
    /// to emit: `text` by default; e.g. `pinyin` for a Mandarin model that hears
    /// tone-numbered syllables and leaves the characters to a reading decoder.
    public var field = "text"
    public var normalize = TextNormalization()
    public init() {}
    public func validate() throws {
        guard !field.isEmpty, field != "audio_filepath", field != "duration", field != "id" else {
            throw ConfigError.invalidValue(source: "", key: "field", reason: "expected the name of a manifest text field (e.g. \"text\"), found \"\(field)\"")
        }
    }
}

/// SpecAugment masks on the (normalised) features.
public struct SpecAugmentOptions: Codable, Equatable, Sendable, DefaultConstructible {
    /// Frequency masks per utterance and their maximum width, feature bins.
    public var freqMasks = 0
    public var freqWidth = 8
    /// Time masks per utterance and their maximum width, frames (before stacking).
    public var timeMasks = 0
    public var timeWidth = 20
    public init() {}
}

/// `augment`: training-time perturbations (never applied to validation).
public struct AugmentOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Speed factors drawn uniformly per utterance and epoch (1.0 = unchanged); empty = off.
    public var speeds: [Float] = []
    /// Probability of adding noise to an utterance.
    public var noiseProbability: Float = 0
    /// Signal-to-noise ratio range for added noise, dB ([low, high]).
    public var noiseSnrDb: [Float] = [10, 30]
    /// Random gain range, dB ([low, high]); [0, 0] = off.
    public var gainDb: [Float] = [0, 0]
    public var specAugment = SpecAugmentOptions()
    /// VTLN warp factor range of the mel filterbank, drawn per utterance and epoch
    /// (in steps of 0.01); [1, 1] = off. Kaldi-style speaker perturbation.
    public var vtlnWarp: [Float] = [1, 1]
    /// Probability and range of a tempo change that keeps the pitch (WSOLA), factor.
    public var tempoProbability: Float = 0
    public var tempo: [Float] = [0.85, 1.15]
    /// Probability and range of a pitch shift that keeps the tempo, semitones.
    public var pitchProbability: Float = 0
    public var pitchSemitones: [Float] = [-3, 3]
    /// Probability of mixing in babble: other training utterances, each at
    /// `babbleSnrDb` below the speech; `babbleTalkers` of them ([fewest, most]).
    public var babbleProbability: Float = 0
    public var babbleSnrDb: [Float] = [10, 25]
    public var babbleTalkers: [Int] = [2, 5]
    /// Probability of reverberation by a synthetic room response (decaying noise)
    /// with RT60 in `reverbRt60` seconds and direct-to-reverberant ratio in `reverbDrrDb`.
    public var reverbProbability: Float = 0
    public var reverbRt60: [Float] = [0.15, 0.7]
    public var reverbDrrDb: [Float] = [0, 12]
    /// Probability of a feedback echo (one hard wall: decaying copies every
    /// `echoDelayMs` milliseconds, each `echoFeedback` times the one before), level kept.
    public var echoProbability: Float = 0
    public var echoDelayMs: [Float] = [10, 250]
    public var echoFeedback: [Float] = [0.1, 0.45]
    /// Probability of a band limit: a high-pass at `highpassHz` and a low-pass at `lowpassHz` (drawn).
    public var bandLimitProbability: Float = 0
    public var highpassHz: [Float] = [60, 400]
    public var lowpassHz: [Float] = [3200, 7500]
    /// Probability of a telephone line: 8 kHz, G.711 μ-law, and back.
    public var telephoneProbability: Float = 0
    /// Probability of a random equaliser: two peaking filters (200–5000 Hz) of `eqGainDb`.
    public var eqProbability: Float = 0
    public var eqGainDb: [Float] = [-8, 8]
    /// Probability of cutting the utterance to its speech the way a long recording or a
    /// stream is cut (`PauseSegmenter`'s threshold from the utterance's own frame energies;
    /// the silence before the first and after the last voiced 10 ms goes), so the model also
    /// hears speech with no silence around it — as every piece of a cut recording is.
    public var trimProbability: Float = 0
    /// Probability of clipping at a level drawn from `clipLevel` (fraction of the utterance's peak).
    public var clipProbability: Float = 0
    public var clipLevel: [Float] = [0.3, 0.9]
    public init() {}

    /// Whether any per-utterance warp is drawn.
    public var drawsVTLNWarp: Bool { vtlnWarp[0] != 1 || vtlnWarp[1] != 1 }

    public func validate() throws {
        func range(_ key: String, _ r: [Float], _ ok: ClosedRange<Float>, _ unit: String) throws {
            guard r.count == 2, r[0] <= r[1], r.allSatisfy({ $0.isFinite && ok.contains($0) }) else {
                throw ConfigError.invalidValue(source: "", key: key, reason: "expected [low, high] with low ≤ high, within \(ok.lowerBound)…\(ok.upperBound) \(unit)")
            }
        }
        for (key, p) in [("tempo_probability", tempoProbability), ("pitch_probability", pitchProbability),
                         ("babble_probability", babbleProbability), ("reverb_probability", reverbProbability),
                         ("echo_probability", echoProbability),
                         ("band_limit_probability", bandLimitProbability), ("telephone_probability", telephoneProbability),
                         ("eq_probability", eqProbability), ("clip_probability", clipProbability),
                         ("trim_probability", trimProbability)] {
            guard (0...1).contains(p) else { throw ConfigError.invalidValue(source: "", key: key, reason: "expected 0…1, found \(p)") }
        }
        try range("vtln_warp", vtlnWarp, 0.7...1.4, "(a factor)")
        try range("tempo", tempo, 0.5...2, "(a factor)")
        try range("pitch_semitones", pitchSemitones, -12...12, "semitones")
        try range("babble_snr_db", babbleSnrDb, -10...60, "dB")
        guard babbleTalkers.count == 2, babbleTalkers[0] >= 1, babbleTalkers[0] <= babbleTalkers[1], babbleTalkers[1] <= 20 else {
            throw ConfigError.invalidValue(source: "", key: "babble_talkers", reason: "expected [fewest, most] with 1 ≤ fewest ≤ most ≤ 20")
        }
        try range("reverb_rt60", reverbRt60, 0.05...1, "s")
        try range("reverb_drr_db", reverbDrrDb, -10...30, "dB")
        try range("echo_delay_ms", echoDelayMs, 1...1000, "ms")
        try range("echo_feedback", echoFeedback, 0...0.9, "(a factor)")
        try range("highpass_hz", highpassHz, 0...2000, "Hz")
        try range("lowpass_hz", lowpassHz, 1000...48000, "Hz")
        try range("eq_gain_db", eqGainDb, -20...20, "dB")
        try range("clip_level", clipLevel, 0.05...1, "(a fraction of the peak)")
        guard speeds.allSatisfy({ $0 >= 0.5 && $0 <= 2 }) else {
            throw ConfigError.invalidValue(source: "", key: "speeds", reason: "expected factors in 0.5…2")
        }
        guard (0...1).contains(noiseProbability) else { throw ConfigError.invalidValue(source: "", key: "noise_probability", reason: "expected 0…1") }
        guard noiseSnrDb.count == 2, noiseSnrDb[0] <= noiseSnrDb[1] else {
            throw ConfigError.invalidValue(source: "", key: "noise_snr_db", reason: "expected [low, high] with low ≤ high")
        }
        guard gainDb.count == 2, gainDb[0] <= gainDb[1] else {
            throw ConfigError.invalidValue(source: "", key: "gain_db", reason: "expected [low, high] with low ≤ high")
        }
        guard specAugment.freqMasks >= 0, specAugment.timeMasks >= 0, specAugment.freqWidth >= 0, specAugment.timeWidth >= 0 else {
            throw ConfigError.invalidValue(source: "", key: "spec_augment", reason: "counts and widths must be ≥ 0")
        }
    }
}

/// `train`: the optimisation.
public struct TrainOptions: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    public var epochs = 20
    /// Utterances per batch (length-bucketed).
    public var batchSize = 16
    public var optimizer = OptimizerOptions()
    public var schedule = LRSchedule()
    /// Seed for shuffling and augmentation (the model has its own in `model.seed`).
    public var seed: UInt64 = 1
    /// Threads: 0 = all cores.
    public var threads = 0
    /// Stop after this many epochs without a better validation error; 0 = never.
    public var earlyStopPatience = 0
    /// Abort when this many batches in a row have a non-finite loss.
    public var maxBadBatches = 20
    /// Checkpoint averaging: after the last epoch, the mean of the weights of the
    /// last N epochs (their checkpoints are kept) is validated and becomes the
    /// model when its validation error is not worse than the best epoch's
    /// (always, without a dev set); 0 or 1 = off. Not part of the training
    /// settings: set it on a finished run and `--resume` only averages.
    public var averageLast = 0
    public init() {}
    public func validate() throws {
        guard (1...10000).contains(epochs) else { throw ConfigError.invalidValue(source: "", key: "epochs", reason: "expected 1…10000, found \(epochs)") }
        guard (1...4096).contains(batchSize) else { throw ConfigError.invalidValue(source: "", key: "batch_size", reason: "expected 1…4096, found \(batchSize)") }
        guard threads >= 0 else { throw ConfigError.invalidValue(source: "", key: "threads", reason: "expected ≥ 0") }
        guard (0...1000).contains(averageLast) else { throw ConfigError.invalidValue(source: "", key: "average_last", reason: "expected 0…1000 epochs, found \(averageLast)") }
        do { try optimizer.validate() } catch let e as ConfigError { throw e.relocated(source: "", prefix: "optimizer") }
        do { try schedule.validate() } catch let e as ConfigError { throw e.relocated(source: "", prefix: "schedule") }
    }
}

/// `output`: where experiments go.
public struct OutputSection: Codable, Equatable, Sendable, DefaultConstructible {
    /// Parent folder of experiments; the model goes to `<dir>/<name>`.
    public var dir = "exp"
    public init() {}
}

/// A training recipe: one JSON file with the sections below. Keys are
/// snake_case; anything not given takes the default; unknown keys, wrong
/// types and impossible values are errors naming the key.
public struct Recipe: Codable, Equatable, Sendable, DefaultConstructible, Validatable {
    /// Experiment name (folder under `output.dir`).
    public var name = "model"
    public var data = DataSection()
    public var tokens = TokenSection()
    /// Features. Unlike `FeatureOptions()` (Kaldi's feature extraction, no
    /// normalisation), a recipe normalises each utterance by its own mean by
    /// default: on a voice of an engine never heard in training this took the
    /// digits model's greedy WER from 19.5% (global CMVN) to 10.1% (docs/ABLATION.md).
    public var features: FeatureOptions = {
        var f = FeatureOptions()
        f.cmvn = .utterance
        return f
    }()
    public var augment = AugmentOptions()
    public var model = ModelOptions()
    public var train = TrainOptions()
    /// How `asr transcribe` / `asr eval` decode with the trained model by default.
    public var decode = DecodingConfig()
    public var output = OutputSection()

    public init() {}

    public func validate() throws {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw ConfigError.invalidValue(source: "", key: "name", reason: "expected a folder name without '/'")
        }
        for (key, check) in [("data", { try data.validate() }), ("features", { try features.validate() }),
                             ("augment", { try augment.validate() }), ("model", { try model.validate() }), ("tokens", { try tokens.validate() }),
                             ("train", { try train.validate() }), ("decode", { try decode.validate() })] as [(String, () throws -> Void)] {
            do { try check() } catch let e as ConfigError { throw e.relocated(source: "", prefix: key) }
        }
        if augment.drawsVTLNWarp {
            let mel = features.type == .fbank ? features.fbank.mel : features.mfcc.mel
            do { try mel.validateVTLN(sampleRate: features.frame.sampleRate) } catch let e as ConfigError {
                throw e.relocated(source: "", prefix: "features.\(features.type.rawValue).mel")
            }
        }
        guard Int(features.frame.sampleRate) == data.sampleRate else {
            throw ConfigError.invalidValue(
                source: "", key: "features.\(features.type.rawValue).frame.sample_rate",
                reason: "is \(Int(features.frame.sampleRate)) Hz but data.sample_rate is \(data.sampleRate) Hz; make them equal")
        }
    }

    /// Experiment folder.
    public var experimentDir: String { (output.dir as NSString).appendingPathComponent(name) }

    /// Reads and checks a recipe file; relative paths in `data`, `decode.lm`, `decode.lexicon`
    /// and `decode.readings` must exist (relative to the current folder).
    /// `overrides`: `key.path=value` settings laid over the file (value as JSON,
    /// else as a string), as `asr train --set` gives them; a wrong key or value
    /// is an error naming it.
    public static func load(_ path: String, overrides: [String] = []) throws -> Recipe {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        guard let data = fileContents(path) else { throw FileError.cannotRead(path: path, reason: "permission denied") }
        let recipe: Recipe
        if overrides.isEmpty {
            recipe = try StrictJSON.decode(Recipe.self, from: data, source: path)
        } else {
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: data) } catch {
                throw ConfigError.syntax(source: path, reason: StrictJSON.syntaxReason(error, data: data))
            }
            guard var root = object as? [String: Any] else { throw ConfigError.wrongType(source: path, key: "(top level)", expected: "a JSON object") }
            for o in overrides {
                guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
                    throw ConfigError.invalidValue(source: "--set", key: o, reason: "expected key.path=value, e.g. augment.reverb_probability=0.3")
                }
                let keys = o[..<eq].split(separator: ".").map(String.init)
                let text = String(o[o.index(after: eq)...])
                let value = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
                func set(_ obj: [String: Any], _ k: ArraySlice<String>) -> [String: Any] {
                    var out = obj
                    if k.count == 1 { out[k.first!] = value } else {
                        out[k.first!] = set(obj[k.first!] as? [String: Any] ?? [:], k.dropFirst())
                    }
                    return out
                }
                root = set(root, keys[...])
            }
            recipe = try StrictJSON.decode(Recipe.self, fromObject: root, source: "\(path) with --set", keyPath: "")
        }
        for (key, file) in [("data.train", recipe.data.train), ("data.dev", recipe.data.dev), ("data.test", recipe.data.test),
                            ("decode.lm", recipe.decode.lm), ("decode.lexicon", recipe.decode.lexicon),
                            ("decode.readings", recipe.decode.readings)] where !file.isEmpty {
            guard FileManager.default.fileExists(atPath: file) else {
                let hint = file.hasPrefix("data/generated/")
                    ? " (corpora under data/generated/ are made by make: `make demo` the digits, `make mandarin`, `make debug-data` the debug one)" : ""
                throw ConfigError.invalidValue(source: path, key: key, reason: "\(file) does not exist\(hint)")
            }
        }
        return recipe
    }
}
