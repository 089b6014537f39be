import Foundation
import Synchronization

/// A stop flag shared between a blocking loop and whoever wants it to end, plus a sleep that
/// ends early when stop is requested.
public final class RunControl: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let wake = OutboxSignal()

    /// A control that has not been stopped.
    public init() {}

    /// Asks the loop to finish its current step and return.
    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        wake.notify()
    }

    /// True once `stop()` was called.
    public var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }

    /// Sleeps `seconds` or until stopped; returns false when stopped.
    @discardableResult
    public func sleep(seconds: Double) -> Bool {
        let seen = wake.current
        if isStopped { return false }
        wake.wait(after: seen, timeoutSeconds: seconds)
        return !isStopped
    }
}
