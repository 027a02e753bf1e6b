import ASRCore
import ASRText
import Features
import Foundation
import Decoding
import NN

/// Everything needed to use a trained model, as saved in `exp/<name>/`:
/// `model.json` (this), `model.safetensors` (weights, PyTorch names),
/// `tokens.txt`.
public struct ModelInfo: Codable, Equatable, Sendable {
    public var format = 1
    public var name: String
    public var features: FeatureOptions
    /// Training-set CMVN statistics (when `features.cmvn` is `global` or `online`).
    public var cmvn: CMVNStats?
    public var model: ModelOptions
    /// Feature dimension D the model takes.
    public var inputSize: Int
    public var tokens: [String]
    public var normalize: TextNormalization
    /// The manifest field the model emits (`tokens.field`); nil (models from before
    /// the key) = `text`.
    public var field: String?
    public var textField: String { field ?? "text" }
    public var decode: DecodingConfig
    /// Seconds per output frame (frame shift × stacking).
    public var frameSeconds: Double
    public var sampleRate: Int
    /// Epoch these weights come from and their validation results.
    public var epoch: Int
    public var devWer: Double?
    public var devCer: Double?
    /// The epochs whose weights were averaged into these (`train.average_last`);
    /// nil = the weights of `epoch` alone.
    public var averagedEpochs: [Int]?
    public var parameters: Int

    public init(name: String, features: FeatureOptions, cmvn: CMVNStats?, model: ModelOptions, inputSize: Int, tokens: [String],
                normalize: TextNormalization, decode: DecodingConfig, frameSeconds: Double, sampleRate: Int,
                epoch: Int, devWer: Double?, devCer: Double?, parameters: Int, field: String = "text") {
        self.name = name
        self.field = field
        self.features = features
        self.cmvn = cmvn
        self.model = model
        self.inputSize = inputSize
        self.tokens = tokens
        self.normalize = normalize
        self.decode = decode
        self.frameSeconds = frameSeconds
        self.sampleRate = sampleRate
        self.epoch = epoch
        self.devWer = devWer
        self.devCer = devCer
        self.parameters = parameters
    }
}

public enum ModelError: Error, CustomStringConvertible {
    case notAModel(path: String, reason: String)
    public var description: String {
        switch self {
        case .notAModel(let p, let r): return "\(p): not a trained model folder: \(r)"
        }
    }
}

/// A loaded model ready for inference.
public final class ModelBundle: @unchecked Sendable {
    public let directory: String
    public let info: ModelInfo
    public let model: AcousticModel
    public let pipeline: FeaturePipeline
    public let tokens: TokenTable

    public init(directory: String, info: ModelInfo, model: AcousticModel) {
        self.directory = directory
        self.info = info
        self.model = model
        pipeline = FeaturePipeline(info.features, globalStats: info.cmvn)
        tokens = TokenTable(tokens: info.tokens)
    }

    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// model.json → ModelInfo. Its configuration sections are laid over their
    /// defaults first, so a key added after the file was written takes its default.
    public static func decodeInfo(_ data: Data) throws -> ModelInfo {
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FileError.malformed(path: "model.json", reason: "expected a JSON object")
        }
        func defaults<T: Encodable & DefaultConstructible>(_: T.Type) throws -> Any {
            try JSONSerialization.jsonObject(with: encoder().encode(T()))
        }
        let sections: [(String, Any)] = [("features", try defaults(FeatureOptions.self)), ("model", try defaults(ModelOptions.self)),
                                         ("decode", try defaults(DecodingConfig.self)), ("normalize", try defaults(TextNormalization.self))]
        for (key, d) in sections { if let u = object[key] { object[key] = StrictJSON.overlay(defaults: d, user: u) } }
        return try decoder().decode(ModelInfo.self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// An experiment's recipe.json → Recipe, laid over the defaults first (as
    /// model.json): a key added after the experiment was trained takes its default.
    public static func decodeRecipe(_ data: Data) throws -> Recipe {
        let object = try JSONSerialization.jsonObject(with: data)
        let defaults = try JSONSerialization.jsonObject(with: encoder().encode(Recipe()))
        return try decoder().decode(Recipe.self, from: JSONSerialization.data(withJSONObject: StrictJSON.overlay(defaults: defaults, user: object)))
    }

    /// Loads `dir` (a model folder, or `exp/latest`).
    public static func load(_ dir: String) throws -> ModelBundle {
        let resolved = (dir as NSString).resolvingSymlinksInPath
        let infoPath = (resolved as NSString).appendingPathComponent("model.json")
        guard FileManager.default.fileExists(atPath: infoPath) else {
            throw ModelError.notAModel(path: dir, reason: "no model.json (train one with `asr train RECIPE.json`)")
        }
        let info: ModelInfo
        do { info = try decodeInfo(Data(contentsOf: URL(fileURLWithPath: infoPath))) } catch {
            throw ModelError.notAModel(path: infoPath, reason: "model.json is unreadable: \(error)")
        }
        let model = AcousticModel(inputSize: info.inputSize, outputSize: info.tokens.count, options: info.model)
        try model.loadWeights(from: (resolved as NSString).appendingPathComponent("model.safetensors"))
        return ModelBundle(directory: resolved, info: info, model: model)
    }

    /// Writes model.json, model.safetensors and tokens.txt into `dir`, atomically each.
    public static func save(model: AcousticModel, info: ModelInfo, to dir: String) throws {
        try model.saveWeights(to: (dir as NSString).appendingPathComponent("model.safetensors"),
                              metadata: ["format": "pt", "name": info.name])
        try AtomicFile.write(try encoder().encode(info), to: (dir as NSString).appendingPathComponent("model.json"))
        try TokenTable(tokens: info.tokens).save((dir as NSString).appendingPathComponent("tokens.txt"))
    }

    /// Normalised features `[T, D]` of a waveform at `info.sampleRate`.
    public func features(_ samples: [Float]) -> Matrix { pipeline.compute(samples) }

    /// Log-probabilities `[T′, V]` for one utterance's features.
    public func logProbs(_ feats: Matrix, chunk: ChunkOptions = ChunkOptions()) -> Matrix {
        if chunk.isChunked {
            return logSoftmaxRows(model.forwardChunked(feats, chunk: chunk.frames, rightContext: chunk.rightContext))
        }
        let x = SequenceBatch(data: feats, frames: feats.rows, batch: 1, lengths: [feats.rows])
        let y = model.forward(x, training: false)
        return logSoftmaxRows(y.data)
    }
}
