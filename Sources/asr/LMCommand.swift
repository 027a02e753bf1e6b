import ArgumentParser
import ASRKit
import Foundation

/// `asr lm build`: estimate an n-gram LM from text, no external toolkit needed.
struct LMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm", abstract: "Language-model tools.", subcommands: [Build.self])

    enum Unit: String, ExpressibleByArgument, CaseIterable { case word, char }
    enum Smoothing: String, ExpressibleByArgument, CaseIterable {
        case kneserNey = "kneser-ney", wittenBell = "witten-bell"
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build an ARPA n-gram model from a text file (one sentence per line).",
            discussion: "Example: asr lm build corpus.txt --order 3 --out words.arpa\n         asr lm build zh.txt --order 4 --unit char --out chars.arpa")

        @Argument(help: "Training text, UTF-8, one sentence per line.") var text: String
        @Option(help: "n-gram order.") var order: Int = 3
        @Option(help: "Units: word (split on whitespace) or char (every non-space character).") var unit: Unit = .word
        @Option(help: "Smoothing: kneser-ney (interpolated) or witten-bell.") var smoothing: Smoothing = .kneserNey
        @Option(help: "Output ARPA file.") var out: String

        func validate() throws {
            if !(1...9).contains(order) { throw ValidationError("--order must be 1…9") }
        }

        func run() throws {
            guard FileManager.default.fileExists(atPath: text) else { throw FileError.notFound(path: text) }
            guard let data = FileManager.default.contents(atPath: text), let s = String(data: data, encoding: .utf8) else {
                throw FileError.cannotRead(path: text, reason: "not UTF-8 text")
            }
            let sentences: [[String]] = s.split(whereSeparator: \.isNewline).compactMap { line in
                let units: [String]
                switch unit {
                case .word: units = line.split(whereSeparator: \.isWhitespace).map(String.init)
                case .char: units = line.filter { !$0.isWhitespace }.map { String($0) }
                }
                return units.isEmpty ? nil : units
            }
            guard !sentences.isEmpty else { throw FileError.malformed(path: text, reason: "no sentences (file is empty or blank)") }
            let lm = buildNGramLM(sentences: sentences, order: order,
                                  smoothing: smoothing == .kneserNey ? .kneserNey : .wittenBell)
            try lm.write(arpa: out)
            FileHandle.standardError.write(Data(
                "\(text): \(sentences.count) sentences → \(out): order \(order), \(lm.vocabulary.count) units, n-grams \(lm.counts)\n".utf8))
        }
    }
}
