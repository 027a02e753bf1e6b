import Foundation
import Testing
import ASRCore
import CKernels
@testable import CTC
import _TestSupport

func randomLogits(T: Int, B: Int, V: Int, seed: UInt64, scale: Float = 2) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0..<(T * B * V)).map { _ in scale * g.nextGaussian() }
}

/// Utterance b of a `[T, B, V]` array as `[T_b][V]` Double rows.
func utterance(_ x: [Float], b: Int, T: Int, B: Int, V: Int) -> [[Double]] {
    (0..<T).map { t in (0..<V).map { Double(x[(t * B + b) * V + $0]) } }
}

@Suite struct CTCLossTests {
    /// T = 2, one label a: paths (a,a), (a,∅), (∅,a): p = y1a·y2a + y1a·y2∅ + y1∅·y2a.
    @Test func closedFormT2() throws {
        let logits: [Float] = [0.3, -1.2, 0.8, 1.1, 0.2, -0.5]  // [T=2, B=1, V=3]
        let r = try ctcLoss(logits: logits, frames: 2, batch: 1, vocabulary: 3, inputLengths: [2], targets: [[2]],
                            options: CTCOptions(reduction: .sum))
        func sm(_ row: ArraySlice<Float>) -> [Double] {
            let e = row.map { exp(Double($0)) }; let s = e.reduce(0, +); return e.map { $0 / s }
        }
        let y1 = sm(logits[0..<3]), y2 = sm(logits[3..<6])
        let p = y1[2] * y2[2] + y1[2] * y2[0] + y1[0] * y2[2]
        // Float log-space recursion vs Double closed form: relative 1e-6.
        #expect(abs(Double(r.loss) + log(p)) / -log(p) < 1e-6)
        // Two labels "a b" at T = 2: exactly one path.
        let r2 = try ctcLoss(logits: logits, frames: 2, batch: 1, vocabulary: 3, inputLengths: [2], targets: [[2, 1]],
                             options: CTCOptions(reduction: .sum))
        #expect(abs(Double(r2.loss) + log(y1[2] * y2[1])) < 1e-6)
    }

