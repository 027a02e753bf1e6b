import Foundation
import Testing
import ASRCore
import ASRText
import AudioIO
import NN
@testable import ASRKit
import _TestSupport

/// The trainer's parts, each on its own (Sources/ASRKit/Training/).
@Suite struct BatchSamplerTests {
    let lengths = (0..<103).map { ($0 * 7919) % 211 }   // unsorted, with repeats

    @Test func everyUtteranceOnceInBucketsOfBatchSize() {
        let s = BatchSampler(seed: 5, batchSize: 8)
        let batches = s.globalBatches(lengths: lengths, epoch: 0)
        #expect(batches.count == s.batchCount(utterances: lengths.count))
        #expect(batches.flatMap { $0 }.sorted() == Array(lengths.indices))
        #expect(batches.filter { $0.count != 8 }.count == 1)     // 103 = 12·8 + 7
        // Buckets: batches do not overlap in length (sorted, then cut).
        let ranges = batches.map { b in (b.map { lengths[$0] }.min()!, b.map { lengths[$0] }.max()!) }.sorted { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.1 <= b.0) }
    }

    @Test func orderIsSeededByEpoch() {
        let s = BatchSampler(seed: 5, batchSize: 8)
        #expect(s.globalBatches(lengths: lengths, epoch: 3) == s.globalBatches(lengths: lengths, epoch: 3))
        #expect(s.globalBatches(lengths: lengths, epoch: 3) != s.globalBatches(lengths: lengths, epoch: 4))
        #expect(s.globalBatches(lengths: lengths, epoch: 3) != BatchSampler(seed: 6, batchSize: 8).globalBatches(lengths: lengths, epoch: 3))
    }

    @Test func shardsPartitionEveryGlobalBatch() {
        for n in [1, 2, 3, 8, 9] {
            let whole = BatchSampler(seed: 1, batchSize: 8).globalBatches(lengths: lengths, epoch: 2)
            let parts = (0..<n).map { BatchSampler(seed: 1, batchSize: 8, shard: .init(index: $0, count: n)).batches(lengths: lengths, epoch: 2) }
            for (j, batch) in whole.enumerated() {
                let pieces = parts.map { $0[j] }
                #expect(pieces.flatMap { $0 } == batch, "shards of \(n) concatenate to the global batch")
                let sizes = pieces.map(\.count)
                #expect(sizes.max()! - sizes.min()! <= 1)
            }
        }
    }
}

/// A small model and utterances of random features for the step and the validator.
private struct Tiny {
    static let vocabulary = 4, dim = 5
    let model: AcousticModel
    let optimizer: Optimizer
    var features: [Matrix] = []
    var labels: [[Int]] = []

    init(seed: UInt64 = 3) {
        var m = ModelOptions()
        m.hiddenSize = 8; m.numLayers = 1; m.dropout = 0; m.seed = seed
        model = AcousticModel(inputSize: Self.dim, outputSize: Self.vocabulary, options: m)
        var o = OptimizerOptions()
        o.learningRate = 0.01
        optimizer = Optimizer(parameters: model.parameters, options: o)
        var rng = SeededGenerator(seed: seed)
        for u in 0..<6 {
            let T = 12 + 3 * u
            var f = Matrix(rows: T, cols: Self.dim)
            for t in 0..<T { for d in 0..<Self.dim { f[t, d] = rng.nextUniform() * 2 - 1 } }
            features.append(f)
            labels.append((0..<(1 + u % 3)).map { 1 + ($0 + u) % (Self.vocabulary - 1) })
        }
    }

    var weights: [[Float]] { model.parameters.map(\.value) }
}

@Suite struct TrainStepTests {
    @Test func lossFallsOverStepsOnOneBatch() {
        let t = Tiny()
        let step = TrainStep(model: t.model, optimizer: t.optimizer, vocabulary: Tiny.vocabulary, clipNorm: 5)
        var losses: [Float] = []
        for _ in 0..<30 {
            guard case .updated(let loss) = step(features: t.features, labels: t.labels, learningRate: 0.01) else {
                Issue.record("step did not update"); return
            }
            losses.append(loss)
        }
        #expect(losses.last! < 0.8 * losses.first!, "\(losses.first!) → \(losses.last!)")
    }

