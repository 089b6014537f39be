import EventSourcing
import Foundation

/// The OSS read models, written from BNG events inside the event store's transaction.
///
/// `PostgresEventStore` hands each BNG's events over once, in sequence order and without gaps,
/// whichever ingestor of a consumer group received them, so the projection only has to be
/// right for one ordered history per BNG:
///
/// | Event | Read models |
/// |---|---|
/// | SESSION_START | `sessions_active` row (not for a session already in `sessions_history`) |
/// | SESSION_UPDATE | counters and state of the active row; the byte deltas into `traffic_minutes` |
/// | POLICY_APPLY | rates and auth state of the active row |
/// | SESSION_STOP | final deltas into `traffic_minutes` and the row moved to `sessions_history` (`DELETE … RETURNING` + `INSERT`), one statement |
/// | ROUTER_UPDATE | liveness of a provisioned `access_routers` row (inventory rows are the API's) |
/// | BNG_HEALTH_UPDATE | `bng_health_events` row and the `bng_registry` summary (`first_seen` kept) |
///
/// A counter lower than the one stored is a reset of the BNG's counter: its value is the delta.
/// An update for a session that has stopped changes nothing. `reset` clears what the
/// projection owns, so a replay of `session_events` rebuilds identical tables.
public struct OSSProjection: EventProjection {
    public typealias Context = PostgresConnection

    /// A projection.
    public init() {}

    public func reset(in connection: PostgresConnection) throws {
        try connection.execute(script: """
            TRUNCATE sessions_active, sessions_history, bng_registry, bng_health_events, traffic_minutes;
            UPDATE access_routers SET is_alive = false, last_seen = NULL, last_event_at = NULL;
            """)
    }

    public func apply(_ event: EventEnvelope, in connection: PostgresConnection) throws {
        switch event.payload {
        case .sessionStart(let start): try sessionStart(start, event, connection)
        case .sessionUpdate(let update): try sessionUpdate(update, event, connection)
        case .policyApply(let policy): try policyApply(policy, event, connection)
        case .sessionStop(let stop): try sessionStop(stop, event, connection)
        case .routerUpdate(let router): try routerUpdate(router, event, connection)
        case .bngHealthUpdate(let health): try healthUpdate(health, event, connection)
        }
    }

    private func sessionStart(_ start: SessionStartPayload, _ event: EventEnvelope, _ connection: PostgresConnection) throws {
        let line = start.line
        _ = try connection.query("""
            INSERT INTO sessions_active (session_id, bng_id, bng_instance_id, nas_ip, remote_id, circuit_id, mac_address, ip_address,
                                         username, auth_state, status, started_at, updated_at, last_seq)
            SELECT $1, $2, $3, $4::inet, $5, $6, $7::macaddr, $8::inet, $9, $10, $11, $12::timestamptz, $13::timestamptz, $14
            WHERE NOT EXISTS (SELECT 1 FROM sessions_history WHERE session_id = $1)
            ON CONFLICT (session_id) DO NOTHING
            """, bindings: [line.sessionID, event.source.bngID, event.source.instanceID, line.nasIP.description, line.remoteID, line.circuitID,
                            line.macAddress.description, line.ipAddress?.description, line.username, start.authState.rawValue,
                            start.status.rawValue, start.startedAt, event.timestamp, Int64(event.seq)])
    }

    /// Common table expressions that add a session's byte deltas — from its stored counters to
    /// the ones given — into the event's minute of `traffic_minutes`; a counter below the stored
    /// one is a reset, so its value is the delta. `session`, `up`, `down`, `bng` and `at` name the
    /// statement's parameters.
    private static func trafficDelta(session: String, up: String, down: String, bng: String, at: String) -> String {
        """
        old AS (SELECT bytes_up, bytes_down FROM sessions_active WHERE session_id = \(session)),
        traffic AS (
            INSERT INTO traffic_minutes (bng_id, minute, bytes_up, bytes_down)
            SELECT \(bng), date_trunc('minute', \(at)::timestamptz),
                   CASE WHEN \(up)::bigint >= old.bytes_up THEN \(up)::bigint - old.bytes_up ELSE \(up)::bigint END,
                   CASE WHEN \(down)::bigint >= old.bytes_down THEN \(down)::bigint - old.bytes_down ELSE \(down)::bigint END
            FROM old
            ON CONFLICT (bng_id, minute) DO UPDATE
                SET bytes_up = traffic_minutes.bytes_up + excluded.bytes_up, bytes_down = traffic_minutes.bytes_down + excluded.bytes_down
            RETURNING 1)
        """
    }

