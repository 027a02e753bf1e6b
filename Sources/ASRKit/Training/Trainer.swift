import ASRCore
import LinearAlgebra
import ASRText
import AudioIO
import CTC
import Decoding
import Distributed
import Features
import Foundation
import NN

/// Errors that stop training; each names its file or utterance and says what to do.
public enum TrainError: Error, Equatable, CustomStringConvertible {
    /// No utterance of the training manifest could be read (or fits the model).
    case noUsableData(manifest: String)
    /// `maxBadBatches` batches in a row had a NaN/inf loss or gradient; the last one's utterances.
    case diverged(badBatches: Int, lastBatch: String)
    /// `--resume` of an experiment started with a different recipe (outside its decode section).
    case recipeChanged(recipe: String, experiment: String, changes: [String] = [])
    /// A perturbation of an utterance failed (its origin and the error).
    case augmentation(origin: String, reason: String)
    /// An utterance could not be read when its batch came up (it could when training started).
    case unreadable(origin: String, reason: String)
    /// An utterance's audio file changed length since training started.
    case audioChanged(origin: String, expected: Int, found: Int)
    /// A rank of a data-parallel job resumed from another checkpoint than rank 0.
    case ranksDisagree(rank: Int, reason: String)
    /// An update made weights NaN/inf (`batch`: its utterances), or validation found a
    /// non-finite loss: training stops before anything non-finite is saved.
    case nonFiniteWeights(step: Int, batch: String, learningRate: Float)
    case nonFiniteValidation(epoch: Int, loss: Double)
    /// Another run holds the experiment's lock (`owner`: its pid, host and start).
    case experimentBusy(lock: String, owner: String)
    /// `asr train` without `--resume` or `--force` on a folder that holds a (partly) trained model.
    case experimentExists(directory: String, epoch: Int)

    public var description: String {
        switch self {
        case .noUsableData(let m): return "\(m): no readable training utterances"
        case .diverged(let n, let last):
            return "training diverged: \(n) batches in a row with a NaN/inf loss or gradient (last: \(last)); "
                + "lower train.optimizer.learning_rate or check the data"
        case .recipeChanged(let r, let e, let changes):
            return "\(r): the recipe changed since \(e) was started (outside its decode section"
                + (changes.isEmpty ? "" : ": " + changes.joined(separator: ", ")) + "); "
                + (changes.contains { $0.hasPrefix("train.epochs ") } ? "to train more epochs, keep the recipe and give --epochs N; " : "")
                + "resume needs the same recipe (or --force to move the old experiment aside and start again, or train under another name)"
        case .augmentation(let o, let r): return "\(o): augmenting this utterance failed: \(r)"
        case .unreadable(let o, let r): return "\(o): cannot read the audio any more (it could when training started): \(r)"
        case .audioChanged(let o, let e, let f):
            return "\(o): the audio file changed during training: \(f) samples where it had \(e)"
        case .nonFiniteWeights(let step, let batch, let lr):
            return "training diverged: the update of step \(step) (batch with \(batch)) at learning rate \(lr) made weights NaN/inf; "
                + "nothing of that step was saved; lower train.optimizer.learning_rate (or set train.optimizer.clip_norm) and --resume"
        case .nonFiniteValidation(let epoch, let loss):
            return "training diverged: validation loss \(loss) after epoch \(epoch); that epoch was not saved; "
                + "lower train.optimizer.learning_rate and --resume"
        case .experimentBusy(let lock, let owner):
            return "\(lock): the experiment is being trained by \(owner); wait for that run to end or stop it"
        case .experimentExists(let dir, let epoch):
            return "\(dir) already holds a model trained " + (epoch > 0 ? "for \(epoch) epoch\(epoch == 1 ? "" : "s")" : "before")
                + ": --resume to continue it, --force to move it aside and start again, or train under another name (--set name=…)"
        case .ranksDisagree(let r, let why):
            return "rank \(r): \(why) (every rank must see the experiment folder to resume: a shared file system, or a copy on each host)"
        }
    }
}

/// A training utterance: where its waveform is, its length and label ids. The
/// waveform is read when its batch comes up (memory does not grow with the
/// corpus); what stays per utterance is this index entry (id, path, origin,
/// 32-bit labels; the transcript only where it is scored), a few hundred bytes.
struct Example {
    var id: String
    var audioPath: String
    /// The stretch of the file, when the manifest gives one (packed shards).
    var segment: AudioSegment?
    /// "manifest:line", for messages.
    var origin: String
    /// Samples at the recipe's rate (the batch sampler's length measure).
    var sampleCount: Int
    private var labelIDs: [Int32]
    /// The transcript, kept only for validation references (nil for training).
    var text: String?
    /// Its manifest line (nil from a Kaldi folder): where `ExampleIndex` finds it again.
    var line: Int?

