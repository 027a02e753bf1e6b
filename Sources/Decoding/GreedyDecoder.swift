import ASRCore

/// Best path decoding: argmax per frame, collapse repeats, drop blanks.
/// Spans come straight from the argmax path.
public struct GreedyDecoder: CTCDecoding {
    public var blank: Int
    public init(blank: Int = 0) { self.blank = blank }

    public func decode(_ x: Matrix) -> [Hypothesis] {
        let T = x.rows, V = x.cols
        var path = [Int](repeating: blank, count: T)
        var score: Float = 0
        x.storage.withUnsafeBufferPointer { p in
            for t in 0..<T {
                let row = p.baseAddress! + t * V
                let best = argmax(row, count: V)
                path[t] = best
                score += row[best]
            }
        }
        var spans: [TokenSpan] = []
        var prev = -1
        for (t, p) in path.enumerated() {
            if p != blank {
                if p == prev { spans[spans.count - 1].endFrame = t } else { spans.append(TokenSpan(token: p, startFrame: t, endFrame: t)) }
            }
            prev = p
        }
        return [Hypothesis(tokens: spans.map(\.token), score: score, acousticScore: score, spans: spans)]
    }
}
