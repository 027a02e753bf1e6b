import Foundation

/// The CTC output of one utterance drawn as a heat map (tokens × frames, shade
/// = posterior probability), with the greedy path over it, the emitted tokens,
/// the word timings and the waveform on a shared time axis — so blanks, repeats
/// and "好 棒 ∅ 棒" can be seen.
public struct Posteriorgram {
    public var title: String
    /// Frames × vocabulary, row-major, probabilities (not logs).
    public var probabilities: [Float]
    public var frames: Int
    /// Token strings, index = id; `blank` is drawn as ∅, a space as ␣.
    public var tokens: [String]
    public var blank = 0
    public var secondsPerFrame: Double
    public var waveform: [Float]
    public var sampleRate: Int
    /// Decoded words (or characters) with their spans, seconds.
    public var words: [(text: String, start: Double, end: Double)]
    /// At most this many token rows (blank + the most probable tokens).
    public var maxRows = 24
    public var width = 1100.0

    public init(title: String, probabilities: [Float], frames: Int, tokens: [String], secondsPerFrame: Double,
                waveform: [Float], sampleRate: Int, words: [(text: String, start: Double, end: Double)]) {
        precondition(probabilities.count == frames * tokens.count, "probabilities must be frames × tokens")
        self.title = title
        self.probabilities = probabilities
        self.frames = frames
        self.tokens = tokens
        self.secondsPerFrame = secondsPerFrame
        self.waveform = waveform
        self.sampleRate = sampleRate
        self.words = words
    }

    /// Argmax token per frame.
    public var greedyPath: [Int] {
        let v = tokens.count
        return (0..<frames).map { t in
            var best = 0
            for k in 1..<v where probabilities[t * v + k] > probabilities[t * v + best] { best = k }
            return best
        }
    }

    /// Tokens given a row: blank, then those on the greedy path or reaching p ≥ 0.1,
    /// keeping the most probable when there are too many, ordered by first appearance.
    public var rows: [Int] {
        let v = tokens.count
        let path = greedyPath
        var peak = [Float](repeating: 0, count: v), first = [Int](repeating: Int.max, count: v)
        for t in 0..<frames {
            for k in 0..<v {
                let p = probabilities[t * v + k]
                if p > peak[k] { peak[k] = p }
                if (p >= 0.1 || path[t] == k) && first[k] == Int.max { first[k] = t }
            }
        }
        let onPath = Set(path)
        var chosen = (0..<v).filter { $0 != blank && (onPath.contains($0) || peak[$0] >= 0.1) }
        if chosen.count > maxRows - 1 {
            chosen = Array(chosen.sorted { (onPath.contains($0) ? 1 : 0, peak[$0]) > (onPath.contains($1) ? 1 : 0, peak[$1]) }.prefix(maxRows - 1))
        }
        return [blank] + chosen.sorted { (first[$0], $0) < (first[$1], $1) }
    }

    func label(_ k: Int) -> String {
        if k == blank { return "∅" }
        let s = tokens[k]
        return s == " " ? "␣" : s
    }

