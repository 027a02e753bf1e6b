import ASRCore
import ASRText
import Foundation

/// The training set as the trainer holds it: per utterance only where its
/// manifest line is and its length (16 bytes); the `Example` (path, labels, …)
/// is parsed again from the line when its batch comes up. So memory does not
/// grow with the corpus by more than that (a million utterances: 16 MB). A
/// Kaldi folder has no single line per utterance: its examples stay in memory.
final class ExampleIndex: @unchecked Sendable {
    let count: Int
    /// Samples at the recipe's rate, per utterance (the batch sampler's lengths).
    let sampleCounts: [Int]
    private let storage: Storage

    private enum Storage {
        case memory([Example])
        case manifest(Lines)
    }

    /// Where each kept utterance's line is in a JSON-lines manifest.
    private final class Lines {
        let path: String, base: String
        let fd: Int32
        let offsets: [Int64]
        let lengths: [Int32]
        let lineNumbers: [Int32]
        let normalize: TextNormalization, field: String
        let tokens: TokenTable

        init(path: String, fd: Int32, offsets: [Int64], lengths: [Int32], lineNumbers: [Int32],
             normalize: TextNormalization, field: String, tokens: TokenTable) {
            self.path = path
            base = (path as NSString).deletingLastPathComponent
            self.fd = fd
            self.offsets = offsets
            self.lengths = lengths
            self.lineNumbers = lineNumbers
            self.normalize = normalize
            self.field = field
            self.tokens = tokens
        }

        deinit { close(fd) }
    }

    /// Examples kept as they are (dev sets, Kaldi folders, tests).
    init(_ examples: [Example]) {
        count = examples.count
        sampleCounts = examples.map(\.sampleCount)
        storage = .memory(examples)
    }

    /// The examples of `manifest` (a JSON-lines file) by their lines: `examples`
    /// came from it (each `Example.line` set), scanned and encoded with `tokens`.
    /// nil when it is not a file of lines (a Kaldi folder).
    init?(manifest: String, examples: [Example], normalize: TextNormalization, field: String, tokens: TokenTable) throws {
        guard examples.allSatisfy({ $0.line != nil }) else { return nil }
        guard let data = fileContents(manifest) else {
            throw FileError.cannotRead(path: manifest, reason: "not readable")
        }
        // Byte offset of every line (1-based line n starts at starts[n - 1]).
        // (A UTF-8 byte-order mark is not part of line 1; a CRLF line's \r is trimmed when it is parsed.)
        var starts: [Int64] = [data.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0]
        data.withUnsafeBytes { raw in
            for (i, b) in raw.enumerated() where b == UInt8(ascii: "\n") { starts.append(Int64(i + 1)) }
        }
        starts.append(Int64(data.count) + 1)
        var offsets: [Int64] = [], lengths: [Int32] = [], lines: [Int32] = []
        offsets.reserveCapacity(examples.count)
        for e in examples {
            let n = e.line!
            guard n >= 1, n < starts.count else { throw FileError.malformed(path: manifest, reason: "changed while it was read") }
            offsets.append(starts[n - 1])
            lengths.append(Int32(min(starts[n], Int64(data.count) + 1) - starts[n - 1] - 1))
            lines.append(Int32(n))
        }
        let fd = open(manifest, O_RDONLY)
        guard fd >= 0 else { throw FileError.cannotRead(path: manifest, reason: String(cString: strerror(errno))) }
        count = examples.count
        sampleCounts = examples.map(\.sampleCount)
        storage = .manifest(Lines(path: manifest, fd: fd, offsets: offsets, lengths: lengths, lineNumbers: lines,
                                  normalize: normalize, field: field, tokens: tokens))
    }

    /// Utterance `i`: kept, or parsed from its manifest line now. A line that no
    /// longer parses, or encodes otherwise, means the manifest changed during training.
    func example(_ i: Int) throws -> Example {
        switch storage {
        case .memory(let examples):
            return examples[i]
        case .manifest(let m):
            let length = Int(m.lengths[i])
            var bytes = [UInt8](repeating: 0, count: length)
            let got = bytes.withUnsafeMutableBytes { pread(m.fd, $0.baseAddress, length, off_t(m.offsets[i])) }
            let origin = "\(m.path):\(m.lineNumbers[i])"
            guard got == length else { throw TrainError.unreadable(origin: origin, reason: "the manifest changed during training (line no longer there)") }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let u: Utterance
            do {
                u = try DataSet.parseManifestLine(text, line: Int(m.lineNumbers[i]), path: m.path, base: m.base,
                                                  normalize: m.normalize, field: m.field)
            } catch {
                throw TrainError.unreadable(origin: origin, reason: "the manifest changed during training: \(error)")
            }
            guard case .success(let ids) = m.tokens.encode(u.text) else {
                throw TrainError.unreadable(origin: origin, reason: "the manifest changed during training: its text has a character outside the token table")
            }
            return Example(utt: u, sampleCount: sampleCounts[i], labels: ids)
        }
    }
}
