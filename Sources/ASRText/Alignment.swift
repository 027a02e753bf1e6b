/// One step of an alignment between a reference and a hypothesis.
public enum EditOp: String, Codable, Sendable {
    case match = "C", substitution = "S", deletion = "D", insertion = "I"
}

/// A minimal edit-distance alignment with its counts.
///
/// Tie-breaking (several minimal alignments can exist, with different S/D/I
/// counts): a common prefix and suffix are matched first; the rest is aligned
/// by dynamic programming traced back from the end, taking at each cell a
/// deletion if one lies on a minimal path, else a substitution, else an
/// insertion, else a match. These are jiwer's (rapidfuzz's) choices: the
/// counts equal jiwer's on 3,000 random pairs and on the committed fixture.
/// Example: ref "a c c c d", hyp "d a c" → H 2, S 0, D 3, I 1.
public struct Alignment: Equatable, Sendable {
    /// Steps in order; `ref`/`hyp` index the units (nil on the side that has none).
    public var steps: [(op: EditOp, ref: Int?, hyp: Int?)]
    public var hits = 0, substitutions = 0, deletions = 0, insertions = 0

    @inlinable
    public init(steps: [(op: EditOp, ref: Int?, hyp: Int?)]) { self.steps = steps }

    public static func == (a: Alignment, b: Alignment) -> Bool {
        a.hits == b.hits && a.substitutions == b.substitutions && a.deletions == b.deletions && a.insertions == b.insertions
            && a.steps.map { "\($0.op.rawValue)\($0.ref ?? -1),\($0.hyp ?? -1)" } == b.steps.map { "\($0.op.rawValue)\($0.ref ?? -1),\($0.hyp ?? -1)" }
    }

    /// Reference length N = H + S + D.
    public var referenceLength: Int { hits + substitutions + deletions }
    public var errors: Int { substitutions + deletions + insertions }
}

/// Aligns two unit sequences (words or characters) with unit costs.
/// Memory O(N·M) bytes for the backtrace; fine for 10k-word lines.
@inlinable
public func align<T: Equatable>(_ ref: [T], _ hyp: [T]) -> Alignment {
    // Common prefix and suffix are matched outright (as rapidfuzz does before its DP).
    var p = 0
    while p < ref.count && p < hyp.count && ref[p] == hyp[p] { p += 1 }
    var q = 0
    while q < ref.count - p && q < hyp.count - p && ref[ref.count - 1 - q] == hyp[hyp.count - 1 - q] { q += 1 }
    var result = Alignment(steps: [])
    // Steps are collected back to front, then reversed in place.
    var steps: [(op: EditOp, ref: Int?, hyp: Int?)] = []
    steps.reserveCapacity(ref.count + hyp.count)
    for k in stride(from: q - 1, through: 0, by: -1) { steps.append((.match, ref.count - q + k, hyp.count - q + k)) }
    alignCore(ref, hyp, from: p, refEnd: ref.count - q, hypEnd: hyp.count - q, into: &steps, &result)
    for k in stride(from: p - 1, through: 0, by: -1) { steps.append((.match, k, k)) }
    steps.reverse()
    result.steps = steps
    result.hits += p + q
    return result
}

/// Aligns ref[p..<refEnd] with hyp[p..<hypEnd], appending steps back to front.
@inlinable
func alignCore<T: Equatable>(_ ref: [T], _ hyp: [T], from p: Int, refEnd: Int, hypEnd: Int,
                             into steps: inout [(op: EditOp, ref: Int?, hyp: Int?)], _ result: inout Alignment) {
    let n = refEnd - p, m = hypEnd - p
    if n == 0 || m == 0 {
        for j in stride(from: m - 1, through: 0, by: -1) { steps.append((.insertion, nil, p + j)) }
        for i in stride(from: n - 1, through: 0, by: -1) { steps.append((.deletion, p + i, nil)) }
        result.deletions += n
        result.insertions += m
        return
    }
    // Costs row by row; for each cell, which predecessors lie on a minimal path
    // (bit 0: diagonal, bit 1: up = deletion, bit 2: left = insertion).
    let width = m + 1
    var prev = [Int32](0...Int32(m))
    var cur = [Int32](repeating: 0, count: width)
    var back = [UInt8](repeating: 4, count: (n + 1) * width)
    for i in 1...n {
        cur[0] = Int32(i)
        back[i * width] = 2
        let r = ref[p + i - 1]
        for j in 1...m {
            let diag = prev[j - 1] + (r == hyp[p + j - 1] ? 0 : 1)
            let up = prev[j] + 1
            let left = cur[j - 1] + 1
            let best = min(diag, up, left)
            cur[j] = best
            back[i * width + j] = (diag == best ? 1 : 0) | (up == best ? 2 : 0) | (left == best ? 4 : 0)
        }
        swap(&prev, &cur)
    }
    // Trace back from the end: deletion, else substitution, else insertion, else match.
    var i = n, j = m
    while i > 0 || j > 0 {
        let options: UInt8 = i == 0 ? 4 : (j == 0 ? 2 : back[i * width + j])
        let diagIsSub = i > 0 && j > 0 && ref[p + i - 1] != hyp[p + j - 1]
        if options & 2 != 0 {
            steps.append((.deletion, p + i - 1, nil)); result.deletions += 1; i -= 1
        } else if options & 1 != 0 && diagIsSub {
            steps.append((.substitution, p + i - 1, p + j - 1)); result.substitutions += 1; i -= 1; j -= 1
        } else if options & 4 != 0 {
            steps.append((.insertion, nil, p + j - 1)); result.insertions += 1; j -= 1
        } else {
            steps.append((.match, p + i - 1, p + j - 1)); result.hits += 1; i -= 1; j -= 1
        }
    }
}

