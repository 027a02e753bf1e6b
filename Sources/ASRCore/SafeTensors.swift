import Foundation

/// One tensor in a safetensors file (float32 only).
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (Hugging Face): 8-byte little-endian header size N,
/// N bytes of JSON `{name: {"dtype", "shape", "data_offsets": [begin, end]},
/// "__metadata__": {str: str}}`, then the raw little-endian data. Readable by
/// `safetensors.torch.load_file`.
public enum SafeTensors {
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for t in tensors {
            precondition(t.values.count == t.shape.reduce(1, *), "\(t.name): shape \(t.shape) vs \(t.values.count) values")
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces to a multiple of 8 bytes (alignment of the data).
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for t in tensors {
            t.values.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }

    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(try encode(tensors, metadata: metadata), to: path)
    }

    /// Reads every tensor (F32; F64 and F16/BF16 are converted) and the metadata.
    public static func read(_ path: String) throws -> (tensors: [String: NamedTensor], metadata: [String: String]) {
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        guard let data = fileContents(path) else { throw FileError.cannotRead(path: path, reason: "permission denied") }
        return try decode(data, path: path)
    }

    public static func decode(_ data: Data, path: String = "<safetensors>") throws -> (tensors: [String: NamedTensor], metadata: [String: String]) {
        func fail(_ why: String) -> FileError { .malformed(path: path, reason: "not a valid safetensors file: \(why)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw fail("shorter than its 8-byte header size") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else { throw fail("header size \(n) exceeds the file (\(bytes.count) bytes; truncated?)") }
        let headerEnd = 8 + Int(n)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])), let header = obj as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let base = headerEnd
        var tensors: [String: NamedTensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }), offsets.count == 2
            else { throw fail("tensor '\(name)' has no valid dtype/shape/data_offsets") }
            let count = shape.reduce(1, *)
            let size: Int
            switch dtype {
            case "F32": size = 4
            case "F64": size = 8
            case "F16", "BF16": size = 2
            default: throw fail("tensor '\(name)' has dtype \(dtype); expected F32, F64, F16 or BF16")
            }
            let (b, e) = (offsets[0], offsets[1])
            guard b >= 0, e >= b, e - b == count * size, base + e <= bytes.count else {
                throw fail("tensor '\(name)': data_offsets \(offsets) do not fit shape \(shape) × \(size) bytes or the file (truncated?)")
            }
            var values = [Float](repeating: 0, count: count)
            bytes.withUnsafeBufferPointer { raw in
                let p = UnsafeRawPointer(raw.baseAddress!) + base + b
                for i in 0..<count {
                    switch dtype {
                    case "F32": values[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    case "F64": values[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                    case "BF16": values[i] = Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                    default:
                        #if arch(arm64)
                        values[i] = Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                        #else
                        values[i] = halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                        #endif
                    }
                }
            }
            tensors[name] = NamedTensor(name: name, shape: shape, values: values)
        }
        return (tensors, metadata)
    }

    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = Float(h >> 15 == 0 ? 1 : -1)
        let exp = Int((h >> 10) & 0x1F), frac = Float(h & 0x3FF)
        if exp == 0 { return sign * frac * powf(2, -24) }
        if exp == 31 { return frac == 0 ? sign * .infinity : .nan }
        return sign * (1 + frac / 1024) * powf(2, Float(exp - 15))
    }
}
