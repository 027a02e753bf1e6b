import ArgumentParser
import ASRKit

@main
struct ASR: ParsableCommand {

    static let configuration = CommandConfiguration(
        commandName: "asr",
        abstract: "Train and use speech recognizers on a CPU: audio → features → BiLSTM → CTC.",
        version: "0.1.0",
        subcommands: [TrainCommand.self, TranscribeCommand.self, EvalCommand.self, ScoreCommand.self, FeaturesCommand.self, DecodeCommand.self, LMCommand.self, DataCommand.self, ReportCommand.self, ServeCommand.self])

    /// Denormals flushed to zero on the main thread (and the threads it starts) before any command runs.
    static func main() {
        FloatEnvironment.flushDenormals()
        main(nil)
    }
}
