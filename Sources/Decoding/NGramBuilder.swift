import ASRCore
import Foundation

/// Smoothing for `buildNGramLM`.
public enum NGramSmoothing: String, StrictEnum, Sendable {
    /// Interpolated Kneser–Ney: absolute discount D = n1 / (n1 + 2·n2) per order,
    /// continuation counts for lower orders (raw counts for n-grams starting with `<s>`).
    case kneserNey = "kneser-ney"
    /// Interpolated Witten–Bell.
    case wittenBell = "witten-bell"
}

/// Estimates an interpolated back-off n-gram model from sentences (each a list
/// of units: words, or characters for Mandarin). `<s>`, `</s>` and `<unk>`
/// are added; the lowest order interpolates with a uniform distribution so
/// every word, `<unk>` included, has non-zero probability. The result is
/// exact in ARPA form: stored probabilities are the interpolated ones and each
/// context's back-off weight is its interpolation weight.
public func buildNGramLM(sentences: [[String]], order: Int, smoothing: NGramSmoothing) -> NGramLM {
    precondition(order >= 1)
    var vocab: [String: Int32] = ["<s>": 0, "</s>": 1, "<unk>": 2]
    func id(_ w: String) -> Int32 {
        if let i = vocab[w] { return i }
        let i = Int32(vocab.count); vocab[w] = i; return i
    }
    let bos: Int32 = 0, eos: Int32 = 1
    // Raw counts of every order.
    var raw = [[[Int32]: Double]](repeating: [:], count: order + 1)
    for s in sentences {
        let ids = [bos] + s.map(id) + [eos]
        for k in 1...order {
            guard ids.count >= k else { continue }
            for i in 0...(ids.count - k) {
                let g = Array(ids[i..<(i + k)])
                if k == 1 && g[0] == bos { continue }  // <s> is never predicted
                raw[k][g, default: 0] += 1
            }
        }
    }
    // Counts each order is estimated from.
    var a = raw
    if smoothing == .kneserNey && order > 1 {
        for k in 1..<order {
            var cont: [[Int32]: Double] = [:]
            for g in raw[k + 1].keys { cont[Array(g.dropFirst()), default: 0] += 1 }
            var counts: [[Int32]: Double] = [:]
            for (g, c) in raw[k] { counts[g] = g[0] == bos ? c : (cont[g] ?? 0) }
            for (g, c) in cont where counts[g] == nil { counts[g] = c }
            a[k] = counts.filter { $0.value > 0 }
        }
    }
    let V = Double(vocab.count - 1)  // predictable words: all but <s>
    var probs = [[[Int32]: Double]](repeating: [:], count: order + 1)
    var gammas = [[[Int32]: Double]](repeating: [:], count: order + 1)  // context → interpolation weight
    /// Interpolated p_k(w | h), k = |h| + 1, for orders already estimated.
    func interp(_ w: Int32, _ h: ArraySlice<Int32>) -> Double {
        let k = h.count + 1
        if let p = probs[k][Array(h) + [w]] { return p }
        if k == 1 { return (gammas[1][[]] ?? 1) / V }
        return (gammas[k][Array(h)] ?? 1) * interp(w, h.dropFirst())
    }
    for k in 1...order {
        var totals: [[Int32]: Double] = [:], types: [[Int32]: Double] = [:]
        for (g, c) in a[k] {
            let h = Array(g.dropLast())
            totals[h, default: 0] += c
            types[h, default: 0] += 1
        }
        var discount = 0.0
        if smoothing == .kneserNey {
            let n1 = Double(a[k].values.filter { $0 == 1 }.count), n2 = Double(a[k].values.filter { $0 == 2 }.count)
            discount = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5
            if discount <= 0 || discount >= 1 { discount = 0.5 }
        }
        for (h, total) in totals {
            switch smoothing {
            case .kneserNey: gammas[k][h] = discount * types[h]! / total
            case .wittenBell: gammas[k][h] = types[h]! / (total + types[h]!)
            }
        }
        for (g, c) in a[k] {
            let h = Array(g.dropLast())
            let total = totals[h]!, gamma = gammas[k][h]!
            let own: Double
            switch smoothing {
            case .kneserNey: own = max(c - discount, 0) / total
            case .wittenBell: own = c / (total + types[h]!)
            }
            probs[k][g] = own + gamma * (k == 1 ? 1 / V : interp(g.last!, ArraySlice(h).dropFirst()))
        }
        if k == 1 {
            // Unigrams never seen (<unk>) get the uniform share.
            let gamma = gammas[1][[]] ?? 1
            for (_, i) in vocab where i != bos && probs[1][[i]] == nil { probs[1][[i]] = gamma / V }
        }
    }
    var grams: [[Int32]: (prob: Float, backoff: Float)] = [:]
    for k in 1...order {
        for (g, p) in probs[k] {
            let bo = k < order ? (gammas[k + 1][g].map { Float(log10($0)) } ?? 0) : 0
            grams[g] = (Float(log10(p)), bo)
        }
    }
    // <s> as a unigram: never predicted (−99 by convention), but a context with a back-off.
    grams[[bos]] = (-99, order > 1 ? (gammas[2][[bos]].map { Float(log10($0)) } ?? 0) : 0)
    return NGramLM(order: order, vocabulary: vocab, grams: grams, bos: bos, eos: eos, unk: 2)
}
