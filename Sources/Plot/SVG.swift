/// A small SVG/HTML writer: elements with ordered attributes, escaped text,
/// compact numbers. Plots build their markup with it; nothing else is needed
/// to open the result offline in a browser.
public struct SVGWriter {
    public private(set) var text = ""
    private var stack: [String] = []

    public init() {}

    /// `<name a="v" …>`; close with `close()`.
    public mutating func open(_ name: String, _ attributes: KeyValuePairs<String, String> = [:]) {
        text += "<" + name + Self.attributes(attributes) + ">"
        stack.append(name)
    }

    public mutating func close() {
        text += "</" + stack.removeLast() + ">"
    }

    /// `<name …/>`, or `<name …>text</name>` when `content` is given (escaped).
    public mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String? = nil) {
        if let content {
            text += "<" + name + Self.attributes(attributes) + ">" + Self.escape(content) + "</" + name + ">"
        } else {
            text += "<" + name + Self.attributes(attributes) + "/>"
        }
    }

    /// Markup already built elsewhere (another writer's `text`).
    public mutating func raw(_ markup: String) { text += markup }

    static func attributes(_ a: KeyValuePairs<String, String>) -> String {
        var s = ""
        for (k, v) in a { s += " " + k + "=\"" + escape(v) + "\"" }
        return s
    }

    /// Escapes `& < > "` for text and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if c.value < 0x20 && c != "\t" && c != "\n" { out += "\u{FFFD}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }
}

/// Compact decimal for coordinates: at most `digits` decimals, trailing zeros dropped.
public func num(_ x: Double, _ digits: Int = 1) -> String {
    guard x.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let r = (x * scale).rounded() / scale
    if r == r.rounded() && abs(r) < 1e15 { return String(Int(r)) }
    var s = String(r)
    if s.contains("e") { return String(format: "%.\(digits)f", r) }
    while s.hasSuffix("0") { s.removeLast() }
    return s
}

/// Human label for an axis tick: short, no float noise (0.30000000000000004 → "0.3").
public func tickLabel(_ x: Double) -> String {
    if x == 0 { return "0" }
    let a = abs(x)
    if a >= 1e-3 && a < 1e6 {
        var s = String(format: a >= 100 ? "%.0f" : (a >= 1 ? "%.2f" : "%.4f"), x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
    var s = String(format: "%.0e", x)
    s = s.replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e")
    return s
}

/// Evenly spaced "nice" ticks (1, 2, 5 × 10^k) covering `lo…hi`, about `count` of them.
public func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
    guard lo.isFinite, hi.isFinite else { return [] }
    if hi <= lo { return [lo] }
    let raw = (hi - lo) / Double(max(count, 1))
    var p = 1.0
    while p * 10 <= raw { p *= 10 }
    while p > raw { p /= 10 }
    let step = [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw } ?? 10 * p
    var ticks: [Double] = []
    var v = (lo / step).rounded(.up) * step
    while v <= hi + step * 1e-9 {
        ticks.append(abs(v) < step * 1e-9 ? 0 : v)
        v += step
    }
    return ticks
}

/// Ticks for a logarithmic axis: 1, 2, 5 × 10^k within `lo…hi` (lo > 0); only
/// powers of ten when that already gives enough.
public func logTicks(_ lo: Double, _ hi: Double) -> [Double] {
    guard lo > 0, hi >= lo else { return [] }
    var k = Double(Int((log10(lo)).rounded(.down)))
    var powers: [Double] = [], all: [Double] = []
    while pow(10, k) <= hi * (1 + 1e-9) {
        for m in [1.0, 2, 5] {
            let v = m * pow(10, k)
            if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) {
                all.append(v)
                if m == 1 { powers.append(v) }
            }
        }
        k += 1
    }
    return powers.count >= 3 ? powers : all
}

/// A linear or logarithmic map from data to pixels.
public struct Scale {
    public var domain: (Double, Double)
    public var range: (Double, Double)
    public var log: Bool

    public init(domain: (Double, Double), range: (Double, Double), log: Bool = false) {
        var d = domain
        if log { d = (Swift.max(d.0, 1e-30), Swift.max(d.1, 1e-30)) }
        if d.1 == d.0 { d = log ? (d.0 / 2, d.1 * 2) : (d.0 - 0.5, d.1 + 0.5) }
        self.domain = d
        self.range = range
        self.log = log
    }

    public func callAsFunction(_ x: Double) -> Double {
        let (a, b) = log ? (log10(domain.0), log10(domain.1)) : domain
        let v = log ? log10(Swift.max(x, 1e-30)) : x
        return range.0 + (v - a) / (b - a) * (range.1 - range.0)
    }

    public var ticks: [Double] {
        log ? logTicks(domain.0, domain.1) : niceTicks(domain.0, domain.1)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
