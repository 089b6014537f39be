import Foundation

/// What in-memory projections write through: a mutable model that commits only when the whole
/// append succeeds (the store hands projections a copy and keeps it on success).
public final class InMemoryReadModel<State> {
    /// The model being built.
    public var state: State

    /// A model holding `state` (projections' own tests build one directly).
    public init(_ state: State) { self.state = state }
}

/// An event store in memory, with the same guarantees as `PostgresEventStore`: exactly-once
/// storage by event key, in-order per-source projection, gap reporting, replay.
public final class InMemoryEventStore<State>: EventStore, @unchecked Sendable {
    /// Projections write into an `InMemoryReadModel<State>`.
    public typealias Context = InMemoryReadModel<State>

    private let lock = NSLock()
    private var log: [EventSource: [UInt64: EventEnvelope]] = [:]
    private var trackers: [EventSource: SequenceTracker] = [:]
    private var model: State
    private let initial: State

    /// An empty store whose read model starts as `initialState` (and returns there on replay).
    public init(initialState: State) {
        self.model = initialState
        self.initial = initialState
    }

    /// The committed read model.
    public var state: State {
        lock.lock()
        defer { lock.unlock() }
        return model
    }

    /// Every stored event, ordered by key.
    public var storedEvents: [EventEnvelope] {
        lock.lock()
        defer { lock.unlock() }
        return log.keys.sorted().flatMap { source in log[source]!.keys.sorted().map { log[source]![$0]! } }
    }

    /// Stores new events and applies what became contiguous, all or nothing.
    public func append(_ events: [EventEnvelope], projection: some EventProjection<Context>) throws -> AppendOutcome {
        lock.lock()
        defer { lock.unlock() }
        var newLog = log
        var newTrackers = trackers
        let context = InMemoryReadModel(model)
        var outcome = AppendOutcome()
        for event in events {
            var tracker = newTrackers[event.source] ?? SequenceTracker()
            switch tracker.record(event.seq) {
            case .duplicate where newLog[event.source]?[event.seq] == nil:
                // A late arrival in a range an operator skipped: logged, never applied live.
                outcome.inserted += 1
                newLog[event.source, default: [:]][event.seq] = event
            case .duplicate:
                outcome.duplicates += 1
            case let .new(releasing):
                outcome.inserted += 1
                newLog[event.source, default: [:]][event.seq] = event
                if let releasing {
                    for seq in releasing {
                        try projection.apply(newLog[event.source]![seq]!, in: context)
                        outcome.applied += 1
                    }
                } else {
                    outcome.held += 1
                }
            }
            newTrackers[event.source] = tracker
        }
        log = newLog
        trackers = newTrackers
        model = context.state
        return outcome
    }

    /// Missing ranges of every source.
    public func gaps() throws -> [SequenceGap] {
        lock.lock()
        defer { lock.unlock() }
        return trackers.keys.sorted().flatMap { source in
            trackers[source]!.missingRanges.map { SequenceGap(source: source, missing: $0) }
        }
    }

    /// Settles `source` through `seq` and applies held events that follow.
    public func skipGap(of source: EventSource, through seq: UInt64, projection: some EventProjection<Context>) throws -> AppendOutcome {
        lock.lock()
        defer { lock.unlock() }
        var tracker = trackers[source] ?? SequenceTracker()
        let context = InMemoryReadModel(model)
        var outcome = AppendOutcome()
        for seq in tracker.skip(through: seq) {
            try projection.apply(log[source]![seq]!, in: context)
            outcome.applied += 1
        }
        trackers[source] = tracker
        model = context.state
        return outcome
    }

    /// Resets the model and re-applies the log per source up to its settled point.
    public func rebuild(_ projection: some EventProjection<Context>) throws -> ReplaySummary {
        lock.lock()
        defer { lock.unlock() }
        let context = InMemoryReadModel(initial)
        try projection.reset(in: context)
        var summary = ReplaySummary(events: 0, applied: 0, sources: log.count)
        for source in log.keys.sorted() {
            let settled = trackers[source]?.contiguousThrough ?? 0
            for seq in log[source]!.keys.sorted() {
                summary.events += 1
                guard seq <= settled else { continue }
                try projection.apply(log[source]![seq]!, in: context)
                summary.applied += 1
            }
        }
        model = context.state
        return summary
    }

    /// Stored events of `source` after `after`.
    public func events(of source: EventSource, after: UInt64, limit: Int) throws -> [EventEnvelope] {
        lock.lock()
        defer { lock.unlock() }
        guard let events = log[source] else { return [] }
        return events.keys.sorted().filter { $0 > after }.prefix(limit).map { events[$0]! }
    }
}
