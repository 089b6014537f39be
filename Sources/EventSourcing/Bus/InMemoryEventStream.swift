import Foundation

/// A stream with consumer groups held in memory: the same contract as a Redis Stream
/// (pending lists, acknowledgement, idle claiming) for embedding and unit tests.
///
/// Thread-safe. Time comes from `clock` (milliseconds), so idle claiming is testable without sleeping.
public final class InMemoryEventStream: EventStreamProducer, @unchecked Sendable {
    struct Pending {
        var consumer: String
        var deliveredAt: UInt64
        var deliveries: Int
    }

    struct Group {
        /// Index into `entries` of the next never-delivered message.
        var nextIndex = 0
        var pending: [StreamMessageID: Pending] = [:]
    }

    private let condition = NSCondition()
    private var entries: [StreamMessage] = []
    private var groups: [String: Group] = [:]
    private var lastMilliseconds: UInt64 = 0
    private var lastSequence: UInt64 = 0
    private let clock: @Sendable () -> UInt64
    private let codec = EventCodec()
    /// The consumer groups ``committedFloor()`` waits for (none: accepted counts as done).
    public let committedGroups: [String]

    /// An empty stream; `clock` returns milliseconds (wall clock by default). With
    /// `committedGroups`, publishers keep their events until each of those groups acknowledged them.
    public init(committedGroups: [String] = [],
                clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) {
        self.committedGroups = committedGroups
        self.clock = clock
    }

    /// Appends each event as one entry, in order; always accepts all of them. Throws
    /// `streamLostEvents` when `confirming` names an entry the stream no longer holds
    /// (see ``loseNewest(_:)``).
    public func publish(_ events: [EventEnvelope], confirming: StreamMessageID?) throws -> PublishReceipt {
        if let confirming {
            condition.lock()
            let held = holds(confirming)
            condition.unlock()
            guard held else { throw EventSourcingError(.streamLostEvents, "the in-memory stream no longer holds \(confirming)") }
        }
        let encoded = try events.map { try EventStreamFormat.fields(for: $0, codec: codec) }
        var last: StreamMessageID?
        for fields in encoded { last = append(fields) }
        return PublishReceipt(accepted: events.count, position: last)
    }

