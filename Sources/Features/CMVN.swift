import ASRCore
import Foundation

/// Cepstral mean and variance statistics over any number of frames,
/// accumulated in Double. Saved and loaded as JSON
/// (`{"count": N, "sum": [...], "sum_squares": [...]}`).
public struct CMVNStats: Codable, Equatable, Sendable {
    /// Frames accumulated.
    public var count: Double
    /// Per-dimension Σx.
    public var sum: [Double]
    /// Per-dimension Σx².
    public var sumSquares: [Double]

    public init(dimension: Int) {
        count = 0
        sum = [Double](repeating: 0, count: dimension)
        sumSquares = [Double](repeating: 0, count: dimension)
    }

    public var dimension: Int { sum.count }

    /// Adds every frame of `[T, D]` features.
    public mutating func accumulate(_ x: Matrix) {
        precondition(x.cols == dimension, "CMVN stats have dimension \(dimension), features \(x.cols)")
        for t in 0..<x.rows {
            for d in 0..<x.cols {
                let v = Double(x[t, d])
                sum[d] += v
                sumSquares[d] += v * v
            }
        }
        count += Double(x.rows)
    }

    /// Adds another set of statistics (e.g. from another thread).
    public mutating func merge(_ other: CMVNStats) {
        precondition(other.dimension == dimension)
        count += other.count
        for d in 0..<dimension {
            sum[d] += other.sum[d]
            sumSquares[d] += other.sumSquares[d]
        }
    }

    /// Per-dimension mean.
    public var mean: [Double] { sum.map { count > 0 ? $0 / count : 0 } }

    /// Per-dimension variance, floored at 1e-20 as Kaldi's `apply-cmvn` does.
    public var variance: [Double] {
        let m = mean
        return (0..<dimension).map { d in
            count > 0 ? max(sumSquares[d] / count - m[d] * m[d], 1e-20) : 1
        }
    }

    /// `(x − mean)` per dimension, and `/ std` when `normVars`.
    public func apply(to x: Matrix, normVars: Bool) -> Matrix {
        precondition(x.cols == dimension, "CMVN stats have dimension \(dimension), features \(x.cols)")
        guard count > 0 else { return x }
        let m = mean.map { Float($0) }
        let s = normVars ? variance.map { Float(1 / $0.squareRoot()) } : [Float](repeating: 1, count: dimension)
        var out = x
        let D = dimension
        out.storage.withUnsafeMutableBufferPointer { o in
            for t in 0..<x.rows {
                for d in 0..<D { o[t * D + d] = (o[t * D + d] - m[d]) * s[d] }
            }
        }
        return out
    }

    /// Writes the statistics as JSON, atomically.
    public func save(to path: String) throws {
        try AtomicFile.write(try StrictJSON.encode(self), to: path)
    }

    /// Reads statistics written by `save`.
    public static func load(from path: String) throws -> CMVNStats {
        guard let data = fileContents(path) else { throw FileError.notFound(path: path) }
        let stats: CMVNStats
        do {
            stats = try StrictJSON.decoder().decode(CMVNStats.self, from: data)
        } catch {
            throw FileError.malformed(path: path, reason: "not CMVN statistics (expected {\"count\", \"sum\", \"sum_squares\"}): \(error)")
        }
        guard stats.sum.count == stats.sumSquares.count, stats.count >= 0,
              stats.sum.allSatisfy(\.isFinite), stats.sumSquares.allSatisfy(\.isFinite) else {
            throw FileError.malformed(path: path, reason: "CMVN statistics are inconsistent (sum and sum_squares lengths differ, or values are not finite)")
        }
        return stats
    }
}

/// Normalises one utterance by its own statistics.
public func applyUtteranceCMVN(_ x: Matrix, normVars: Bool) -> Matrix {
    var stats = CMVNStats(dimension: x.cols)
    stats.accumulate(x)
    return stats.apply(to: x, normVars: normVars)
}

/// Causal CMVN, as Kaldi's `OnlineCmvn` without speaker statistics: frame t
/// is normalised by the statistics of frames max(0, t − window + 1) … t; while
/// those are fewer than `priorFrames`, the `prior` (global) statistics are added,
/// scaled to make up the difference. Frame t depends on frames ≤ t only, so a
/// stream's frames are normalised as they arrive, the same as over the whole
/// utterance. Without a prior (or with `priorFrames` 0) the first frame is 0.
public func applyOnlineCMVN(_ x: Matrix, prior: CMVNStats?, window: Int, priorFrames: Int, normVars: Bool) -> Matrix {
    let T = x.rows, D = x.cols
    precondition(window >= 1 && priorFrames >= 0, "online CMVN window ≥ 1 and prior frames ≥ 0")
    if let prior { precondition(prior.dimension == D, "CMVN stats have dimension \(prior.dimension), features \(D)") }
    let usable = prior.flatMap { $0.count > 0 ? $0 : nil }
    var sum = [Double](repeating: 0, count: D), sq = [Double](repeating: 0, count: D)
    var out = Matrix(rows: T, cols: D)
    x.storage.withUnsafeBufferPointer { xs in
    out.storage.withUnsafeMutableBufferPointer { o in
        for t in 0..<T {
            for d in 0..<D {
                let v = Double(xs[t * D + d])
                sum[d] += v
                sq[d] += v * v
            }
            if t >= window {
                for d in 0..<D {
                    let v = Double(xs[(t - window) * D + d])
                    sum[d] -= v
                    sq[d] -= v * v
                }
            }
            let n = Double(min(t + 1, window))
            let lack = usable == nil ? 0 : Double(max(0, priorFrames - Int(n)))
            let count = n + lack
            for d in 0..<D {
                var s = sum[d], s2 = sq[d]
                if lack > 0, let g = usable {
                    s += g.sum[d] * lack / g.count
                    s2 += g.sumSquares[d] * lack / g.count
                }
                let mean = s / count
                var y = Double(xs[t * D + d]) - mean
                if normVars { y /= max(s2 / count - mean * mean, 1e-20).squareRoot() }
                o[t * D + d] = Float(y)
            }
        }
    }}
    return out
}