    @Test func nonFiniteInputLeavesWeightsUntouched() {
        var t = Tiny()
        t.features[2][4, 1] = .nan
        let before = t.weights
        let step = TrainStep(model: t.model, optimizer: t.optimizer, vocabulary: Tiny.vocabulary, clipNorm: 5)
        let outcome = step(features: t.features, labels: t.labels, learningRate: 0.01)
        guard case .nonFinite = outcome else { Issue.record("expected nonFinite, got \(outcome)"); return }
        #expect(t.weights == before)
    }

    @Test func rejectedLabelsLeaveWeightsUntouched() {
        var t = Tiny()
        t.labels[0] = [Tiny.vocabulary + 3]
        let before = t.weights
        let step = TrainStep(model: t.model, optimizer: t.optimizer, vocabulary: Tiny.vocabulary, clipNorm: 5)
        guard case .rejected(let reason) = step(features: t.features, labels: t.labels, learningRate: 0.01) else {
            Issue.record("expected rejected"); return
        }
        #expect(reason.contains("label"))
        #expect(t.weights == before)
    }

    @Test func fitsCountsRepeatsAndStacking() {
        var m = ModelOptions()
        m.hiddenSize = 4; m.numLayers = 1; m.frameStacking = 3
        let model = AcousticModel(inputSize: 2, outputSize: 3, options: m)
        let step = TrainStep(model: model, optimizer: Optimizer(parameters: model.parameters, options: OptimizerOptions()), vocabulary: 3, clipNorm: 0)
        #expect(step.fits(frames: 9, labels: [1, 2, 1]))          // 3 output frames, 3 labels
        #expect(!step.fits(frames: 9, labels: [1, 1, 2]))         // a repeat needs a blank: 4
        #expect(step.fits(frames: 10, labels: [1, 1, 2]))         // 4 output frames
        #expect(!step.fits(frames: 0, labels: []))
    }
}

@Suite struct ValidatorTests {
    @Test func batchingDoesNotChangeTheScores() throws {
        let t = Tiny()
        let tokens = TokenTable(buildingFrom: ["abc"])
        #expect(tokens.count == Tiny.vocabulary)
        let refs = t.labels.map { tokens.decode($0) }
        let one = try Validator(tokens: tokens, batchSize: 1, features: t.features, labels: t.labels, references: refs).run(t.model)
        let four = try Validator(tokens: tokens, batchSize: 4, features: t.features, labels: t.labels, references: refs).run(t.model)
        // Padding only; the BiLSTM masks padded frames, so up to float rounding (1e-5 relative).
        #expect(closeness(four.loss, one.loss, rel: 1e-5).passes)
        #expect(one.wer == four.wer && one.cer == four.cer)
        #expect(one.loss > 0 && one.cer > 0)
    }

    @Test func perfectHypothesesScoreZero() throws {
        // A model trained to fit the set: greedy output equals the references.
        let t = Tiny()
        let step = TrainStep(model: t.model, optimizer: t.optimizer, vocabulary: Tiny.vocabulary, clipNorm: 5)
        for _ in 0..<400 { _ = step(features: t.features, labels: t.labels, learningRate: 0.02) }
        let tokens = TokenTable(buildingFrom: ["abc"])
        let refs = t.labels.map { tokens.decode($0) }
        let v = try Validator(tokens: tokens, batchSize: 3, features: t.features, labels: t.labels, references: refs).run(t.model)
        #expect(v.cer == 0 && v.wer == 0, "\(v)")
        #expect(v.loss < 0.5)
    }
}

@Suite struct CheckpointStoreTests {
    @Test func savesAtomicallyPointsLastAndKeepsTwo() throws {
        let dir = TestPaths.temporaryDirectory("ckpt").appendingPathComponent("checkpoints").path
        let store = CheckpointStore(directory: dir)
        try store.create()
        #expect(try store.latest() == nil)
        let t = Tiny()
        var state = TrainerState()
        for e in 1...4 {
            state.epoch = e
            state.step = 10 * e
            state.recipeHash = "h"
            try store.save(model: t.model, optimizer: t.optimizer, state: state)
        }
        #expect(try store.latest() == "epoch-4")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("epoch-") }.sorted()
        #expect(left == ["epoch-3", "epoch-4"])
        #expect(try store.state("epoch-4") == state)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/epoch-4").filter { $0.hasPrefix(".") }.isEmpty, "no temp files left")
        // Restore into a differently initialised model: same weights as saved.
        let other = Tiny(seed: 9)
        #expect(other.weights != t.weights)
        try store.restore("epoch-4", model: other.model, optimizer: other.optimizer)
        #expect(other.weights == t.weights)
    }

