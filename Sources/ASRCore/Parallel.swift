import CFloatEnv
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
/// Every thread it runs on flushes denormals to zero (`FloatEnvironment`).
public func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    FloatEnvironment.flushDenormals()
    if n <= 1 || Parallelism.maxThreads <= 1 {
        for i in 0..<n { body(i) }
        return
    }
    withoutActuallyEscaping(body) { b in
        let box = UncheckedSendable(b)
        DispatchQueue.concurrentPerform(iterations: n) {
            FloatEnvironment.flushDenormals()
            box.value($0)
        }
    }
}

/// `[body(0), body(1), …, body(n − 1)]`, computed in parallel by `parallelFor`
/// (each element written once, by one thread; the order is the index order
/// whatever the thread timing). The one way the toolkit fills an array in
/// parallel, instead of sharing raw pointers.
public func parallelMap<T>(_ n: Int, _ body: (Int) -> T) -> [T] {
    guard n > 0 else { return [] }
    return [T](unsafeUninitializedCapacity: n) { buffer, count in
        let base = UncheckedSendable(buffer.baseAddress!)
        parallelFor(n) { i in (base.value + i).initialize(to: body(i)) }
        count = n
    }
}

/// The thread's floating-point mode. Denormals (|x| < 1.2e-38) are flushed to
/// zero in our compute threads: on Intel cores an operation meeting one takes a
/// ~100-cycle microcode assist, and saturated LSTM gates (sigmoid of a large
/// negative pre-activation) make them by the million — a digits training epoch
/// went from 67 s to 151 s over seven epochs on a Xeon before this. Values that
/// small carry nothing a CTC model can use (PyTorch's `set_flush_denormal`).
public enum FloatEnvironment {
    /// Flush-to-zero and denormals-are-zero for the calling thread (threads
    /// created afterwards inherit it on Linux). Cheap; idempotent.
    @inline(__always) public static func flushDenormals() { asr_flush_denormals() }
    /// Whether the calling thread flushes denormals.
    public static var flushesDenormals: Bool { asr_denormals_flushed() != 0 }
}

/// The C heap's free pages back to the system (glibc `malloc_trim`): after a
/// large transient (a parsed manifest of a million lines), so that it does not
/// stay resident for the rest of the run. True when memory was released.
@discardableResult
public func releaseFreeMemory() -> Bool { asr_release_free_memory() != 0 }

/// Keeps a long run's C heap from growing with the number of allocations it has
/// made (glibc): two malloc arenas instead of up to 8 per core, and a fixed
/// 128 KiB mmap threshold, so every waveform or feature buffer of that size or
/// more is mapped and unmapped on its own. glibc raises the threshold to the size
/// of each large block freed, after which such blocks come from the arenas and
/// fragment them. Measured on a 16× digits epoch (docs/SCALING.md): peak RSS
/// 583 → 464 MiB, flat through the epoch instead of climbing. The environment's
/// `MALLOC_ARENA_MAX` / `MALLOC_MMAP_THRESHOLD_` win when set.
@discardableResult
public func boundHeapGrowth() -> Bool {
    let env = ProcessInfo.processInfo.environment
    return asr_bound_heap(env["MALLOC_ARENA_MAX"] == nil ? 2 : 0, env["MALLOC_MMAP_THRESHOLD_"] == nil ? 128 * 1024 : 0) != 0
}
