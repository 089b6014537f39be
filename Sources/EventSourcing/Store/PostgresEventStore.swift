import Foundation
import Logging

/// The event log in PostgreSQL (`session_events`) plus per-source progress (`event_sources`),
/// with projections run inside the same transaction as the log insert.
///
/// Exactly-once: rows are keyed `(bng_id, bng_instance_id, seq)` and inserted with
/// `ON CONFLICT DO NOTHING`, so redeliveries write nothing. In order: `event_sources.applied_through`
/// records how far each source has been projected; an event after a gap is stored but held until
/// the gap fills (or `skipGap` accepts the loss), so projections see each source's history in
/// sequence whatever order the bus delivered it. Several ingestors may append at once: sources
/// are locked in key order and rows inserted in key order, so they never deadlock.
public final class PostgresEventStore: EventStore, @unchecked Sendable {
    /// Projections write through the transaction's connection.
    public typealias Context = PostgresConnection

    /// Connections used for appends, queries and replays.
    public let pool: PostgresPool
    private let codec = EventCodec()
    private let logger: Logger
    private let insert: PostgresBatchInsert

    /// The store's schema, applied by `migrate()` under component `eventsourcing`.
    public static let migrations: [PostgresMigration] = [
        PostgresMigration(version: 1, name: "create_session_events", sql: """
            CREATE TABLE IF NOT EXISTS session_events (
                bng_id          text        NOT NULL,
                bng_instance_id uuid        NOT NULL,
                seq             bigint      NOT NULL CHECK (seq > 0),
                event_type      text        NOT NULL,
                ts              timestamptz NOT NULL,
                schema_version  integer     NOT NULL,
                session_id      uuid,
                event           jsonb       NOT NULL,
                ingested_at     timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (bng_id, bng_instance_id, seq)
            );
            CREATE INDEX IF NOT EXISTS session_events_ts ON session_events (ts);
            CREATE INDEX IF NOT EXISTS session_events_session_id ON session_events (session_id) WHERE session_id IS NOT NULL;
            CREATE TABLE IF NOT EXISTS event_sources (
                bng_id          text        NOT NULL,
                bng_instance_id uuid        NOT NULL,
                applied_through bigint      NOT NULL DEFAULT 0,
                highest_seq     bigint      NOT NULL DEFAULT 0,
                updated_at      timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (bng_id, bng_instance_id)
            );
            """),
    ]

    /// A store over `pool`; call `migrate()` once before use.
    public init(pool: PostgresPool, logger: Logger = Logger(label: "aether.eventsourcing.event-store")) throws {
        self.pool = pool
        self.logger = logger
        self.insert = try PostgresBatchInsert(
            table: "session_events",
            columns: ["bng_id", "bng_instance_id", "seq", "event_type", "ts", "schema_version", "session_id", "event"],
            casts: ["", "::uuid", "::bigint", "", "::timestamptz", "::integer", "::uuid", "::jsonb"],
            suffix: "ON CONFLICT (bng_id, bng_instance_id, seq) DO NOTHING RETURNING bng_id, bng_instance_id, seq")
    }

    /// Creates or upgrades the store's tables.
    @discardableResult
    public func migrate() throws -> [PostgresMigration] {
        try pool.withConnection { try PostgresMigrator(component: "eventsourcing", migrations: Self.migrations).migrate($0, logger: logger) }
    }

    /// Stores and projects `events` in one transaction (see the type's description).
    public func append(_ events: [EventEnvelope], projection: some EventProjection<Context>) throws -> AppendOutcome {
        try append(events, encoded: try events.map { try codec.encode($0) }, projection: projection)
    }