    /// Checkpoint averaging's parts: the complete epochs a store keeps (a folder
    /// without trainer.json is not one) and the element-wise mean of their weights —
    /// within 1 ulp of the mean computed here in Double, value by value (the mean of
    /// the same file thrice is that file exactly); another architecture's file is an
    /// error naming it, as for `loadWeights`.
    @Test func keepsNAndAveragesTheirWeights() throws {
        let dir = TestPaths.temporaryDirectory("ckpt-average").appendingPathComponent("checkpoints").path
        let store = CheckpointStore(directory: dir, keep: 3)
        try store.create()
        var state = TrainerState()
        var saved: [[[Float]]] = []
        for e in 1...5 {
            let t = Tiny(seed: UInt64(10 + e))
            state.epoch = e
            try store.save(model: t.model, optimizer: t.optimizer, state: state)
            saved.append(t.weights)
        }
        try FileManager.default.createDirectory(atPath: dir + "/epoch-6", withIntermediateDirectories: true)
        try Tiny().model.saveWeights(to: dir + "/epoch-6/model.safetensors")   // trainer.json never written
        #expect(try store.completeEpochs(through: 5) == [3, 4, 5])
        #expect(try store.completeEpochs(through: 4) == [3, 4])
        let target = Tiny(seed: 99)
        try target.model.loadAveragedWeights(from: [3, 4, 5].map { store.weightsPath(epoch: $0) })
        var worst: Double = 0   // in units of the last place of the Float mean
        for (p, param) in target.weights.enumerated() {
            for (i, x) in param.enumerated() {
                let mean = (Double(saved[2][p][i]) + Double(saved[3][p][i]) + Double(saved[4][p][i])) / 3
                worst = max(worst, abs(Double(x) - mean) / Double(Float(mean).ulp))
            }
        }
        #expect(worst <= 1, "the mean is the Double mean rounded once (≤ 1 ulp): \(worst) ulp")
        #expect(target.weights != saved[4])
        try target.model.loadAveragedWeights(from: Array(repeating: store.weightsPath(epoch: 4), count: 3))
        #expect(target.weights == saved[3])
        var wide = ModelOptions()
        wide.hiddenSize = 9; wide.numLayers = 1
        let other = dir + "/other.safetensors"
        try AcousticModel(inputSize: Tiny.dim, outputSize: Tiny.vocabulary, options: wide).saveWeights(to: other)
        #expect(throws: CheckpointError.self) { try target.model.loadAveragedWeights(from: [store.weightsPath(epoch: 5), other]) }
        var message = "(no error)"
        do { try target.model.loadAveragedWeights(from: [other]) } catch { message = "\(error)" }
        #expect(message.hasPrefix(other + ": tensor"), "\(message)")
    }

    @Test func missingStateNamesTheFile() throws {
        let dir = TestPaths.temporaryDirectory("ckpt-missing").path
        let store = CheckpointStore(directory: dir)
        try store.create()
        #expect(throws: FileError.notFound(path: dir + "/epoch-7/trainer.json")) { try store.state("epoch-7") }
    }
}

@Suite struct TrainingLogTests {
    let entry = EpochLog(epoch: 2, step: 40, trainLoss: 0.88567, devLoss: 0.5, devWer: 0.474, devCer: 0.1729, learningRate: 1e-4,
                         seconds: 27.2, utterancesPerSecond: 242.4, skippedUtterances: 0, best: true)

