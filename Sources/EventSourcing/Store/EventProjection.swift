/// Turns events into read models, inside the store's transaction.
///
/// The store hands every event over exactly once, in sequence order within each source, and
/// only once every earlier event of that source has been handed over: a projection may assume a
/// gap-free, duplicate-free history per source whatever order the bus delivered it in.
/// Stores call `apply(batch:in:)` with everything one transaction projects (several sources,
/// each source's events in order); a projection that writes set-wise implements it, one that
/// writes per event implements only `apply(_:in:)`.
/// Writes go through `context` (a PostgreSQL connection inside the transaction, or an
/// in-memory model) so they commit or roll back with the event rows.
public protocol EventProjection<Context>: SendableMetatype {
    /// What the projection writes through.
    associatedtype Context
    /// Clears every read model this projection owns (the start of a replay).
    func reset(in context: Context) throws
    /// Applies one event.
    func apply(_ event: EventEnvelope, in context: Context) throws
    /// Applies `events` in order; events of one source are in sequence order, sources may
    /// interleave. The default applies them one at a time.
    func apply(batch events: [EventEnvelope], in context: Context) throws
}

extension EventProjection {
    public func apply(batch events: [EventEnvelope], in context: Context) throws {
        for event in events { try apply(event, in: context) }
    }
}

/// What one `append` did.
public struct AppendOutcome: Hashable, Sendable {
    /// Events stored for the first time.
    public var inserted: Int
    /// Events that were already stored (redeliveries); nothing was written for them.
    public var duplicates: Int
    /// Events handed to the projection by this call (may include earlier held ones).
    public var applied: Int
    /// New events stored but held back from the projection because an earlier one is missing.
    public var held: Int

    /// An outcome.
    public init(inserted: Int = 0, duplicates: Int = 0, applied: Int = 0, held: Int = 0) {
        self.inserted = inserted
        self.duplicates = duplicates
        self.applied = applied
        self.held = held
    }
}

/// What a replay did.
public struct ReplaySummary: Hashable, Sendable {
    /// Events read from the log.
    public var events: Int
    /// Events applied to the projection (the rest sit after a gap).
    public var applied: Int
    /// Sources seen.
    public var sources: Int

    /// A summary.
    public init(events: Int, applied: Int, sources: Int) {
        self.events = events
        self.applied = applied
        self.sources = sources
    }
}
