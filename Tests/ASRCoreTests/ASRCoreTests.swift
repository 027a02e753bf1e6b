import Foundation
import Testing
@testable import ASRCore
import _TestSupport

@Suite struct NPYTests {
    @Test func roundTripIsExact() throws {
        let m = Matrix(rows: 3, cols: 4, storage: (0..<12).map { Float($0) * 0.37 - 1.5 })
        let dir = TestPaths.temporaryDirectory("npy")
        let p = dir.appendingPathComponent("m.npy").path
        try NPY.write(m, to: p)
        #expect(try NPY.read(p) == m)
        // Header is padded so that the data starts on a 64-byte boundary, as numpy writes it.
        let bytes = [UInt8](FileManager.default.contents(atPath: p)!)
        let headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLen) % 64 == 0)
        #expect(bytes.count == 10 + headerLen + 12 * 4)
    }

    /// Bytes numpy 1.x/2.x writes for `np.arange(6, dtype='<f8').reshape(2, 3)`.
    @Test func readsNumpyFloat64() throws {
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + Array(header.utf8))
        for i in 0..<6 { withUnsafeBytes(of: Double(i).bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let m = try NPY.decode(data)
        #expect(m.rows == 2 && m.cols == 3)
        #expect(m.storage == [0, 1, 2, 3, 4, 5])
    }

    @Test func oneDimensionalIsAColumn() throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        header += String(repeating: " ", count: (64 - (10 + header.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + Array(header.utf8))
        for v: Float in [1, 2, 3] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        let m = try NPY.decode(data)
        #expect(m.rows == 3 && m.cols == 1)
    }

    @Test func rejectsBadFiles() throws {
        #expect(throws: FileError.notFound(path: "/no/such.npy")) { try NPY.read("/no/such.npy") }
        #expect(throws: FileError.self) { try NPY.decode(Data("hello".utf8), path: "x.npy") }
        let good = NPY.encode(Matrix(rows: 2, cols: 2, storage: [1, 2, 3, 4]))
        // Truncated data.
        do {
            _ = try NPY.decode(good.prefix(good.count - 3), path: "cut.npy")
            Issue.record("expected an error")
        } catch let e as FileError {
            #expect(e.description.contains("cut.npy"))
            #expect(e.description.contains("data bytes"))
        }
        // Unsupported dtype.
        let int32 = Data(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "<f4", with: "<i4").utf8)
        #expect(throws: FileError.self) { try NPY.decode(int32, path: "i.npy") }
    }
}

@Suite struct StrictJSONTests {
    struct Inner: Codable, Equatable, DefaultConstructible, Validatable {
        var numBins = 23
        var lowFreq: Float = 20
        init() {}
        func validate() throws {
            if numBins < 1 { throw ConfigError.invalidValue(source: "", key: "num_bins", reason: "expected ≥ 1, found \(numBins)") }
        }
    }
    enum Mode: String, StrictEnum { case fast, slow }
    struct Outer: Codable, Equatable, DefaultConstructible, Validatable {
        var name = "x"
        var mode: Mode = .fast
        var inner = Inner()
        var flags: [String: Float] = [:]
        init() {}
        func validate() throws {
            do { try inner.validate() } catch let e as ConfigError { throw e.relocated(source: "", prefix: "inner") }
        }
    }

    func decode(_ json: String) throws -> Outer {
        try StrictJSON.decode(Outer.self, from: Data(json.utf8), source: "r.json")
    }

    @Test func missingKeysTakeDefaults() throws {
        let o = try decode(#"{"inner": {"num_bins": 80}, "flags": {"anything": 2}}"#)
        #expect(o.inner.numBins == 80)
        #expect(o.inner.lowFreq == 20)
        #expect(o.name == "x")
        #expect(o.flags == ["anything": 2])
    }

    @Test func unknownKeyIsNamed() {
        #expect(throws: ConfigError.unknownKey(source: "r.json", key: "inner.num_bin", expected: ["low_freq", "num_bins"])) {
            try decode(#"{"inner": {"num_bin": 80}}"#)
        }
    }

    @Test func wrongTypeIsNamed() {
        #expect(throws: ConfigError.wrongType(source: "r.json", key: "inner.num_bins", expected: "an integer")) {
            try decode(#"{"inner": {"num_bins": "eighty"}}"#)
        }
        #expect(throws: ConfigError.wrongType(source: "r.json", key: "inner", expected: "a JSON object")) {
            try decode(#"{"inner": 3}"#)
        }
    }

    @Test func badEnumListsChoices() {
        do {
            _ = try decode(#"{"mode": "medium"}"#)
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.description.contains("mode"))
            #expect(e.description.contains("\"fast\", \"slow\""))
        } catch { Issue.record("\(error)") }
    }

    @Test func impossibleValueIsNamed() {
        #expect(throws: ConfigError.invalidValue(source: "r.json", key: "inner.num_bins", reason: "expected ≥ 1, found 0")) {
            try decode(#"{"inner": {"num_bins": 0}}"#)
        }
    }

    @Test func syntaxErrorIsReported() {
        #expect(throws: ConfigError.self) { try decode(#"{"inner": {"num_bins": 8"#) }
    }
}

@Suite struct RandomTests {
    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<100).map { _ in a.next() }
        #expect(xa == (0..<100).map { _ in b.next() })
        #expect(xa != (0..<100).map { _ in c.next() })
    }

    /// Mean 0 and variance 1 within 3 standard errors over 100k draws.
    @Test func gaussianMoments() {
        var g = SeededGenerator(seed: 7)
        let n = 100_000
        var s = 0.0, s2 = 0.0
        for _ in 0..<n { let v = Double(g.nextGaussian()); s += v; s2 += v * v }
        let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
        #expect(abs(mean) < 3 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 3 * (2 / Double(n)).squareRoot())
    }
}

