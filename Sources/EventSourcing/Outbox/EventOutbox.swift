/// The producer's side of the pipeline: numbers events and keeps them until a stream accepted them.
///
/// `append` returns only once the events (and the sequence numbers they consumed) are stored as
/// durably as the implementation promises; `SQLiteOutbox` means on disk, fsynced.
public protocol EventOutbox: AnyObject, Sendable {
    /// The BNG instance whose sequence this outbox owns.
    var source: EventSource { get }
    /// Numbers and stores `drafts` in one transaction; returns them with their sequence numbers.
    func append(_ drafts: [EventDraft]) throws -> [EventEnvelope]
    /// The oldest events not yet marked published, in sequence order, at most `limit`.
    func unpublished(limit: Int) throws -> [EventEnvelope]
    /// Records that the stream accepted every event through `seq`.
    func markPublished(through seq: UInt64) throws
    /// The highest sequence number marked published (0 for none).
    func publishedThrough() throws -> UInt64
    /// Wakes waiters when events are appended.
    var signal: OutboxSignal { get }
}

extension EventOutbox {
    /// Numbers and stores one draft.
    @discardableResult
    public func append(_ draft: EventDraft) throws -> EventEnvelope {
        let stored = try append([draft])
        guard let first = stored.first else {
            throw EventSourcingError(.outboxFailed, "append of one event returned nothing")
        }
        return first
    }
}
