import ASRCore
import Foundation

/// How per-utterance losses are combined, with PyTorch's meaning.
public enum CTCReduction: String, Codable, CaseIterable, Sendable {
    /// One loss per utterance.
    case none
    /// Σ_b loss_b.
    case sum
    /// mean_b (loss_b / max(L_b, 1)): each loss divided by its target length, then averaged.
    case mean
}

/// CTC loss settings.
public struct CTCOptions: Codable, Equatable, Sendable {
    /// Token id of the blank.
    public var blank = 0
    public var reduction: CTCReduction = .mean
    /// An infeasible utterance (too few frames for its labels) gets loss 0 and
    /// gradient 0 instead of an error, as PyTorch's `zero_infinity`.
    public var zeroInfinity = false

    public init(blank: Int = 0, reduction: CTCReduction = .mean, zeroInfinity: Bool = false) {
        self.blank = blank
        self.reduction = reduction
        self.zeroInfinity = zeroInfinity
    }
}

/// Errors in CTC inputs; each names the utterance (batch index).
public enum CTCError: Error, Equatable, CustomStringConvertible {
    /// T frames cannot emit the labels: CTC needs L + (adjacent repeats) frames.
    case infeasible(utterance: Int, frames: Int, needed: Int)
    case invalidLabel(utterance: Int, position: Int, label: Int, vocabulary: Int)
    case invalidLength(utterance: Int, length: Int, maximum: Int)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .infeasible(let b, let t, let n):
            return "utterance \(b): \(t) frames cannot emit its labels; CTC needs at least \(n) (labels + adjacent repeats)"
        case .invalidLabel(let b, let p, let l, let v):
            return "utterance \(b): label \(l) at position \(p) is outside the vocabulary 0..<\(v) or is the blank"
        case .invalidLength(let b, let l, let m):
            return "utterance \(b): input length \(l) is outside 0…\(m)"
        case .shapeMismatch(let s): return "CTC input shape mismatch: \(s)"
        }
    }
}

/// Result of `ctcLoss`.
public struct CTCResult: Sendable {
    /// −log p(labels | x) per utterance (0 for an infeasible one with `zeroInfinity`).
    public var losses: [Float]
    /// The reduced loss (for `.none`: the sum).
    public var loss: Float
    /// ∂loss/∂logits, same `[T, B, V]` layout as the input, already scaled by
    /// the reduction. Zero on padding frames.
    public var gradient: [Float]
}

/// Minimum frames CTC needs for `labels`: one per label plus one blank
/// between each pair of equal adjacent labels.
public func ctcMinimumFrames(_ labels: [Int]) -> Int {
    var n = labels.count
    for i in 1..<max(labels.count, 1) where labels[i] == labels[i - 1] { n += 1 }
    return n
}

