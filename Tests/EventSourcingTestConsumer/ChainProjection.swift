import EventSourcing

/// A PostgreSQL projection for the crash tests: per source, how many events were applied, the
/// last seq and an order-sensitive md5 chain. It refuses any event that is not exactly the
/// successor of the last one applied, so a duplicate or out-of-order application fails loudly.
public struct ChainProjection: EventProjection, Sendable {
    /// Table name (one per test, so tests do not share state).
    public let table: String

    /// A projection writing to `table`.
    public init(table: String) { self.table = table }

    /// Creates the table.
    public func create(on connection: PostgresConnection) throws {
        try connection.execute(script: """
            CREATE TABLE IF NOT EXISTS \(table) (
                bng_id text NOT NULL, bng_instance_id uuid NOT NULL,
                applied bigint NOT NULL, last_seq bigint NOT NULL, chain text NOT NULL,
                bytes_down_stopped numeric NOT NULL DEFAULT 0,
                PRIMARY KEY (bng_id, bng_instance_id))
            """)
    }

    /// Empties the table.
    public func reset(in context: PostgresConnection) throws {
        try context.query("DELETE FROM \(table)")
    }

    /// Applies one event; throws when it is not the next in its source's sequence.
    public func apply(_ event: EventEnvelope, in context: PostgresConnection) throws {
        var stopped: UInt64 = 0
        if case let .sessionStop(p) = event.payload { stopped = p.counters.bytesDown }
        let result: PostgresResult
        if event.seq == 1 {
            result = try context.query("""
                INSERT INTO \(table) (bng_id, bng_instance_id, applied, last_seq, chain, bytes_down_stopped)
                VALUES ($1, $2::uuid, 1, 1, md5('1'), $3::numeric) ON CONFLICT DO NOTHING
                """, bindings: [event.source.bngID, event.source.instanceID, stopped])
        } else {
            result = try context.query("""
                UPDATE \(table) SET applied = applied + 1, last_seq = $3::bigint, chain = md5(chain || $3::text),
                       bytes_down_stopped = bytes_down_stopped + $4::numeric
                WHERE bng_id = $1 AND bng_instance_id = $2::uuid AND last_seq = $3::bigint - 1
                """, bindings: [event.source.bngID, event.source.instanceID, event.seq, stopped])
        }
        guard result.affectedRows == 1 else {
            throw EventSourcingError(.postgresQueryFailed, "\(event.key) is not the successor of the last applied event")
        }
    }
}