    init(utt: Utterance, sampleCount: Int, labels: [Int], keepText: Bool = false) {
        // Copies, not shared storage: the manifest's parsed lines are freed
        // after the scan, and strings still pointing into their memory would
        // keep it resident (fragments no trim can return).
        id = String(decoding: Array(utt.id.utf8), as: UTF8.self)
        audioPath = String(decoding: Array(utt.audioPath.utf8), as: UTF8.self)
        segment = utt.segment
        origin = String(decoding: Array(utt.origin.utf8), as: UTF8.self)
        self.sampleCount = sampleCount
        labelIDs = labels.map { Int32($0) }
        text = keepText ? utt.text : nil
        line = utt.manifestLine
    }

    var labels: [Int] { labelIDs.map { Int($0) } }
    var labelCount: Int { labelIDs.count }

    /// The waveform at `rate`, read from disk.
    func samples(rate: Int) throws -> [Float] {
        let a = try AudioFile.read(audioPath, sampleRate: rate, segment: segment)
        guard a.samples.count == sampleCount else {
            throw TrainError.audioChanged(origin: origin, expected: sampleCount, found: a.samples.count)
        }
        return a.samples
    }
}

/// Feature matrices computed once and kept while they fit `budgetBytes`
/// (first come, first kept); the rest are computed each time. Thread-safe.
final class KeptFeatures: @unchecked Sendable {
    private var kept: [Matrix?]
    private var used = 0
    let budgetBytes: Int
    private let lock = NSLock()

    init(count: Int, budgetBytes: Int) {
        kept = [Matrix?](repeating: nil, count: count)
        self.budgetBytes = budgetBytes
    }

    func get(_ i: Int, orCompute compute: () throws -> Matrix) rethrows -> Matrix {
        lock.lock()
        let have = kept[i]
        lock.unlock()
        if let have { return have }
        let m = try compute()
        let size = m.rows * m.cols * MemoryLayout<Float>.size
        lock.lock()
        if used + size <= budgetBytes {
            kept[i] = m
            used += size
        }
        lock.unlock()
        return m
    }
}

/// The training loop: length-bucketed seeded batches, augmentation, CTC,
/// Adam, validation, atomic checkpoints each epoch, exact resume.
public final class Trainer {
    public let recipe: Recipe
    public let recipePath: String
    public var log: (String) -> Void
    /// Called with a one-line status during an epoch (a progress bar on a terminal).
    public var progress: ((String) -> Void)?
    /// The processes training together (data parallelism: each takes its part of
    /// every global batch and the gradients are summed); rank 0 alone writes the
    /// experiment folder. One process by default.
    public var collective: any Collective = SingleProcess()
    let expDir: String

    public init(recipe: Recipe, recipePath: String, log: @escaping (String) -> Void) {
        self.recipe = recipe
        self.recipePath = recipePath
        self.log = log
        expDir = recipe.experimentDir
    }

    var checkpointDir: String { (expDir as NSString).appendingPathComponent("checkpoints") }

    /// Scans `utts` in parallel: each file's length from its header (or, at
    /// another sample rate, by reading and resampling it once); unreadable and too
    /// long files are reported and skipped. No waveform is kept.
    func scanAudio(_ utts: [Utterance], tokens: TokenTable, name: String, keepText: Bool = false) -> [Example] {
        let rate = recipe.data.sampleRate
        let results: [(example: Example?, problem: String?)] = parallelMap(utts.count) { i in
            let u = utts[i]
            do {
                let info = try AudioFile.info(u.audioPath)
                let count: Int
                if info.sampleRate == rate, let s = u.segment {
                    let (start, n) = s.frames(rate: rate)
                    guard s.offset >= 0, n > 0, start + n <= info.frames else {
                        throw AudioError.segmentOutOfRange(path: u.audioPath, offset: s.offset, duration: s.duration, fileDuration: info.duration)
                    }
                    count = n
                } else if info.sampleRate == rate {
                    count = info.frames
                } else {
                    count = try AudioFile.read(u.audioPath, sampleRate: rate, segment: u.segment).samples.count
                }
                let duration = Double(count) / Double(rate)
                if duration > self.recipe.data.maxDuration {
                    return (nil, "\(u.origin): \(String(format: "%.1f", duration)) s is longer than data.max_duration; skipped")
                }
                guard case .success(let ids) = tokens.encode(u.text) else { return (nil, nil) }
                return (Example(utt: u, sampleCount: count, labels: ids, keepText: keepText), nil)
            } catch {
                return (nil, "\(u.origin): \(error); skipped")
            }
        }
        let problems = results.compactMap(\.problem)
        for p in problems.prefix(10) { log("warning: \(p)") }
        if problems.count > 10 { log("warning: … and \(problems.count - 10) more unreadable or too long utterances in \(name)") }
        return results.compactMap(\.example)
    }

    /// The waveform of `ex`, read now; a failure names the utterance.
    func read(_ ex: Example) throws -> [Float] {
        do {
            return try ex.samples(rate: recipe.data.sampleRate)
        } catch let e as TrainError {
            throw e
        } catch {
            throw TrainError.unreadable(origin: ex.origin, reason: "\(error)")
        }
    }

