import Foundation
import Testing
@testable import ASRCore

@Suite struct VectorMathTests {
    /// Runs `f` on `x` (an array of values) at every level this CPU has.
    func atEveryLevel(_ x: [Float], _ f: (UnsafeMutablePointer<Float>, Int, Int) -> Void) -> [(level: Int, y: [Float])] {
        (0...SIMDLevel.supported).map { level in
            var y = x
            y.withUnsafeMutableBufferPointer { f($0.baseAddress!, $0.count, level) }
            return (level, y)
        }
    }

    /// exp vs Double exp at every level: relative error ≤ 5e-7 over [−87, 88].
    @Test func expAccuracy() {
        let x = stride(from: Float(-87), to: 88, by: 0.0137).map { $0 }
        for (level, y) in atEveryLevel(x, { p, n, l in vexp(p, p, count: n, level: l) }) {
            var worst = 0.0
            for j in 0..<x.count {
                let ref = exp(Double(x[j]))
                worst = max(worst, abs(Double(y[j]) - ref) / ref)
            }
            #expect(worst < 5e-7, "level \(SIMDLevel.name(level))")
        }
        for (level, y) in atEveryLevel([-200, 0, 200], { p, n, l in vexp(p, p, count: n, level: l) }) {
            #expect(y[0] < 1e-37 && y[1] == 1 && y[2].isFinite, "level \(SIMDLevel.name(level))")
        }
    }

    /// tanh and sigmoid vs Double at every level: absolute error ≤ 5e-7 over [−20, 20].
    @Test func tanhAndSigmoidAccuracy() {
        let x = stride(from: Float(-20), to: 20, by: 0.00123).map { $0 }
        let tanhs = atEveryLevel(x) { p, n, l in vtanh(p, count: n, level: l) }
        let sigmoids = atEveryLevel(x) { p, n, l in vsigmoid(p, count: n, level: l) }
        for ((level, t), (_, s)) in zip(tanhs, sigmoids) {
            var worstT = 0.0, worstS = 0.0
            for j in 0..<x.count {
                worstT = max(worstT, abs(Double(t[j]) - tanh(Double(x[j]))))
                worstS = max(worstS, abs(Double(s[j]) - 1 / (1 + exp(-Double(x[j])))))
            }
            #expect(worstT < 5e-7, "level \(SIMDLevel.name(level))")
            #expect(worstS < 5e-7, "level \(SIMDLevel.name(level))")
        }
        for (level, y) in atEveryLevel([1e-6], { p, n, l in vtanh(p, count: n, level: l) }) {
            #expect(y[0] == 1e-6, "level \(SIMDLevel.name(level))")
        }
    }

