import ASRCore

/// Kaldi's delta regression filters (`DeltaFeatures`): `scales[0] = [1]`, and
/// each order convolves the previous one with `j / Σj²`, j = −w … w. Order i
/// spans `2·i·w + 1` frames.
public func deltaScales(order: Int, window w: Int) -> [[Float]] {
    var scales: [[Float]] = [[1]]
    guard order > 0 else { return scales }
    let normalizer = Float((-w...w).reduce(0) { $0 + $1 * $1 })
    for i in 1...order {
        let prev = scales[i - 1]
        let prevOffset = (prev.count - 1) / 2
        let curOffset = prevOffset + w
        var cur = [Float](repeating: 0, count: prev.count + 2 * w)
        for j in -w...w {
            for k in -prevOffset...prevOffset {
                cur[j + k + curOffset] += Float(j) * prev[k + prevOffset]
            }
        }
        scales.append(cur.map { $0 / normalizer })
    }
    return scales
}

/// Appends deltas up to `order` to `[T, D]` features, giving `[T, D·(order+1)]`
/// (static first, then Δ, then ΔΔ…). Frames beyond the edges repeat the first
/// or last frame, as Kaldi's `add-deltas` does.
public func addDeltas(_ x: Matrix, order: Int, window: Int = 2) -> Matrix {
    guard order > 0 else { return x }
    let T = x.rows, D = x.cols
    let scales = deltaScales(order: order, window: window)
    var out = Matrix(rows: T, cols: D * (order + 1))
    guard T > 0 else { return out }
    let outCols = out.cols
    x.storage.withUnsafeBufferPointer { src in
        out.storage.withUnsafeMutableBufferPointer { dst in
            for t in 0..<T {
                for (i, s) in scales.enumerated() {
                    let maxOffset = (s.count - 1) / 2
                    let o = dst.baseAddress! + t * outCols + i * D
                    for j in -maxOffset...maxOffset {
                        let scale = s[j + maxOffset]
                        if scale == 0 { continue }
                        let frame = min(max(t + j, 0), T - 1)
                        let r = src.baseAddress! + frame * D
                        for d in 0..<D { o[d] += scale * r[d] }
                    }
                }
            }
        }
    }
    return out
}