    /// Feature matrix of one example (augmented when `rng` is given), normalised;
    /// its waveform is read now. `others`: the training set, for babble.
    func features(_ ex: Example, pipeline: FeaturePipeline, rng: inout SeededGenerator?,
                  speedCache: SpeedPerturbationCache? = nil, index: Int = 0, others: ExampleIndex? = nil) throws -> Matrix {
        var samples = try read(ex)
        var warp: Float?
        if rng != nil {
            let rate = recipe.data.sampleRate
            do {
                samples = try Augmenter.waveform(samples, rate: rate, options: recipe.augment, rng: &rng!,
                                                 speedCache: speedCache, index: index,
                                                 babble: others.map { o in (o.count, { (try? o.example($0).samples(rate: rate)) ?? [] }) })
            } catch {
                throw TrainError.augmentation(origin: ex.origin, reason: "\(error)")
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

    /// FNV-1a of the resolved recipe without its `decode` section, its name and
    /// output folder and the data pipeline's memory settings: what training
    /// results depend on. Those may change between a run and its resume.
    static func trainingHash(_ recipe: Recipe) throws -> String {
        fnv1a(try JSONSerialization.data(withJSONObject: trainingSettings(recipe), options: [.sortedKeys]))
    }

    /// The recipe as a JSON object without what training results do not depend on:
    /// `decode`, where the experiment lives (`name`, `output`: a copied or renamed
    /// experiment resumes), the data pipeline's memory and overlap settings, and
    /// checkpoint averaging (done after the epochs, from their checkpoints).
    static func trainingSettings(_ recipe: Recipe) throws -> [String: Any] {
        var object = try JSONSerialization.jsonObject(with: StrictJSON.encode(recipe)) as! [String: Any]  // a struct encodes to an object
        object["decode"] = nil
        object["name"] = nil
        object["output"] = nil
        if var data = object["data"] as? [String: Any] {
            data["cache_mb"] = nil
            data["prefetch_batches"] = nil
            object["data"] = data
        }
        if var train = object["train"] as? [String: Any] {
            train["average_last"] = nil
            object["train"] = train
        }
        return object
    }

    static func fnv1a(_ bytes: Data) -> String {
        String(bytes.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }, radix: 16)
    }

    /// An experiment started by another version of asr (whose hash covered other
    /// keys, or whose recipe lacked keys added since): does its recipe.json, read
    /// by this version (missing keys take their defaults), train the same as `hash`?
    func startedByAnotherVersion(sameAs hash: String) -> Bool {
        guard let oldRecipe = storedRecipe() else { return false }
        return (try? Self.trainingHash(oldRecipe)) == hash
    }

    /// The experiment's recipe.json, read by this version (missing keys take their defaults).
    func storedRecipe() -> Recipe? {
        let path = (expDir as NSString).appendingPathComponent("recipe.json")
        return fileContents(path).flatMap { try? StrictJSON.decode(Recipe.self, from: $0, source: path) }
    }

    /// The training keys whose values differ between the experiment's recipe.json
    /// and this recipe, as "key old → new" (at most 5); empty when it cannot tell.
    func changedKeys() -> [String] {
        guard let oldRecipe = storedRecipe(), let a = try? Self.trainingSettings(oldRecipe), let b = try? Self.trainingSettings(recipe) else { return [] }
        func flat(_ v: Any, _ key: String, _ out: inout [String: String]) {
            if let d = v as? [String: Any] {
                for (k, x) in d { flat(x, key.isEmpty ? k : key + "." + k, &out) }
            } else if let data = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]) {
                out[key] = String(decoding: data, as: UTF8.self)
            }
        }
        var fa: [String: String] = [:], fb: [String: String] = [:]
        flat(a, "", &fa)
        flat(b, "", &fb)
        return Set(fa.keys).union(fb.keys).sorted().filter { fa[$0] != fb[$0] }
            .prefix(5).map { "\($0) \(fa[$0] ?? "(none)") → \(fb[$0] ?? "(none)")" }
    }

