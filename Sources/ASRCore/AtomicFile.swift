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

/// The one error type for a file that is missing, unreadable, unwritable or not
/// what it should be, shared by every stage; each case names the file (and the
/// line), and says what was expected.
public enum FileError: Error, Equatable, CustomStringConvertible {
    /// No such file; `hint` says what it should be or how to make it.
    case notFound(path: String, hint: String? = nil)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case malformed(path: String, reason: String)
    /// Line `line` (1-based) of a line-oriented file is not what was expected.
    case malformedLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p, nil): return "\(p): no such file"
        case .notFound(let p, let h?): return "\(p): no such file (\(h))"
        case .cannotRead(let p, let r): return "\(p): cannot read: \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .malformed(let p, let r): return "\(p): \(r)"
        case .malformedLine(let p, let n, let r): return "\(p):\(n): \(r)"
        }
    }
}

/// The bytes of a file, as `FileManager.contents(atPath:)` gives them (nil when it
/// cannot be read), but an empty regular file is answered without reading it: the
/// toolchain's Foundation leaks a 4 KiB buffer on every read of an empty file
/// (found by `make fuzz`: a Kaldi folder with an empty utt2spk, read again and again).
public func fileContents(_ path: String) -> Data? {
    var info = stat()
    if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size == 0, access(path, R_OK) == 0 { return Data() }
    return FileManager.default.contents(atPath: path)
}
