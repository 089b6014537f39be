/// A bounded table of what a relay learned about clients (the port or interface behind a MAC),
/// with ageing on an injected clock and a defined eviction.
///
/// - An entry lives `lifetime` after it was last learned or refreshed; expired entries are
///   invisible to lookups and removed as the table grows.
/// - At `capacity`, learning a new key first removes expired entries, then the entry that was
///   refreshed longest ago (least recently learned), so a MAC flood displaces old idle clients
///   and never grows memory.
/// - ``seed(_:now:)`` loads entries known from elsewhere (a BNG's session store after a restart).
///
/// Pure value type: time comes in with every call.
public struct LearnedTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var value: Value
        var learnedAt: ContinuousClock.Instant
        var stamp: UInt64
    }

    /// Most entries held.
    public let capacity: Int
    /// How long an entry lives after it was last learned.
    public let lifetime: Duration
    private var entries: [Key: Entry] = [:]
    /// Keys in the order they were last learned; stale positions are skipped (their stamp no
    /// longer matches the entry's).
    private var order: [(key: Key, stamp: UInt64)] = []
    private var orderStart = 0
    private var nextStamp: UInt64 = 0

    /// An empty table; `capacity` is at least 1.
    public init(capacity: Int, lifetime: Duration) {
        self.capacity = max(1, capacity)
        self.lifetime = lifetime
    }

    /// Entries held, expired ones not yet removed included.
    public var count: Int { entries.count }

    /// The live value for `key`, or `nil` when unknown or expired at `now`.
    public func value(for key: Key, now: ContinuousClock.Instant) -> Value? {
        guard let entry = entries[key], now - entry.learnedAt < lifetime else { return nil }
        return entry.value
    }

    /// Records `value` for `key` at `now`, refreshing its lifetime; evicts as described above
    /// when a new key would exceed the capacity. Returns the evicted key, if one was.
    @discardableResult
    public mutating func learn(_ key: Key, _ value: Value, now: ContinuousClock.Instant) -> Key? {
        var evicted: Key?
        if entries[key] == nil, entries.count >= capacity {
            removeExpired(now: now)
            if entries.count >= capacity { evicted = evictOldest() }
        }
        nextStamp &+= 1
        entries[key] = Entry(value: value, learnedAt: now, stamp: nextStamp)
        order.append((key, nextStamp))
        compactOrderIfSparse()
        return evicted
    }

    /// The live entries at `now`.
    public func liveCount(now: ContinuousClock.Instant) -> Int {
        entries.values.count { now - $0.learnedAt < lifetime }
    }

    /// Forgets `key`.
    public mutating func forget(_ key: Key) {
        entries[key] = nil
    }

    /// Loads `pairs` as if each was learned at `now` (later pairs win for a repeated key).
    public mutating func seed(_ pairs: some Sequence<(Key, Value)>, now: ContinuousClock.Instant) {
        for (key, value) in pairs { learn(key, value, now: now) }
    }

    /// Removes every entry expired at `now`; returns how many.
    @discardableResult
    public mutating func removeExpired(now: ContinuousClock.Instant) -> Int {
        let before = entries.count
        entries = entries.filter { now - $0.value.learnedAt < lifetime }
        compactOrderIfSparse()
        return before - entries.count
    }

    private mutating func evictOldest() -> Key? {
        while orderStart < order.count {
            let candidate = order[orderStart]
            orderStart += 1
            if entries[candidate.key]?.stamp == candidate.stamp {
                entries[candidate.key] = nil
                return candidate.key
            }
        }
        return nil
    }

    /// Keeps the order list within a small multiple of the live entries.
    private mutating func compactOrderIfSparse() {
        guard order.count - orderStart > 2 * entries.count + 64 else { return }
        order = order[orderStart...].filter { entries[$0.key]?.stamp == $0.stamp }
        orderStart = 0
    }
}
