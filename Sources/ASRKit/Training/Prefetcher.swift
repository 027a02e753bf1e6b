import Foundation

/// Makes items 0..<count in order on a background thread, at most `depth` ahead
/// of the consumer, so that reading and feature extraction of the next batches
/// overlap the training step of this one while memory holds only `depth`
/// batches. `depth` 0 makes each item when it is asked for (no thread).
///
/// Items are taken in order with `next()`; `stop()` (also on deinit) ends the
/// thread after the item it is making.
final class Prefetcher<T>: @unchecked Sendable {
    let count: Int
    let depth: Int
    private let make: (Int) -> T
    private let condition = NSCondition()
    private var ready: [Int: T] = [:]
    /// Items taken by the consumer so far (the next one it takes).
    private var taken = 0
    private var stopped = false
    private var running = false

    init(count: Int, depth: Int, make: @escaping (Int) -> T) {
        self.count = count
        self.depth = max(depth, 0)
        self.make = make
        if self.depth > 0 && count > 0 {
            running = true
            let thread = Thread { [self] in produce() }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit { stop() }

    private func produce() {
        for j in 0..<count {
            condition.lock()
            while !stopped && j >= taken + depth { condition.wait() }
            let stop = stopped
            condition.unlock()
            if stop { break }
            let item = make(j)
            condition.lock()
            ready[j] = item
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        running = false
        condition.broadcast()
        condition.unlock()
    }

    /// The next item (waits for the thread to make it). Nil after the last.
    func next() -> T? {
        guard taken < count else { return nil }
        guard depth > 0 else {
            defer { taken += 1 }
            return make(taken)
        }
        condition.lock()
        defer { condition.unlock() }
        while ready[taken] == nil { condition.wait() }
        let item = ready.removeValue(forKey: taken)!
        taken += 1
        condition.broadcast()
        return item
    }

    /// Ends the background thread (after the item it is making) and waits for it.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }
}
