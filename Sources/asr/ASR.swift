import ArgumentParser

@main
struct ASR: ParsableCommand {

    static let configuration = CommandConfiguration(
        commandName: "asr",
        abstract: "Train and use speech recognizers on a CPU: audio → features → BiLSTM → CTC.",
        version: "0.1.0",
        subcommands: [TrainCommand.self, TranscribeCommand.self, EvalCommand.self, ScoreCommand.self, FeaturesCommand.self, DecodeCommand.self, LMCommand.self, ReportCommand.self])
}