/// CTC loss and its gradient with respect to the logits.
///
/// - Parameters:
///   - logits: unnormalised scores `[T, B, V]`, time-major, row-major: element
///     `(t, b, v)` at `(t·B + b)·V + v`. Log-probabilities are accepted too
///     (log-softmax of log-probabilities is the identity).
///   - inputLengths: frames per utterance, T_b ≤ T; frames t ≥ T_b are padding.
///   - targets: label sequences (no blanks), one per utterance.
/// Works in log space (alpha/beta over the blank-extended labels), the
/// gradient fused with the softmax: `∂/∂z_tk = y_tk − Σ_{s: l'_s = k} α_t(s) β_t(s) / p`
/// with β excluding the emission at t. Utterances run in parallel.
public func ctcLoss(logits: [Float], frames T: Int, batch B: Int, vocabulary V: Int,
                    inputLengths: [Int], targets: [[Int]], options: CTCOptions = CTCOptions()) throws -> CTCResult {
    guard logits.count == T * B * V else {
        throw CTCError.shapeMismatch("logits have \(logits.count) values, [T=\(T), B=\(B), V=\(V)] needs \(T * B * V)")
    }
    guard inputLengths.count == B, targets.count == B else {
        throw CTCError.shapeMismatch("\(inputLengths.count) input lengths and \(targets.count) targets for batch \(B)")
    }
    for b in 0..<B {
        guard (0...T).contains(inputLengths[b]) else { throw CTCError.invalidLength(utterance: b, length: inputLengths[b], maximum: T) }
        for (i, l) in targets[b].enumerated() where l < 0 || l >= V || l == options.blank {
            throw CTCError.invalidLabel(utterance: b, position: i, label: l, vocabulary: V)
        }
        let needed = ctcMinimumFrames(targets[b])
        if inputLengths[b] < needed && !options.zeroInfinity {
            throw CTCError.infeasible(utterance: b, frames: inputLengths[b], needed: needed)
        }
    }
    var losses = [Float](repeating: 0, count: B)
    var gradient = [Float](repeating: 0, count: logits.count)
    logits.withUnsafeBufferPointer { z in
        gradient.withUnsafeMutableBufferPointer { g in
            losses.withUnsafeMutableBufferPointer { lossBuf in
                let zp = z.baseAddress!, gp = g.baseAddress!, lp = lossBuf.baseAddress!
                let work = { (b: Int) in
                    lp[b] = ctcUtterance(zp, gp, b: b, T: inputLengths[b], B: B, V: V,
                                         labels: targets[b], blank: options.blank)
                }
                parallelFor(B, work)
            }
        }
    }
    // Reduction, and infeasible utterances with zeroInfinity.
    var scales = [Float](repeating: 1, count: B)
    for b in 0..<B {
        if !losses[b].isFinite {
            losses[b] = 0
            scales[b] = 0
        }
    }
    let loss: Float
    switch options.reduction {
    case .none, .sum:
        loss = losses.reduce(0, +)
    case .mean:
        for b in 0..<B { scales[b] /= Float(max(targets[b].count, 1)) * Float(B) }
        loss = (0..<B).reduce(Float(0)) { $0 + losses[$1] / Float(max(targets[$1].count, 1)) } / Float(B)
    }
    gradient.withUnsafeMutableBufferPointer { g in
        for t in 0..<T {
            for b in 0..<B where scales[b] != 1 {
                let row = g.baseAddress! + (t * B + b) * V
                for v in 0..<V { row[v] *= scales[b] }
            }
        }
    }
    return CTCResult(losses: losses, loss: loss, gradient: gradient)
}

