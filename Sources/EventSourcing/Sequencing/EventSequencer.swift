/// Hands out the sequence numbers of one source: 1, 2, 3, … never reused, never skipped.
///
/// Pure state: durability comes from whoever stores `lastIssued` in the same transaction as the
/// event it numbered (`SQLiteOutbox` does), so a number that was not stored was never issued.
public struct EventSequencer: Hashable, Sendable {
    /// The producer these numbers belong to.
    public let source: EventSource
    /// The last number handed out; 0 before the first event.
    public private(set) var lastIssued: UInt64

    /// A sequencer that continues after `lastIssued` (0 for a new source).
    public init(source: EventSource, lastIssued: UInt64 = 0) {
        self.source = source
        self.lastIssued = lastIssued
    }

    /// The next number; throws `invalidConfiguration` once PostgreSQL's `bigint` range is used up.
    public mutating func next() throws -> UInt64 {
        guard lastIssued < EventEnvelope.maximumSequence else {
            throw EventSourcingError(.invalidConfiguration, "sequence of \(source) is exhausted at \(lastIssued); start a new instance")
        }
        lastIssued += 1
        return lastIssued
    }

    /// Numbers `draft` and advances.
    public mutating func sequence(_ draft: EventDraft) throws -> EventEnvelope {
        draft.sequenced(source: source, seq: try next())
    }
}
