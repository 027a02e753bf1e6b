import ASRCore
import Foundation

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

/// `train.jsonl` (one `EpochLog` a line, snake_case keys, rewritten atomically
/// each epoch) and the human-readable lines of a run.
struct TrainingLog {
    let path: String

    func write(_ history: [EpochLog]) throws {
        let enc = JSONEncoder()
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.outputFormatting = [.sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let lines = try history.map { String(decoding: try enc.encode($0), as: UTF8.self) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
    }

    /// The line printed at the end of an epoch.
    static func summary(_ e: EpochLog, epochs: Int) -> String {
        var line = String(format: "epoch %d/%d  loss %.4f", e.epoch, epochs, e.trainLoss)
        if let devLoss = e.devLoss { line += String(format: "  dev loss %.4f", devLoss) }
        if let devWer = e.devWer, let devCer = e.devCer { line += String(format: "  dev WER %.2f%%  CER %.2f%%", 100 * devWer, 100 * devCer) }
        line += String(format: "  lr %.2e  %.0f s (%.0f utt/s)%@", e.learningRate, e.seconds, e.utterancesPerSecond, e.best ? "  *best" : "")
        return line
    }
}

/// The one-line status during an epoch: bar, percentage, rate, running loss, ETA.
struct EpochProgress {
    let epoch: Int        // 1-based
    let epochs: Int
    let total: Int        // utterances in the epoch
    let start: Date

    func line(done: Int, meanLoss: Double, now: Date = Date()) -> String {
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-6)
        let eta = Double(total - done) / max(rate, 1e-6)
        let fraction = Double(done) / Double(max(total, 1))
        return String(format: "epoch %d/%d %@ %3d%%  %5.1f utt/s  loss %.3f  ETA %@", epoch, epochs,
                      bar(fraction), Int(100 * fraction), rate, meanLoss, clock(eta))
    }
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