    /// Runs training (or resumes it). Returns the model folder.
    @discardableResult
    public func run(resume: Bool, force: Bool = false, epochsOverride: Int? = nil) throws -> String {
        boundHeapGrowth()   // before any thread has made its own arena
        let store = CheckpointStore(directory: checkpointDir, keep: max(2, recipe.train.averageLast))
        let leader = collective.isLeader
        var lock: ExperimentLock?
        if leader {
            lock = try prepareFolder(resume: resume, force: force)
            try store.create()
        }
        defer { withExtendedLifetime(lock) {} }
        let recipeHash = try Self.trainingHash(recipe)
        let data = try loadData()
        // The manifest's text and parsed lines are gone: give their pages back
        // (glibc keeps freed memory otherwise, and it would count against the corpus).
        releaseFreeMemory()
        let tokens = data.tokens, train = data.train
        let threads = recipe.train.threads > 0 ? recipe.train.threads : ProcessInfo.processInfo.activeProcessorCount
        Parallelism.maxThreads = threads
        BLASThreads.set(1)

        var pipeline = FeaturePipeline(recipe.features)
        let cmvn = recipe.features.cmvn.needsStatistics ? try globalCMVN(train, pipeline: pipeline, threads: threads) : nil
        pipeline.globalStats = cmvn

        let model = AcousticModel(inputSize: pipeline.dimension, outputSize: tokens.count, options: recipe.model)
        model.parallelDirections = threads > 1
        let optimizer = Optimizer(parameters: model.parameters, options: recipe.train.optimizer)
        var state = try restore(resume ? store : nil, model: model, optimizer: optimizer, recipeHash: recipeHash)
        if collective.size > 1 { try shareRankZeroStart(model: model, state: state) }
        if leader {
            try AtomicFile.write(try StrictJSON.encode(recipe), to: (expDir as NSString).appendingPathComponent("recipe.json"))
            try tokens.save((expDir as NSString).appendingPathComponent("tokens.txt"))
        }
        log("model: \(recipe.model.numLayers)×\(recipe.model.bidirectional ? "Bi" : "")\(recipe.model.cell.rawValue.uppercased()) H=\(recipe.model.hiddenSize), input \(pipeline.dimension)×\(recipe.model.frameStacking), \(model.parameterCount) parameters; \(threads) threads"
            + (collective.size > 1 ? " per rank, \(collective.size) ranks (each takes 1/\(collective.size) of every batch of \(recipe.train.batchSize))" : ""))

        let epochs = epochsOverride ?? recipe.train.epochs
        let sampler = BatchSampler(seed: recipe.train.seed, batchSize: recipe.train.batchSize,
                                   shard: .init(index: collective.rank, count: collective.size))
        var schedule = recipe.train.schedule
        if schedule.decay == .cosine && schedule.totalSteps == 0 {
            schedule.totalSteps = sampler.batchCount(utterances: train.count) * epochs
        }
        let devPipeline = pipeline, dev = data.dev
        // Dev features are the same every epoch: kept while they fit a quarter of data.cache_mb.
        let devFeatures = KeptFeatures(count: dev.count, budgetBytes: (recipe.data.cacheMb << 20) / 4)
        let validator = Validator(tokens: tokens, batchSize: recipe.train.batchSize,
                                  frames: dev.map { devPipeline.frameCount(sampleCount: $0.sampleCount) },
                                  features: { i in try devFeatures.get(i) { devPipeline.compute(try self.read(dev[i])) } },
                                  labels: dev.map(\.labels), references: dev.map { $0.text ?? "" })
        let epochData = EpochData(examples: train, lengths: train.sampleCounts, pipeline: pipeline, speedCache: makeSpeedCache(train), sampler: sampler,
                                  schedule: schedule, step: TrainStep(model: model, optimizer: optimizer, vocabulary: tokens.count,
                                                                      clipNorm: recipe.train.optimizer.clipNorm),
                                  epochs: epochs, firstEpoch: state.epoch)
        let trainingLog = TrainingLog(path: (expDir as NSString).appendingPathComponent("train.jsonl"))
        let frameSeconds = Double(recipe.features.frame.frameShiftMs) / 1000 * Double(recipe.model.frameStacking)
        // Model selection: WER for spaced scripts, CER where tokens have no space (Mandarin).
        let usesCER = tokens.space == nil
        func info(epoch: Int, _ v: Validator.Result?, averaged: [Int]? = nil) -> ModelInfo {
            var info = ModelInfo(name: recipe.name, features: recipe.features, cmvn: cmvn, model: recipe.model, inputSize: pipeline.dimension,
                                 tokens: tokens.tokens, normalize: recipe.tokens.normalize, decode: recipe.decode, frameSeconds: frameSeconds,
                                 sampleRate: recipe.data.sampleRate, epoch: epoch, devWer: v?.wer, devCer: v?.cer,
                                 parameters: model.parameterCount, field: recipe.tokens.field)
            info.averagedEpochs = averaged
            return info
        }

        for epoch in state.epoch..<max(epochs, state.epoch) {
            if recipe.train.earlyStopPatience > 0 && state.plateau.epochsSinceBest >= recipe.train.earlyStopPatience {
                log("early stop: no validation improvement in \(state.plateau.epochsSinceBest) epochs")
                break
            }
            let start = Date()
            let totals = try trainEpoch(epoch, epochData, state: &state)
            let v = validator.isEmpty ? nil : try validator.run(model, collective: collective)
            if let loss = v?.loss, !loss.isFinite { throw TrainError.nonFiniteValidation(epoch: epoch + 1, loss: loss) }
            let seconds = Date().timeIntervalSince(start)
            let devError = usesCER ? v?.cer : v?.wer
            let isBest = state.plateau.record(Float(devError ?? v?.loss ?? totals.meanLoss), schedule: schedule)
            if isBest { state.bestEpoch = epoch + 1 }
            let entry = EpochLog(epoch: epoch + 1, step: state.step, trainLoss: totals.meanLoss,
                                 devLoss: v?.loss, devWer: v?.wer, devCer: v?.cer, learningRate: Double(totals.learningRate),
                                 seconds: seconds, utterancesPerSecond: Double(train.count) / seconds,
                                 skippedUtterances: totals.skipped, best: isBest)
            state.history.append(entry)
            state.epoch = epoch + 1
            state.dropoutRandomState = model.dropoutState.state
            guard leader else { continue }
            // The best model first, then the checkpoint that moves `last`: a run killed
            // between the two redoes this epoch on resume (and saves the same model again)
            // instead of trusting a `last` whose best model was never written.
            if isBest || validator.isEmpty {
                try ModelBundle.save(model: model, info: info(epoch: epoch + 1, v), to: expDir)
            }
            try store.save(model: model, optimizer: optimizer, state: state)
            try trainingLog.write(state.history)
            try pointLatest()
            progress?("")
            log(TrainingLog.summary(entry, epochs: epochs))
            if collective.size > 1 && collectiveSteps > 0 {
                let ms = Double(collectiveNanoseconds) / 1e6
                log(String(format: "  allreduce: %.2f ms per step (%d steps, %.1f%% of the epoch; includes waiting for the slowest rank)",
                           ms / Double(collectiveSteps), collectiveSteps, ms / 10 / seconds))
                (collectiveNanoseconds, collectiveSteps) = (0, 0)
            }
        }
        var chosen = "best epoch \(state.bestEpoch)"
        if recipe.train.averageLast > 1,
           let epochs = try averageCheckpoints(store: store, model: model, validator: validator, state: state, usesCER: usesCER,
                                               info: { info(epoch: state.epoch, $0, averaged: $1) }) {
            chosen = "the average of epochs \(epochs.first!)–\(epochs.last!)"
        }
        log("model: \(expDir) (\(chosen)); exp/latest → \(recipe.name)")
        return expDir
    }

