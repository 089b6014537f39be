import Synchronization

/// Answers that many requests share — list totals, the stats — kept for a short `ttl`, computed
/// once however many requests ask at the same moment (later callers wait for the first).
///
/// A total or a stats card at most `ttl` old is what a dashboard refreshed by a one-second feed
/// shows anyway; the rows of a page are never cached.
final class ResultCache<Value: Sendable>: Sendable {
    let ttl: Duration
    private let entries = Mutex<[String: Entry]>([:])

    private struct Entry {
        var task: Task<Value, any Error>
        var stored: ContinuousClock.Instant
    }

    init(ttl: Duration) { self.ttl = ttl }

    /// The cached value for `key`, or `compute()`'s (then cached).
    func value(for key: String, _ compute: @escaping @Sendable () async throws -> Value) async throws -> Value {
        guard ttl > .zero else { return try await compute() }
        let now = ContinuousClock.now
        let task = entries.withLock { entries -> Task<Value, any Error> in
            if let entry = entries[key], now - entry.stored < ttl { return entry.task }
            if entries.count > 1024 { entries = entries.filter { now - $0.value.stored < ttl } }
            let task = Task { try await compute() }
            entries[key] = Entry(task: task, stored: now)
            return task
        }
        do {
            return try await task.value
        } catch {
            // A failure is not an answer to keep.
            entries.withLock { entries in if entries[key]?.stored == now { entries.removeValue(forKey: key) } }
            throw error
        }
    }

    /// Forgets everything (after a change made through this API, so its own totals are fresh).
    func removeAll() { entries.withLock { $0.removeAll() } }

    /// Stores a value computed elsewhere (the change feed's tick).
    func store(_ value: Value, for key: String) {
        guard ttl > .zero else { return }
        entries.withLock { $0[key] = Entry(task: Task { value }, stored: .now) }
    }
}
