import ArgumentParser
import ASRKit
import Foundation

/// `asr train RECIPE.json`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a CTC recognizer from a JSON recipe (checkpoints each epoch, exp/latest → the result).",
        discussion: "Example: asr train recipes/digits.json\n         asr train recipes/digits.json --resume   # after an interruption")

    @Argument(help: "Recipe file (JSON).") var recipe: String
    @Flag(help: "Continue from the last checkpoint of this experiment.") var resume = false
    @Flag(help: "Start again over a trained experiment: the old folder is moved aside to NAME.replaced-TIME (never deleted).") var force = false
    @Option(parsing: .unconditional, help: "Override train.epochs.") var epochs: Int?
    @Option(parsing: .unconditional, help: "Override train.threads (0 = all cores).") var threads: Int?
    @Option(name: .customLong("set"), parsing: .singleValue,
            help: "Override a recipe key: key.path=value, the value as JSON (repeatable), e.g. --set augment.reverb_probability=0.3 --set name=reverb.")
    var overrides: [String] = []

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if let threads, threads < 0 { throw ValidationError("--threads must be ≥ 0") }
        if resume && force { throw ValidationError("--resume continues an experiment and --force starts it again: give one") }
    }

    func run() throws {
        var r = try Recipe.load(recipe, overrides: overrides)
        if let threads { r.train.threads = threads }
        // Under mpirun: one rank of a data-parallel job (rank 0 prints and writes).
        let collective: any Collective = try MPICollective.fromEnvironment() ?? SingleProcess()
        let tty = isatty(2) != 0 && collective.isLeader
        let rank = collective.rank
        let trainer = Trainer(recipe: r, recipePath: recipe) { line in
            if rank > 0 {   // the other ranks print only their own warnings
                if line.hasPrefix("warning") { FileHandle.standardError.write(Data("[rank \(rank)] \(line)\n".utf8)) }
                return
            }
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        trainer.collective = collective
        if tty {
            trainer.progress = { status in FileHandle.standardError.write(Data("\r\u{1B}[K\(status)".utf8)) }
        }
        do {
            try trainer.run(resume: resume, force: force, epochsOverride: epochs)
        } catch {
            guard collective.size > 1 else { throw error }
            // One rank's error ends the job (the others would wait for it forever).
            FileHandle.standardError.write(Data("Error (rank \(rank)): \(error)\n".utf8))
            collective.abort(code: 1)
        }
        collective.finish()
    }
}
