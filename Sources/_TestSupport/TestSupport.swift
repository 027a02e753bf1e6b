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

/// Runs the built `asr` binary, as a user would.
public enum CLI {
    /// The folder holding the test bundle and the `asr` executable.
    public static var productsDirectory: URL {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // swift-testing may run from inside an .xctest bundle folder.
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("asr").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `asr args…` and collects its exit status and output.
    public static func run(_ args: [String], cwd: URL? = nil) throws -> Result {
        try run(executable: productsDirectory.appendingPathComponent("asr"), args, cwd: cwd)
    }

    /// Open MPI's launcher (from `make deps`: openmpi-bin), or nil.
    public static var mpirun: URL? {
        ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].map(URL.init(fileURLWithPath:)).first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `mpirun -np ranks asr args…` on this machine (oversubscribed: more
    /// ranks than cores is allowed; as root when the tests run as root).
    public static func runMPI(ranks: Int, _ args: [String]) throws -> Result {
        guard let mpirun else { return Result(status: 127, stdout: "", stderr: "mpirun not found: make deps installs openmpi-bin") }
        let root = geteuid() == 0 ? ["--allow-run-as-root"] : []
        return try run(executable: mpirun, root + ["--oversubscribe", "-np", "\(ranks)", productsDirectory.appendingPathComponent("asr").path] + args)
    }

    /// Runs `asr args…` with `input` on its standard input.
    public static func run(_ args: [String], input: Data) throws -> Result {
        try run(executable: productsDirectory.appendingPathComponent("asr"), args, input: input)
    }

    /// Runs `executable args…` and collects its exit status and output.
    public static func run(executable: URL, _ args: [String], cwd: URL? = nil, input: Data? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = err
        if input != nil { p.standardInput = inPipe }
        try p.run()
        if let input {
            // Written from another thread: the process may fill its output pipes before it has read all of its input.
            let writer = inPipe.fileHandleForWriting
            Thread.detachNewThread {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}

/// Brute-force CTC: enumerate every alignment path.
public enum BruteForceCTC {
    /// Collapse repeats, then drop blanks.
    public static func collapse(_ path: [Int], blank: Int = 0) -> [Int] {
        var out: [Int] = []
        var prev = -1
        for p in path {
            if p != prev && p != blank { out.append(p) }
            prev = p
        }
        return out
    }

    /// −log p(labels | logits) for one utterance `[T, V]` (Double), by summing
    /// the probability of all V^T paths that collapse to `labels`.
    public static func loss(logits: [[Double]], labels: [Int], blank: Int = 0) -> Double {
        let T = logits.count, V = logits[0].count
        let logp = logits.map { row -> [Double] in
            let m = row.max()!
            let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            return row.map { $0 - lse }
        }
        var total = 0.0
        var path = [Int](repeating: 0, count: T)
        func visit(_ t: Int, _ lp: Double) {
            if t == T {
                if collapse(path, blank: blank) == labels { total += exp(lp) }
                return
            }
            for v in 0..<V { path[t] = v; visit(t + 1, lp + logp[t][v]) }
        }
        visit(0, 0)
        return -log(total)
    }

    /// Every label sequence (no blanks) of length 0…maxLength over tokens 1..<V.
    public static func allLabelSequences(vocabulary V: Int, maxLength: Int) -> [[Int]] {
        var out: [[Int]] = [[]]
        var frontier: [[Int]] = [[]]
        for _ in 0..<maxLength {
            frontier = frontier.flatMap { s in (1..<V).map { s + [$0] } }
            out += frontier
        }
        return out
    }
}

/// Straightforward Double-precision LSTM/GRU (PyTorch definitions), one
/// direction, time-major `[T·B][D]` rows, ragged lengths. Used to check the
/// optimised Float code and as the function for finite differences.
public enum ReferenceRNN {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// Output rows `[T·B][H]` (zeros on padding).
    public static func direction(lstm: Bool, x: [[Double]], frames T: Int, batch B: Int, hidden H: Int, lengths: [Int],
                                 reverse: Bool, wih: [Double], whh: [Double], bih: [Double], bhh: [Double]) -> [[Double]] {
        let D = x.first?.count ?? 0
        let G = (lstm ? 4 : 3) * H
        var out = [[Double]](repeating: [Double](repeating: 0, count: H), count: T * B)
        for b in 0..<B {
            var h = [Double](repeating: 0, count: H), c = [Double](repeating: 0, count: H)
            let times = reverse ? Array((0..<lengths[b]).reversed()) : Array(0..<lengths[b])
            for t in times {
                let xt = x[t * B + b]
                var gx = [Double](repeating: 0, count: G), gh = [Double](repeating: 0, count: G)
                for g in 0..<G {
                    var s = bih[g]
                    for d in 0..<D { s += wih[g * D + d] * xt[d] }
                    gx[g] = s
                    var u = bhh[g]
                    for k in 0..<H { u += whh[g * H + k] * h[k] }
                    gh[g] = u
                }
                if lstm {
                    for j in 0..<H {
                        let i = sigmoid(gx[j] + gh[j]), f = sigmoid(gx[H + j] + gh[H + j])
                        let gg = Foundation.tanh(gx[2 * H + j] + gh[2 * H + j]), o = sigmoid(gx[3 * H + j] + gh[3 * H + j])
                        c[j] = f * c[j] + i * gg
                        h[j] = o * Foundation.tanh(c[j])
                    }
                } else {
                    var nh = h
                    for j in 0..<H {
                        let r = sigmoid(gx[j] + gh[j]), z = sigmoid(gx[H + j] + gh[H + j])
                        let n = Foundation.tanh(gx[2 * H + j] + r * gh[2 * H + j])
                        nh[j] = (1 - z) * n + z * h[j]
                    }
                    h = nh
                }
                out[t * B + b] = h
            }
        }
        return out
    }
}

/// Real speech for tests: the project's own corpus generator (espeak-ng + sox).
public enum SyntheticCorpus {
    /// Makes (or reuses, per process) a digits corpus of `count` utterances in a temp folder.
    private static let made = NSLock()
    nonisolated(unsafe) private static var corpora: [String: URL] = [:]

    public static func digits(count: Int, seed: Int) throws -> URL {
        // Suites run in parallel and may ask for the same corpus: made once, under a lock.
        made.lock()
        defer { made.unlock() }
        if let done = corpora["\(count)-\(seed)"] { return done }
        let url = try makeDigits(count: count, seed: seed)
        corpora["\(count)-\(seed)"] = url
        return url
    }

    private static func makeDigits(count: Int, seed: Int) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asr-corpus-\(count)-\(seed)-\(getpid())")
        let script = TestPaths.repoRoot.appendingPathComponent("data/make_corpus.sh").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script, "digits", dir.path, "--count", String(count), "--seed", String(seed)]
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw FileError.cannotWrite(path: dir.path, reason: "corpus generation failed: \(String(decoding: e, as: UTF8.self))")
        }
        return dir
    }
}

/// Writes a short 16 kHz sine WAV (raw RIFF bytes, no library).
public enum AudioFileStub {
    public static func tone(_ path: String, seconds: Double = 0.5, rate: Int = 16000) throws {
        let n = Int(Double(rate) * seconds)
        var pcm = Data()
        for i in 0..<n {
            let v = Int16(6000 * sin(2 * Double.pi * 300 * Double(i) / Double(rate)))
            withUnsafeBytes(of: v.littleEndian) { pcm.append(contentsOf: $0) }
        }
        var d = Data("RIFF".utf8)
        func u32(_ x: Int) { withUnsafeBytes(of: UInt32(x).littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ x: Int) { withUnsafeBytes(of: UInt16(x).littleEndian) { d.append(contentsOf: $0) } }
        u32(36 + pcm.count); d.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(1); u16(1)
        u32(rate); u32(rate * 2); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(pcm.count); d.append(pcm)
        try d.write(to: URL(fileURLWithPath: path))
    }
}

extension TestPaths {
    /// Writes `text` to `dir/name` and returns the path.
    public static func write(_ text: String, to name: String, in dir: URL) -> String {
        let p = dir.appendingPathComponent(name).path
        try! text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
}

/// How far `actual` is from `expected` under a tolerance |a − e| ≤ abs + rel·|e|,
/// element by element; `#expect(c.passes, "\(c)")` names the worst element.
/// (A value, not an assertion: this target does not link the test framework.)
public struct Closeness: CustomStringConvertible {
    public let passes: Bool
    public let worstIndex: Int
    public let actual: Double, expected: Double
    public let absTolerance: Double, relTolerance: Double
    public var description: String {
        passes ? "close" : "element \(worstIndex): \(actual) vs expected \(expected) (|diff| \(Swift.abs(actual - expected)) > \(absTolerance) + \(relTolerance)·|expected|)"
    }
}

public func closeness<T: BinaryFloatingPoint>(_ actual: [T], _ expected: [T], abs: Double = 0, rel: Double = 0) -> Closeness {
    precondition(actual.count == expected.count, "length mismatch \(actual.count) vs \(expected.count)")
    var worst = 0, worstExcess = -Double.infinity
    for i in actual.indices {
        let a = Double(actual[i]), e = Double(expected[i])
        let excess = a == e ? -Double.infinity : (Swift.abs(a - e) - (abs + rel * Swift.abs(e)))
        if excess > worstExcess || excess.isNaN { worst = i; worstExcess = excess.isNaN ? .infinity : excess }
    }
    return Closeness(passes: !(worstExcess > 0), worstIndex: worst, actual: actual.isEmpty ? 0 : Double(actual[worst]),
                     expected: expected.isEmpty ? 0 : Double(expected[worst]), absTolerance: abs, relTolerance: rel)
}

public func closeness<T: BinaryFloatingPoint>(_ actual: T, _ expected: T, abs: Double = 0, rel: Double = 0) -> Closeness {
    closeness([actual], [expected], abs: abs, rel: rel)
}