    /// Checkpoint averaging (`train.average_last` N): the mean of the weights of
    /// the last N complete checkpoints (rank 0 reads them; every rank validates),
    /// saved as the model unless its validation error is worse than the best
    /// epoch's. Returns the averaged epochs when the average became the model.
    func averageCheckpoints(store: CheckpointStore, model: AcousticModel, validator: Validator, state: TrainerState, usesCER: Bool,
                            info: (Validator.Result?, [Int]) -> ModelInfo) throws -> [Int]? {
        let wanted = recipe.train.averageLast
        var epochs: [Int] = []
        if collective.isLeader {
            epochs = Array(try store.completeEpochs(through: state.epoch).suffix(wanted))
            if epochs.count < wanted {
                log("warning: train.average_last \(wanted): only \(epochs.count) checkpoint\(epochs.count == 1 ? "" : "s") kept"
                    + (epochs.isEmpty ? "" : " (epochs \(epochs.map(String.init).joined(separator: ", ")))")
                    + (epochs.count < 2 ? "; nothing to average" : "; averaging those"))
            }
            if epochs.count >= 2 { try model.loadAveragedWeights(from: epochs.map { store.weightsPath(epoch: $0) }) }
        }
        var count = [Double(epochs.count)]
        if collective.size > 1 { try count.withUnsafeMutableBytes { try collective.broadcast($0, root: 0) } }
        guard count[0] >= 2 else { return nil }
        if collective.size > 1 { for p in model.parameters { try collective.broadcast(&p.value, root: 0) } }
        let v = validator.isEmpty ? nil : try validator.run(model, collective: collective)
        guard collective.isLeader else { return nil }
        func error(_ wer: Double?, _ cer: Double?) -> Double? { usesCER ? cer : wer }
        let averaged = v.flatMap { error($0.wer, $0.cer) }
        let best = state.history.last(where: \.best).flatMap { error($0.devWer, $0.devCer) }
        let name = usesCER ? "CER" : "WER"
        let range = "epochs \(epochs.first!)–\(epochs.last!)"
        if let averaged, let best, averaged > best {
            log(String(format: "average of %@: dev %@ %.2f%%, worse than the best epoch's (%d: %.2f%%); the model stays epoch %d",
                       range, name, averaged * 100, state.bestEpoch, best * 100, state.bestEpoch))
            return nil
        }
        try ModelBundle.save(model: model, info: info(v, epochs), to: expDir)
        if let averaged {
            log(String(format: "average of %@: dev %@ %.2f%% (best epoch %d: %@); it is the model", range, name, averaged * 100,
                       state.bestEpoch, best.map { String(format: "%.2f%%", $0 * 100) } ?? "no dev error"))
        } else {
            log("average of \(range): no dev set to compare it with; it is the model")
        }
        return epochs
    }