    @Test func jsonLinesRoundTrip() throws {
        let path = TestPaths.temporaryDirectory("log").appendingPathComponent("train.jsonl").path
        var second = entry
        second.epoch = 3; second.devLoss = nil; second.best = false
        try TrainingLog(path: path).write([entry, second])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains("\"train_loss\":0.88567"))
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try dec.decode(EpochLog.self, from: Data(lines[1].utf8)) == second)
    }

    @Test func summaryAndProgressLines() {
        #expect(TrainingLog.summary(entry, epochs: 10)
                == "epoch 2/10  loss 0.8857  dev loss 0.5000  dev WER 47.40%  CER 17.29%  lr 1.00e-04  27 s (242 utt/s)  *best")
        let start = Date(timeIntervalSince1970: 0)
        let p = EpochProgress(epoch: 1, epochs: 4, total: 100, start: start)
        #expect(p.line(done: 25, meanLoss: 1.5, now: Date(timeIntervalSince1970: 10))
                == "epoch 1/4 [======>                 ]  25%    2.5 utt/s  loss 1.500  ETA 0:30")
    }
}

@Suite struct PrefetcherTests {
    /// Items come in order, each made once; the thread never runs more than
    /// `depth` ahead of what was taken.
    @Test(arguments: [0, 1, 3])
    func inOrderAndBoundedAhead(depth: Int) {
        final class Log: @unchecked Sendable {
            let lock = NSLock()
            var made: [Int] = []
            var taken = 0
            var maxAhead = 0
        }
        let log = Log()
        let p = Prefetcher(count: 20, depth: depth) { j -> Int in
            log.lock.lock()
            log.made.append(j)
            log.maxAhead = max(log.maxAhead, j - log.taken)
            log.lock.unlock()
            usleep(200)
            return j * j
        }
        var got: [Int] = []
        while let x = p.next() {
            log.lock.lock()
            log.taken += 1
            log.lock.unlock()
            got.append(x)
            usleep(100)
        }
        #expect(got == (0..<20).map { $0 * $0 })
        #expect(log.made == Array(0..<20))
        // Item j is made only once j < taken + depth (`taken` here lags the prefetcher's
        // by the item being handed over; depth 0: when asked for, j == taken).
        #expect(log.maxAhead <= depth, "ran \(log.maxAhead) ahead at depth \(depth)")
    }

    /// Stopping after a few items ends the thread (no hang, nothing made past the window).
    @Test func stopEndsTheThread() {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var n = 0
        }
        let c = Counter()
        let p = Prefetcher(count: 1000, depth: 2) { j -> Int in
            c.lock.lock(); c.n += 1; c.lock.unlock()
            return j
        }
        #expect(p.next() == 0 && p.next() == 1)
        p.stop()
        c.lock.lock(); let made = c.n; c.lock.unlock()
        #expect(made <= 4)
    }
}

@Suite struct StreamedAudioTests {
    /// The training index keeps where each line is, not the example: examples
    /// parsed again from their lines equal the scanned ones (around blank lines;
    /// ids, labels, segments), and a line changed under the
    /// trainer is an error naming it.
    @Test func indexParsesLinesAgain() throws {
        let dir = TestPaths.temporaryDirectory("index")
        let wav = dir.appendingPathComponent("a.wav").path
        try AudioFile.write([Float](repeating: 0.1, count: 16000), sampleRate: 16000, to: wav)
        let manifest = dir.appendingPathComponent("m.jsonl").path
        let lines = ["{\"audio_filepath\": \"a.wav\", \"text\": \"Ab b\", \"id\": \"one\"}", "",
                     "  {\"audio_filepath\": \"a.wav\", \"text\": \"ba\", \"offset\": 0.25, \"duration\": 0.5}",
                     "{\"audio_filepath\": \"a.wav\", \"text\": \"ä\"}"]
        try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        var norm = TextNormalization()
        norm.lowercase = true
        let utts = try DataSet.load(manifest, normalize: norm)
        let tokens = TokenTable(buildingFrom: ["ab b", "ba"])
        let trainer = Trainer(recipe: Recipe(), recipePath: "r.json", log: { _ in })
        let scanned = trainer.scanAudio(Array(utts.prefix(2)), tokens: tokens, name: manifest)
        #expect(scanned.count == 2 && scanned[1].sampleCount == 8000)
        let index = try #require(try ExampleIndex(manifest: manifest, examples: scanned, normalize: norm, field: "text", tokens: tokens))
        for i in 0..<2 {
            let e = try index.example(i)
            #expect(e.id == scanned[i].id && e.audioPath == scanned[i].audioPath && e.origin == scanned[i].origin)
            #expect(e.labels == scanned[i].labels && e.segment == scanned[i].segment && e.sampleCount == scanned[i].sampleCount)
        }
        #expect(try index.example(0).id == "one" && (try index.example(1).origin) == "\(manifest):3")
        // Rewritten with other text on line 3: named, not trained on silently.
        try (lines[0] + "\n\n{\"audio_filepath\": \"a.wav\", \"text\": \"zz\"}\n").write(toFile: manifest, atomically: false, encoding: .utf8)
        do {
            _ = try index.example(1)
            Issue.record("a changed line was read")
        } catch let e as TrainError {
            #expect(e.description.contains("\(manifest):3") && e.description.contains("changed during training"), "\(e)")
        }
    }