    /// Whether an entry with `id` is in the stream (binary search; entries are in ID order). Locked by the caller.
    private func holds(_ id: StreamMessageID) -> Bool {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].id == id
    }

    /// Whether ``committedGroups`` names any group.
    public var waitsForConsumerGroups: Bool { !committedGroups.isEmpty }

    /// For each of ``committedGroups``: its oldest pending entry, else the entry after the last
    /// one delivered; the lowest of them. A group that does not exist has committed nothing.
    public func committedFloor() throws -> StreamMessageID? {
        guard !committedGroups.isEmpty else { return nil }
        condition.lock()
        defer { condition.unlock() }
        return committedGroups.map { name -> StreamMessageID in
            guard let group = groups[name] else { return .zero }
            if let oldest = group.pending.keys.min() { return oldest }
            return group.nextIndex < entries.count ? entries[group.nextIndex].id : (entries.last?.id.successor ?? .zero)
        }.min() ?? .zero
    }

    /// Drops the newest `count` entries, as a Redis that restarted without its last writes
    /// would; groups forget deliveries of them.
    public func loseNewest(_ count: Int) {
        condition.lock()
        defer { condition.unlock() }
        let kept = max(0, entries.count - count)
        let lost = Set(entries[kept...].map(\.id))
        entries.removeLast(entries.count - kept)
        for name in groups.keys {
            groups[name]!.nextIndex = min(groups[name]!.nextIndex, kept)
            groups[name]!.pending = groups[name]!.pending.filter { !lost.contains($0.key) }
        }
    }

    /// Appends one raw entry (tests use it to inject duplicates and foreign data).
    @discardableResult
    public func append(_ fields: [StreamField]) -> StreamMessageID {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        let now = clock()
        if now > lastMilliseconds {
            lastMilliseconds = now
            lastSequence = 0
        } else {
            lastSequence += 1
        }
        let id = StreamMessageID(rawValue: "\(lastMilliseconds)-\(lastSequence)")
        entries.append(StreamMessage(id: id, fields: fields))
        return id
    }

    /// Every entry, oldest first.
    public var messages: [StreamMessage] {
        condition.lock()
        defer { condition.unlock() }
        return entries
    }

    /// How many messages of `group` are delivered but not acknowledged.
    public func pendingCount(group: String) -> Int {
        condition.lock()
        defer { condition.unlock() }
        return groups[group]?.pending.count ?? 0
    }

    /// A consumer named `name` in `group`.
    public func consumer(group: String, name: String) -> InMemoryStreamConsumer {
        InMemoryStreamConsumer(stream: self, group: group, name: name)
    }

    func ensureGroup(_ group: String) {
        condition.lock()
        defer { condition.unlock() }
        if groups[group] == nil { groups[group] = Group() }
    }

    func readNew(group: String, consumer: String, count: Int, blockMilliseconds: Int) throws -> [StreamMessage] {
        condition.lock()
        defer { condition.unlock() }
        guard groups[group] != nil else { throw Self.noGroup(group) }
        if blockMilliseconds > 0, groups[group]!.nextIndex >= entries.count {
            _ = condition.wait(until: Date().addingTimeInterval(Double(blockMilliseconds) / 1000))
        }
        var state = groups[group]!
        let end = min(entries.count, state.nextIndex + count)
        let batch = Array(entries[state.nextIndex..<end])
        let now = clock()
        for message in batch {
            state.pending[message.id] = Pending(consumer: consumer, deliveredAt: now, deliveries: 1)
        }
        state.nextIndex = end
        groups[group] = state
        return batch
    }

    func readPending(group: String, consumer: String, after: StreamMessageID, count: Int) throws -> [StreamMessage] {
        condition.lock()
        defer { condition.unlock() }
        guard var state = groups[group] else { throw Self.noGroup(group) }
        let now = clock()
        var batch: [StreamMessage] = []
        for message in entries where message.id > after && batch.count < count {
            guard var pending = state.pending[message.id], pending.consumer == consumer else { continue }
            pending.deliveredAt = now
            pending.deliveries += 1
            state.pending[message.id] = pending
            batch.append(message)
        }
        groups[group] = state
        return batch
    }

    func claimIdle(group: String, consumer: String, minIdleMilliseconds: Int, count: Int) throws -> [StreamMessage] {
        condition.lock()
        defer { condition.unlock() }
        guard var state = groups[group] else { throw Self.noGroup(group) }
        let now = clock()
        var batch: [StreamMessage] = []
        for message in entries where batch.count < count {
            guard var pending = state.pending[message.id],
                  now >= pending.deliveredAt + UInt64(max(0, minIdleMilliseconds)) else { continue }
            pending.consumer = consumer
            pending.deliveredAt = now
            pending.deliveries += 1
            state.pending[message.id] = pending
            batch.append(message)
        }
        groups[group] = state
        return batch
    }

    func acknowledge(group: String, ids: [StreamMessageID]) throws {
        condition.lock()
        defer { condition.unlock() }
        guard groups[group] != nil else { throw Self.noGroup(group) }
        for id in ids { groups[group]!.pending[id] = nil }
    }

    private static func noGroup(_ group: String) -> EventSourcingError {
        EventSourcingError(.redisCommandFailed, "NOGROUP no consumer group \"\(group)\"; call ensureGroup() first")
    }
}

/// A consumer of an `InMemoryEventStream`.
public final class InMemoryStreamConsumer: EventStreamConsumer, @unchecked Sendable {
    private let stream: InMemoryEventStream
    /// The consumer group.
    public let group: String
    /// This consumer's name.
    public let name: String

    init(stream: InMemoryEventStream, group: String, name: String) {
        self.stream = stream
        self.group = group
        self.name = name
    }

    /// Creates the group when missing.
    public func ensureGroup() throws { stream.ensureGroup(group) }

    /// Never-delivered messages.
    public func readNew(count: Int, blockMilliseconds: Int) throws -> [StreamMessage] {
        try stream.readNew(group: group, consumer: name, count: count, blockMilliseconds: blockMilliseconds)
    }

    /// This consumer's pending messages above `after`.
    public func readPending(after: StreamMessageID, count: Int) throws -> [StreamMessage] {
        try stream.readPending(group: group, consumer: name, after: after, count: count)
    }

    /// Takes over messages idle longer than `minIdleMilliseconds`.
    public func claimIdle(minIdleMilliseconds: Int, count: Int) throws -> [StreamMessage] {
        try stream.claimIdle(group: group, consumer: name, minIdleMilliseconds: minIdleMilliseconds, count: count)
    }

    /// Removes `ids` from the pending list.
    public func acknowledge(_ ids: [StreamMessageID]) throws {
        try stream.acknowledge(group: group, ids: ids)
    }
}
