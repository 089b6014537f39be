import EventSourcing
import Foundation
import GRDB
import Logging
import RadiusKit

/// What one step of the engine changes on disk: sessions, tombstones, accounting to send and
/// events to publish. A batch commits in one transaction, so a session change and the events
/// and accounting it causes are stored together or not at all.
public struct StoreBatch: Sendable {
    /// A row change, in the order it happened.
    public enum Change: Sendable {
        /// Insert or replace a session.
        case save(Session)
        /// Delete a session.
        case delete(UUID)
        /// Insert or replace a tombstone.
        case bury(Tombstone)
        /// Delete a tombstone.
        case exhume(SessionKey)
    }

    /// Session and tombstone changes, applied in order (a later change of a row wins).
    public var changes: [Change] = []
    /// Accounting requests to queue, in order.
    public var accounting: [RADIUSAccountingRecord] = []
    /// Events to number and publish, in order.
    public var events: [EventDraft] = []

    /// An empty batch.
    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool { changes.isEmpty && accounting.isEmpty && events.isEmpty }

    /// Appends `other` after this batch.
    public mutating func merge(_ other: StoreBatch) {
        changes += other.changes
        accounting += other.accounting
        events += other.events
    }
}

/// One queued accounting request.
public struct QueuedAccounting: Hashable, Sendable {
    /// Position in the queue.
    public var id: Int64
    /// The request.
    public var record: RADIUSAccountingRecord
    /// When it was queued (Acct-Delay-Time counts from here, RFC 2866 §5.2).
    public var queuedAt: EventTimestamp
    /// Sends so far without an answer.
    public var attempts: Int
}

/// The BNG's durable local state: one SQLite database (WAL, `synchronous = FULL`) holding the
/// sessions, tombstones, the accounting queue and the event outbox, so a restart resumes where
/// the BNG left off with the same session ids and an unbroken event sequence.
///
/// Blocking (SQLite): call it from a dedicated thread (``StoreWriter`` does for commits).
public final class BNGStore: Sendable {
    /// The database.
    public let database: DatabaseQueue
    /// The event outbox, in the same database.
    public let outbox: SQLiteOutbox
    /// The file.
    public let path: String
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()