    /// A manifest with CRLF line ends and a byte-order mark: the index reads its
    /// lines again like the loader read them (the mark is not part of line 1).
    @Test func indexReadsCRLFAndByteOrderMark() throws {
        let dir = TestPaths.temporaryDirectory("index-crlf")
        try AudioFile.write([Float](repeating: 0.1, count: 16000), sampleRate: 16000, to: dir.appendingPathComponent("a.wav").path)
        let manifest = dir.appendingPathComponent("m.jsonl").path
        try ("\u{FEFF}{\"audio_filepath\": \"a.wav\", \"text\": \"ab\", \"id\": \"first\"}\r\n\r\n{\"audio_filepath\": \"a.wav\", \"text\": \"ba\"}\r\n")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let utts = try DataSet.load(manifest, normalize: TextNormalization())
        let tokens = TokenTable(buildingFrom: ["ab", "ba"])
        let trainer = Trainer(recipe: Recipe(), recipePath: "r.json", log: { _ in })
        let scanned = trainer.scanAudio(utts, tokens: tokens, name: manifest)
        let index = try #require(try ExampleIndex(manifest: manifest, examples: scanned, normalize: TextNormalization(), field: "text", tokens: tokens))
        #expect(scanned.count == 2)
        for i in 0..<2 {
            let e = try index.example(i)
            #expect(e.id == scanned[i].id && e.labels == scanned[i].labels && e.origin == scanned[i].origin)
        }
        #expect(try index.example(0).id == "first" && (try index.example(1).origin) == "\(manifest):3")
    }

    /// Training audio is read when its batch comes up: a file that vanished or
    /// changed since the scan is an error naming the utterance, not a crash.
    @Test func readErrorsNameTheUtterance() throws {
        let dir = TestPaths.temporaryDirectory("streamed")
        let path = dir.appendingPathComponent("a.wav").path
        try AudioFile.write([Float](repeating: 0.1, count: 1600), sampleRate: 16000, to: path)
        let trainer = Trainer(recipe: Recipe(), recipePath: "r.json", log: { _ in })
        let u = Utterance(id: "a", audioPath: path, duration: 0.1, text: "a", origin: "m.jsonl:7")
        #expect(try trainer.read(Example(utt: u, sampleCount: 1600, labels: [1])).count == 1600)
        #expect(throws: TrainError.audioChanged(origin: "m.jsonl:7", expected: 1700, found: 1600)) {
            try trainer.read(Example(utt: u, sampleCount: 1700, labels: [1]))
        }
        try FileManager.default.removeItem(atPath: path)
        do {
            _ = try trainer.read(Example(utt: u, sampleCount: 1600, labels: [1]))
            Issue.record("read a deleted file")
        } catch let e as TrainError {
            guard case .unreadable(let origin, _) = e else { Issue.record("\(e)"); return }
            #expect(origin == "m.jsonl:7")
            #expect(e.description.contains("m.jsonl:7: cannot read the audio"))
        }
    }
}