@Suite struct AtomicFileTests {
    @Test func writesAndReplaces() throws {
        let dir = TestPaths.temporaryDirectory("atomic")
        let p = dir.appendingPathComponent("f.txt").path
        try AtomicFile.write("one", to: p)
        try AtomicFile.write("two", to: p)
        #expect(String(decoding: FileManager.default.contents(atPath: p)!, as: UTF8.self) == "two")
        // No temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["f.txt"])
        #expect(throws: FileError.self) { try AtomicFile.write("x", to: dir.appendingPathComponent("missing/f").path) }
    }
}

@Suite struct FloatEnvironmentTests {
    /// A product below Float's smallest normal (1.18e-38) comes out as exactly 0 once
    /// denormals are flushed, on the calling thread and in every `parallelFor` iteration.
    @Test func denormalsAreFlushed() {
        // Opaque to the optimizer: the values come from an array read at run time.
        let inputs = [Float](repeating: 1e-30, count: 4) + [Float](repeating: 1e-10, count: 4)
        func product(_ i: Int) -> Float { inputs[i % 4] * inputs[4 + i % 4] }
        #expect(Float(1e-40).bitPattern != 0)  // representable as a denormal (compared with DAZ on, it reads as 0)
        FloatEnvironment.flushDenormals()
        #expect(FloatEnvironment.flushesDenormals)
        #expect(product(0) == 0)  // 1e-40 would be a denormal
        var results = [Float](repeating: -1, count: 8), flushed = [Bool](repeating: false, count: 8)
        results.withUnsafeMutableBufferPointer { r in
            flushed.withUnsafeMutableBufferPointer { f in
                let rb = UncheckedSendable(r), fb = UncheckedSendable(f)
                parallelFor(8) { i in
                    fb.value[i] = FloatEnvironment.flushesDenormals
                    rb.value[i] = product(i)
                }
            }
        }
        #expect(results == [Float](repeating: 0, count: 8))
        #expect(flushed.allSatisfy { $0 })
    }
}

@Suite struct ParallelMapTests {
    /// Elements come back in index order whatever thread computed them; the
    /// threads flush denormals; n = 0 gives an empty array; values that own
    /// memory (strings, arrays) read back intact.
    @Test func indexOrderAndOwnedValues() {
        let squares = parallelMap(1000) { $0 * $0 }
        #expect(squares == (0..<1000).map { $0 * $0 })
        #expect(parallelMap(0) { $0 }.isEmpty)
        let rows = parallelMap(64) { i in (String(i), [Float](repeating: Float(i), count: i + 1), FloatEnvironment.flushesDenormals) }
        for (i, r) in rows.enumerated() {
            #expect(r.0 == String(i) && r.1.count == i + 1 && r.1.allSatisfy { $0 == Float(i) } && r.2)
        }
    }
}

/// The shared tolerance check of the numerical tests (_TestSupport.closeness).
@Suite struct ClosenessTests {
    @Test func tolerancesAndNaN() {
        #expect(closeness([1, 2, 3] as [Float], [1, 2.0005, 3], abs: 1e-3).passes)
        #expect(!closeness([1, 2, 3] as [Float], [1, 2.01, 3], abs: 1e-3).passes)
        #expect(closeness([100, 200] as [Double], [100.05, 200.1], rel: 1e-3).passes)
        #expect(!closeness([100, 200] as [Double], [100.5, 200], rel: 1e-3).passes)
        let c = closeness([1, .nan, 3] as [Float], [1, 2, 3], abs: 1)
        #expect(!c.passes && c.worstIndex == 1)
        #expect(closeness([Float.infinity], [Float.infinity]).passes)
        #expect(!closeness([Float.infinity], [-Float.infinity], abs: 1).passes)
        #expect(closeness([] as [Float], []).passes)
    }
}
