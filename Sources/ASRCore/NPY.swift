import Foundation

/// NumPy `.npy` files (format version 1.0/2.0/3.0), the interchange format for
/// features and posteriors on the command line.
///
/// Written: little-endian float32 (`'<f4'`), C order, shape `(T, D)`.
/// Read: `<f4`, `<f8` (converted to Float), C order, 1-D `(N,)` (read as
/// `[N, 1]`) or 2-D `(T, D)`.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Encodes `m` as `.npy` bytes.
    public static func encode(_ m: Matrix) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(m.rows), \(m.cols)), }"
        // magic(6) + version(2) + header length(2) + header, padded to 64 bytes, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let len = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8)])
        data.append(contentsOf: Array(header.utf8))
        m.storage.withUnsafeBufferPointer { buf in
            // Float is little-endian on every platform Swift runs on.
            data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buf.baseAddress!)
                .assumingMemoryBound(to: UInt8.self), count: buf.count * 4))
        }
        return data
    }

    /// Writes `m` to `path` atomically.
    public static func write(_ m: Matrix, to path: String) throws {
        try AtomicFile.write(encode(m), to: path)
    }

    /// Reads a 1-D or 2-D float array from `path`.
    public static func read(_ path: String) throws -> Matrix {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        guard let data = fileContents(path) else {
            throw FileError.cannotRead(path: path, reason: "permission denied or not a file")
        }
        return try decode(data, path: path)
    }

    /// Decodes `.npy` bytes; `path` is used in error messages.
    public static func decode(_ data: Data, path: String = "<npy>") throws -> Matrix {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> FileError { .malformed(path: path, reason: "not a valid .npy file: \(why)") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLen: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported format version \(major)")
        }
        guard headerStart + headerLen <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLen)], encoding: .utf8)
        else { throw fail("truncated header") }

        guard let descr = field("descr", in: header) else { throw fail("header has no 'descr'") }
        let descrValue = descr.trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        let itemSize: Int
        switch descrValue {
        case "<f4": itemSize = 4
        case "<f8": itemSize = 8
        default: throw fail("dtype \(descrValue) is not supported (expected '<f4' float32 or '<f8' float64)")
        }
        if let fo = field("fortran_order", in: header), fo.contains("True") {
            throw fail("fortran_order arrays are not supported (save with C order)")
        }
        guard let shapeText = field("shape", in: header) else { throw fail("header has no 'shape'") }
        let dims = shapeText
            .trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let shape = try dims.map { d -> Int in
            guard let v = Int(d), v >= 0 else { throw fail("bad shape \(shapeText)") }
            return v
        }
        let rows: Int, cols: Int
        switch shape.count {
        case 1: rows = shape[0]; cols = 1
        case 2: rows = shape[0]; cols = shape[1]
        default: throw fail("expected a 1-D or 2-D array, found shape \(shapeText)")
        }
        let dataStart = headerStart + headerLen
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        guard !overflow, count <= (bytes.count - dataStart) / itemSize, bytes.count - dataStart == count * itemSize else {
            throw fail("shape \(shapeText) needs \(rows &* cols &* itemSize) data bytes, file has \(bytes.count - dataStart)")
        }
        var storage = [Float](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { raw in
            let base = UnsafeRawPointer(raw.baseAddress!) + dataStart
            if itemSize == 4 {
                for i in 0..<count { storage[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
            } else {
                for i in 0..<count { storage[i] = Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
            }
        }
        return Matrix(rows: rows, cols: cols, storage: storage)
    }

    /// The raw text of `key`'s value in a Python-dict header.
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[keyRange.upperBound...].drop(while: { $0 == " " || $0 == ":" })
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        if let end = rest.firstIndex(where: { $0 == "," || $0 == "}" }) { rest = rest[..<end] }
        return String(rest)
    }
}
