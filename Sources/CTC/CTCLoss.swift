import ASRCore
import CKernels
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
    /// gradient 0 instead of an error, as PyTorch's `zero_infinity` (which also zeroes the
    /// +∞ a NaN logit can give; this one does not: such a loss stays non-finite).
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
    /// −log p(labels | x) per utterance (0 for an infeasible one with `zeroInfinity`;
    /// not finite where a logit was NaN or infinite).
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
/// Works in Double log space (alpha/beta over the blank-extended labels), the
/// gradient fused with the softmax: `∂/∂z_tk = y_tk − Σ_{s: l'_s = k} α_t(s) β_t(s) / p`
/// with β excluding the emission at t. Utterances run in parallel.
public func ctcLoss(logits: [Float], frames T: Int, batch B: Int, vocabulary V: Int,
                    inputLengths: [Int], targets: [[Int]], options: CTCOptions = CTCOptions()) throws -> CTCResult {
    try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: inputLengths, targets: targets,
                options: options, level: SIMDLevel.supported)
}

/// `ctcLoss` with the kernels of one SIMD level (0 baseline, 1 AVX2, 2 AVX-512), for the tests.
package func ctcLoss(logits: [Float], frames T: Int, batch B: Int, vocabulary V: Int,
                     inputLengths: [Int], targets: [[Int]], options: CTCOptions, level: Int) throws -> CTCResult {
    guard logits.count == T * B * V else {
        throw CTCError.shapeMismatch("logits have \(logits.count) values, [T=\(T), B=\(B), V=\(V)] needs \(T * B * V)")
    }
    guard inputLengths.count == B, targets.count == B else {
        throw CTCError.shapeMismatch("\(inputLengths.count) input lengths and \(targets.count) targets for batch \(B)")
    }
    var infeasible = [Bool](repeating: false, count: B)
    for b in 0..<B {
        guard (0...T).contains(inputLengths[b]) else { throw CTCError.invalidLength(utterance: b, length: inputLengths[b], maximum: T) }
        for (i, l) in targets[b].enumerated() where l < 0 || l >= V || l == options.blank {
            throw CTCError.invalidLabel(utterance: b, position: i, label: l, vocabulary: V)
        }
        let needed = ctcMinimumFrames(targets[b])
        if inputLengths[b] < needed {
            guard options.zeroInfinity else { throw CTCError.infeasible(utterance: b, frames: inputLengths[b], needed: needed) }
            infeasible[b] = true
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
                                         labels: targets[b], blank: options.blank, level: level)
                }
                parallelFor(B, work)
            }
        }
    }
    // Reduction, and infeasible utterances with zeroInfinity: only those (too few
    // frames for their labels) are zeroed. A non-finite loss of a feasible one — a
    // NaN or infinite logit — stays in the loss, so that callers see it.
    var scales = [Float](repeating: 1, count: B)
    for b in 0..<B {
        if infeasible[b] {
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
/// α and β run in Double log space, one frame at a time through the CKernels frame
/// kernels (each state a three-term log-add-exp with a vectorised exp and log,
/// no libm call inside; docs/PROFILE.md).
private func ctcUtterance(_ z: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, b: Int,
                          T: Int, B: Int, V: Int, labels: [Int], blank: Int, level: Int) -> Float {
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
    // Rows of W = S + 2: α holds state s at t·W + 2 + s (two −∞ pads in front, read as
    // states −1 and −2), β and the emissions at t·W + s (two pads behind, read as S and S + 1).
    // The recursions run in Double: over hundreds of frames Float log-space sums drift by ~1e-5 relative.
    let W = S + 2
    let ninf = -Double.infinity
    var e = [Double](repeating: 0, count: T * W)
    for t in 0..<T {
        let row = g + (t * B + b) * V
        for s in 0..<S { e[t * W + s] = Double(row[ext[s]]) }
    }
    var alpha = [Double](repeating: ninf, count: T * W)
    var beta = [Double](repeating: ninf, count: T * W)
    // 0 where state s may be entered from s − 2 (a label different from the previous label), −∞ where not.
    var skip = [Double](repeating: ninf, count: W)
    for s in 2..<max(S, 2) where ext[s] != blank && ext[s] != ext[s - 2] { skip[s] = 0 }
    alpha[2] = e[0]
    if S > 1 { alpha[3] = e[1] }
    beta[(T - 1) * W + S - 1] = 0
    if S > 1 { beta[(T - 1) * W + S - 2] = 0 }
    var occupancy = [Double](repeating: 0, count: S)
    return alpha.withUnsafeMutableBufferPointer { ab in
        beta.withUnsafeMutableBufferPointer { bb in
            e.withUnsafeBufferPointer { eb in
                skip.withUnsafeBufferPointer { kb in
                    occupancy.withUnsafeMutableBufferPointer { ob in
                        let a = ab.baseAddress!, be = bb.baseAddress!, em = eb.baseAddress!, k = kb.baseAddress!
                        // Only the states that can still reach the end and be reached from the start.
                        func window(_ t: Int) -> (Int, Int) { (max(0, S - 2 * (T - t)), min(S, 2 * (t + 1))) }
                        for t in 1..<max(T, 1) {
                            let (start, end) = window(t)
                            asr_ctc_alpha_frame(Int32(level), a + (t - 1) * W + 2, em + t * W, k, a + t * W + 2,
                                                start, end)
                        }
                        // β_t(s): log p(rest | in state s at t), excluding t's emission.
                        var t = T - 2
                        while t >= 0 {
                            let (start, end) = window(t)
                            asr_ctc_beta_frame(Int32(level), be + (t + 1) * W, em + (t + 1) * W, k, be + t * W,
                                               start, end)
                            t -= 1
                        }
                        let last = a + (T - 1) * W + 2
                        var logLik = last[S - 1]
                        if S > 1 { logLik = logAdd(logLik, last[S - 2]) }
                        if logLik == ninf { return .infinity }
                        // Gradient: y_tk − Σ_{s: l'_s = k} exp(α_t(s) + β_t(s) − log p).
                        let occ = ob.baseAddress!
                        for t in 0..<T {
                            let row = g + (t * B + b) * V
                            vexp(row, row, count: V, level: level)
                            asr_ctc_occupancy(Int32(level), a + t * W + 2, be + t * W, logLik, occ, S)
                            for s in 0..<S { row[ext[s]] -= Float(occ[s]) }
                        }
                        return Float(-logLik)
                    }
                }
            }
        }
    }
}
