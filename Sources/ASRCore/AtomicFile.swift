import Foundation

/// Writes files so that a reader never sees a half-written one: the bytes go
/// to a temporary file in the same folder, which is then renamed over the
/// destination (rename(2) is atomic within a file system).
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) || !isDir.boolValue {
            throw FileError.cannotWrite(path: path, reason: "folder \(dir.path) does not exist")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        do {
            try data.write(to: tmp)
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw FileError.cannotWrite(path: path, reason: "\(error.localizedDescription)")
        }
        if rename(tmp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw FileError.cannotWrite(path: path, reason: reason)
        }
    }

    /// Atomically writes a UTF-8 string.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}

/// File-level errors shared by every stage; each names the file.
public enum FileError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such file"
        case .cannotRead(let p, let r): return "\(p): cannot read: \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .malformed(let p, let r): return "\(p): \(r)"
        }
    }
}
