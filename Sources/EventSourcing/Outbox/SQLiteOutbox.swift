import Foundation
import GRDB
import Logging

/// The BNG's durable outbox: an SQLite file (through GRDB) holding the sequence counter, the
/// instance id and every event not yet accepted by the stream.
///
/// `append` numbers events and commits them, with the new counter, in one transaction in WAL
/// mode with `synchronous = FULL`: when it returns, the events survive a crash or power loss, and
/// a number that was not committed was never handed out (no gaps, no reuse). Reopening the
/// file continues the same instance and sequence. Published events are kept for
/// `retainPublished` more events, then deleted.
public final class SQLiteOutbox: EventOutbox, @unchecked Sendable {
    /// The BNG instance this file belongs to.
    public let source: EventSource
    /// Wakes publishers on append.
    public let signal = OutboxSignal()
    /// Published events kept after publication (for inspection), default 10 000.
    public let retainPublished: UInt64
    /// The file path.
    public let path: String
    private let queue: DatabaseQueue
    private let codec = EventCodec()

    /// Opens or creates the outbox at `path` for `bngID`. A new file gets `newInstanceID`; an
    /// existing one keeps its instance. Throws `outboxIdentityMismatch` when the file belongs to
    /// another BNG, `outboxFailed` when SQLite fails.
    public init(path: String, bngID: String, newInstanceID: UUID = UUID(), retainPublished: UInt64 = 10_000) throws {
        guard !bngID.isEmpty else { throw EventSourcingError(.invalidConfiguration, "bngID is empty") }
        self.path = path
        self.retainPublished = retainPublished
        var configuration = Configuration()
        configuration.label = "aether-outbox"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE outbox_identity (
                        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
                        bng_id TEXT NOT NULL,
                        instance_id TEXT NOT NULL,
                        last_seq INTEGER NOT NULL,
                        published_through INTEGER NOT NULL
                    );
                    CREATE TABLE outbox_events (
                        seq INTEGER PRIMARY KEY,
                        event BLOB NOT NULL
                    );
                    """)
            }
            try migrator.migrate(queue)
            source = try queue.write { db -> EventSource in
                if let row = try Row.fetchOne(db, sql: "SELECT bng_id, instance_id FROM outbox_identity") {
                    let storedBNG: String = row["bng_id"]
                    let storedInstance: String = row["instance_id"]
                    guard storedBNG == bngID, let instance = UUID(uuidString: storedInstance) else {
                        throw EventSourcingError(.outboxIdentityMismatch,
                                                 "\(path) belongs to BNG \"\(storedBNG)\", not \"\(bngID)\"; use that BNG's id or another file")
                    }
                    return EventSource(bngID: bngID, instanceID: instance)
                }
                try db.execute(sql: "INSERT INTO outbox_identity VALUES (1, ?, ?, 0, 0)",
                               arguments: [bngID, newInstanceID.uuidString.lowercased()])
                return EventSource(bngID: bngID, instanceID: newInstanceID)
            }
        } catch let error as EventSourcingError {
            throw error
        } catch {
            throw EventSourcingError(.outboxFailed, "cannot open outbox \(path): \(error)")
        }
    }

    /// Numbers and commits `drafts` durably in one transaction.
    public func append(_ drafts: [EventDraft]) throws -> [EventEnvelope] {
        guard !drafts.isEmpty else { return [] }
        let stored = try guarded("append") {
            try queue.write { db -> [EventEnvelope] in
                let last = try UInt64.fetchOne(db, sql: "SELECT last_seq FROM outbox_identity") ?? 0
                var sequencer = EventSequencer(source: source, lastIssued: last)
                let envelopes = try drafts.map { try sequencer.sequence($0) }
                let statement = try db.cachedStatement(sql: "INSERT INTO outbox_events (seq, event) VALUES (?, ?)")
                for envelope in envelopes {
                    try statement.execute(arguments: [Int64(envelope.seq), Data(try codec.encode(envelope))])
                }
                try db.execute(sql: "UPDATE outbox_identity SET last_seq = ?", arguments: [Int64(sequencer.lastIssued)])
                return envelopes
            }
        }
        signal.notify()
        return stored
    }

    /// Oldest unpublished events, in sequence order.
    public func unpublished(limit: Int) throws -> [EventEnvelope] {
        try guarded("read") {
            try queue.read { db in
                try Data.fetchAll(db, sql: """
                    SELECT event FROM outbox_events
                    WHERE seq > (SELECT published_through FROM outbox_identity) ORDER BY seq LIMIT ?
                    """, arguments: [limit]).map { try codec.decode(Array($0)) }
            }
        }
    }

    /// Moves the published mark to `seq` (never backwards) and prunes old published events.
    public func markPublished(through seq: UInt64) throws {
        try guarded("mark") {
            try queue.write { db in
                try db.execute(sql: "UPDATE outbox_identity SET published_through = max(published_through, ?)", arguments: [Int64(seq)])
                if seq > retainPublished {
                    try db.execute(sql: "DELETE FROM outbox_events WHERE seq <= ?", arguments: [Int64(seq - retainPublished)])
                }
            }
        }
    }

    /// The published mark.
    public func publishedThrough() throws -> UInt64 {
        try guarded("read") {
            try queue.read { db in try UInt64.fetchOne(db, sql: "SELECT published_through FROM outbox_identity") ?? 0 }
        }
    }

    /// The last sequence number handed out.
    public func lastIssued() throws -> UInt64 {
        try guarded("read") {
            try queue.read { db in try UInt64.fetchOne(db, sql: "SELECT last_seq FROM outbox_identity") ?? 0 }
        }
    }

    /// Events kept in the file (unpublished plus retained published ones).
    public func storedCount() throws -> Int {
        try guarded("read") { try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_events") ?? 0 } }
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