/// Corpus-level error counts: sums over utterances (never means of rates).
public struct ErrorCounts: Codable, Equatable, Sendable {
    public var hits = 0, substitutions = 0, deletions = 0, insertions = 0
    /// Utterances, and those with at least one error (for %SER).
    public var sentences = 0, sentenceErrors = 0

    public init() {}

    public mutating func add(_ a: Alignment) {
        hits += a.hits; substitutions += a.substitutions; deletions += a.deletions; insertions += a.insertions
        sentences += 1
        if a.errors > 0 { sentenceErrors += 1 }
    }

    public var referenceLength: Int { hits + substitutions + deletions }
    public var errors: Int { substitutions + deletions + insertions }
    /// (S + D + I) / N; N = 0 gives 0 if there are no insertions, else ∞… reported as errors / max(N, 1).
    public var errorRate: Double { Double(errors) / Double(max(referenceLength, 1)) }
    /// jiwer's MER: (S + D + I) / (H + S + D + I).
    public var matchErrorRate: Double {
        let d = hits + substitutions + deletions + insertions
        return d == 0 ? 0 : Double(errors) / Double(d)
    }
    /// jiwer's WIP: (H / N_ref) · (H / N_hyp).
    public var wordInformationPreserved: Double {
        let r = hits + substitutions + deletions, h = hits + substitutions + insertions
        return r == 0 || h == 0 ? (r == h ? 1 : 0) : (Double(hits) / Double(r)) * (Double(hits) / Double(h))
    }
    /// jiwer's WIL: 1 − WIP.
    public var wordInformationLost: Double { 1 - wordInformationPreserved }
    public var sentenceErrorRate: Double { sentences == 0 ? 0 : Double(sentenceErrors) / Double(sentences) }

    /// Kaldi's `compute-wer` line: `%WER 7.28 [ 411 / 5643, 58 ins, 38 del, 315 sub ]`.
    public func kaldiLine(_ name: String = "WER") -> String {
        "%\(name) " + String(format: "%.2f", 100 * errorRate)
            + " [ \(errors) / \(referenceLength), \(insertions) ins, \(deletions) del, \(substitutions) sub ]"
    }

    public func sentenceLine() -> String {
        "%SER " + String(format: "%.2f", 100 * sentenceErrorRate) + " [ \(sentenceErrors) / \(sentences) ]"
    }
}

/// Words of a text (split on whitespace). ASCII text takes a byte-level fast
/// path (Unicode property look-ups per character cost 10× more).
public func words(_ text: String) -> [String] {
    var out: [String] = []
    var ascii = true
    let done: Bool = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
        var start = -1
        for (i, b) in bytes.enumerated() {
            if b >= 0x80 { ascii = false; return false }
            let space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
            if space {
                if start >= 0 { out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)); start = -1 }
            } else if start < 0 { start = i }
        }
        if start >= 0 { out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self)) }
        return true
    } ?? false
    if done && ascii { return out }
    return text.split(whereSeparator: \.isWhitespace).map(String.init)
}

/// Characters (grapheme clusters) of a text for CER; spaces count unless `dropSpaces`.
public func characters(_ text: String, dropSpaces: Bool = false) -> [String] {
    text.compactMap { c in dropSpaces && c.isWhitespace ? nil : String(c) }
}

/// A word as a byte range of a UTF-8 buffer, compared by bytes (valid only
/// while the buffer is).
@usableFromInline
struct ByteWord: Equatable {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let start: Int32
    @usableFromInline let count: Int32

    @inlinable
    static func == (a: ByteWord, b: ByteWord) -> Bool {
        a.count == b.count && memcmp(a.base + Int(a.start), b.base + Int(b.start), Int(a.count)) == 0
    }
}

/// Word alignment of two texts, `align(words(ref), words(hyp))` without
/// creating a String per word: ASCII text is split and compared as bytes
/// (non-ASCII text takes the general path, whose whitespace is Unicode's).
public func alignWords(_ ref: String, _ hyp: String) -> Alignment {
    var r = ref, h = hyp
    r.makeContiguousUTF8()
    h.makeContiguousUTF8()
    let fast: Alignment? = r.utf8.withContiguousStorageIfAvailable { rb -> Alignment? in
        h.utf8.withContiguousStorageIfAvailable { hb -> Alignment? in
            func split(_ b: UnsafeBufferPointer<UInt8>) -> [ByteWord]? {
                var out: [ByteWord] = []
                var start = -1
                for i in 0..<b.count {
                    let c = b[i]
                    if c >= 0x80 { return nil }
                    if c == 0x20 || (c >= 0x09 && c <= 0x0D) {
                        if start >= 0 { out.append(ByteWord(base: b.baseAddress!, start: Int32(start), count: Int32(i - start))); start = -1 }
                    } else if start < 0 { start = i }
                }
                if start >= 0 { out.append(ByteWord(base: b.baseAddress!, start: Int32(start), count: Int32(b.count - start))) }
                return out
            }
            guard rb.count > 0 || hb.count > 0 else { return align([ByteWord](), [ByteWord]()) }
            guard let rw = rb.count == 0 ? [] : split(rb), let hw = hb.count == 0 ? [] : split(hb) else { return nil }
            return align(rw, hw)
        } ?? nil
    } ?? nil
    return fast ?? align(words(ref), words(hyp))
}

#if canImport(Glibc)
import Glibc
#endif
