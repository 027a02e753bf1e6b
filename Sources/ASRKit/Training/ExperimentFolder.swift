import ASRCore
import Foundation

/// What `asr train` does to an experiment folder before it trains: takes the
/// folder's lock (one run at a time), refuses to start again over a trained
/// model unless asked to resume or to move it aside, and removes the temporary
/// files a killed run left.
public struct ExperimentFolder {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The lock file, beside the folder (`exp/.digits.lock`), so that moving the
    /// folder aside (`--force`) keeps it locked.
    public var lockPath: String {
        let d = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let parent = (d as NSString).deletingLastPathComponent
        return (parent.isEmpty ? "" : parent + "/") + "." + (d as NSString).lastPathComponent + ".lock"
    }

    /// The newest checkpoint's epoch (or 0 when only a saved model is there) when
    /// the folder holds a trained or partly trained model; nil when it is new.
    public func trainedEpoch() -> Int? {
        let fm = FileManager.default
        let last = (directory as NSString).appendingPathComponent("checkpoints/last")
        if let name = try? String(contentsOfFile: last, encoding: .utf8) {
            let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
            return Int(n.dropFirst("epoch-".count)) ?? 0
        }
        return fm.fileExists(atPath: (directory as NSString).appendingPathComponent("model.json")) ? 0 : nil
    }

    /// Moves the folder aside to `<folder>.replaced-<UTC time>` (never deletes it);
    /// returns the new path, or nil when there was no folder.
    public func moveAside(now: Date = Date()) throws -> String? {
        guard FileManager.default.fileExists(atPath: directory) else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let base = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + ".replaced-" + f.string(from: now)
        var target = base
        var k = 1
        while FileManager.default.fileExists(atPath: target) { k += 1; target = "\(base)-\(k)" }
        guard rename(directory, target) == 0 else {
            throw FileError.cannotWrite(path: directory, reason: "cannot move it aside to \(target): \(String(cString: strerror(errno)))")
        }
        return target
    }

    /// Removes the temporary files (`.NAME.PID.RANDOM.tmp`, `NAME.PID.tmp`) that a
    /// process no longer running left in the folder, its checkpoints and the
    /// output folder beside it; returns their paths.
    @discardableResult
    public func removeStaleTemporaryFiles() -> [String] {
        let fm = FileManager.default
        var folders = [directory, (directory as NSString).deletingLastPathComponent]
        let checkpoints = (directory as NSString).appendingPathComponent("checkpoints")
        folders.append(checkpoints)
        for name in (try? fm.contentsOfDirectory(atPath: checkpoints)) ?? [] { folders.append((checkpoints as NSString).appendingPathComponent(name)) }
        var removed: [String] = []
        for folder in folders where !folder.isEmpty {
            for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
                guard let pid = Self.writerOfTemporaryFile(name), !Self.isRunning(pid) else { continue }
                let path = (folder as NSString).appendingPathComponent(name)
                if (try? fm.removeItem(atPath: path)) != nil { removed.append(path) }
            }
        }
        return removed
    }

    /// The process id in a temporary file's name as `AtomicFile` (`.NAME.PID.RANDOM.tmp`)
    /// or the `latest` link (`latest.PID.tmp`) makes it; nil for any other name.
    static func writerOfTemporaryFile(_ name: String) -> Int32? {
        guard name.hasSuffix(".tmp") else { return nil }
        let parts = name.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        if name.hasPrefix("."), parts.count >= 4, UInt32(parts[parts.count - 1]) != nil, let pid = Int32(parts[parts.count - 2]) { return pid }
        if !name.hasPrefix("."), parts.count >= 2, let pid = Int32(parts[parts.count - 1]) { return pid }
        return nil
    }

    static func isRunning(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}

/// One training run at a time on an experiment folder: `flock(2)` on a lock file
/// that names its owner (pid, host, start). The kernel lets the lock go when its
/// process dies however it dies, so a lock file whose lock nobody holds is stale
/// (`staleOwner` says whose it was) and is taken over.
public final class ExperimentLock {
    public let path: String
    /// The previous owner's line when a stale lock file was taken over.
    public let staleOwner: String?
    private let fd: Int32

    /// Takes the lock or throws `TrainError.experimentBusy` naming the run that holds it.
    public init(path: String) throws {
        self.path = path
        var fd: Int32 = -1
        var previous: String?
        while true {
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let owner = Self.read(fd)
                close(fd)
                throw TrainError.experimentBusy(lock: path, owner: owner.isEmpty ? "another process" : owner)
            }
            // Locked; but if the holder before us removed the file meanwhile, ours is
            // an orphan inode nobody else can see: start again on the new file.
            var mine = stat(), current = stat()
            if fstat(fd, &mine) == 0, stat(path, &current) == 0, mine.st_ino == current.st_ino, mine.st_dev == current.st_dev {
                previous = Self.read(fd)
                break
            }
            close(fd)
        }
        self.fd = fd
        staleOwner = previous.flatMap { $0.isEmpty ? nil : $0 }
        let line = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        unlink(path)
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func read(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }
}