    /// A NaN logit is never hidden: its utterance's loss and the reduced loss are not
    /// finite, with or without zeroInfinity (which zeroes only an infeasible
    /// utterance — too few frames for its labels: loss 0, gradient rows 0); the other
    /// utterance's loss is the same as without it (exactly).
    @Test func nanIsReportedAndOnlyInfinityZeroed() throws {
        let T = 4, V = 3, B = 2
        var logits = randomLogits(T: T, B: B, V: V, seed: 21)
        let clean = try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: [T, T],
                                targets: [[1], [2, 1]], options: CTCOptions(reduction: .sum))
        logits[(1 * B + 0) * V + 2] = .nan
        for zi in [false, true] {
            let r = try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: [T, T],
                                targets: [[1], [2, 1]], options: CTCOptions(reduction: .mean, zeroInfinity: zi))
            #expect(!r.losses[0].isFinite && !r.loss.isFinite, "zeroInfinity \(zi): \(r.losses)")
            #expect(r.losses[1] == clean.losses[1])
        }
        let infeasible = try ctcLoss(logits: randomLogits(T: T, B: B, V: V, seed: 22), frames: T, batch: B, vocabulary: V,
                                     inputLengths: [T, 2], targets: [[1], [1, 1]], options: CTCOptions(reduction: .sum, zeroInfinity: true))
        #expect(infeasible.losses[1] == 0 && infeasible.loss.isFinite && infeasible.loss == infeasible.losses[0])
        #expect((0..<T).allSatisfy { t in (0..<V).allSatisfy { infeasible.gradient[(t * B + 1) * V + $0] == 0 } })
    }

    /// Seeded sweep: T ≤ 6, V ≤ 4, every label sequence up to length 3, against
    /// enumeration of all V^T alignments. Tolerance: relative 1e-5.
    @Test(arguments: [(1, 2), (2, 3), (3, 3), (4, 3), (5, 4), (6, 3)])
    func matchesBruteForce(T: Int, V: Int) throws {
        let logits = randomLogits(T: T, B: 1, V: V, seed: UInt64(T * 10 + V))
        let u = utterance(logits, b: 0, T: T, B: 1, V: V)
        for labels in BruteForceCTC.allLabelSequences(vocabulary: V, maxLength: min(3, T)) {
            guard ctcMinimumFrames(labels) <= T else { continue }
            let r = try ctcLoss(logits: logits, frames: T, batch: 1, vocabulary: V, inputLengths: [T],
                                targets: [labels], options: CTCOptions(reduction: .sum))
            let ref = BruteForceCTC.loss(logits: u, labels: labels)
            #expect(abs(Double(r.loss) - ref) / max(abs(ref), 1) < 1e-5, "labels \(labels)")
        }
    }

    /// Gradient by central differences of the brute-force loss in Double
    /// (h = 1e-4); tolerance 2e-4 absolute on gradients of magnitude ≤ 1.
    @Test func gradientMatchesFiniteDifferences() throws {
        let T = 5, V = 3, B = 2
        let logits = randomLogits(T: T, B: B, V: V, seed: 11)
        let targets = [[1, 1], [2, 1]]
        let lengths = [5, 4]
        let r = try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: lengths,
                            targets: targets, options: CTCOptions(reduction: .sum))
        let h = 1e-4
        for b in 0..<B {
            for t in 0..<T {
                for v in 0..<V {
                    let i = (t * B + b) * V + v
                    if t >= lengths[b] { #expect(r.gradient[i] == 0); continue }
                    var u = utterance(logits, b: b, T: lengths[b], B: B, V: V)
                    u[t][v] += h
                    let up = BruteForceCTC.loss(logits: u, labels: targets[b])
                    u[t][v] -= 2 * h
                    let down = BruteForceCTC.loss(logits: u, labels: targets[b])
                    #expect(abs(Double(r.gradient[i]) - (up - down) / (2 * h)) < 2e-4)
                }
            }
        }
    }

    /// Reductions with PyTorch's meaning; padding frames get zero gradient.
    @Test func reductions() throws {
        let T = 6, B = 3, V = 5
        let logits = randomLogits(T: T, B: B, V: V, seed: 3)
        let targets = [[1, 2, 3], [4], [2, 2]]
        let lengths = [6, 3, 5]
        let none = try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: lengths, targets: targets,
                               options: CTCOptions(reduction: .none))
        let sum = try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: lengths, targets: targets,
                              options: CTCOptions(reduction: .sum))
        let mean = try ctcLoss(logits: logits, frames: T, batch: B, vocabulary: V, inputLengths: lengths, targets: targets,
                               options: CTCOptions(reduction: .mean))
        #expect(abs(sum.loss - none.losses.reduce(0, +)) < 1e-5)
        let expectedMean = (none.losses[0] / 3 + none.losses[1] / 1 + none.losses[2] / 2) / 3
        #expect(abs(mean.loss - expectedMean) < 1e-6)
        for i in 0..<logits.count {
            let b = (i / V) % B
            let scale = Float(targets[b].count * B)
            #expect(abs(mean.gradient[i] - sum.gradient[i] / scale) < 1e-7)
        }
        // Rows of the gradient of one utterance sum to zero (softmax minus a distribution).
        for t in 0..<lengths[0] {
            let row = (0..<V).map { sum.gradient[(t * B) * V + $0] }
            #expect(abs(row.reduce(0, +)) < 1e-5)
        }
    }

    @Test func infeasibleIsAnErrorNeverNaN() throws {
        let V = 4
        let logits = randomLogits(T: 4, B: 2, V: V, seed: 5)
        // "a a b" needs 4 frames (a ∅ a b); utterance 1 has 3.
        #expect(throws: CTCError.infeasible(utterance: 1, frames: 3, needed: 4)) {
            try ctcLoss(logits: logits, frames: 4, batch: 2, vocabulary: V, inputLengths: [4, 3], targets: [[1], [1, 1, 2]])
        }
        let z = try ctcLoss(logits: logits, frames: 4, batch: 2, vocabulary: V, inputLengths: [4, 3],
                            targets: [[1], [1, 1, 2]], options: CTCOptions(reduction: .sum, zeroInfinity: true))
        #expect(z.losses[1] == 0 && z.loss.isFinite)
        for t in 0..<4 { for v in 0..<V { #expect(z.gradient[(t * 2 + 1) * V + v] == 0) } }
        #expect(throws: CTCError.invalidLabel(utterance: 0, position: 1, label: 0, vocabulary: V)) {
            try ctcLoss(logits: logits, frames: 4, batch: 2, vocabulary: V, inputLengths: [4, 3], targets: [[1, 0], [1]])
        }
        #expect(throws: CTCError.invalidLength(utterance: 0, length: 9, maximum: 4)) {
            try ctcLoss(logits: logits, frames: 4, batch: 2, vocabulary: V, inputLengths: [9, 3], targets: [[1], [1]])
        }
    }

    /// Against a plain Double log-space forward–backward (textbook logAdd with libm)
    /// at T = 300, L = 40 with repeats, on mild logits and on ×30 logits (peaked, as a
    /// trained model's: lattice states thousands of nats apart), with the frame kernels
    /// of every SIMD level this CPU has; loss within 1e-5 relative, gradient 1e-5 absolute.
    @Test(arguments: [Float(1), 30], Array(0...SIMDLevel.supported))
    func matchesAPlainLogSpaceReference(scale: Float, level: Int) throws {
        let T = 300, V = 12, L = 40
        var g = SeededGenerator(seed: 21)
        var labels = (0..<L).map { _ in 1 + Int(g.next() % UInt64(V - 1)) }
        labels[5] = labels[4]; labels[20] = labels[19]   // repeats need a blank between
        let logits = randomLogits(T: T, B: 1, V: V, seed: 22, scale: scale)
        let r = try ctcLoss(logits: logits, frames: T, batch: 1, vocabulary: V, inputLengths: [T], targets: [labels],
                            options: CTCOptions(reduction: .sum), level: level)
        // Reference: log-softmax in Double, α/β by logAdd over the extended labels.
        let u = utterance(logits, b: 0, T: T, B: 1, V: V)
        let lp = u.map { row -> [Double] in
            let m = row.max()!, z = m + log(row.reduce(0) { $0 + exp($1 - m) }); return row.map { $0 - z }
        }
        let ext = (0..<(2 * L + 1)).map { $0 % 2 == 0 ? 0 : labels[$0 / 2] }, S = ext.count
        func add(_ a: Double, _ b: Double) -> Double {
            if a == -.infinity { return b }; if b == -.infinity { return a }
            return max(a, b) + log1p(exp(-abs(a - b)))
        }
        func skip(_ s: Int) -> Bool { s >= 2 && ext[s] != 0 && ext[s] != ext[s - 2] }
        var alpha = [[Double]](repeating: [Double](repeating: -.infinity, count: S), count: T), beta = alpha
        alpha[0][0] = lp[0][ext[0]]; alpha[0][1] = lp[0][ext[1]]
        for t in 1..<T {
            for s in 0..<S {
                var a = alpha[t - 1][s]
                if s >= 1 { a = add(a, alpha[t - 1][s - 1]) }
                if skip(s) { a = add(a, alpha[t - 1][s - 2]) }
                alpha[t][s] = a + lp[t][ext[s]]
            }
        }
        beta[T - 1][S - 1] = 0; beta[T - 1][S - 2] = 0
        for t in stride(from: T - 2, through: 0, by: -1) {
            for s in 0..<S {
                var b = beta[t + 1][s] + lp[t + 1][ext[s]]
                if s + 1 < S { b = add(b, beta[t + 1][s + 1] + lp[t + 1][ext[s + 1]]) }
                if s + 2 < S && skip(s + 2) { b = add(b, beta[t + 1][s + 2] + lp[t + 1][ext[s + 2]]) }
                beta[t][s] = b
            }
        }
        let logP = add(alpha[T - 1][S - 1], alpha[T - 1][S - 2])
        #expect(abs(Double(r.loss) + logP) <= 1e-5 * abs(logP), "loss \(r.loss) vs \(-logP)")
        var worst = 0.0
        for t in 0..<T {
            var grad = lp[t].map { exp($0) }
            for s in 0..<S { grad[ext[s]] -= exp(alpha[t][s] + beta[t][s] - logP) }
            for v in 0..<V { worst = max(worst, abs(grad[v] - Double(r.gradient[t * V + v]))) }
        }
        #expect(worst <= 1e-5, "gradient off by \(worst)")
    }

    /// The kernels' exp_d and log_d (approx.h) against Foundation's: relative error
    /// ≤ 2e-15 (about 9 ulp; measured 4.7e-16) over exp's working range [−700, 0] and
    /// past it, and log over [1, 3] (the sums of log_add3_d) and positive normals.
    @Test func doubleExpAndLogMatchLibm() {
        var g = SeededGenerator(seed: 5)
        var worstExp = 0.0, worstLog = 0.0
        for i in 0..<200_000 {
            let x = -700 * Double(g.next() % 1_000_000) / 1_000_000 + (i % 2 == 0 ? 0 : 700)
            worstExp = max(worstExp, abs(asr_exp_d(x) - Foundation.exp(x)) / Foundation.exp(x))
            let y = i % 2 == 0 ? 1 + 2 * Double(g.next() % 1_000_000) / 1_000_000
                               : Foundation.exp(-700 + 1400 * Double(g.next() % 1_000_000) / 1_000_000)
            let ref = Foundation.log(y)
            if abs(ref) > 1e-6 { worstLog = max(worstLog, abs(asr_log_d(y) - ref) / abs(ref)) }
        }
        #expect(worstExp <= 2e-15, "exp_d relative error \(worstExp)")
        #expect(worstLog <= 2e-15, "log_d relative error \(worstLog)")
        #expect(asr_exp_d(-.infinity) < 1e-300)
    }

    /// Extreme logits stay finite (no exp overflow).
    @Test func numericallyStable() throws {
        var logits = randomLogits(T: 50, B: 1, V: 6, seed: 8, scale: 80)
        logits[0] = 1e4
        let r = try ctcLoss(logits: logits, frames: 50, batch: 1, vocabulary: 6, inputLengths: [50], targets: [[1, 2, 3, 4, 5, 1]])
        #expect(r.loss.isFinite)
        #expect(r.gradient.allSatisfy { $0.isFinite })
    }
}
