import Foundation

/// An outbox in memory: same contract as `SQLiteOutbox` minus durability (for tests and embedding).
public final class InMemoryOutbox: EventOutbox, @unchecked Sendable {
    /// The source this outbox numbers for.
    public let source: EventSource
    /// Wakes publishers on append.
    public let signal = OutboxSignal()
    private let lock = NSLock()
    private var sequencer: EventSequencer
    private var pending: [EventEnvelope] = []
    private var published: UInt64 = 0

    /// An empty outbox for `source`, continuing after `lastIssued`.
    public init(source: EventSource, lastIssued: UInt64 = 0) {
        self.source = source
        self.sequencer = EventSequencer(source: source, lastIssued: lastIssued)
        self.published = lastIssued
    }

    /// Numbers and keeps the drafts.
    public func append(_ drafts: [EventDraft]) throws -> [EventEnvelope] {
        lock.lock()
        var copy = sequencer
        let stored: [EventEnvelope]
        do {
            stored = try drafts.map { try copy.sequence($0) }
        } catch {
            lock.unlock()
            throw error
        }
        sequencer = copy
        pending += stored
        lock.unlock()
        signal.notify()
        return stored
    }

    /// Oldest unpublished events first.
    public func unpublished(limit: Int) throws -> [EventEnvelope] {
        lock.lock()
        defer { lock.unlock() }
        return Array(pending.prefix(limit))
    }

    /// Drops events through `seq`.
    public func markPublished(through seq: UInt64) throws {
        lock.lock()
        defer { lock.unlock() }
        pending.removeAll { $0.seq <= seq }
        published = max(published, seq)
    }

    /// The highest published sequence number.
    public func publishedThrough() throws -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return published
    }
}