    /// Stores and projects `events`, writing `encoded` (their JSON as received) to the `event` column.
    public func append(_ events: [EventEnvelope], encoded: [[UInt8]], projection: some EventProjection<Context>) throws -> AppendOutcome {
        guard !events.isEmpty else { return AppendOutcome() }
        guard encoded.count == events.count else {
            throw EventSourcingError(.invalidConfiguration, "append got \(events.count) events but \(encoded.count) encodings")
        }
        var unique: [EventKey: EventEnvelope] = [:]
        var json: [EventKey: [UInt8]] = [:]
        for (event, bytes) in zip(events, encoded) {
            unique[event.key] = event
            json[event.key] = bytes
        }
        let sorted = unique.values.sorted { $0.key < $1.key }
        let rows = sorted.map { event -> [String?] in
            [event.source.bngID, event.source.instanceID.postgresText, String(event.seq), event.eventType.rawValue,
             event.timestamp.postgresText, String(event.schemaVersion), event.payload.sessionID?.postgresText,
             String(decoding: json[event.key]!, as: UTF8.self)]
        }
        return try pool.withConnection { connection in
            try connection.transaction { tx in
                var inserted: [EventSource: [EventEnvelope]] = [:]
                for result in try insert.run(rows, on: tx) {
                    for row in result.typedRows {
                        let key = EventKey(source: EventSource(bngID: try row.decode("bng_id"), instanceID: try row.decode("bng_instance_id")),
                                           seq: try row.decode("seq"))
                        guard let event = unique[key] else {
                            throw EventSourcingError(.postgresResultShape, "INSERT returned \(key), which was not in the batch")
                        }
                        inserted[key.source, default: []].append(event)
                    }
                }
                var outcome = AppendOutcome(inserted: inserted.values.map(\.count).reduce(0, +))
                outcome.duplicates = events.count - outcome.inserted
                let progress = try lockSources(Array(inserted.keys), tx)
                var ready: [EventEnvelope] = []
                for source in inserted.keys.sorted() {
                    let new = inserted[source]!.sorted { $0.seq < $1.seq }
                    let before = progress[source]!
                    var applied = before.appliedThrough
                    if before.highestSeq > before.appliedThrough {
                        // Events are held behind a gap: continue from the log, which now includes this batch.
                        applied = try contiguous(of: source, after: applied, through: nil, tx, into: &ready)
                    } else {
                        for event in new where event.seq == applied + 1 {
                            ready.append(event)
                            applied = event.seq
                        }
                    }
                    outcome.held += new.filter { $0.seq > applied }.count
                    let highest = max(before.highestSeq, new.last!.seq)
                    try tx.query("UPDATE event_sources SET applied_through = $3, highest_seq = $4, updated_at = now() WHERE bng_id = $1 AND bng_instance_id = $2",
                                 bindings: [source.bngID, source.instanceID, applied, highest])
                }
                try projection.apply(batch: ready, in: tx)
                outcome.applied = ready.count
                if outcome.held > 0 {
                    logger.debug("events held behind a gap", metadata: ["held": "\(outcome.held)"])
                }
                return outcome
            }
        }
    }

    /// Missing ranges of every source whose projection is held by a gap.
    public func gaps() throws -> [SequenceGap] {
        try pool.withConnection { connection in
            let behind = try connection.query("""
                SELECT bng_id, bng_instance_id, applied_through FROM event_sources
                WHERE highest_seq > applied_through ORDER BY bng_id, bng_instance_id
                """).typedRows
            var gaps: [SequenceGap] = []
            for row in behind {
                let source = EventSource(bngID: try row.decode("bng_id"), instanceID: try row.decode("bng_instance_id"))
                let after: Int64 = try row.decode("applied_through")
                let ranges = try connection.query("""
                    SELECT prev + 1 AS first_missing, seq - 1 AS last_missing FROM (
                        SELECT seq, lag(seq, 1, $3::bigint) OVER (ORDER BY seq) AS prev
                        FROM session_events WHERE bng_id = $1 AND bng_instance_id = $2 AND seq > $3
                    ) steps WHERE seq > prev + 1 ORDER BY seq
                    """, bindings: [source.bngID, source.instanceID, after])
                for range in ranges.typedRows {
                    let first: UInt64 = try range.decode("first_missing"), last: UInt64 = try range.decode("last_missing")
                    gaps.append(SequenceGap(source: source, missing: first...last))
                }
            }
            return gaps
        }
    }

    /// Settles `source` through `seq` (accepting the loss of what never arrived) and applies
    /// the held events at or below it and the contiguous run after it.
    public func skipGap(of source: EventSource, through seq: UInt64, projection: some EventProjection<Context>) throws -> AppendOutcome {
        try pool.withConnection { connection in
            try connection.transaction { tx in
                guard let before = try lockSources([source], tx)[source], seq > before.appliedThrough else { return AppendOutcome() }
                var ready: [EventEnvelope] = []
                var applied = try contiguous(of: source, after: before.appliedThrough, through: seq, tx, into: &ready)
                applied = max(applied, seq)
                applied = try contiguous(of: source, after: applied, through: nil, tx, into: &ready)
                try projection.apply(batch: ready, in: tx)
                let outcome = AppendOutcome(applied: ready.count)
                try tx.query("UPDATE event_sources SET applied_through = $3, highest_seq = greatest(highest_seq, $3), updated_at = now() WHERE bng_id = $1 AND bng_instance_id = $2",
                             bindings: [source.bngID, source.instanceID, applied])
                logger.debug("gap skipped", metadata: ["source": "\(source)", "through": "\(seq)"])
                return outcome
            }
        }
    }