/// One utterance: writes its gradient rows and returns −log p (∞ if infeasible).
private func ctcUtterance(_ z: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, b: Int,
                          T: Int, B: Int, V: Int, labels: [Int], blank: Int) -> Float {
    let L = labels.count
    let S = 2 * L + 1
    if T == 0 { return L == 0 ? 0 : .infinity }
    if T < ctcMinimumFrames(labels) { return .infinity }
    // Extended labels l': blank, l1, blank, l2, …, blank.
    var ext = [Int](repeating: blank, count: S)
    for i in 0..<L { ext[2 * i + 1] = labels[i] }
    // Log-softmax of each frame, written into the gradient rows (they become y − occupancy later).
    for t in 0..<T {
        let row = g + (t * B + b) * V
        let src = z + (t * B + b) * V
        for v in 0..<V { row[v] = src[v] }
        logSoftmaxInPlace(row, count: V)
    }
    // Emission log-probs of the extended labels: e[t·S + s]. The recursions run in
    // Double: over hundreds of frames Float log-space sums drift by ~1e-5 relative.
    var e = [Double](repeating: 0, count: T * S)
    for t in 0..<T {
        let row = g + (t * B + b) * V
        for s in 0..<S { e[t * S + s] = Double(row[ext[s]]) }
    }
    let ninf = -Double.infinity
    var alpha = [Double](repeating: ninf, count: T * S)
    var beta = [Double](repeating: ninf, count: T * S)
    // Can state s skip from s − 2 (a label different from the previous label)?
    var canSkip = [Bool](repeating: false, count: S)
    for s in 2..<max(S, 2) where ext[s] != blank && ext[s] != ext[s - 2] { canSkip[s] = true }
    alpha[0] = e[0]
    if S > 1 { alpha[1] = e[1] }
    // Each frame sums in linear space relative to the previous frame's maximum
    // (one exp and one log per state instead of two logAdds); a frame holding a
    // state more than 700 nats below that maximum (exp would underflow) falls
    // back to exact log-space additions.
    var lin = [Double](repeating: 0, count: S)
    for t in 1..<max(T, 1) {
        // States that can still reach the end, and be reached from the start.
        let start = max(0, S - 2 * (T - t)), end = min(S, 2 * (t + 1))
        let lo = max(0, start - 2)
        let prev = (t - 1) * S
        var m = ninf
        for s in lo..<end { m = max(m, alpha[prev + s]) }
        var exact = m == ninf
        if !exact {
            for s in lo..<end {
                let d = alpha[prev + s] - m
                if d < -700 && d != ninf { exact = true; break }
                lin[s] = exp(d)
            }
        }
        if exact {
            for s in start..<end {
                var a = alpha[prev + s]
                if s >= 1 { a = logAdd(a, alpha[prev + s - 1]) }
                if canSkip[s] { a = logAdd(a, alpha[prev + s - 2]) }
                alpha[t * S + s] = a == ninf ? ninf : a + e[t * S + s]
            }
        } else {
            for s in start..<end {
                var sum = lin[s]
                if s >= 1 { sum += lin[s - 1] }
                if canSkip[s] { sum += lin[s - 2] }
                alpha[t * S + s] = sum > 0 ? m + log(sum) + e[t * S + s] : ninf
            }
        }
    }
    // β_t(s): log p(rest | in state s at t), excluding t's emission.
    beta[(T - 1) * S + S - 1] = 0
    if S > 1 { beta[(T - 1) * S + S - 2] = 0 }
    var t = T - 2
    while t >= 0 {
        let start = max(0, S - 2 * (T - t)), end = min(S, 2 * (t + 1))
        let hi = min(S, end + 2)
        let next = (t + 1) * S
        // lin[s] = exp(β_{t+1}(s) + e_{t+1}(s) − m), same fallback rule as alpha.
        var m = ninf
        for s in start..<hi { m = max(m, beta[next + s] + e[next + s]) }
        var exact = m == ninf
        if !exact {
            for s in start..<hi {
                let d = beta[next + s] + e[next + s] - m
                if d < -700 && d != ninf { exact = true; break }
                lin[s] = exp(d)
            }
        }
        if exact {
            for s in start..<end {
                var v = beta[next + s] + e[next + s]
                if s + 1 < S { v = logAdd(v, beta[next + s + 1] + e[next + s + 1]) }
                if s + 2 < S && canSkip[s + 2] { v = logAdd(v, beta[next + s + 2] + e[next + s + 2]) }
                beta[t * S + s] = v
            }
        } else {
            for s in start..<end {
                var sum = lin[s]
                if s + 1 < hi { sum += lin[s + 1] }
                if s + 2 < hi && canSkip[s + 2] { sum += lin[s + 2] }
                beta[t * S + s] = sum > 0 ? m + log(sum) : ninf
            }
        }
        t -= 1
    }
    var logLik = alpha[(T - 1) * S + S - 1]
    if S > 1 { logLik = logAdd(logLik, alpha[(T - 1) * S + S - 2]) }
    if logLik == ninf { return .infinity }
    // Gradient: y_tk − Σ_{s: l'_s = k} exp(α_t(s) + β_t(s) − log p).
    for t in 0..<T {
        let row = g + (t * B + b) * V
        vexp(row, row, count: V)
        for s in 0..<S {
            let a = alpha[t * S + s], bb = beta[t * S + s]
            if a == ninf || bb == ninf { continue }
            row[ext[s]] -= Float(exp(a + bb - logLik))
        }
    }
    return Float(-logLik)
}
