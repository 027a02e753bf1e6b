import ASRCore
import Foundation

/// Reference implementations used only by tests.
public enum Reference {
    /// Naive O(N²) DFT of a real signal in Double: X[k], k = 0 … N/2.
    public static func dft(_ x: [Float]) -> [(re: Double, im: Double)] {
        let n = x.count
        return (0...(n / 2)).map { k in
            var re = 0.0, im = 0.0
            for (i, v) in x.enumerated() {
                let angle = -2 * Double.pi * Double(k) * Double(i) / Double(n)
                re += Double(v) * cos(angle)
                im += Double(v) * sin(angle)
            }
            return (re, im)
        }
    }
}

/// Paths of test data committed in the repository.
public enum TestPaths {
    /// The repository root, found from this file's location.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh temporary folder for one test.
    public static func temporaryDirectory(_ name: String = "asr-test") -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Largest |a − b| over two equally long arrays.
public func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length mismatch \(a.count) vs \(b.count)")
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a[i] - b[i])) }
    return m
}
