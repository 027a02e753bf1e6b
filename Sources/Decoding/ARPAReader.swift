import ASRCore
import Foundation

/// Reads ARPA text byte by byte: no string per line, words interned through a
/// table over their bytes, numbers by `strtof` in place. LF or CRLF line ends, a
/// UTF-8 byte-order mark, and text before `\data\` are accepted; every error names
/// the file and line.
enum ARPAReader {
    static func read(_ data: Data, path: String) throws -> NGramLM {
        var bytes = [UInt8](data)
        bytes.append(0)  // strtof stops at this NUL at the latest
        return try bytes.withUnsafeBufferPointer {
            var reading = Reading(path: path, text: $0)
            return try reading.run()
        }
    }

    private struct Reading {
        let path: String
        let text: UnsafeBufferPointer<UInt8>  // ends with a NUL not part of the file
        var vocabulary: [String: Int32] = [:]
        var words = WordTable()

        init(path: String, text: UnsafeBufferPointer<UInt8>) {
            self.path = path
            self.text = text
        }

        func fail(_ line: Int, _ why: String) -> FileError { .malformed(path: path, reason: "line \(line): \(why)") }

        func show(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: text[r]), as: UTF8.self) }

        /// Orders above this are refused (a typo such as `ngram 40000=3` would otherwise ask for that many tables).
        static let maxOrder = 64

        static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }

        /// The id of the word in `r`, a new one the first time.
        mutating func intern(_ r: Range<Int>, line: Int) throws -> Int32 {
            let word = UnsafeBufferPointer(rebasing: text[r])
            if let id = words.find(word) { return id }
            guard let s = String(validating: word, as: UTF8.self) else { throw fail(line, "a word is not UTF-8 text") }
            let id = Int32(vocabulary.count)
            vocabulary[s] = id
            words.add(word, id: id)
            return id
        }

        mutating func run() throws -> NGramLM {
            var declared: [Int: Int] = [:]
            var grams: [NGramLM.Grams] = []
            var section = 0  // 0 before \data\, -1 in \data\, k in \k-grams:, -2 after \end\
            var sawData = false
            var lineNo = 0
            var at = 0
            let end = text.count - 1
            if end >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF { at = 3 }
            var fields: [Range<Int>] = []
            var gram: [Int32] = []
            while at < end {
                lineNo += 1
                var next = at
                while next < end && text[next] != 0x0A { next += 1 }
                var lo = at, hi = next
                at = next + 1
                while lo < hi && Self.isBlank(text[lo]) { lo += 1 }
                while hi > lo && Self.isBlank(text[hi - 1]) { hi -= 1 }
                if lo == hi { continue }
                let line = lo..<hi
                if text[lo] == 0x5C {  // "\"
                    let s = show(line)
                    if s == "\\data\\" { section = -1; sawData = true; continue }
                    if s == "\\end\\" { section = -2; break }
                    if s.hasSuffix("-grams:") {
                        let inner = s.dropFirst().dropLast("-grams:".count)
                        guard let k = Int(inner), k >= 1, let n = declared[k] else { throw fail(lineNo, "unexpected section \(s)") }
                        section = k
                        while grams.count < k { grams.append(NGramLM.Grams()) }
                        let room = min(n, end / 4)  // a line takes at least 4 bytes: no reserve beyond the file
                        grams[k - 1].ids.reserveCapacity(room * k)
                        grams[k - 1].probs.reserveCapacity(room)
                        grams[k - 1].backoffs.reserveCapacity(room)
                        continue
                    }
                }
                switch section {
                case 0:
                    continue  // text before \data\ is allowed (comments)
                case -1:
                    let s = show(line)
                    guard s.hasPrefix("ngram "), let eq = s.firstIndex(of: "="),
                          let k = Int(s[s.index(s.startIndex, offsetBy: 6)..<eq].trimmingCharacters(in: .whitespaces)),
                          let n = Int(s[s.index(after: eq)...].trimmingCharacters(in: .whitespaces)), k >= 1, n >= 0
                    else { throw fail(lineNo, "expected 'ngram K=N' in \\data\\, found '\(s)'") }
                    guard k <= Self.maxOrder else { throw fail(lineNo, "n-gram order \(k): at most \(Self.maxOrder) is read") }
                    declared[k] = n
                case let k where k >= 1:
                    fields.removeAll(keepingCapacity: true)
                    var i = lo
                    while i < hi {
                        while i < hi && (text[i] == 0x20 || text[i] == 0x09) { i += 1 }
                        let start = i
                        while i < hi && text[i] != 0x20 && text[i] != 0x09 { i += 1 }
                        if i > start { fields.append(start..<i) }
                    }
                    guard fields.count == k + 1 || fields.count == k + 2, let p = number(fields[0]) else {
                        throw fail(lineNo, "expected 'log10prob w1 … w\(k) [backoff]', found '\(show(line))'")
                    }
                    var bo: Float = 0
                    if fields.count == k + 2 {
                        guard let b = number(fields[k + 1]) else { throw fail(lineNo, "bad backoff '\(show(fields[k + 1]))'") }
                        bo = b
                    }
                    gram.removeAll(keepingCapacity: true)
                    for f in fields[1...k] { gram.append(try intern(f, line: lineNo)) }
                    grams[k - 1].ids += gram
                    grams[k - 1].probs.append(p)
                    grams[k - 1].backoffs.append(bo)
                default:
                    throw fail(lineNo, "unexpected text '\(show(line))'")
                }
            }
            guard sawData, !declared.isEmpty else { throw FileError.malformed(path: path, reason: "no \\data\\ section: not an ARPA file") }
            guard section == -2 else { throw FileError.malformed(path: path, reason: "missing \\end\\ (file truncated?)") }
            let order = declared.keys.max()!
            while grams.count < order { grams.append(NGramLM.Grams()) }
            for (k, n) in declared.sorted(by: { $0.key < $1.key }) where grams[k - 1].probs.count != n {
                throw FileError.malformed(path: path, reason: "\\data\\ declares \(n) \(k)-grams, file has \(grams[k - 1].probs.count)")
            }
            guard let bos = vocabulary["<s>"], let eos = vocabulary["</s>"] else {
                throw FileError.malformed(path: path, reason: "the model has no <s> or </s> unigram")
            }
            do {
                return try NGramLM(order: order, vocabulary: vocabulary, grams: grams, bos: bos, eos: eos, unk: vocabulary["<unk>"])
            } catch .repeated(let k, let ids) {
                var names = [String](repeating: "", count: vocabulary.count)
                for (w, i) in vocabulary { names[Int(i)] = w }
                throw FileError.malformed(path: path, reason: "the \(k)-gram '\(ids.map { names[Int($0)] }.joined(separator: " "))' is listed twice")
            }
        }

        /// The decimal number filling `r` exactly (ARPA's log10 values), or nil.
        func number(_ r: Range<Int>) -> Float? {
            let start = text.baseAddress! + r.lowerBound
            var stop: UnsafeMutablePointer<CChar>?
            let v = start.withMemoryRebound(to: CChar.self, capacity: r.count) { strtof($0, &stop) }
            guard let stop, Int(bitPattern: stop) == Int(bitPattern: start + r.count) else { return nil }
            return v
        }
    }

    /// Word bytes → id: open addressing over an FNV-1a hash, bytes compared on a match.
    struct WordTable {
        private var slots = [Int32](repeating: -1, count: 1024)
        private var hashes = [UInt64](repeating: 0, count: 1024)
        private var spelling: [[UInt8]] = []
        private var ids: [Int32] = []

        static func hash(_ w: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var h: UInt64 = 0xcbf29ce484222325
            for b in w { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            return h
        }

        func find(_ w: UnsafeBufferPointer<UInt8>) -> Int32? {
            let h = Self.hash(w)
            let mask = slots.count - 1
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] >= 0 {
                let e = Int(slots[s])
                if hashes[s] == h && spelling[e].elementsEqual(w) { return ids[e] }
                s = (s + 1) & mask
            }
            return nil
        }

        mutating func add(_ w: UnsafeBufferPointer<UInt8>, id: Int32) {
            if (spelling.count + 1) * 2 > slots.count { grow() }
            spelling.append(Array(w))
            ids.append(id)
            place(entry: spelling.count - 1, hash: Self.hash(w))
        }

        private mutating func place(entry: Int, hash h: UInt64) {
            let mask = slots.count - 1
            var s = Int(truncatingIfNeeded: h) & mask
            while slots[s] >= 0 { s = (s + 1) & mask }
            slots[s] = Int32(entry)
            hashes[s] = h
        }

        private mutating func grow() {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            hashes = [UInt64](repeating: 0, count: slots.count)
            for e in spelling.indices { spelling[e].withUnsafeBufferPointer { place(entry: e, hash: Self.hash($0)) } }
        }
    }
}