    /// Takes the experiment's lock; refuses a trained folder unless resuming, or
    /// moves it aside with `force`; removes what killed runs left behind.
    func prepareFolder(resume: Bool, force: Bool) throws -> ExperimentLock {
        let folder = ExperimentFolder(directory: expDir)
        let parent = (expDir as NSString).deletingLastPathComponent
        if !parent.isEmpty { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        let lock = try ExperimentLock(path: folder.lockPath)
        if let owner = lock.staleOwner { log("warning: \(lock.path): left by a run that is no longer running (\(owner)); taken over") }
        if !resume, let epoch = folder.trainedEpoch() {
            guard force else { throw TrainError.experimentExists(directory: expDir, epoch: epoch) }
            if let aside = try folder.moveAside() { log("moved the earlier experiment aside: \(aside)") }
        }
        let removed = folder.removeStaleTemporaryFiles()
        if !removed.isEmpty { log("removed \(removed.count) temporary file\(removed.count == 1 ? "" : "s") left by an interrupted run") }
        return lock
    }

    /// The training and validation sets, read and encoded.
    struct TrainingData {
        var tokens: TokenTable
        var train: ExampleIndex
        var dev: [Example]
    }

    func loadData() throws -> TrainingData {
        let norm = recipe.tokens.normalize
        let field = recipe.tokens.field
        let trainUtts = try DataSet.load(recipe.data.train, normalize: norm, field: field)
        let devUtts = recipe.data.dev.isEmpty ? [] : try DataSet.load(recipe.data.dev, normalize: norm, field: field)
        if norm.pinyinToZhuyin { try DataSet.checkZhuyin(trainUtts + devUtts, field: field) }
        let tokens = TokenTable(buildingFrom: trainUtts.map(\.text))
        try DataSet.checkCharacters(devUtts, tokens: tokens)
        log("data: \(trainUtts.count) training utterances, \(devUtts.count) validation; \(tokens.count) tokens")
        let train = scanAudio(trainUtts, tokens: tokens, name: recipe.data.train)
        let dev = scanAudio(devUtts, tokens: tokens, name: recipe.data.dev, keepText: true)
        guard !train.isEmpty else { throw TrainError.noUsableData(manifest: recipe.data.train) }
        let hours = train.reduce(0.0) { $0 + Double($1.sampleCount) } / Double(recipe.data.sampleRate) / 3600
        log(String(format: "audio: %.2f h of training speech (read from disk batch by batch)", hours))
        let index = try ExampleIndex(manifest: recipe.data.train, examples: train, normalize: norm, field: field, tokens: tokens) ?? ExampleIndex(train)
        return TrainingData(tokens: tokens, train: index, dev: dev)
    }

    /// Global CMVN statistics over the unaugmented training features, saved as cmvn.json.
    func globalCMVN(_ train: ExampleIndex, pipeline: FeaturePipeline, threads: Int) throws -> CMVNStats {
        let partial: [Result<CMVNStats, Error>] = parallelMap(threads) { k in
            var stats = CMVNStats(dimension: pipeline.dimension)
            var i = k
            while i < train.count {
                do {
                    stats.accumulate(pipeline.computeUnnormalized(try self.read(try train.example(i))))
                } catch {
                    return .failure(error)
                }
                i += threads
            }
            return .success(stats)
        }
        var total = CMVNStats(dimension: pipeline.dimension)
        for s in partial { total.merge(try s.get()) }
        if collective.isLeader { try total.save(to: (expDir as NSString).appendingPathComponent("cmvn.json")) }
        return total
    }

    /// A fresh state, or the newest checkpoint's when `store` is given and holds one.
    func restore(_ store: CheckpointStore?, model: AcousticModel, optimizer: Optimizer, recipeHash: String) throws -> TrainerState {
        var state = TrainerState()
        state.recipeHash = recipeHash
        guard let store else { return state }
        guard let last = try store.latest() else {
            log("nothing to resume in \(checkpointDir): starting from scratch")
            return state
        }
        let saved = try store.state(last)
        guard saved.recipeHash == recipeHash || startedByAnotherVersion(sameAs: recipeHash) else {
            throw TrainError.recipeChanged(recipe: recipePath, experiment: expDir, changes: changedKeys())
        }
        try store.restore(last, model: model, optimizer: optimizer)
        state = saved
        state.recipeHash = recipeHash
        var rng = SeededGenerator(seed: 0)
        rng.state = saved.dropoutRandomState
        model.dropoutState = rng
        log("resuming \(expDir) after epoch \(state.epoch) (step \(state.step))")
        return state
    }

    /// Data parallelism: every rank starts from rank 0's weights, and from the
    /// same checkpoint (each rank restores it itself; a rank that found another
    /// epoch, or none, stops the job).
    func shareRankZeroStart(model: AcousticModel, state: TrainerState) throws {
        let mine = [Double(state.epoch), Double(state.step)]
        var rankZero = mine
        try rankZero.withUnsafeMutableBytes { try collective.broadcast($0, root: 0) }
        guard mine == rankZero else {
            throw TrainError.ranksDisagree(rank: collective.rank, reason: "resumed after epoch \(state.epoch) (step \(state.step)) "
                                           + "where rank 0 resumed after epoch \(Int(rankZero[0])) (step \(Int(rankZero[1])))")
        }
        for p in model.parameters { try collective.broadcast(&p.value, root: 0) }
    }

    /// Speed perturbation: each (utterance, speed) is resampled once, then reused,
    /// until the copies fill `data.cache_mb`; the rest are resampled every epoch.
    func makeSpeedCache(_ train: ExampleIndex) -> SpeedPerturbationCache? {
        let budget = recipe.data.cacheMb << 20
        let cache = SpeedPerturbationCache(speeds: recipe.augment.speeds, sampleCounts: train.sampleCounts, budgetBytes: budget)
        if let cache {
            let all = cache.bytes <= budget
            log(String(format: "augment: speed-perturbed audio kept after first use (%@ %.2f GB%@)", all ? "all of it," : "up to",
                       Double(min(cache.bytes, budget)) / 1e9, all ? "" : String(format: " of %.2f GB: data.cache_mb", Double(cache.bytes) / 1e9)))
        } else if recipe.augment.speeds.contains(where: { $0 != 1 }) {
            log("augment: speed-perturbed audio is resampled every epoch (data.cache_mb is 0)")
        }
        return cache
    }

    /// What every epoch of a run shares.
    struct EpochData {
        var examples: ExampleIndex
        /// Sample counts of `examples`, the batch sampler's length measure.
        var lengths: [Int]
        var pipeline: FeaturePipeline
        var speedCache: SpeedPerturbationCache?
        var sampler: BatchSampler
        var schedule: LRSchedule
        var step: TrainStep
        var epochs: Int
        /// The first epoch of this run (0, or the epoch resumed after): skipped utterances are named then.
        var firstEpoch: Int
    }

    struct EpochTotals {
        var lossSum = 0.0, lossCount = 0, skipped = 0
        var learningRate: Float = 0      // of the last update
        var meanLoss: Double { lossSum / Double(max(lossCount, 1)) }
    }

    /// One pass over the training batches; advances `state.step`.
    func trainEpoch(_ epoch: Int, _ d: EpochData, state: inout TrainerState) throws -> EpochTotals {
        let train = d.examples
        let progressLine = EpochProgress(epoch: epoch + 1, epochs: d.epochs, total: train.count, start: Date())
        var totals = EpochTotals()
        var done = 0
        let global = d.sampler.globalBatches(lengths: d.lengths, epoch: epoch)
        let batches = d.sampler.shard.count == 1 ? global : global.map(d.sampler.part(of:))   // this rank's part of each
        // The next batches are read and their features computed while this one trains.
        let reader = Prefetcher(count: batches.count, depth: recipe.data.prefetchBatches) { j in
            Result { try self.batchFeatures(batches[j], epoch: epoch, d) }
        }
        defer { reader.stop() }
        for (j, batch) in batches.enumerated() {
            let (exs, feats) = try reader.next()!.get()
            // Utterances too short for their labels are left out.
            var members: [Int] = []
            for k in batch.indices {
                if d.step.fits(frames: feats[k].rows, labels: exs[k].labels) {
                    members.append(k)
                } else {
                    if epoch == d.firstEpoch {
                        log("warning: \(exs[k].origin): \(d.step.model.outputFrames(feats[k].rows)) output frames cannot emit \(exs[k].labelCount) labels; skipped")
                    }
                    totals.skipped += 1
                }
            }
            let lr = d.schedule.learningRate(peak: recipe.train.optimizer.learningRate, step: state.step + 1, epoch: epoch,
                                             plateauScale: state.plateau.scale)
            let outcome: TrainStep.Outcome
            if collective.size > 1 {
                // Every rank takes part in every step, with or without utterances of its own.
                guard let o = try collectiveStep(d.step, features: members.map { feats[$0] },
                                                 labels: members.map { exs[$0].labels }, learningRate: lr) else { continue }
                outcome = o
            } else {
                guard !members.isEmpty else { continue }
                outcome = d.step(features: members.map { feats[$0] }, labels: members.map { exs[$0].labels }, learningRate: lr)
            }
            switch outcome {
            case .rejected(let reason):
                log("warning: batch of \(members.map { exs[$0].id }.joined(separator: ", ")): \(reason); skipped")
                continue
            case .nonFinite(let loss):
                badInARow += 1
                let ids = badElsewhere ? "another rank's part" : members.map { exs[$0].id }.joined(separator: ", ")
                let what = loss.isFinite ? "non-finite gradient (loss \(loss))" : "non-finite loss (\(loss))"
                log("warning: \(what) in batch with \(ids); batch skipped")
                if badInARow >= recipe.train.maxBadBatches {
                    throw TrainError.diverged(badBatches: badInARow, lastBatch: "\(ids)")
                }
                continue
            case .updated(let loss):
                badInARow = 0
                state.step += 1
                guard d.step.weightsAreFinite() else {
                    throw TrainError.nonFiniteWeights(step: state.step, batch: members.map { exs[$0].id }.joined(separator: ", "), learningRate: lr)
                }
                totals.learningRate = lr
                let n = collective.size > 1 ? lastGlobalCount : members.count
                totals.lossSum += Double(loss) * Double(n)
                totals.lossCount += n
            }
            done += global[j].count
            progress?(progressLine.line(done: done, meanLoss: totals.meanLoss))
        }
        return totals
    }

    /// Batches in a row with a non-finite loss or gradient, across epochs (an epoch
    /// shorter than train.max_bad_batches must not start the count again).
    private var badInARow = 0
    /// Utterances in the last data-parallel step, over all ranks.
    private var lastGlobalCount = 0
    /// Whether the last skipped data-parallel step was skipped for another rank's part.
    private var badElsewhere = false
    /// Time in the step's sums (waiting for the slowest rank included) and steps, this epoch.
    private var collectiveNanoseconds: UInt64 = 0, collectiveSteps = 0

    /// One data-parallel step: this rank's gradient (of the mean over its own
    /// utterances) times its utterance count, summed over the ranks and divided
    /// by their total — the gradient of the global batch's mean, as one process
    /// would compute it (up to summation order) — then clipping and the update,
    /// the same on every rank. A rank whose part is non-finite or refused makes
    /// every rank skip the batch (its own warning names its utterances; the
    /// others report "on another rank"). nil: no rank had an utterance.
    func collectiveStep(_ step: TrainStep, features: [Matrix], labels: [[Int]], learningRate: Float) throws -> TrainStep.Outcome? {
        let local: TrainStep.Outcome? = features.isEmpty ? nil : step.gradients(features: features, labels: labels)
        // [utterances, loss × utterances, non-finite parts, refused parts]
        var stats: [Double] = [0, 0, 0, 0]
        switch local {
        case .updated(let loss)?: stats[0] = Double(features.count); stats[1] = Double(loss) * Double(features.count)
        case .nonFinite?: stats[2] = 1
        case .rejected?: stats[3] = 1
        case nil: break
        }
        let t0 = DispatchTime.now().uptimeNanoseconds
        try collective.sum(&stats)
        collectiveNanoseconds += DispatchTime.now().uptimeNanoseconds - t0
        if stats[2] > 0 || stats[3] > 0 {
            switch local {
            case .nonFinite?, .rejected?:
                badElsewhere = false
                return local
            default:
                badElsewhere = true
                return stats[2] > 0 ? .nonFinite(loss: .nan) : .rejected("refused on another rank")
            }
        }
        guard stats[0] > 0 else { return nil }
        let params = step.model.parameters
        var flat = [Float](repeating: 0, count: params.reduce(0) { $0 + $1.count })
        if case .updated? = local {
            let n = Float(features.count)
            var o = 0
            for p in params {
                for i in 0..<p.count { flat[o + i] = p.grad[i] * n }
                o += p.count
            }
        }
        let t1 = DispatchTime.now().uptimeNanoseconds
        try collective.sum(&flat)
        collectiveNanoseconds += DispatchTime.now().uptimeNanoseconds - t1
        collectiveSteps += 1
        let scale = Float(1 / stats[0])
        var o = 0
        for p in params {
            for i in 0..<p.count { p.grad[i] = flat[o + i] * scale }
            o += p.count
        }
        step.apply(learningRate: learningRate)
        lastGlobalCount = Int(stats[0])
        return .updated(loss: Float(stats[1] / stats[0]))
    }

    /// Features of one batch (augmented), in parallel, seeded per (epoch, utterance);
    /// the first failure in batch order is thrown.
    func batchFeatures(_ batch: [Int], epoch: Int, _ d: EpochData) throws -> (examples: [Example], features: [Matrix]) {
        let computed: [Result<(Example, Matrix), TrainError>] = parallelMap(batch.count) { k in
            var rng: SeededGenerator? = SeededGenerator(seed: self.recipe.train.seed, UInt64(epoch + 1), UInt64(batch[k]))
            let ex: Example
            do { ex = try d.examples.example(batch[k]) } catch { return .failure(error as? TrainError ?? .unreadable(origin: "utterance \(batch[k])", reason: "\(error)")) }
            do {
                return .success((ex, try self.features(ex, pipeline: d.pipeline, rng: &rng,
                                                       speedCache: d.speedCache, index: batch[k], others: d.examples)))
            } catch {
                return .failure(error as? TrainError ?? .augmentation(origin: ex.origin, reason: "\(error)"))
            }
        }
        let pairs = try computed.map { try $0.get() }
        return (pairs.map(\.0), pairs.map(\.1))
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
