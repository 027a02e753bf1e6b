import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Plot

/// Parses markup as XML (the SVG must be well-formed to render inline and standalone).
func parse(_ markup: String) throws -> XMLElement {
    try XMLDocument(xmlString: markup, options: []).rootElement()!
}

func elements(_ root: XMLElement, _ xpath: String) throws -> [XMLElement] {
    try root.nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
}

/// An attribute by local name (FoundationXML's `attribute(forName:)` misses them under a default namespace).
func attr(_ e: XMLElement, _ name: String) -> String {
    e.attributes?.first { $0.localName == name || $0.name == name }?.stringValue ?? ""
}

struct TickTests {
    @Test func niceLinearTicks() {
        #expect(niceTicks(0, 1).map(tickLabel) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        let t = niceTicks(0, 100)
        #expect(t.first == 0 && t.last == 100 && t.count == 6)
        let u = niceTicks(3.2, 47.9)
        #expect(u == [10, 20, 30, 40])
        #expect(niceTicks(5, 5) == [5])
    }

    @Test func logarithmicTicks() {
        #expect(logTicks(0.03, 20) == [0.1, 1, 10])
        #expect(logTicks(5e-5, 2.5e-3).map(tickLabel) == ["5e-5", "1e-4", "2e-4", "5e-4", "0.001", "0.002"])
    }

    @Test func labelsHaveNoFloatNoise() {
        #expect(tickLabel(0.30000000000000004) == "0.3")
        #expect(tickLabel(100) == "100")
        #expect(tickLabel(2.5) == "2.5")
        #expect(tickLabel(0) == "0")
        #expect(num(12.345, 1) == "12.3" && num(7, 1) == "7" && num(-0.04, 1) == "0")
    }

    @Test func escaping() throws {
        var w = SVGWriter()
        w.element("text", ["data-x": "a\"b<c>&"], "R&D <好棒棒> \u{1}")
        let e = try parse(w.text)
        #expect(attr(e, "data-x") == "a\"b<c>&")
        #expect(e.stringValue == "R&D <好棒棒> \u{FFFD}")
    }
}

