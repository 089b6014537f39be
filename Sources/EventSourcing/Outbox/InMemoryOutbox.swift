import Foundation

/// An outbox in memory: same contract as `SQLiteOutbox` minus durability (for tests and embedding).
public final class InMemoryOutbox: EventOutbox, @unchecked Sendable {
    /// The source this outbox numbers for.
    public let source: EventSource
    /// Wakes publishers on append.
    public let signal = OutboxSignal()
    private let lock = NSLock()
    private var sequencer: EventSequencer
    /// Every event not yet committed, in sequence order, with its stream position once published.
    private var kept: [(event: EventEnvelope, position: StreamMessageID?)] = []
    private var published: UInt64 = 0
    private var position: StreamMessageID?
    private var committed: UInt64 = 0

    /// An empty outbox for `source`, continuing after `lastIssued`.
    public init(source: EventSource, lastIssued: UInt64 = 0) {
        self.source = source
        self.sequencer = EventSequencer(source: source, lastIssued: lastIssued)
        self.published = lastIssued
        self.committed = lastIssued
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
        kept += stored.map { ($0, nil) }
        lock.unlock()
        signal.notify()
        return stored
    }

    /// Oldest unpublished events first.
    public func unpublished(limit: Int) throws -> [EventEnvelope] {
        withLock { Array(kept.lazy.filter { $0.event.seq > self.published }.prefix(limit).map(\.event)) }
    }

    /// Moves the published mark; without a position the events are committed too and dropped.
    public func markPublished(through seq: UInt64, position: StreamMessageID?) throws {
        withLock {
            for index in kept.indices where kept[index].event.seq > published && kept[index].event.seq <= seq {
                kept[index].position = position
            }
            if seq > published {
                published = seq
                self.position = position
            }
            if position == nil { commit(through: published) }
        }
    }

    /// Drops the published events whose position is below `floor`.
    public func markCommitted(below floor: StreamMessageID) throws {
        withLock {
            let through = kept.last { $0.event.seq <= published && ($0.position.map { $0 < floor } ?? false) }?.event.seq
            if let through { commit(through: through) }
        }
    }

    /// Publishes every uncommitted event again.
    public func republishUncommitted() throws -> Int {
        withLock {
            let count = Int(published - committed)
            published = committed
            position = nil
            return count
        }
    }

    /// The highest published sequence number.
    public func publishedThrough() throws -> UInt64 { withLock { published } }
    /// Where the last published event landed.
    public func publishedPosition() throws -> StreamMessageID? { withLock { position } }
    /// The committed mark.
    public func committedThrough() throws -> UInt64 { withLock { committed } }

    private func commit(through seq: UInt64) {
        guard seq > committed else { return }
        committed = seq
        kept.removeAll { $0.event.seq <= seq }
    }

    private func withLock<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
