import Foundation
import GRDB
import Logging

/// The BNG's durable outbox: tables in an SQLite database (through GRDB) holding the sequence
/// counter, the instance id and every event not yet accepted by the stream.
///
/// `append` numbers events and commits them, with the new counter, in one transaction in WAL
/// mode with `synchronous = FULL`: when it returns, the events survive a crash or power loss, and
/// a number that was not committed was never handed out (no gaps, no reuse). Reopening the
/// database continues the same instance and sequence. A published event is kept, with the
/// stream position it landed at, until every consumer group the stream waits for has committed
/// it (``markCommitted(below:)``), then for `retainPublished` more events, then deleted.
///
/// A caller with state of its own in the same database (a BNG's sessions) opens the outbox on
/// its `DatabaseQueue` and calls ``append(_:in:)`` inside its own write transaction, so a state
/// change and the events it causes commit together or not at all.
public final class SQLiteOutbox: EventOutbox, @unchecked Sendable {
    // The queue serialises every database access; the other properties are immutable.

    /// The BNG instance this database belongs to.
    public let source: EventSource
    /// Wakes publishers on append.
    public let signal = OutboxSignal()
    /// Committed events kept after commitment (for inspection), default 10 000.
    public let retainPublished: UInt64
    /// The database file path.
    public let path: String
    /// What the outbox counts (appends, backlog).
    public let metrics: EventProducerMetrics
    /// The database; share it to append inside your own transactions.
    public let database: DatabaseQueue
    private let codec = EventCodec()