    /// Lengths that are not a multiple of the vector width (the loops' tails).
    @Test func tailsAreHandled() {
        for n in [1, 3, 13, 17, 33] {
            let a: [Float] = (0..<n).map { Float($0) * 0.3 - 2 }
            for (level, y) in atEveryLevel(a, { p, n, l in vtanh(p, count: n, level: l) }) {
                for i in 0..<n { #expect(abs(Double(y[i]) - tanh(Double(a[i]))) < 5e-7, "n \(n) level \(level)") }
            }
        }
    }

    /// Σ exp(x − shift) against a Double sum at every level, relative 1e-6, for lengths
    /// around the 16 partial sums; log-sum-exp of a row is m + log of it.
    @Test func sumOfExponentials() {
        var g = SeededGenerator(seed: 3)
        for n in [1, 5, 15, 16, 17, 30, 31, 32, 33, 100, 4000] {
            let x = (0..<n).map { _ in 3 * g.nextGaussian() }
            let m = x.max()!
            let ref = x.reduce(0.0) { $0 + exp(Double($1 - m)) }
            for level in 0...SIMDLevel.supported {
                let s = x.withUnsafeBufferPointer { sumExp($0.baseAddress!, count: n, shift: m, level: level) }
                #expect(abs(Double(s) - ref) <= 1e-6 * ref, "n \(n) level \(SIMDLevel.name(level))")
            }
            let lse = logSumExp(x[...])
            #expect(abs(Double(lse) - (Double(m) + log(ref))) < 1e-5, "n \(n)")
        }
        #expect(logSumExp([Float]()[...]) == -.infinity)
        #expect(logSumExp([-Float.infinity, -.infinity][...]) == -.infinity)
    }

    /// The vectorised argmax picks exactly what the scalar loop picks at every level:
    /// first index on ties, NaNs skipped, all −∞ → 0, ±0 equal; lengths around the
    /// 8-, 32- and 64-wide blocks.
    @Test func argmaxMatchesScalarLoop() {
        var g = SeededGenerator(seed: 9)
        for n in [1, 2, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 71, 72, 100, 127, 128, 129, 4000, 4001] {
            for trial in 0..<40 {
                var x = (0..<n).map { _ in (g.nextGaussian() * 3).rounded() }  // many ties
                if trial % 5 == 1 { for i in 0..<n where i % 3 == 0 { x[i] = -.infinity } }
                if trial % 5 == 2 { x[Int(g.next() % UInt64(n))] = .nan }
                if trial % 5 == 3 { x = [Float](repeating: -.infinity, count: n) }
                if trial % 5 == 4 { x[0] = .nan }
                if trial % 10 == 0 { for i in 0..<n where x[i] >= 0 { x[i] = i % 2 == 0 ? 0 : -0.0 } }   // the maximum a zero
                var expected = 0
                for v in 1..<max(n, 1) where x[v] > x[expected] { expected = v }
                let top = x.filter { !$0.isNaN }.max() ?? -.infinity
                for level in 0...SIMDLevel.supported {
                    #expect(x.withUnsafeBufferPointer { argmax($0.baseAddress!, count: n, level: level) } == expected,
                            "n \(n) trial \(trial) level \(SIMDLevel.name(level))")
                    #expect(x.withUnsafeBufferPointer { largest($0, level: level) } == top, "largest: n \(n) trial \(trial)")
                }
            }
        }
    }
}

/// `firstNonFinite` finds the first NaN/±inf wherever it sits (inside an 8-lane
/// group, at a 64-block edge, in the tail), and nothing in finite data — huge
/// values included (x·0 is 0 for every finite x).
@Suite struct FiniteScanTests {
    @Test func findsTheFirstNonFiniteAnywhere() {
        let n = 203
        for position in [0, 5, 7, 8, 63, 64, 65, 127, 128, 191, 200, 202] {
            for bad in [Float.nan, .infinity, -.infinity] {
                var x = (0..<n).map { Float($0) / Float(n) * 1e37 - 5e36 }
                x[position] = bad
                if position + 3 < n { x[position + 3] = .nan }
                #expect(x.withUnsafeBufferPointer(firstNonFinite) == position, "\(bad) at \(position)")
                #expect(!allFinite(x))
            }
        }
        let huge = [Float](repeating: .greatestFiniteMagnitude, count: 100) + [-.greatestFiniteMagnitude, 0, .leastNonzeroMagnitude]
        #expect(huge.withUnsafeBufferPointer(firstNonFinite) == nil && allFinite(huge) && allFinite([]))
    }
}

/// `fileContents` is `FileManager.contents(atPath:)` but answers an empty file
/// without reading it (the toolchain's Foundation leaked 4 KiB a read: make fuzz).
@Suite struct FileContentsTests {
    @Test func emptyMissingFolderAndBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contents-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let empty = dir.appendingPathComponent("empty").path, full = dir.appendingPathComponent("full").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        FileManager.default.createFile(atPath: full, contents: Data([1, 2, 3]))
        #expect(fileContents(empty) == Data())
        #expect(fileContents(full) == Data([1, 2, 3]))
        #expect(fileContents(dir.appendingPathComponent("missing").path) == nil)
        #expect(fileContents(dir.path) == FileManager.default.contents(atPath: dir.path), "a folder: whatever Foundation says")
    }
}