struct ChartTests {
    @Test func lineChartHasAxesAndOnePolylinePerCurve() throws {
        let epochs = 7
        let loss = (1...epochs).map { (x: Double($0), y: 5 / Double($0)) }
        let dev = (1...epochs).map { (x: Double($0), y: 4 / Double($0) + 0.1) }
        var c = LineChart(title: "loss", xLabel: "epoch", yLabel: "loss (nats)", series: [.init("training", loss), .init("validation", dev, dashed: true)])
        c.logY = true
        c.marker = (x: 5, label: "best epoch 5")
        let svg = try parse(c.svg())
        #expect(svg.name == "svg")
        let lines = try elements(svg, "//*[local-name()='polyline'][@class='series']")
        #expect(lines.count == 2)
        for l in lines { #expect(attr(l, "points").split(separator: " ").count == epochs) }
        #expect(lines.map { attr($0, "data-name") } == ["training", "validation"])
        // Both axes exist with tick labels and a label text each.
        for axis in ["axis x", "axis y"] {
            let g = try elements(svg, "//*[local-name()='g'][@class='\(axis)']")
            #expect(g.count == 1)
            let labels = try elements(g[0], ".//*[local-name()='text'][@class='axis-label']")
            #expect(labels.count == 1)
            #expect(try elements(g[0], ".//*[local-name()='text']").count >= 3)
        }
        #expect(try elements(svg, "//*[local-name()='g'][@class='marker']").count == 1)
        // Higher values are drawn higher (smaller y): training loss falls, so y grows along the line.
        let ys = attr(lines[0], "points").split(separator: " ").map { Double($0.split(separator: ",")[1])! }
        #expect(zip(ys, ys.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func stackedBarSegmentsAddUp() throws {
        let c = StackedBarChart(title: "errors", valueLabel: "error rate (%)", rows: [
            ("words", [.init("substitutions", 5, color: "#000"), .init("deletions", 2, color: "#111"), .init("insertions", 1, color: "#222")]),
            ("characters", [.init("substitutions", 2, color: "#000"), .init("deletions", 1, color: "#111"), .init("insertions", 0, color: "#222")]),
        ])
        let svg = try parse(c.svg())
        let bars = try elements(svg, "//*[local-name()='g'][@class='bar']")
        #expect(bars.count == 2)
        let w = try elements(bars[0], ".//*[local-name()='rect'][@class='segment']").map { Double(attr($0, "width"))! }
        let w2 = try elements(bars[1], ".//*[local-name()='rect'][@class='segment']").map { Double(attr($0, "width"))! }
        #expect(w.count == 3)
        // Widths proportional to the values (±0.02 px rounding).
        #expect(abs(w[0] / w[1] - 2.5) < 0.01 && abs(w[0] - 2.5 * w2[0]) < 0.05 && w2[2] == 0)
    }
}

struct PosteriorgramTests {
    /// "好棒棒": the greedy path 好 好 ∅ 棒 ∅ 棒 ∅ emits three tokens; the blank keeps both 棒.
    @Test func repeatsSeparatedByBlankAreBothEmitted() throws {
        let tokens = ["<blank>", "好", "棒", "是"]
        let path = [1, 1, 0, 2, 0, 2, 0]
        var p = [Float](repeating: 0.02, count: path.count * tokens.count)
        for (t, k) in path.enumerated() {
            p[t * tokens.count + k] = 0.94
        }
        p[1 * tokens.count + 3] = 0.03   // 是 never reaches 0.1 and is off the path: no row
        let g = Posteriorgram(title: "好棒棒", probabilities: p, frames: path.count, tokens: tokens, secondsPerFrame: 0.03,
                              waveform: (0..<3360).map { sinf(Float($0) * 0.05) }, sampleRate: 16000,
                              words: [("好", 0, 0.06), ("棒", 0.09, 0.12), ("棒", 0.15, 0.18)])
        #expect(g.greedyPath == path)
        #expect(g.rows == [0, 1, 2])
        let svg = try parse(g.svg())
        let emitted = try elements(svg, "//*[local-name()='text'][@class='emission']").map(\.stringValue!)
        #expect(emitted == ["好", "棒", "棒"])
        let rows = try elements(svg, "//*[local-name()='g'][@class='row']").map { attr($0, "data-token") }
        #expect(rows == ["∅", "好", "棒"])
        let route = try elements(svg, "//*[local-name()='polyline'][@class='greedy-path']")
        #expect(route.count == 1 && attr(route[0], "points").split(separator: " ").count == path.count)
        #expect(try elements(svg, "//*[local-name()='g'][@class='word']").count == 3)
        // Cells: the 0.94 runs are drawn, the 0.02/0.03 floor is not (quantised to 1/8).
        let cells = try elements(svg, "//*[local-name()='rect'][@class='cell']")
        #expect(cells.count == 6)  // ∅: frames 2, 4, 6; 好: frames 0–1 merged; 棒: frames 3, 5
        #expect(try elements(svg, "//*[local-name()='polygon']").count == 1)  // waveform envelope
    }

    @Test func tooManyTokensKeepsThePathAndTheLikeliest() {
        let v = 50, frames = 40
        var p = [Float](repeating: 0, count: frames * v)
        for t in 0..<frames {
            p[t * v + (t % 2 == 0 ? 0 : 1 + t % (v - 1))] = 0.7
            p[t * v + 1 + (t * 7) % (v - 1)] += 0.2
        }
        var g = Posteriorgram(title: "x", probabilities: p, frames: frames, tokens: ["<blank>"] + (1..<v).map { "t\($0)" },
                              secondsPerFrame: 0.04, waveform: [], sampleRate: 16000, words: [])
        g.maxRows = 10
        let rows = g.rows
        #expect(rows.count == 10 && rows[0] == 0 && Set(rows).count == 10)
    }
}
