/// The producer's side of the pipeline: numbers events and keeps them until every consumer that
/// matters has committed them.
///
/// An event moves through three marks, each never moving backwards except as noted:
/// appended (numbered, stored) → published (the stream accepted it, at a recorded stream
/// position) → committed (every consumer group the stream waits for acknowledged it, so it is in
/// their stores). Only committed events may be deleted. When the stream turns out to have lost
/// published events (Redis restarted without its last writes), ``republishUncommitted()`` moves
/// the published mark back to the committed one and they go out again; consumers drop the
/// duplicates by key.
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
    /// Records that the stream accepted every event through `seq`, the last of them at stream
    /// position `position` (or before it). Without a position the stream tracks no consumers and
    /// the events count as committed at once.
    func markPublished(through seq: UInt64, position: StreamMessageID?) throws
    /// Records that every published event whose stream position is below `floor` is committed.
    func markCommitted(below floor: StreamMessageID) throws
    /// Moves the published mark back to the committed one, so every event not yet committed is
    /// published again; returns how many that is.
    func republishUncommitted() throws -> Int
    /// The highest sequence number marked published (0 for none).
    func publishedThrough() throws -> UInt64
    /// The stream position of the last published event, nil when unknown (none, or after ``republishUncommitted()``).
    func publishedPosition() throws -> StreamMessageID?
    /// The highest sequence number through which every event is committed (0 for none).
    func committedThrough() throws -> UInt64
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

    /// Records that the stream accepted every event through `seq`, with no position to wait on.
    public func markPublished(through seq: UInt64) throws {
        try markPublished(through: seq, position: nil)
    }
}
