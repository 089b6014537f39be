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

    /// An empty stream; `clock` returns milliseconds (wall clock by default).
    public init(clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) {
        self.clock = clock
    }

    /// Appends each event as one entry, in order; always accepts all of them.
    public func publish(_ events: [EventEnvelope]) throws -> Int {
        let encoded = try events.map { try EventStreamFormat.fields(for: $0, codec: codec) }
        for fields in encoded { append(fields) }
        return events.count
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
