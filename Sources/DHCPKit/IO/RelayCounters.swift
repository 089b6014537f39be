import Synchronization

/// Counts what a relay service did, by name (`forwarded`, `delivered`, `drop.unknownClient`, …),
/// readable from any thread while the relay runs; names are stable metric labels.
public final class RelayCounters: Sendable {
    private let values = Mutex<[String: Int]>([:])

    public init() {}

    /// Adds `amount` to `name`.
    public func increment(_ name: String, by amount: Int = 1) {
        values.withLock { $0[name, default: 0] += amount }
    }

    /// The current value of `name` (0 when never counted).
    public func value(_ name: String) -> Int {
        values.withLock { $0[name] ?? 0 }
    }

    /// Every counter, for a metrics endpoint or a log line.
    public var snapshot: [String: Int] {
        values.withLock { $0 }
    }
}
