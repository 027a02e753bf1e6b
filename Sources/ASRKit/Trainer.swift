import ASRCore
import ASRText
import AudioIO
import CTC
import Decoding
import Features
import Foundation
import NN

/// One line of `train.jsonl`.
public struct EpochLog: Codable, Equatable, Sendable {
    public var epoch: Int
    public var step: Int
    public var trainLoss: Double
    public var devLoss: Double?
    public var devWer: Double?
    public var devCer: Double?
    public var learningRate: Double
    public var seconds: Double
    public var utterancesPerSecond: Double
    public var skippedUtterances: Int
    public var best: Bool
}

/// What resuming needs besides weights and optimizer moments.
struct TrainerState: Codable {
    var epoch = 0            // epochs completed
    var step = 0
    var plateau = PlateauTracker()
    var bestEpoch = 0
    var history: [EpochLog] = []
    var dropoutRandomState: [UInt64] = []
    var recipeHash = ""
}

/// Errors that stop training; each says what to do.
public enum TrainError: Error, CustomStringConvertible {
    case noUsableData(String)
    case diverged(String)
    case resume(String)
    /// A perturbation of an utterance failed (its origin and the error).
    case augmentation(origin: String, reason: String)
    public var description: String {
        switch self {
        case .noUsableData(let s), .diverged(let s), .resume(let s): return s
        case .augmentation(let o, let r): return "\(o): augmenting this utterance failed: \(r)"
        }
    }
}

/// A loaded utterance: waveform and label ids.
struct Example {
    var utt: Utterance
    var samples: [Float]
    var labels: [Int]
    var frames: Int
}

/// The training loop: length-bucketed seeded batches, augmentation, CTC,
/// Adam, validation, atomic checkpoints each epoch, exact resume.
public final class Trainer {
    public let recipe: Recipe
    public let recipePath: String
    public var log: (String) -> Void
    /// Called with a one-line status during an epoch (a progress bar on a terminal).
    public var progress: ((String) -> Void)?
    let expDir: String

    public init(recipe: Recipe, recipePath: String, log: @escaping (String) -> Void) {
        self.recipe = recipe
        self.recipePath = recipePath
        self.log = log
        expDir = recipe.experimentDir
    }

    var checkpointDir: String { (expDir as NSString).appendingPathComponent("checkpoints") }

    /// Loads audio of `utts` in parallel; unreadable files are reported and skipped.
    func loadAudio(_ utts: [Utterance], tokens: TokenTable, name: String) -> [Example] {
        let rate = recipe.data.sampleRate
        let pipelineFrames = FrameLayout(recipe.features.frame)
        let results: [(example: Example?, problem: String?)] = parallelMap(utts.count) { i in
            let u = utts[i]
            do {
                let a = try AudioFile.read(u.audioPath, sampleRate: rate)
                if a.duration > self.recipe.data.maxDuration {
                    return (nil, "\(u.origin): \(String(format: "%.1f", a.duration)) s is longer than data.max_duration; skipped")
                }
                guard case .success(let ids) = tokens.encode(u.text) else { return (nil, nil) }
                return (Example(utt: u, samples: a.samples, labels: ids, frames: pipelineFrames.frameCount(sampleCount: a.samples.count)), nil)
            } catch {
                return (nil, "\(u.origin): \(error); skipped")
            }
        }
        let problems = results.compactMap(\.problem)
        for p in problems.prefix(10) { log("warning: \(p)") }
        if problems.count > 10 { log("warning: … and \(problems.count - 10) more unreadable or too long utterances in \(name)") }
        return results.compactMap(\.example)
    }

