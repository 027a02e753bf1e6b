import Foundation

/// Colours used by every chart (colour-blind-safe Okabe–Ito palette).
public enum Palette {
    public static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
    public static let substitution = "#E69F00"
    public static let deletion = "#D55E00"
    public static let insertion = "#0072B2"
    public static let ink = "#222"
    public static let grid = "#e4e4e4"
}

/// A line chart of one or more series over a shared x axis, with labelled axes,
/// a legend and an optional vertical marker (e.g. the best epoch). Each series
/// becomes one `<polyline class="series">` with one point per data point.
public struct LineChart {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var dashed: Bool
        public init(_ name: String, _ points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logY = false
    /// Start the y axis at zero (linear axes only).
    public var yFromZero = false
    public var marker: (x: Double, label: String)?
    public var width = 560.0
    public var height = 300.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func svg() -> String {
        let left = 62.0, right = 14.0, top = 48.0, bottom = 46.0
        let pts = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
        let xs = pts.map(\.x), ys = pts.map(\.y)
        var xd = (xs.min() ?? 0, xs.max() ?? 1)
        if xd.0 == xd.1 { xd = (xd.0 - 1, xd.1 + 1) }
        var yd = (ys.min() ?? 0, ys.max() ?? 1)
        if logY {
            // Whole decades or 1-2-5 steps bracket the data so the ends carry labels.
            yd = (pow(10, floor(log10(Swift.max(yd.0, 1e-30)) * 2) / 2), pow(10, ceil(log10(Swift.max(yd.1, 1e-30)) * 2) / 2))
        } else {
            if yFromZero { yd.0 = Swift.min(0, yd.0) }
            let pad = (yd.1 - yd.0) * 0.05
            yd = (yd.0 == 0 ? 0 : yd.0 - pad, yd.1 + pad)
        }
        let sx = Scale(domain: xd, range: (left, width - right))
        let sy = Scale(domain: yd, range: (height - bottom, top), log: logY)
        var w = SVGWriter()
        w.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": "chart line-chart",
                       "viewBox": "0 0 \(num(width)) \(num(height))", "role": "img", "aria-label": title])
        w.element("text", ["class": "title", "x": num(left), "y": "18", "font-weight": "600", "font-size": "14"], title)
        // Grid and axes.
        w.open("g", ["class": "axis y", "font-size": "11", "fill": Palette.ink])
        for t in sy.ticks where t >= yd.0 - 1e-12 && t <= yd.1 * (1 + 1e-9) + 1e-12 {
            let y = num(sy(t))
            w.element("line", ["class": "grid", "x1": num(left), "x2": num(width - right), "y1": y, "y2": y, "stroke": Palette.grid])
            w.element("text", ["x": num(left - 6), "y": y, "dy": "0.35em", "text-anchor": "end"], tickLabel(t))
        }
        w.element("line", ["class": "axis-line", "x1": num(left), "x2": num(left), "y1": num(top), "y2": num(height - bottom), "stroke": Palette.ink])
        w.element("text", ["class": "axis-label", "transform": "translate(14,\(num((top + height - bottom) / 2))) rotate(-90)",
                           "text-anchor": "middle"], yLabel)
        w.close()
        w.open("g", ["class": "axis x", "font-size": "11", "fill": Palette.ink])
        let xTicks = niceTicks(xd.0, xd.1, count: Swift.min(8, Swift.max(1, Int(xd.1 - xd.0))))
        for t in xTicks {
            let x = num(sx(t))
            w.element("line", ["x1": x, "x2": x, "y1": num(height - bottom), "y2": num(height - bottom + 4), "stroke": Palette.ink])
            w.element("text", ["x": x, "y": num(height - bottom + 16), "text-anchor": "middle"], tickLabel(t))
        }
        w.element("line", ["class": "axis-line", "x1": num(left), "x2": num(width - right), "y1": num(height - bottom), "y2": num(height - bottom), "stroke": Palette.ink])
        w.element("text", ["class": "axis-label", "x": num((left + width - right) / 2), "y": num(height - 8), "text-anchor": "middle"], xLabel)
        w.close()
        if let m = marker, m.x >= xd.0, m.x <= xd.1 {
            let x = num(sx(m.x))
            w.open("g", ["class": "marker"])
            w.element("line", ["x1": x, "x2": x, "y1": num(top), "y2": num(height - bottom), "stroke": "#888", "stroke-dasharray": "4 3"])
            w.element("text", ["x": x, "y": num(top - 4), "text-anchor": sx(m.x) > width * 0.8 ? "end" : "middle", "font-size": "11", "fill": "#555"], m.label)
            w.close()
        }
        // Series and legend.
        var legendX = left
        for (i, s) in series.enumerated() {
            let color = Palette.series[i % Palette.series.count]
            let p = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
            let coords = p.map { num(sx($0.x)) + "," + num(sy($0.y)) }.joined(separator: " ")
            w.open("g", ["class": "series-group"])
            w.element("polyline", ["class": "series", "data-name": s.name, "points": coords, "fill": "none", "stroke": color,
                                   "stroke-width": "2", "stroke-dasharray": s.dashed ? "6 3" : "none"])
            if p.count <= 60 {
                for q in p { w.element("circle", ["class": "point", "cx": num(sx(q.x)), "cy": num(sy(q.y)), "r": "2.5", "fill": color]) }
            }
            w.close()
            let ly = 34.0
            w.open("g", ["class": "legend", "font-size": "12"])
            w.element("line", ["x1": num(legendX), "x2": num(legendX + 18), "y1": num(ly), "y2": num(ly), "stroke": color,
                               "stroke-width": "2", "stroke-dasharray": s.dashed ? "6 3" : "none"])
            w.element("text", ["x": num(legendX + 22), "y": num(ly), "dy": "0.35em", "fill": Palette.ink], s.name)
            w.close()
            legendX += 34 + Double(s.name.count) * 6.8
        }
        w.close()
        return w.text
    }
}