    /// The configuration every BNG database needs: WAL with `synchronous = FULL`.
    public static func databaseConfiguration(label: String = "aether-outbox") -> Configuration {
        var configuration = Configuration()
        configuration.label = label
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Opens or creates the outbox file at `path` for `bngID`. A new file gets `newInstanceID`;
    /// an existing one keeps its instance. Throws `outboxIdentityMismatch` when the file belongs
    /// to another BNG, `outboxFailed` when SQLite fails.
    public convenience init(path: String, bngID: String, newInstanceID: UUID = UUID(), retainPublished: UInt64 = 10_000,
                            metrics: EventProducerMetrics? = nil) throws {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: Self.databaseConfiguration())
        } catch {
            throw EventSourcingError(.outboxFailed, "cannot open outbox \(path): \(error)")
        }
        try self.init(database: queue, bngID: bngID, newInstanceID: newInstanceID, retainPublished: retainPublished, metrics: metrics)
    }

    /// Opens the outbox in `database` (creating its tables, `outbox_identity` and
    /// `outbox_events`, when missing). Open the queue with ``databaseConfiguration(label:)``.
    public init(database: DatabaseQueue, bngID: String, newInstanceID: UUID = UUID(), retainPublished: UInt64 = 10_000,
                metrics: EventProducerMetrics? = nil) throws {
        guard !bngID.isEmpty else { throw EventSourcingError(.invalidConfiguration, "bngID is empty") }
        self.database = database
        path = database.path
        self.retainPublished = retainPublished
        self.metrics = metrics ?? EventProducerMetrics(bng: bngID)
        do {
            var migrator = DatabaseMigrator()
            migrator.registerMigration("outbox-v1") { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS outbox_identity (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        bng_id TEXT NOT NULL,
                        instance_id TEXT NOT NULL,
                        last_seq INTEGER NOT NULL,
                        published_through INTEGER NOT NULL
                    );
                    CREATE TABLE IF NOT EXISTS outbox_events (
                        seq INTEGER PRIMARY KEY,
                        event BLOB NOT NULL
                    );
                    """)
            }
            migrator.registerMigration("outbox-v2-committed") { db in
                // Files from before commit tracking: what they published counts as committed.
                try db.execute(sql: """
                    ALTER TABLE outbox_events ADD COLUMN stream_ms INTEGER;
                    ALTER TABLE outbox_events ADD COLUMN stream_seq INTEGER;
                    ALTER TABLE outbox_identity ADD COLUMN committed_through INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE outbox_identity ADD COLUMN published_position TEXT;
                    UPDATE outbox_identity SET committed_through = published_through;
                    """)
            }
            try migrator.migrate(database)
            let (source, backlog, uncommitted) = try database.write { db -> (EventSource, UInt64, UInt64) in
                if let row = try Row.fetchOne(db, sql: "SELECT bng_id, instance_id, last_seq, published_through, committed_through FROM outbox_identity") {
                    let storedBNG: String = row["bng_id"]
                    let storedInstance: String = row["instance_id"]
                    guard storedBNG == bngID, let instance = UUID(uuidString: storedInstance) else {
                        throw EventSourcingError(.outboxIdentityMismatch,
                                                 "\(database.path) belongs to BNG \"\(storedBNG)\", not \"\(bngID)\"; use that BNG's id or another file")
                    }
                    let last: Int64 = row["last_seq"]
                    let published: Int64 = row["published_through"]
                    let committed: Int64 = row["committed_through"]
                    return (EventSource(bngID: bngID, instanceID: instance), UInt64(max(0, last - published)), UInt64(max(0, last - committed)))
                }
                try db.execute(sql: "INSERT INTO outbox_identity (singleton, bng_id, instance_id, last_seq, published_through) VALUES (1, ?, ?, 0, 0)",
                               arguments: [bngID, newInstanceID.uuidString.lowercased()])
                return (EventSource(bngID: bngID, instanceID: newInstanceID), 0, 0)
            }
            self.source = source
            self.metrics.backlog.record(backlog)
            self.metrics.uncommitted.record(uncommitted)
        } catch let error as EventSourcingError {
            throw error
        } catch {
            throw EventSourcingError(.outboxFailed, "cannot open outbox \(database.path): \(error)")
        }
    }

    /// Numbers and commits `drafts` durably in one transaction of their own.
    public func append(_ drafts: [EventDraft]) throws -> [EventEnvelope] {
        guard !drafts.isEmpty else { return [] }
        return try guarded("append") {
            try database.write { db in try append(drafts, in: db) }
        }
    }

    /// Numbers and stores `drafts` inside the caller's write transaction `db`: they commit (and
    /// wake the publisher) with it, or vanish with its rollback, numbers included.
    public func append(_ drafts: [EventDraft], in db: Database) throws -> [EventEnvelope] {
        guard !drafts.isEmpty else { return [] }
        let started = ContinuousClock.now
        let row = try Row.fetchOne(db, sql: "SELECT last_seq, published_through, committed_through FROM outbox_identity")
        let last = UInt64(row?["last_seq"] as Int64? ?? 0)
        let published = UInt64(row?["published_through"] as Int64? ?? 0)
        let committed = UInt64(row?["committed_through"] as Int64? ?? 0)
        var sequencer = EventSequencer(source: source, lastIssued: last)
        let envelopes = try drafts.map { try sequencer.sequence($0) }
        let statement = try db.cachedStatement(sql: "INSERT INTO outbox_events (seq, event) VALUES (?, ?)")
        for envelope in envelopes {
            try statement.execute(arguments: [Int64(envelope.seq), Data(try codec.encode(envelope))])
        }
        try db.execute(sql: "UPDATE outbox_identity SET last_seq = ?", arguments: [Int64(sequencer.lastIssued)])
        let count = envelopes.count
        let backlog = sequencer.lastIssued - min(published, sequencer.lastIssued)
        let uncommitted = sequencer.lastIssued - min(committed, sequencer.lastIssued)
        db.afterNextTransaction { [signal, metrics] _ in
            metrics.appended.increment(by: count)
            metrics.appendDuration.record(duration: ContinuousClock.now - started)
            metrics.backlog.record(backlog)
            metrics.uncommitted.record(uncommitted)
            signal.notify()
        }
        return envelopes
    }

    /// Oldest unpublished events, in sequence order.
    public func unpublished(limit: Int) throws -> [EventEnvelope] {
        try guarded("read") {
            try database.read { db in
                try Data.fetchAll(db, sql: """
                    SELECT event FROM outbox_events
                    WHERE seq > (SELECT published_through FROM outbox_identity) ORDER BY seq LIMIT ?
                    """, arguments: [limit]).map { try codec.decode(Array($0)) }
            }
        }
    }

    /// Moves the published mark to `seq` (never backwards), recording `position` for the newly
    /// published events; without a position they are committed at once. Prunes old committed events.
    public func markPublished(through seq: UInt64, position: StreamMessageID?) throws {
        try write("mark") { db in
            let parts = position.map { (Int64(clamping: $0.parts.milliseconds), Int64(clamping: $0.parts.sequence)) }
            try db.execute(sql: """
                UPDATE outbox_events SET stream_ms = ?, stream_seq = ?
                WHERE seq > (SELECT published_through FROM outbox_identity) AND seq <= ?
                """, arguments: [parts?.0, parts?.1, Int64(seq)])
            try db.execute(sql: """
                UPDATE outbox_identity SET published_position = CASE WHEN ? > published_through THEN ? ELSE published_position END,
                                           published_through = max(published_through, ?)
                """, arguments: [Int64(seq), position?.rawValue, Int64(seq)])
            if position == nil {
                try db.execute(sql: "UPDATE outbox_identity SET committed_through = max(committed_through, published_through)")
            }
        }
    }

    /// Moves the committed mark to the last published event whose stream position is below
    /// `floor` (never backwards) and prunes old committed events.
    public func markCommitted(below floor: StreamMessageID) throws {
        try write("commit") { db in
            let (ms, sequence) = (Int64(clamping: floor.parts.milliseconds), Int64(clamping: floor.parts.sequence))
            try db.execute(sql: """
                UPDATE outbox_identity SET committed_through = max(committed_through, coalesce((
                    SELECT max(seq) FROM outbox_events
                    WHERE seq <= (SELECT published_through FROM outbox_identity) AND stream_ms IS NOT NULL
                      AND (stream_ms < ? OR (stream_ms = ? AND stream_seq < ?))), 0))
                """, arguments: [ms, ms, sequence])
        }
    }

    /// Moves the published mark back to the committed one; returns how many events go out again.
    public func republishUncommitted() throws -> Int {
        try write("republish") { db in
            let count = try Int.fetchOne(db, sql: "SELECT published_through - committed_through FROM outbox_identity") ?? 0
            try db.execute(sql: "UPDATE outbox_identity SET published_through = committed_through, published_position = NULL")
            return count
        }
    }

    /// One write transaction that ends by pruning committed events past the retention and
    /// recording the backlog gauges.
    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        let (result, marks) = try guarded(what) {
            try database.write { db -> (T, (UInt64, UInt64)) in
                let result = try body(db)
                let committed = try UInt64.fetchOne(db, sql: "SELECT committed_through FROM outbox_identity") ?? 0
                if committed > retainPublished {
                    try db.execute(sql: "DELETE FROM outbox_events WHERE seq <= ?", arguments: [Int64(committed - retainPublished)])
                }
                let row = try Row.fetchOne(db, sql: "SELECT last_seq - published_through AS backlog, last_seq - committed_through AS uncommitted FROM outbox_identity")
                return (result, (UInt64(row?["backlog"] as Int64? ?? 0), UInt64(row?["uncommitted"] as Int64? ?? 0)))
            }
        }
        metrics.backlog.record(marks.0)
        metrics.uncommitted.record(marks.1)
        return result
    }

    /// The published mark.
    public func publishedThrough() throws -> UInt64 {
        try guarded("read") {
            try database.read { db in try UInt64.fetchOne(db, sql: "SELECT published_through FROM outbox_identity") ?? 0 }
        }
    }

    /// Where the last published event landed (nil when unknown).
    public func publishedPosition() throws -> StreamMessageID? {
        try guarded("read") {
            try database.read { db in
                try String.fetchOne(db, sql: "SELECT published_position FROM outbox_identity").map(StreamMessageID.init(rawValue:))
            }
        }
    }

    /// The committed mark.
    public func committedThrough() throws -> UInt64 {
        try guarded("read") {
            try database.read { db in try UInt64.fetchOne(db, sql: "SELECT committed_through FROM outbox_identity") ?? 0 }
        }
    }

    /// The last sequence number handed out.
    public func lastIssued() throws -> UInt64 {
        try guarded("read") {
            try database.read { db in try UInt64.fetchOne(db, sql: "SELECT last_seq FROM outbox_identity") ?? 0 }
        }
    }

    /// Events kept in the file (unpublished plus retained published ones).
    public func storedCount() throws -> Int {
        try guarded("read") { try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_events") ?? 0 } }
    }

    private func guarded<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EventSourcingError {
            throw error
        } catch {
            throw EventSourcingError(.outboxFailed, "outbox \(what) on \(path) failed: \(error)")
        }
    }
}
