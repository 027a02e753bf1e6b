import ArgumentParser
import ASRKit
import Foundation

/// `asr lm build`: estimate an n-gram LM from text, no external toolkit needed.
struct LMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm", abstract: "Language-model tools.", subcommands: [Build.self, Readings.self])

    enum Unit: String, ExpressibleByArgument, CaseIterable { case word, char }
    enum Smoothing: String, ExpressibleByArgument, CaseIterable {
        case kneserNey = "kneser-ney", wittenBell = "witten-bell"
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build an ARPA n-gram model from a text file (one sentence per line).",
            discussion: "Example: asr lm build corpus.txt --order 3 --out words.arpa\n         asr lm build zh.txt --order 4 --unit char --out chars.arpa")

        @Argument(help: "Training text, UTF-8, one sentence per line.") var text: String
        @Option(parsing: .unconditional, help: "n-gram order.") var order: Int = 3
        @Option(help: "Units: word (split on whitespace) or char (every non-space character).") var unit: Unit = .word
        @Option(help: "Smoothing: kneser-ney (interpolated) or witten-bell.") var smoothing: Smoothing = .kneserNey
        @Option(help: "Output ARPA file.") var out: String

        func validate() throws {
            if !(1...9).contains(order) { throw ValidationError("--order must be 1…9") }
        }

        func run() throws {
            guard FileManager.default.fileExists(atPath: text) else { throw FileError.notFound(path: text) }
            guard let data = fileContents(text), let s = String(data: data, encoding: .utf8) else {
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

    struct Readings: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a readings file (reading<TAB>forms, most frequent first) from a manifest with spoken and written text.",
            discussion: """
                Each utterance's spoken field (whitespace-separated readings, e.g. tone-numbered pinyin) is paired one to \
                one with the characters of its written field; an utterance whose counts differ is skipped and counted. \
                The file is what `asr transcribe/eval --readings` write a pinyin model's output with.
                Example: asr lm readings data/generated/mandarin/train.jsonl --spoken pinyin --out exp/mandarin/readings.tsv
                """)

        @Argument(help: "Manifest (.jsonl) or Kaldi data folder with both fields.") var manifest: String
        @Option(help: "Field (or Kaldi file) of the spoken text: whitespace-separated readings.") var spoken: String = "pinyin"
        @Option(help: "Field (or Kaldi file) of the written text.") var written: String = "text"
        @Option(help: "Output readings file.") var out: String

        func validate() throws {
            if spoken == written { throw ValidationError("--spoken and --written must name different fields") }
        }

        func run() throws {
            let spokenUtts = try DataSet.load(manifest, normalize: TextNormalization(), field: spoken)
            let writtenUtts = try DataSet.load(manifest, normalize: TextNormalization(), field: written)
            let pairs = zip(spokenUtts, writtenUtts).map { (spoken: $0.text, written: $1.text) }
            let (lexicon, skipped) = ReadingLexicon.build(pairs: pairs)
            guard !lexicon.readings.isEmpty else {
                throw FileError.malformed(path: manifest, reason: "no utterance pairs \(spoken) and \(written) one reading per character")
            }
            try lexicon.write(out)
            let forms = lexicon.forms.values.reduce(0) { $0 + $1.count }
            FileHandle.standardError.write(Data(
                "\(manifest): \(pairs.count - skipped) utterances → \(out): \(lexicon.readings.count) readings, \(forms) reading-form pairs\(skipped > 0 ? "; \(skipped) skipped (counts differ)" : "")\n".utf8))
        }
    }
}