    /// Opens or creates the store at `path` for `bngID`.
    ///
    /// - Throws: ``BNGError/Code/storeFailed`` naming the file, `outboxIdentityMismatch` when
    ///   the file belongs to another BNG.
    public init(path: String, bngID: String, producerMetrics: EventProducerMetrics? = nil) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            database = try DatabaseQueue(path: path, configuration: SQLiteOutbox.databaseConfiguration(label: "aether-bng-store"))
            var migrator = DatabaseMigrator()
            migrator.registerMigration("bng-v1") { db in
                try db.execute(sql: """
                    CREATE TABLE sessions (id TEXT PRIMARY KEY, body BLOB NOT NULL);
                    CREATE TABLE tombstones (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, body BLOB NOT NULL);
                    CREATE TABLE accounting (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        session_id TEXT NOT NULL,
                        queued_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        body BLOB NOT NULL
                    );
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    """)
            }
            try migrator.migrate(database)
        } catch {
            throw BNGError(.storeFailed, "cannot open the BNG store \(path): \(error)")
        }
        outbox = try SQLiteOutbox(database: database, bngID: bngID, metrics: producerMetrics)
    }

    /// Every stored session.
    public func sessions() throws -> [Session] {
        try read("load sessions") { db in
            try Data.fetchAll(db, sql: "SELECT body FROM sessions").map { try decoder.decode(Session.self, from: $0) }
        }
    }

    /// Every stored tombstone.
    public func tombstones() throws -> [Tombstone] {
        try read("load tombstones") { db in
            try Data.fetchAll(db, sql: "SELECT body FROM tombstones").map { try decoder.decode(Tombstone.self, from: $0) }
        }
    }

    /// Commits `batch` in one transaction: sessions, tombstones, accounting and events.
    public func commit(_ batch: StoreBatch) throws {
        guard !batch.isEmpty else { return }
        try write("commit") { db in
            let save = try db.cachedStatement(sql: "INSERT OR REPLACE INTO sessions (id, body) VALUES (?, ?)")
            let delete = try db.cachedStatement(sql: "DELETE FROM sessions WHERE id = ?")
            let bury = try db.cachedStatement(sql: "INSERT OR REPLACE INTO tombstones (key, expires_at, body) VALUES (?, ?, ?)")
            let exhume = try db.cachedStatement(sql: "DELETE FROM tombstones WHERE key = ?")
            for change in Self.lastPerRow(batch.changes) {
                switch change {
                case .save(let session): try save.execute(arguments: [session.id.uuidString, try encoder.encode(session)])
                case .delete(let id): try delete.execute(arguments: [id.uuidString])
                case .bury(let tombstone):
                    try bury.execute(arguments: [Self.key(tombstone.key), tombstone.expiresAt.rawValue, try encoder.encode(tombstone)])
                case .exhume(let key): try exhume.execute(arguments: [Self.key(key)])
                }
            }
            let queue = try db.cachedStatement(sql: "INSERT INTO accounting (session_id, queued_at, body) VALUES (?, ?, ?)")
            let queuedAt = EventTimestamp.now.rawValue
            for record in batch.accounting {
                try queue.execute(arguments: [record.sessionID, queuedAt, try encoder.encode(record)])
            }
            _ = try outbox.append(batch.events, in: db)
        }
    }

    /// The oldest queued accounting requests, at most `limit`, in queue order; with `after`,
    /// only those queued after request `after` (ids grow with the queue).
    public func queuedAccounting(after: Int64 = 0, limit: Int) throws -> [QueuedAccounting] {
        try read("read accounting") { db in
            try Row.fetchAll(db, sql: "SELECT id, queued_at, attempts, body FROM accounting WHERE id > ? ORDER BY id LIMIT ?",
                             arguments: [after, limit]).map { row in
                QueuedAccounting(id: row["id"], record: try decoder.decode(RADIUSAccountingRecord.self, from: row["body"] as Data),
                                 queuedAt: EventTimestamp(rawValue: row["queued_at"]), attempts: row["attempts"])
            }
        }
    }

    /// Accounting requests waiting.
    public func accountingBacklog() throws -> Int {
        try read("count accounting") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM accounting") ?? 0 }
    }

    /// Removes the `answered` requests and counts one more send of the `unanswered` ones, in one
    /// transaction (nothing is written when both are empty).
    public func settleAccounting(answered: [Int64], unanswered: [Int64]) throws {
        guard !answered.isEmpty || !unanswered.isEmpty else { return }
        try write("settle accounting") { db in
            let delete = try db.cachedStatement(sql: "DELETE FROM accounting WHERE id = ?")
            for id in answered { try delete.execute(arguments: [id]) }
            let count = try db.cachedStatement(sql: "UPDATE accounting SET attempts = attempts + 1 WHERE id = ?")
            for id in unanswered { try count.execute(arguments: [id]) }
        }
    }

    /// A value of the `meta` table (e.g. whether Accounting-On was sent).
    public func meta(_ key: String) throws -> String? {
        try read("read meta") { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    /// Sets a value of the `meta` table.
    public func setMeta(_ key: String, _ value: String) throws {
        try write("write meta") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Only the last change of each row (a busy session saved ten times in a batch is written once).
    static func lastPerRow(_ changes: [StoreBatch.Change]) -> [StoreBatch.Change] {
        var last: [String: Int] = [:]
        for (index, change) in changes.enumerated() { last[row(change)] = index }
        return changes.enumerated().filter { last[row($0.element)] == $0.offset }.map(\.element)
    }

    static func row(_ change: StoreBatch.Change) -> String {
        switch change {
        case .save(let session): "s" + session.id.uuidString
        case .delete(let id): "s" + id.uuidString
        case .bury(let tombstone): "t" + key(tombstone.key)
        case .exhume(let key): "t" + Self.key(key)
        }
    }

    static func key(_ key: SessionKey) -> String {
        "\(key.line.remoteID)\u{1F}\(key.line.circuitID)\u{1F}\(key.mac)"
    }

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch {
            throw BNGError(.storeFailed, "\(what) in \(path): \(error)")
        }
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch let error as BNGError {
            throw error
        } catch {
            throw BNGError(.storeFailed, "\(what) in \(path): \(error)")
        }
    }
}
