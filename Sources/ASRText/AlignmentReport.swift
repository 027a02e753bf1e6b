/// sclite-style rendering of alignments and confusion tables, shared by
/// `asr eval` and `asr score`.
public enum AlignmentReport {
    /// Display width of a unit: East Asian wide characters count 2.
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return w + (wide ? 2 : 1)
        }
    }

    static func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - width(s))) }

    /// Three lines: REF, HYP (with `***` for gaps; substituted units upper-cased
    /// when they have case) and EVAL (S, D, I marks).
    public static func lines(ref: [String], hyp: [String], alignment a: Alignment) -> (ref: String, hyp: String, eval: String) {
        var r: [String] = [], h: [String] = [], e: [String] = []
        for step in a.steps {
            let rs = step.ref.map { ref[$0] } ?? "***"
            let hs = step.hyp.map { hyp[$0] } ?? "***"
            let w = max(width(rs), width(hs), 1)
            switch step.op {
            case .match: r.append(pad(rs, w)); h.append(pad(hs, w)); e.append(pad("", w))
            case .substitution: r.append(pad(rs.uppercased(), w)); h.append(pad(hs.uppercased(), w)); e.append(pad("S", w))
            case .deletion: r.append(pad(rs.uppercased(), w)); h.append(pad("***", w)); e.append(pad("D", w))
            case .insertion: r.append(pad("***", w)); h.append(pad(hs.uppercased(), w)); e.append(pad("I", w))
            }
        }
        func join(_ a: [String]) -> String {
            var s = a.joined(separator: " ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        return ("REF:  " + join(r), "HYP:  " + join(h), "EVAL: " + join(e))
    }

    /// Counts of (ref → hyp) substitutions, deletions (hyp "***") and insertions (ref "***").
    public static func confusions(ref: [String], hyp: [String], alignment a: Alignment, into table: inout [String: Int]) {
        func show(_ u: String) -> String { u == " " ? "<space>" : u }
        for step in a.steps where step.op != .match {
            let rs = step.ref.map { show(ref[$0]) } ?? "***"
            let hs = step.hyp.map { show(hyp[$0]) } ?? "***"
            table["\(rs) → \(hs)", default: 0] += 1
        }
    }

    /// The most frequent confusions, most frequent first (ties alphabetical).
    public static func top(_ table: [String: Int], _ k: Int) -> [(pair: String, count: Int)] {
        table.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(k).map { ($0.key, $0.value) }
    }
}