    /// Feature matrix of one example (augmented when `rng` is given), normalised.
    /// `others`: the training set, for babble.
    func features(_ ex: Example, pipeline: FeaturePipeline, rng: inout SeededGenerator?,
                  speedCache: SpeedPerturbationCache? = nil, index: Int = 0, others: [Example] = []) throws -> Matrix {
        var samples = ex.samples
        var warp: Float?
        if rng != nil {
            do {
                samples = try Augmenter.waveform(samples, rate: recipe.data.sampleRate, options: recipe.augment, rng: &rng!,
                                                 speedCache: speedCache, index: index,
                                                 babble: others.isEmpty ? nil : (others.count, { others[$0].samples }))
            } catch {
                throw TrainError.augmentation(origin: ex.utt.origin, reason: "\(error)")
            }
            if recipe.augment.drawsVTLNWarp {
                let r = recipe.augment.vtlnWarp
                warp = ((r[0] + (r[1] - r[0]) * rng!.nextUniform()) * 100).rounded() / 100
            }
        }
        var f = pipeline.compute(samples, vtlnWarp: warp)
        if rng != nil { Augmenter.specAugment(&f, options: recipe.augment.specAugment, rng: &rng!) }
        return f
    }

    /// Length-bucketed batches: sort by length, cut into batches, shuffle their order (seeded).
    func batches(_ examples: [Example], epoch: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: recipe.train.seed, UInt64(epoch), 0xBA7C)
        // Shuffle first so equal lengths are not always grouped the same way.
        var order = Array(examples.indices)
        order.shuffle(using: &rng)
        order.sort { examples[$0].samples.count < examples[$1].samples.count }
        var out: [[Int]] = []
        var i = 0
        while i < order.count {
            out.append(Array(order[i..<min(order.count, i + recipe.train.batchSize)]))
            i += recipe.train.batchSize
        }
        out.shuffle(using: &rng)
        return out
    }

    /// FNV-1a of the resolved recipe without its `decode` section: what training
    /// depends on. Decoding settings may change between a run and its resume.
    static func trainingHash(_ recipe: Recipe) throws -> String {
        var object = try JSONSerialization.jsonObject(with: StrictJSON.encode(recipe)) as! [String: Any]  // a struct encodes to an object
        object["decode"] = nil
        return fnv1a(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func fnv1a(_ bytes: Data) -> String {
        String(bytes.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }, radix: 16)
    }

    /// An experiment started by another version of asr (whose hash covered other
    /// keys, or whose recipe lacked keys added since): does its recipe.json, read
    /// by this version (missing keys take their defaults), train the same as `hash`?
    func startedByAnotherVersion(sameAs hash: String) -> Bool {
        let path = (expDir as NSString).appendingPathComponent("recipe.json")
        guard let old = FileManager.default.contents(atPath: path),
              let oldRecipe = try? StrictJSON.decode(Recipe.self, from: old, source: path) else { return false }
        return (try? Self.trainingHash(oldRecipe)) == hash
    }

    /// Runs training (or resumes it). Returns the model folder.
    @discardableResult
    public func run(resume: Bool, epochsOverride: Int? = nil) throws -> String {
        let fm = FileManager.default
        try fm.createDirectory(atPath: checkpointDir, withIntermediateDirectories: true)
        let recipeJSON = try StrictJSON.encode(recipe)
        let recipeHash = try Self.trainingHash(recipe)
        // Data.
        let norm = recipe.tokens.normalize
        let trainUtts = try DataSet.load(recipe.data.train, normalize: norm)
        let devUtts = recipe.data.dev.isEmpty ? [] : try DataSet.load(recipe.data.dev, normalize: norm)
        let tokens = TokenTable(buildingFrom: trainUtts.map(\.text))
        try DataSet.checkCharacters(devUtts, tokens: tokens)
        log("data: \(trainUtts.count) training utterances, \(devUtts.count) validation; \(tokens.count) tokens")
        let threads = recipe.train.threads > 0 ? recipe.train.threads : ProcessInfo.processInfo.activeProcessorCount
        Parallelism.maxThreads = threads
        BLASThreads.set(1)
        let train = loadAudio(trainUtts, tokens: tokens, name: recipe.data.train)
        let dev = loadAudio(devUtts, tokens: tokens, name: recipe.data.dev)
        guard !train.isEmpty else { throw TrainError.noUsableData("\(recipe.data.train): no readable training utterances") }
        let hours = train.reduce(0.0) { $0 + Double($1.samples.count) } / Double(recipe.data.sampleRate) / 3600
        log(String(format: "audio: %.2f h of training speech loaded", hours))

        // Global CMVN statistics over the unaugmented training features.
        var pipeline = FeaturePipeline(recipe.features)
        var cmvn: CMVNStats?
        if recipe.features.cmvn == .global {
            let pl = pipeline
            let partial = parallelMap(threads) { k in
                var stats = CMVNStats(dimension: pl.dimension)
                var i = k
                while i < train.count {
                    stats.accumulate(pl.computeUnnormalized(train[i].samples))
                    i += threads
                }
                return stats
            }
            var total = CMVNStats(dimension: pipeline.dimension)
            for s in partial { total.merge(s) }
            cmvn = total
            pipeline.globalStats = total
            try total.save(to: (expDir as NSString).appendingPathComponent("cmvn.json"))
        }

        // Model and optimizer.
        let model = AcousticModel(inputSize: pipeline.dimension, outputSize: tokens.count, options: recipe.model)
        model.parallelDirections = threads > 1
        let optimizer = Optimizer(parameters: model.parameters, options: recipe.train.optimizer)
        var state = TrainerState()
        state.recipeHash = recipeHash
        let lastPointer = (checkpointDir as NSString).appendingPathComponent("last")
        if resume, let last = try? String(contentsOfFile: lastPointer, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) {
            let dir = (checkpointDir as NSString).appendingPathComponent(last)
            let saved = try ModelBundle.decoder().decode(TrainerState.self, from: Data(contentsOf: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("trainer.json"))))
            guard saved.recipeHash == recipeHash || startedByAnotherVersion(sameAs: recipeHash) else {
                throw TrainError.resume("\(recipePath): the recipe changed since \(expDir) was started (outside its decode section); resume needs the same recipe (or train under another name)")
            }
            try model.loadWeights(from: (dir as NSString).appendingPathComponent("model.safetensors"))
            try optimizer.load(from: (dir as NSString).appendingPathComponent("optimizer.safetensors"))
            state = saved
            state.recipeHash = recipeHash
            var rng = SeededGenerator(seed: 0)
            rng.state = saved.dropoutRandomState
            model.dropoutState = rng
            log("resuming \(expDir) after epoch \(state.epoch) (step \(state.step))")
        } else if resume {
            log("nothing to resume in \(checkpointDir): starting from scratch")
        }
        try AtomicFile.write(recipeJSON, to: (expDir as NSString).appendingPathComponent("recipe.json"))
        try tokens.save((expDir as NSString).appendingPathComponent("tokens.txt"))
        log("model: \(recipe.model.numLayers)×\(recipe.model.bidirectional ? "Bi" : "")\(recipe.model.cell.rawValue.uppercased()) H=\(recipe.model.hiddenSize), input \(pipeline.dimension)×\(recipe.model.frameStacking), \(model.parameterCount) parameters; \(threads) threads")

        let epochs = epochsOverride ?? recipe.train.epochs
        let batchesPerEpoch = (train.count + recipe.train.batchSize - 1) / recipe.train.batchSize
        var schedule = recipe.train.schedule
        if schedule.decay == .cosine && schedule.totalSteps == 0 { schedule.totalSteps = batchesPerEpoch * epochs }
        let frameSeconds = Double(recipe.features.frame.frameShiftMs) / 1000 * Double(recipe.model.frameStacking)

        // Validation features are computed once.
        let devPipeline = pipeline
        let devFeatures = parallelMap(dev.count) { i in devPipeline.compute(dev[i].samples) }

        // Speed perturbation: each (utterance, speed) is resampled once, then reused.
        let speedCache = SpeedPerturbationCache(speeds: recipe.augment.speeds, sampleCounts: train.map(\.samples.count),
                                                budgetBytes: SpeedPerturbationCache.defaultBudget)
        let perturbed = recipe.augment.speeds.contains { $0 != 1 }
        if let speedCache {
            log(String(format: "augment: speed-perturbed audio kept after first use (up to %.2f GB)", Double(speedCache.bytes) / 1e9))
        } else if perturbed {
            log("augment: speed-perturbed audio is resampled every epoch (the copies would exceed \(SpeedPerturbationCache.defaultBudget >> 20) MiB)")
        }

        var epoch = state.epoch
        while epoch < epochs {
            if recipe.train.earlyStopPatience > 0 && state.plateau.epochsSinceBest >= recipe.train.earlyStopPatience {
                log("early stop: no validation improvement in \(state.plateau.epochsSinceBest) epochs")
                break
            }
            let start = Date()
            var lossSum = 0.0, lossCount = 0, skipped = 0, badInARow = 0, done = 0
            var lr: Float = 0
            for (bi, batch) in batches(train, epoch: epoch).enumerated() {
                // Features (augmented) in parallel, seeded per (epoch, utterance).
                let pl = pipeline
                let computed: [Result<Matrix, TrainError>] = parallelMap(batch.count) { k in
                    var rng: SeededGenerator? = SeededGenerator(seed: self.recipe.train.seed, UInt64(epoch + 1), UInt64(batch[k]))
                    do {
                        return .success(try self.features(train[batch[k]], pipeline: pl, rng: &rng,
                                                          speedCache: speedCache, index: batch[k], others: train))
                    } catch {
                        return .failure(error as? TrainError ?? .augmentation(origin: train[batch[k]].utt.origin, reason: "\(error)"))
                    }
                }
                let feats = try computed.map { try $0.get() }  // the first failure in batch order
                // Drop utterances too short for their labels.
                var members: [Int] = []
                for (k, i) in batch.enumerated() {
                    let outFrames = model.outputFrames(feats[k].rows)
                    if outFrames < ctcMinimumFrames(train[i].labels) || feats[k].rows == 0 {
                        if epoch == state.epoch {
                            log("warning: \(train[i].utt.origin): \(outFrames) output frames cannot emit \(train[i].labels.count) labels; skipped")
                        }
                        skipped += 1
                    } else { members.append(k) }
                }
                guard !members.isEmpty else { continue }
                let B = members.count
                let y = model.forward(timeMajorBatch(members.map { feats[$0] }), training: true)
                let targets = members.map { train[batch[$0]].labels }
                let result: CTCResult
                do {
                    result = try ctcLoss(logits: y.data.storage, frames: y.frames, batch: B, vocabulary: tokens.count,
                                         inputLengths: y.lengths, targets: targets, options: CTCOptions(reduction: .mean))
                } catch {
                    log("warning: batch \(bi): \(error); skipped")
                    continue
                }
                if !result.loss.isFinite || result.gradient.contains(where: { !$0.isFinite }) {
                    badInARow += 1
                    let ids = members.map { train[batch[$0]].utt.id }.joined(separator: ", ")
                    log("warning: non-finite loss (\(result.loss)) in batch with \(ids); batch skipped")
                    if badInARow >= recipe.train.maxBadBatches {
                        throw TrainError.diverged("training diverged: \(badInARow) batches in a row with a NaN/inf loss (last: \(ids)); lower train.optimizer.learning_rate or check the data")
                    }
                    continue
                }
                badInARow = 0
                model.zeroGrad()
                model.backward(Matrix(rows: y.data.rows, cols: tokens.count, storage: result.gradient), inputGradient: false)
                optimizer.clipGradients(maxNorm: recipe.train.optimizer.clipNorm)
                state.step += 1
                lr = schedule.learningRate(peak: recipe.train.optimizer.learningRate, step: state.step, epoch: epoch,
                                           plateauScale: state.plateau.scale)
                optimizer.update(learningRate: lr)
                lossSum += Double(result.loss) * Double(B)
                lossCount += B
                done += batch.count
                if let progress {
                    let elapsed = Date().timeIntervalSince(start)
                    let rate = Double(done) / max(elapsed, 1e-6)
                    let eta = Double(train.count - done) / max(rate, 1e-6)
                    progress(String(format: "epoch %d/%d %@ %3d%%  %5.1f utt/s  loss %.3f  ETA %@", epoch + 1, epochs,
                                    bar(Double(done) / Double(train.count)), Int(100 * Double(done) / Double(train.count)),
                                    rate, lossSum / Double(max(lossCount, 1)), clock(eta)))
                }
            }
            // Validation.
            var devLoss: Double?, devWer: Double?, devCer: Double?
            if !dev.isEmpty {
                let v = validate(model: model, examples: dev, features: devFeatures, tokens: tokens)
                devLoss = v.loss; devWer = v.wer; devCer = v.cer
            }
            let seconds = Date().timeIntervalSince(start)
            // Model selection: WER for spaced scripts, CER where tokens have no space (Mandarin).
            let devError = tokens.space == nil ? devCer : devWer
            let metric = Float(devError ?? devLoss ?? lossSum / Double(max(lossCount, 1)))
            let isBest = state.plateau.record(metric, schedule: schedule)
            if isBest { state.bestEpoch = epoch + 1 }
            let entry = EpochLog(epoch: epoch + 1, step: state.step, trainLoss: lossSum / Double(max(lossCount, 1)),
                                 devLoss: devLoss, devWer: devWer, devCer: devCer, learningRate: Double(lr), seconds: seconds,
                                 utterancesPerSecond: Double(train.count) / seconds, skippedUtterances: skipped, best: isBest)
            state.history.append(entry)
            state.epoch = epoch + 1
            state.dropoutRandomState = model.dropoutState.state
            // Checkpoint (atomic files; the `last` pointer moves only when all are written).
            let ckName = "epoch-\(epoch + 1)"
            let ck = (checkpointDir as NSString).appendingPathComponent(ckName)
            try fm.createDirectory(atPath: ck, withIntermediateDirectories: true)
            try model.saveWeights(to: (ck as NSString).appendingPathComponent("model.safetensors"), metadata: ["format": "pt"])
            try optimizer.save(to: (ck as NSString).appendingPathComponent("optimizer.safetensors"))
            try AtomicFile.write(try ModelBundle.encoder().encode(state), to: (ck as NSString).appendingPathComponent("trainer.json"))
            try AtomicFile.write(ckName + "\n", to: lastPointer)
            // Older checkpoints: keep the last two.
            if epoch >= 2 { try? fm.removeItem(atPath: (checkpointDir as NSString).appendingPathComponent("epoch-\(epoch - 1)")) }
            let info = ModelInfo(name: recipe.name, features: recipe.features, cmvn: cmvn, model: recipe.model, inputSize: pipeline.dimension,
                                 tokens: tokens.tokens, normalize: norm, decode: recipe.decode, frameSeconds: frameSeconds,
                                 sampleRate: recipe.data.sampleRate, epoch: epoch + 1, devWer: devWer, devCer: devCer,
                                 parameters: model.parameterCount)
            if isBest || dev.isEmpty {
                try ModelBundle.save(model: model, info: info, to: expDir)
            }
            try writeLog(state.history)
            try pointLatest()
            if progress != nil { progress?("") }
            var line = String(format: "epoch %d/%d  loss %.4f", epoch + 1, epochs, entry.trainLoss)
            if let devLoss { line += String(format: "  dev loss %.4f", devLoss) }
            if let devWer, let devCer { line += String(format: "  dev WER %.2f%%  CER %.2f%%", 100 * devWer, 100 * devCer) }
            line += String(format: "  lr %.2e  %.0f s (%.0f utt/s)%@", lr, seconds, entry.utterancesPerSecond, isBest ? "  *best" : "")
            log(line)
            epoch += 1
        }
        log("model: \(expDir) (best epoch \(state.bestEpoch)); exp/latest → \(recipe.name)")
        return expDir
    }

    struct Validation { var loss: Double; var wer: Double; var cer: Double }

    func validate(model: AcousticModel, examples: [Example], features: [Matrix], tokens: TokenTable) -> Validation {
        var words = ErrorCounts(), chars = ErrorCounts()
        var lossSum = 0.0, count = 0
        let greedy = GreedyDecoder()
        let order = examples.indices.sorted { features[$0].rows < features[$1].rows }
        var i = 0
        let bs = max(recipe.train.batchSize, 1)
        while i < order.count {
            let members = Array(order[i..<min(order.count, i + bs)])
            i += bs
            let B = members.count
            guard members.contains(where: { features[$0].rows > 0 }) else { continue }
            let y = model.forward(timeMajorBatch(members.map { features[$0] }), training: false)
            if let r = try? ctcLoss(logits: y.data.storage, frames: y.frames, batch: B, vocabulary: tokens.count, inputLengths: y.lengths,
                                    targets: members.map { examples[$0].labels }, options: CTCOptions(reduction: .none, zeroInfinity: true)) {
                for (b, k) in members.enumerated() where r.losses[b] > 0 || !examples[k].labels.isEmpty {
                    lossSum += Double(r.losses[b]) / Double(max(examples[k].labels.count, 1))
                    count += 1
                }
            }
            let lp = logSoftmaxRows(y.data)
            for (b, k) in members.enumerated() {
                var m = Matrix(rows: y.lengths[b], cols: tokens.count)
                for t in 0..<y.lengths[b] { for v in 0..<tokens.count { m[t, v] = lp[t * B + b, v] } }
                let hyp = tokens.decode(greedy.decode(m)[0].tokens)
                let ref = examples[k].utt.text
                words.add(align(ASRText.words(ref), ASRText.words(hyp)))
                chars.add(align(characters(ref), characters(hyp)))
            }
        }
        return Validation(loss: lossSum / Double(max(count, 1)), wer: words.errorRate, cer: chars.errorRate)
    }

    func writeLog(_ history: [EpochLog]) throws {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.outputFormatting = [.sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let lines = try history.map { String(decoding: try enc.encode($0), as: UTF8.self) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: (expDir as NSString).appendingPathComponent("train.jsonl"))
    }

    /// `<output.dir>/latest` → this experiment (a relative symlink, replaced atomically).
    func pointLatest() throws {
        let link = (recipe.output.dir as NSString).appendingPathComponent("latest")
        let tmp = link + ".\(getpid()).tmp"
        unlink(tmp)
        guard symlink(recipe.name, tmp) == 0, rename(tmp, link) == 0 else {
            throw FileError.cannotWrite(path: link, reason: String(cString: strerror(errno)))
        }
    }
}

/// Pads utterance features `[T_b, D]` into one time-major batch `[T·B, D]`.
func timeMajorBatch(_ feats: [Matrix]) -> SequenceBatch {
    let B = feats.count, D = feats[0].cols
    let T = feats.map(\.rows).max()!
    var x = Matrix(rows: T * B, cols: D)
    for (b, f) in feats.enumerated() {
        for t in 0..<f.rows { for d in 0..<D { x[t * B + b, d] = f[t, d] } }
    }
    return SequenceBatch(data: x, frames: T, batch: B, lengths: feats.map(\.rows))
}

func bar(_ fraction: Double, width: Int = 24) -> String {
    let filled = Int((fraction * Double(width)).rounded(.down))
    return "[" + String(repeating: "=", count: min(filled, width)) + (filled < width ? ">" : "")
        + String(repeating: " ", count: max(0, width - filled - 1)) + "]"
}

func clock(_ seconds: Double) -> String {
    let s = Int(seconds.isFinite ? seconds : 0)
    return String(format: "%d:%02d", s / 60, s % 60)
}