@Suite struct KeptFeaturesTests {
    /// Features are kept until the budget is full, then computed each time; the
    /// values are the same either way.
    @Test func keepsWithinTheBudget() {
        let kept = KeptFeatures(count: 4, budgetBytes: 2 * 10 * 3 * 4)   // two 10×3 matrices
        var computed = 0
        func make(_ i: Int) -> Matrix {
            computed += 1
            return Matrix(rows: 10, cols: 3, storage: (0..<30).map { Float($0 + i) })
        }
        for _ in 0..<3 {
            for i in 0..<4 { #expect(kept.get(i) { make(i) } == make(i)) }
        }
        // 4 computed on the first pass + 2 per later pass for the two not kept, + 12 for the checks.
        #expect(computed == 4 + 2 * 2 + 12)
    }
}

/// The experiment folder's guard (Training/ExperimentFolder.swift).
@Suite struct ExperimentFolderTests {
    /// One holder at a time (flock: a second open in this very process is refused,
    /// naming the owner); released, it can be taken again; a lock file nobody holds
    /// (its process died) is taken over and its old owner reported.
    @Test func oneRunAtATimeAndStaleLocksTakenOver() throws {
        let dir = TestPaths.temporaryDirectory("lock")
        let folder = ExperimentFolder(directory: dir.appendingPathComponent("exp/run").path)
        #expect(folder.lockPath == dir.appendingPathComponent("exp/.run.lock").path)
        try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("exp").path, withIntermediateDirectories: true)
        var first: ExperimentLock? = try ExperimentLock(path: folder.lockPath)
        #expect(first?.staleOwner == nil)
        do {
            _ = try ExperimentLock(path: folder.lockPath)
            Issue.record("a second lock was granted")
        } catch let e as TrainError {
            guard case .experimentBusy(let lock, let owner) = e else { Issue.record("\(e)"); return }
            #expect(lock == folder.lockPath && owner.hasPrefix("pid \(getpid()) on "), "\(owner)")
        }
        first = nil
        #expect(!FileManager.default.fileExists(atPath: folder.lockPath), "released: the file goes")
        try "pid 4194303 on elsewhere since 2026-01-01T00:00:00Z\n".write(toFile: folder.lockPath, atomically: true, encoding: .utf8)
        let second = try ExperimentLock(path: folder.lockPath)
        #expect(second.staleOwner == "pid 4194303 on elsewhere since 2026-01-01T00:00:00Z")
        let content = try String(contentsOfFile: folder.lockPath, encoding: .utf8)
        #expect(content.hasPrefix("pid \(getpid()) on ") && !content.contains("elsewhere"), "\(content)")
    }

    /// A trained folder is recognised (by its checkpoint pointer or model), moved
    /// aside whole (never deleted), and only temporary files of dead processes go.
    @Test func trainedFoldersMoveAsideAndDeadWritersTemporaryFilesGo() throws {
        let dir = TestPaths.temporaryDirectory("folder")
        let exp = dir.appendingPathComponent("exp/run")
        let folder = ExperimentFolder(directory: exp.path)
        #expect(folder.trainedEpoch() == nil)
        try FileManager.default.createDirectory(at: exp.appendingPathComponent("checkpoints/epoch-3"), withIntermediateDirectories: true)
        #expect(folder.trainedEpoch() == nil, "an empty checkpoint folder is not a trained model")
        try "epoch-3\n".write(to: exp.appendingPathComponent("checkpoints/last"), atomically: true, encoding: .utf8)
        #expect(folder.trainedEpoch() == 3)
        // A process that has ended (and been reaped) cannot be writing.
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = ended.processIdentifier, alive = getpid()
        let names = [exp.appendingPathComponent(".model.json.\(dead).12345.tmp"),
                     exp.appendingPathComponent("checkpoints/epoch-3/.state.json.\(dead).9.tmp"),
                     dir.appendingPathComponent("exp/latest.\(dead).tmp"),
                     exp.appendingPathComponent(".model.json.\(alive).7.tmp"),
                     exp.appendingPathComponent("notes.tmp")]
        for n in names { try Data("x".utf8).write(to: n) }
        let removed = Set(folder.removeStaleTemporaryFiles())
        #expect(removed == Set(names.prefix(3).map(\.path)), "\(removed)")
        #expect(names.suffix(2).allSatisfy { FileManager.default.fileExists(atPath: $0.path) })
        let when = Date(timeIntervalSince1970: 1_800_000_000)   // 2027-01-15 08:00:00 UTC
        let aside = try folder.moveAside(now: when)
        #expect(aside == exp.path + ".replaced-20270115-080000")
        #expect(FileManager.default.fileExists(atPath: exp.path + ".replaced-20270115-080000/checkpoints/last"))
        #expect(!FileManager.default.fileExists(atPath: exp.path) && folder.trainedEpoch() == nil)
        try FileManager.default.createDirectory(at: exp, withIntermediateDirectories: true)
        #expect(try folder.moveAside(now: when) == exp.path + ".replaced-20270115-080000-2", "a second move keeps the first")
    }
}
