import Foundation

/// A counter that publishers wait on, bumped on every append, so a publisher sleeps until there is work.
public final class OutboxSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var generation: UInt64 = 0

    /// A signal at generation 0.
    public init() {}

    /// The current generation; pass it to `wait(after:timeoutSeconds:)`.
    public var current: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    /// Bumps the generation and wakes every waiter.
    public func notify() {
        condition.lock()
        generation &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until the generation differs from `seen` or `timeoutSeconds` pass; returns whether it changed.
    @discardableResult
    public func wait(after seen: UInt64, timeoutSeconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        while generation == seen {
            if !condition.wait(until: deadline) { return generation != seen }
        }
        return true
    }
}