    /// Counters and state in one statement with their traffic deltas (all CTEs see the counters
    /// as they were before the update).
    private func sessionUpdate(_ update: SessionUpdatePayload, _ event: EventEnvelope, _ connection: PostgresConnection) throws {
        let counters = update.counters
        _ = try connection.query("""
            WITH \(Self.trafficDelta(session: "$1", up: "$2", down: "$3", bng: "$11", at: "$9"))
            UPDATE sessions_active
            SET bytes_up = $2, bytes_down = $3, packets_up = $4, packets_down = $5, auth_state = $6, status = $7,
                ip_address = coalesce($8::inet, ip_address), updated_at = greatest(updated_at, $9::timestamptz), last_seq = $10
            WHERE session_id = $1
            """, bindings: [update.line.sessionID, Int64(clamping: counters.bytesUp), Int64(clamping: counters.bytesDown),
                            Int64(clamping: counters.packetsUp), Int64(clamping: counters.packetsDown), update.authState.rawValue,
                            update.status.rawValue, update.line.ipAddress?.description, event.timestamp, Int64(event.seq),
                            event.source.bngID])
    }

    private func policyApply(_ policy: PolicyApplyPayload, _ event: EventEnvelope, _ connection: PostgresConnection) throws {
        _ = try connection.query("""
            UPDATE sessions_active
            SET auth_state = $2, download_kbps = $3, upload_kbps = $4, download_burst_kbit = $5, upload_burst_kbit = $6,
                updated_at = greatest(updated_at, $7::timestamptz), last_seq = $8
            WHERE session_id = $1
            """, bindings: [policy.line.sessionID, policy.authState.rawValue, policy.downloadKbps.map { Int64(clamping: $0) },
                            policy.uploadKbps.map { Int64(clamping: $0) }, policy.downloadBurstKbit.map { Int64(clamping: $0) },
                            policy.uploadBurstKbit.map { Int64(clamping: $0) }, event.timestamp, Int64(event.seq)])
    }

    private func sessionStop(_ stop: SessionStopPayload, _ event: EventEnvelope, _ connection: PostgresConnection) throws {
        let counters = stop.counters
        _ = try connection.query("""
            WITH \(Self.trafficDelta(session: "$1", up: "$5", down: "$6", bng: "$10", at: "$11")),
            moved AS (DELETE FROM sessions_active WHERE session_id = $1 RETURNING *)
            INSERT INTO sessions_history (session_id, bng_id, bng_instance_id, nas_ip, remote_id, circuit_id, mac_address, ip_address,
                                          username, auth_state, started_at, ended_at, terminate_cause, bytes_up, bytes_down,
                                          packets_up, packets_down, download_kbps, upload_kbps, last_seq)
            SELECT session_id, bng_id, bng_instance_id, nas_ip, remote_id, circuit_id, mac_address, ip_address, username, $2,
                   started_at, $3::timestamptz, $4, $5, $6, $7, $8, download_kbps, upload_kbps, $9
            FROM moved
            """, bindings: [stop.line.sessionID, stop.authState.rawValue, stop.endedAt, stop.terminateCause,
                            Int64(clamping: counters.bytesUp), Int64(clamping: counters.bytesDown),
                            Int64(clamping: counters.packetsUp), Int64(clamping: counters.packetsDown), Int64(event.seq),
                            event.source.bngID, event.timestamp])
    }

    private func routerUpdate(_ router: RouterUpdatePayload, _ event: EventEnvelope, _ connection: PostgresConnection) throws {
        _ = try connection.query("""
            UPDATE access_routers SET is_alive = $2, last_seen = $3::timestamptz, last_event_at = $4::timestamptz, updated_at = now()
            WHERE router_name = $1 AND (last_event_at IS NULL OR last_event_at <= $4::timestamptz)
            """, bindings: [router.routerName, router.isAlive, router.lastSeen, event.timestamp])
    }

    private func healthUpdate(_ health: BNGHealthUpdatePayload, _ event: EventEnvelope, _ connection: PostgresConnection) throws {
        let used = Int64(clamping: health.memoryUsedBytes)
        let limit = health.memoryLimitBytes.map { Int64(clamping: $0) }
        _ = try connection.query("""
            INSERT INTO bng_health_events (bng_id, bng_instance_id, seq, ts, cpu_percent, memory_used_bytes, memory_limit_bytes)
            VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7) ON CONFLICT DO NOTHING
            """, bindings: [event.source.bngID, event.source.instanceID, Int64(event.seq), event.timestamp, health.cpuPercent, used, limit])
        _ = try connection.query("""
            INSERT INTO bng_registry (bng_id, bng_instance_id, first_seen, last_seen, cpu_percent, memory_used_bytes, memory_limit_bytes)
            VALUES ($1, $2, $3::timestamptz, $3::timestamptz, $4, $5, $6)
            ON CONFLICT (bng_id) DO UPDATE SET
                first_seen = least(bng_registry.first_seen, excluded.first_seen),
                bng_instance_id = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.bng_instance_id ELSE bng_registry.bng_instance_id END,
                cpu_percent = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.cpu_percent ELSE bng_registry.cpu_percent END,
                memory_used_bytes = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.memory_used_bytes ELSE bng_registry.memory_used_bytes END,
                memory_limit_bytes = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.memory_limit_bytes ELSE bng_registry.memory_limit_bytes END,
                last_seen = greatest(bng_registry.last_seen, excluded.last_seen)
            """, bindings: [event.source.bngID, event.source.instanceID, event.timestamp, health.cpuPercent, used, limit])
    }
}
