import Dispatch
import Foundation

/// Wraps a value the caller promises is safe to share across threads (e.g. a
/// pointer whose disjoint parts each thread writes).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// Process-wide cap on the threads `parallelFor` uses (1 = serial), e.g. from
/// `--threads`. Set it before starting parallel work.
public enum Parallelism {
    nonisolated(unsafe) public static var maxThreads = ProcessInfo.processInfo.activeProcessorCount
}

/// Runs `body(i)` for i in 0..<n on all cores (Dispatch's concurrentPerform)
/// and returns when all are done. Each iteration must touch disjoint memory.
public func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    if n <= 1 || Parallelism.maxThreads <= 1 {
        for i in 0..<n { body(i) }
        return
    }
    withoutActuallyEscaping(body) { b in
        let box = UncheckedSendable(b)
        DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
    }
}