    /// Resets the projection and re-applies every source's log up to its settled point, in one
    /// transaction: readers see the old read models until the new ones are complete.
    public func rebuild(_ projection: some EventProjection<Context>) throws -> ReplaySummary {
        try pool.withConnection { connection in
            try connection.transaction { tx in
                try projection.reset(in: tx)
                let sources = try tx.query("SELECT bng_id, bng_instance_id, applied_through FROM event_sources ORDER BY bng_id, bng_instance_id").typedRows
                var summary = ReplaySummary(events: 0, applied: 0, sources: sources.count)
                summary.events = try tx.query("SELECT count(*) AS n FROM session_events").decode("n")
                for row in sources {
                    let source = EventSource(bngID: try row.decode("bng_id"), instanceID: try row.decode("bng_instance_id"))
                    let settled: UInt64 = try row.decode("applied_through")
                    var after: UInt64 = 0
                    while after < settled {
                        let page = try load(source, after: after, limit: 1000, tx).filter { $0.seq <= settled }
                        guard let last = page.last else { break }
                        try projection.apply(batch: page, in: tx)
                        summary.applied += page.count
                        after = last.seq
                    }
                }
                logger.debug("replay finished", metadata: ["events": "\(summary.events)", "applied": "\(summary.applied)"])
                return summary
            }
        }
    }

    /// Stored events of `source` after `after`, in order.
    public func events(of source: EventSource, after: UInt64, limit: Int) throws -> [EventEnvelope] {
        try pool.withConnection { try load(source, after: after, limit: limit, $0) }
    }

    struct Progress {
        var appliedThrough: UInt64
        var highestSeq: UInt64
    }

    /// Creates missing `event_sources` rows and locks all of them, in key order.
    private func lockSources(_ sources: [EventSource], _ tx: PostgresConnection) throws -> [EventSource: Progress] {
        let sorted = sources.sorted()
        guard !sorted.isEmpty else { return [:] }
        let rows = sorted.map { [$0.bngID, $0.instanceID.postgresText] as [String?] }
        try PostgresBatchInsert(table: "event_sources", columns: ["bng_id", "bng_instance_id"], casts: ["", "::uuid"],
                                suffix: "ON CONFLICT DO NOTHING").run(rows, on: tx)
        var progress: [EventSource: Progress] = [:]
        for source in sorted {
            let row = try tx.query("SELECT applied_through, highest_seq FROM event_sources WHERE bng_id = $1 AND bng_instance_id = $2 FOR UPDATE",
                                   bindings: [source.bngID, source.instanceID])
            progress[source] = Progress(appliedThrough: try row.decode("applied_through"), highestSeq: try row.decode("highest_seq"))
        }
        return progress
    }

    /// Collects stored events of `source` after `after` while they are contiguous (and, with
    /// `through`, every stored one up to it) into `ready`; returns the last collected sequence number.
    private func contiguous(of source: EventSource, after: UInt64, through: UInt64?, _ tx: PostgresConnection,
                            into ready: inout [EventEnvelope]) throws -> UInt64 {
        var applied = after
        while true {
            // Without `through`, only the unbroken run after `applied` can be applied: load just
            // that (an event held behind a gap would be read and decoded for nothing).
            let page = try load(source, after: applied, limit: 1000, contiguousOnly: through == nil, tx)
            var progressed = false
            for event in page {
                guard event.seq == applied + 1 || (through.map { event.seq <= $0 } ?? false) else { return applied }
                ready.append(event)
                applied = event.seq
                progressed = true
            }
            if !progressed || page.count < 1000 { return applied }
        }
    }

    private func load(_ source: EventSource, after: UInt64, limit: Int, contiguousOnly: Bool = false,
                      _ connection: PostgresConnection) throws -> [EventEnvelope] {
        // In the unbroken run after `after`, seq − row number stays `after`; the first gap raises it.
        let sql = contiguousOnly ? """
            SELECT event::text AS event FROM (
                SELECT seq, event, seq - row_number() OVER (ORDER BY seq) AS run FROM (
                    SELECT seq, event FROM session_events
                    WHERE bng_id = $1 AND bng_instance_id = $2 AND seq > $3 ORDER BY seq LIMIT $4) page
            ) numbered WHERE run = $3 ORDER BY seq
            """ : """
            SELECT event::text AS event FROM session_events
            WHERE bng_id = $1 AND bng_instance_id = $2 AND seq > $3 ORDER BY seq LIMIT $4
            """
        return try connection.query(sql, bindings: [source.bngID, source.instanceID, after, limit]).typedRows.map {
            try codec.decode(Array(try $0.decode("event", as: String.self).utf8))
        }
    }
}