    public func svg() -> String {
        let v = tokens.count
        let rowIDs = rows
        let left = 56.0, right = 14.0
        let plotW = width - left - right
        let duration = Swift.max(Double(frames) * secondsPerFrame, Double(waveform.count) / Double(Swift.max(sampleRate, 1)), 1e-3)
        let sx = Scale(domain: (0, duration), range: (left, width - right))
        let waveTop = 30.0, waveH = 54.0
        let wordTop = waveTop + waveH + 8, wordH = 20.0
        let emitTop = wordTop + wordH + 6, emitH = 16.0
        let heatTop = emitTop + emitH + 4
        let rowH = rowIDs.count <= 24 ? 14.0 : Swift.max(7.0, 336.0 / Double(rowIDs.count))
        let heatBottom = heatTop + Double(rowIDs.count) * rowH
        let height = heatBottom + 40
        let frameW = secondsPerFrame / duration * plotW

        var w = SVGWriter()
        w.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": "chart posteriorgram",
                       "viewBox": "0 0 \(num(width)) \(num(height))", "role": "img", "aria-label": title])
        w.element("text", ["class": "title", "x": num(left), "y": "18", "font-weight": "600", "font-size": "14"], title)

        // Waveform envelope: min/max per pixel column.
        w.open("g", ["class": "waveform"])
        w.element("text", ["x": num(left - 6), "y": num(waveTop + waveH / 2), "dy": "0.35em", "text-anchor": "end", "font-size": "11"], "audio")
        if !waveform.isEmpty {
            let cols = Int(plotW)
            let peakAmp = Swift.max(waveform.reduce(0) { Swift.max($0, abs($1)) }, 1e-6)
            var upper: [String] = [], lower: [String] = []
            let samplesPerCol = Double(waveform.count) / (Double(waveform.count) / Double(sampleRate) / duration * Double(cols))
            for c in 0..<cols {
                let a = Int(Double(c) * samplesPerCol), b = Swift.min(waveform.count, Int(Double(c + 1) * samplesPerCol))
                guard a < b else { break }
                var lo: Float = 0, hi: Float = 0
                for i in a..<b { lo = Swift.min(lo, waveform[i]); hi = Swift.max(hi, waveform[i]) }
                let x = num(left + Double(c) + 0.5)
                let mid = waveTop + waveH / 2
                upper.append(x + "," + num(mid - Double(hi / peakAmp) * waveH / 2))
                lower.append(x + "," + num(mid - Double(lo / peakAmp) * waveH / 2))
            }
            w.element("polygon", ["points": (upper + lower.reversed()).joined(separator: " "), "fill": "#8aa", "stroke": "#577", "stroke-width": "0.5"])
        }
        w.close()

        // Words.
        w.open("g", ["class": "words", "font-size": "12"])
        w.element("text", ["x": num(left - 6), "y": num(wordTop + wordH / 2), "dy": "0.35em", "text-anchor": "end", "font-size": "11"], "words")
        for (i, word) in words.enumerated() {
            let a = sx(word.start), b = sx(word.end)
            w.open("g", ["class": "word"])
            w.element("rect", ["x": num(a), "y": num(wordTop), "width": num(Swift.max(b - a, 1)), "height": num(wordH),
                               "fill": i % 2 == 0 ? "#fde6c8" : "#fbd3a0", "stroke": "#c98a3a", "stroke-width": "0.6"])
            w.element("text", ["x": num((a + b) / 2), "y": num(wordTop + wordH / 2), "dy": "0.35em", "text-anchor": "middle"], word.text)
            w.close()
        }
        w.close()

        // Emitted tokens (greedy: first frame of each non-blank run).
        let path = greedyPath
        w.open("g", ["class": "emissions", "font-size": "11", "fill": "#b00"])
        w.element("text", ["x": num(left - 6), "y": num(emitTop + emitH / 2), "dy": "0.35em", "text-anchor": "end", "fill": Palette.ink], "greedy")
        for t in 0..<frames where path[t] != blank && (t == 0 || path[t - 1] != path[t]) {
            w.element("text", ["class": "emission", "x": num(left + (Double(t) + 0.5) * frameW), "y": num(emitTop + emitH / 2),
                               "dy": "0.35em", "text-anchor": "middle"], label(path[t]))
        }
        w.close()

        // Heat map: one row per token, runs of equal shade merged into one rect.
        w.open("g", ["class": "heatmap"])
        for (r, k) in rowIDs.enumerated() {
            let y = heatTop + Double(r) * rowH
            w.open("g", ["class": "row", "data-token": label(k)])
            w.element("rect", ["x": num(left), "y": num(y), "width": num(plotW), "height": num(rowH), "fill": r % 2 == 0 ? "#fafafa" : "#f2f2f2"])
            w.element("text", ["x": num(left - 6), "y": num(y + rowH / 2), "dy": "0.35em", "text-anchor": "end",
                               "font-size": num(Swift.min(12, rowH - 1))], label(k))
            var t = 0
            while t < frames {
                let level = Int((probabilities[t * v + k] * 8).rounded())
                var e = t + 1
                while e < frames && Int((probabilities[e * v + k] * 8).rounded()) == level { e += 1 }
                if level > 0 {
                    w.element("rect", ["class": "cell", "x": num(left + Double(t) * frameW, 2), "y": num(y), "width": num(Double(e - t) * frameW, 2),
                                       "height": num(rowH), "fill": "#123a7a", "fill-opacity": num(Double(level) / 8, 3)])
                }
                t = e
            }
            w.close()
        }
        w.close()

        // Greedy path through the rows (frames whose argmax has no row are skipped).
        let rowOf = Dictionary(uniqueKeysWithValues: rowIDs.enumerated().map { ($1, $0) })
        let coords = (0..<frames).compactMap { t -> String? in
            guard let r = rowOf[path[t]] else { return nil }
            return num(left + (Double(t) + 0.5) * frameW) + "," + num(heatTop + (Double(r) + 0.5) * rowH)
        }
        w.element("polyline", ["class": "greedy-path", "points": coords.joined(separator: " "), "fill": "none",
                               "stroke": "#e03", "stroke-width": "1.2", "stroke-opacity": "0.8"])

        // Time axis.
        w.open("g", ["class": "axis x", "font-size": "11", "fill": Palette.ink])
        for t in niceTicks(0, duration, count: 10) {
            let x = num(sx(t))
            w.element("line", ["x1": x, "x2": x, "y1": num(heatBottom), "y2": num(heatBottom + 4), "stroke": Palette.ink])
            w.element("text", ["x": x, "y": num(heatBottom + 16), "text-anchor": "middle"], tickLabel(t))
        }
        w.element("line", ["class": "axis-line", "x1": num(left), "x2": num(width - right), "y1": num(heatBottom), "y2": num(heatBottom), "stroke": Palette.ink])
        w.element("text", ["class": "axis-label", "x": num(left + plotW / 2), "y": num(heatBottom + 32), "text-anchor": "middle"],
                  "time (s) · \(frames) output frames of \(num(secondsPerFrame * 1000)) ms · shade = posterior probability · red = greedy path")
        w.close()
        w.close()
        return w.text
    }
}
