import ArgumentParser
import ASRKit
import Foundation

extension WindowType: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
extension FeatureType: ExpressibleByArgument {}
extension CMVNMode: ExpressibleByArgument {}

/// `asr features`: one audio file → `[T, D]` float32 NumPy features.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute Kaldi-compatible fbank or MFCC features of an audio file and save them as .npy.",
        discussion: """
            Reads any audio libsndfile reads (WAV, FLAC, OGG, any rate and channel count; \
            channels are averaged). Defaults are Kaldi's, except dither 0. Options given on \
            the command line override the recipe's `features` section.
            Example: asr features speech.wav --type mfcc --deltas 2 --out speech.npy
            """)

    @Argument(help: "Input audio file.") var input: String
    @Option(name: .customLong("out"), help: "Output .npy file (float32, shape [T, D]).") var output: String
    @Option(help: "Take the feature settings from this recipe's `features` section.") var recipe: String?

    @Option(name: .customLong("type"), help: "Feature type: fbank or mfcc.") var type: FeatureType?
    @Option(parsing: .unconditional, help: "Resample to this rate first, Hz (default: the recipe's, else the file's own).") var sampleRate: Int?
    @Option(parsing: .unconditional, help: "Number of mel filters (default 23).") var melBins: Int?
    @Option(parsing: .unconditional, help: "Number of cepstra for MFCC (default 13).") var numCeps: Int?
    @Option(parsing: .unconditional, help: "Delta order: 0 none, 1 Δ, 2 Δ+ΔΔ.") var deltas: Int?
    @Option(help: "true: only whole frames; false: centred frames, signal reflected at the edges.") var snipEdges: Bool?
    @Option(help: "Window: povey, hamming, hann, sine, rectangular, blackman.") var window: WindowType?
    @Option(parsing: .unconditional, help: "Frame length, ms (default 25).") var frameLength: Float?
    @Option(parsing: .unconditional, help: "Frame shift, ms (default 10).") var frameShift: Float?
    @Option(parsing: .unconditional, help: "Lowest mel filter edge, Hz (default 20).") var lowFreq: Float?
    @Option(parsing: .unconditional, help: "Highest mel filter edge, Hz; ≤ 0 is an offset from Nyquist (default 0).") var highFreq: Float?
    @Option(parsing: .unconditional, help: "Pre-emphasis coefficient (default 0.97).") var preemph: Float?
    @Option(parsing: .unconditional, help: "Dither standard deviation in int16 steps (default 0).") var dither: Float?
    @Option(help: "Add (fbank) or use as C0 (MFCC) the log energy.") var useEnergy: Bool?
    @Option(help: "Normalisation: none or utterance (global and online need --cmvn-stats).") var cmvn: CMVNMode?
    @Option(help: "Global CMVN statistics (JSON) to apply.") var cmvnStats: String?
    @Flag(help: "With CMVN, also normalise variances.") var normVars = false
    @Flag(help: "Append 3 pitch features (POV, normalised log f0, delta log f0) for tonal languages.") var pitch = false

    func run() throws {
        var options = FeatureOptions()
        if let recipe { options = try loadFeatureSection(recipe) }
        if let type { options.type = type }
        var frame = options.frame
        if let sampleRate { frame.sampleRate = Float(sampleRate) }
        if let snipEdges { frame.snipEdges = snipEdges }
        if let window { frame.windowType = window }
        if let frameLength { frame.frameLengthMs = frameLength }
        if let frameShift { frame.frameShiftMs = frameShift }
        if let preemph { frame.preemphCoeff = preemph }
        if let dither { frame.dither = dither }
        let haveRate = recipe != nil || sampleRate != nil
        if !haveRate {
            frame.sampleRate = Float(try AudioFile.info(input).sampleRate)
        }
        options.frame = frame
        switch options.type {
        case .fbank:
            if let melBins { options.fbank.mel.numBins = melBins }
            if let lowFreq { options.fbank.mel.lowFreq = lowFreq }
            if let highFreq { options.fbank.mel.highFreq = highFreq }
            if let useEnergy { options.fbank.useEnergy = useEnergy }
            if numCeps != nil { throw ValidationError("--num-ceps applies to --type mfcc only") }
        case .mfcc:
            if let melBins { options.mfcc.mel.numBins = melBins }
            if let lowFreq { options.mfcc.mel.lowFreq = lowFreq }
            if let highFreq { options.mfcc.mel.highFreq = highFreq }
            if let useEnergy { options.mfcc.useEnergy = useEnergy }
            if let numCeps { options.mfcc.numCeps = numCeps }
        }
        if let deltas { options.deltaOrder = deltas }
        if pitch { options.pitch.enabled = true }
        if let cmvn { options.cmvn = cmvn }
        if normVars { options.cmvnNormVars = true }
        if cmvnStats != nil && cmvn == nil { options.cmvn = .global }
        do { try options.validate() } catch let e as ConfigError {
            throw e.relocated(source: recipe ?? "command line", prefix: recipe != nil ? "features" : "")
        }
        var stats: CMVNStats?
        if options.cmvn.needsStatistics {
            guard let cmvnStats else { throw ValidationError("--cmvn \(options.cmvn.rawValue) needs --cmvn-stats FILE") }
            stats = try CMVNStats.load(from: cmvnStats)
            guard stats!.dimension == options.dimension else {
                throw FileError.malformed(path: cmvnStats, reason: "CMVN statistics have dimension \(stats!.dimension), features have \(options.dimension)")
            }
        }
        let audio = try AudioFile.read(input, sampleRate: Int(options.frame.sampleRate))
        let pipeline = FeaturePipeline(options, globalStats: stats)
        let features = pipeline.compute(audio.samples)
        try NPY.write(features, to: output)
        printError("\(input): \(features.rows) frames × \(features.cols) \(options.type.rawValue) → \(output)")
    }
}

/// Reads a recipe file and decodes its `features` section strictly.
func loadFeatureSection(_ path: String) throws -> FeatureOptions {
    guard let data = fileContents(path) else { throw FileError.notFound(path: path) }
    let object: Any
    do { object = try JSONSerialization.jsonObject(with: data) } catch {
        throw ConfigError.syntax(source: path, reason: StrictJSON.syntaxReason(error, data: data))
    }
    guard let dict = object as? [String: Any] else {
        throw ConfigError.wrongType(source: path, key: "(top level)", expected: "a JSON object")
    }
    guard let section = dict["features"] else {
        throw ConfigError.invalidValue(source: path, key: "features", reason: "the recipe has no features section")
    }
    return try StrictJSON.decode(FeatureOptions.self, fromObject: section, source: path, keyPath: "features")
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
