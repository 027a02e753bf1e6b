import ASRCore
import Foundation
import NN

/// What resuming needs besides weights and optimizer moments.
struct TrainerState: Codable, Equatable {
    var epoch = 0            // epochs completed
    var step = 0
    var plateau = PlateauTracker()
    var bestEpoch = 0
    var history: [EpochLog] = []
    var dropoutRandomState: [UInt64] = []
    var recipeHash = ""
}

/// `checkpoints/` of an experiment: one folder per epoch (`epoch-N/` with
/// model.safetensors, optimizer.safetensors, trainer.json, each written
/// atomically), a `last` file naming the newest complete one (it moves only
/// after all three are written), and the newest `keep` folders kept.
struct CheckpointStore {
    let directory: String
    /// Checkpoint folders kept (the newest).
    let keep: Int

    init(directory: String, keep: Int = 2) {
        self.directory = directory
        self.keep = max(keep, 1)
    }

    var lastPointer: String { path("last") }
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    static func name(epoch: Int) -> String { "epoch-\(epoch)" }

    func create() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The newest complete checkpoint's folder name, nil when there is none.
    func latest() throws -> String? {
        guard FileManager.default.fileExists(atPath: lastPointer) else { return nil }
        do {
            let name = try String(contentsOfFile: lastPointer, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            return name.isEmpty ? nil : name
        } catch {
            throw FileError.cannotRead(path: lastPointer, reason: "\(error)")
        }
    }

    /// Reads the trainer state of checkpoint `name`.
    func state(_ name: String) throws -> TrainerState {
        let file = (path(name) as NSString).appendingPathComponent("trainer.json")
        guard let data = fileContents(file) else { throw FileError.notFound(path: file) }
        return try ModelBundle.decoder().decode(TrainerState.self, from: data)
    }

    /// Loads weights and optimizer moments of checkpoint `name` into `model` and `optimizer`.
    func restore(_ name: String, model: AcousticModel, optimizer: Optimizer) throws {
        let dir = path(name)
        try model.loadWeights(from: (dir as NSString).appendingPathComponent("model.safetensors"))
        try optimizer.load(from: (dir as NSString).appendingPathComponent("optimizer.safetensors"))
    }

    /// Writes checkpoint `epoch-N` (N = state.epoch), moves `last` to it, and
    /// removes folders older than the newest `keep`.
    func save(model: AcousticModel, optimizer: Optimizer, state: TrainerState) throws {
        let name = Self.name(epoch: state.epoch)
        let dir = path(name)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try model.saveWeights(to: (dir as NSString).appendingPathComponent("model.safetensors"), metadata: ["format": "pt"])
        try optimizer.save(to: (dir as NSString).appendingPathComponent("optimizer.safetensors"))
        try AtomicFile.write(try ModelBundle.encoder().encode(state), to: (dir as NSString).appendingPathComponent("trainer.json"))
        try AtomicFile.write(name + "\n", to: lastPointer)
        try prune(before: state.epoch - keep + 1)
    }

    /// The epochs with a complete checkpoint folder (its trainer.json written last),
    /// up to `through`, ascending.
    func completeEpochs(through last: Int) throws -> [Int] {
        try epochFolders().filter { f in
            f.epoch <= last && FileManager.default.fileExists(atPath: (path(f.name) as NSString).appendingPathComponent("trainer.json"))
        }.map(\.epoch).sorted()
    }

    /// Every `epoch-N` folder, complete or not, with its N.
    private func epochFolders() throws -> [(name: String, epoch: Int)] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw FileError.cannotRead(path: directory, reason: "\(error)")
        }
        return names.compactMap { name in
            guard name.hasPrefix("epoch-"), let n = Int(name.dropFirst("epoch-".count)) else { return nil }
            return (name, n)
        }
    }

    /// The weights file of checkpoint `epoch-N`.
    func weightsPath(epoch: Int) -> String {
        (path(Self.name(epoch: epoch)) as NSString).appendingPathComponent("model.safetensors")
    }

    /// Removes `epoch-N` folders with N < `epoch`.
    func prune(before epoch: Int) throws {
        for f in try epochFolders() where f.epoch < epoch {
            let folder = path(f.name)
            do { try FileManager.default.removeItem(atPath: folder) } catch {
                throw FileError.cannotWrite(path: folder, reason: "removing an old checkpoint: \(error)")
            }
        }
    }
}