/// Horizontal stacked bars, one per row (e.g. words and characters), each split
/// into segments (substitutions, deletions, insertions), with a value axis.
public struct StackedBarChart {
    public struct Segment {
        public var name: String
        public var value: Double
        public var color: String
        public init(_ name: String, _ value: Double, color: String) {
            self.name = name
            self.value = value
            self.color = color
        }
    }

    public var title: String
    public var valueLabel: String
    public var rows: [(label: String, segments: [Segment])]
    public var width = 560.0
    public var format: (Double) -> String = { tickLabel($0) }

    public init(title: String, valueLabel: String, rows: [(label: String, segments: [Segment])]) {
        self.title = title
        self.valueLabel = valueLabel
        self.rows = rows
    }

    public func svg() -> String {
        let left = 90.0, right = 70.0, top = 48.0, barH = 26.0, gap = 14.0
        let height = top + Double(rows.count) * (barH + gap) + 40
        let maxTotal = rows.map { $0.segments.reduce(0) { $0 + $1.value } }.max() ?? 0
        let ticks = niceTicks(0, maxTotal > 0 ? maxTotal : 1, count: 5)
        let sx = Scale(domain: (0, Swift.max(ticks.last ?? 1, maxTotal, 1e-12)), range: (left, width - right))
        var w = SVGWriter()
        w.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": "chart bar-chart",
                       "viewBox": "0 0 \(num(width)) \(num(height))", "role": "img", "aria-label": title])
        w.element("text", ["class": "title", "x": num(left), "y": "18", "font-weight": "600", "font-size": "14"], title)
        var lx = left
        for s in rows.first?.segments ?? [] {
            w.open("g", ["class": "legend", "font-size": "12"])
            w.element("rect", ["x": num(lx), "y": "28", "width": "12", "height": "12", "fill": s.color])
            w.element("text", ["x": num(lx + 16), "y": "34", "dy": "0.35em", "fill": Palette.ink], s.name)
            w.close()
            lx += 30 + Double(s.name.count) * 6.8
        }
        let axisY = top + Double(rows.count) * (barH + gap)
        w.open("g", ["class": "axis x", "font-size": "11", "fill": Palette.ink])
        for t in ticks {
            let x = num(sx(t))
            w.element("line", ["class": "grid", "x1": x, "x2": x, "y1": num(top - 4), "y2": num(axisY), "stroke": Palette.grid])
            w.element("text", ["x": x, "y": num(axisY + 14), "text-anchor": "middle"], format(t))
        }
        w.element("line", ["class": "axis-line", "x1": num(left), "x2": num(width - right), "y1": num(axisY), "y2": num(axisY), "stroke": Palette.ink])
        w.element("text", ["class": "axis-label", "x": num((left + width - right) / 2), "y": num(axisY + 32), "text-anchor": "middle"], valueLabel)
        w.close()
        for (i, row) in rows.enumerated() {
            let y = top + Double(i) * (barH + gap)
            w.open("g", ["class": "bar", "data-name": row.label])
            w.element("text", ["x": num(left - 8), "y": num(y + barH / 2), "dy": "0.35em", "text-anchor": "end", "font-size": "12"], row.label)
            var x0 = 0.0
            for s in row.segments {
                let a = sx(x0), b = sx(x0 + s.value)
                w.open("rect", ["class": "segment", "data-name": s.name, "x": num(a, 2), "y": num(y), "width": num(Swift.max(b - a, 0), 2),
                                "height": num(barH), "fill": s.color])
                w.element("title", [:], "\(row.label) \(s.name): \(format(s.value))")
                w.close()
                x0 += s.value
            }
            w.element("text", ["x": num(sx(x0) + 6), "y": num(y + barH / 2), "dy": "0.35em", "font-size": "12", "font-weight": "600"], format(x0))
            w.close()
        }
        w.close()
        return w.text
    }
}
