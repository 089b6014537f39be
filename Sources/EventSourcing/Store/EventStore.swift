/// The immutable event log plus the projection machinery around it.
///
/// Implementations: `PostgresEventStore` (the ingestor's) and `InMemoryEventStore` (tests, embedding).
public protocol EventStore: AnyObject, SendableMetatype {
    /// What projections write through.
    associatedtype Context

    /// Stores the events not stored yet (by `(bng_id, bng_instance_id, seq)`) and, in the same
    /// transaction, applies every event that became contiguous to `projection`. All or nothing.
    func append(_ events: [EventEnvelope], projection: some EventProjection<Context>) throws -> AppendOutcome

    /// `append`, with each event's JSON exactly as received (`encoded[i]` encodes `events[i]`),
    /// so a store that keeps the JSON need not encode it again. Defaults to `append(_:projection:)`.
    func append(_ events: [EventEnvelope], encoded: [[UInt8]], projection: some EventProjection<Context>) throws -> AppendOutcome

    /// Missing ranges per source: numbers below the highest stored one that are not stored.
    func gaps() throws -> [SequenceGap]

    /// Accepts the loss of a source's events through `seq`: held events after it are applied.
    func skipGap(of source: EventSource, through seq: UInt64, projection: some EventProjection<Context>) throws -> AppendOutcome

    /// Clears the projection's read models and rebuilds them from the log.
    func rebuild(_ projection: some EventProjection<Context>) throws -> ReplaySummary

    /// Stored events of `source` with `seq > after`, in order, at most `limit`.
    func events(of source: EventSource, after: UInt64, limit: Int) throws -> [EventEnvelope]
}

extension EventStore {
    /// Ignores `encoded` and calls `append(_:projection:)`.
    public func append(_ events: [EventEnvelope], encoded: [[UInt8]], projection: some EventProjection<Context>) throws -> AppendOutcome {
        try append(events, projection: projection)
    }
}
