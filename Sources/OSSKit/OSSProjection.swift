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
/// | SESSION_UPDATE | counters and state of the active row; the byte deltas into `traffic_minutes` and `traffic_seconds` |
/// | POLICY_APPLY | rates and auth state of the active row |
/// | SESSION_STOP | final deltas into the traffic series and the row moved to `sessions_history` |
/// | ROUTER_UPDATE | liveness of a provisioned `access_routers` row (inventory rows are the API's) |
/// | BNG_HEALTH_UPDATE | `bng_health_events` row and the `bng_registry` summary (`first_seen` kept) |
///
/// A counter lower than the one stored is a reset of the BNG's counter: its value is the delta.
/// An update for a session that has stopped changes nothing. Nothing older than a series'
/// retention horizon (`oss_retention`) is written to it. `reset` clears what the projection
/// owns, so a replay of `session_events` rebuilds identical tables.
///
/// A batch is folded in memory and written set-wise: one read of the changing columns of the
/// sessions it touches, then one statement per kind of write over column arrays (new sessions
/// inserted whole, stored ones updated in their changing columns only, stopped ones moved to
/// history by `DELETE … RETURNING` + `INSERT` in one statement) — about ten round trips for a
/// batch of any size, rows in key order so concurrent ingestors lock them in the same order.
public struct OSSProjection: EventProjection {
    public typealias Context = PostgresConnection

    /// A projection.
    public init() {}

    public func reset(in connection: PostgresConnection) throws {
        try connection.execute(script: """
            TRUNCATE sessions_active, sessions_history, bng_registry, bng_health_events, traffic_minutes, traffic_seconds;
            UPDATE access_routers SET is_alive = false, last_seen = NULL, last_event_at = NULL;
            """)
    }

    public func apply(_ event: EventEnvelope, in connection: PostgresConnection) throws {
        try apply(batch: [event], in: connection)
    }

    public func apply(batch events: [EventEnvelope], in connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        var fold = OSSBatchFold(horizons: try OSSRetention.horizonsLockedForWriting(connection))
        try fold.load(sessions: Set(events.compactMap(\.payload.sessionID)), connection)
        for event in events { fold.apply(event) }
        try fold.write(connection)
        // Delivered at commit, once per transaction: every API process's change feed wakes, and
        // knows whether sessions came or went ("sessions") or only counters moved ("counters").
        let membership = events.contains { $0.payload.eventType == .sessionStart || $0.payload.eventType == .sessionStop }
        // The channel names the schema: OSS instances sharing a database never wake each other.
        try connection.query("SELECT pg_notify($1 || '.' || current_schema(), $2)",
                             [Self.changeChannel, membership ? Self.membershipChanged : Self.countersChanged])
    }

    /// The `NOTIFY` channel each committed batch signals, followed by `.` and the schema
    /// (`oss_changes.public`).
    public static let changeChannel = "oss_changes"
    /// The payload of a batch in which sessions started or stopped.
    public static let membershipChanged = "sessions"
    /// The payload of a batch that only moved counters, health and access nodes.
    public static let countersChanged = "counters"
}

/// The columns of a `sessions_active` row that events change, while a batch is folded.
struct SessionFields {
    var authState: String
    var status: String
    var ipAddress: String?
    var updatedAt: Int64
    var bytesUp: Int64 = 0
    var bytesDown: Int64 = 0
    var packetsUp: Int64 = 0
    var packetsDown: Int64 = 0
    var downloadKbps: Int64?
    var uploadKbps: Int64?
    var downloadBurstKbit: Int64?
    var uploadBurstKbit: Int64?
    var lastSeq: Int64

    static let columns = ["auth_state", "status", "ip_address", "updated_at", "bytes_up", "bytes_down", "packets_up", "packets_down",
                          "download_kbps", "upload_kbps", "download_burst_kbit", "upload_burst_kbit", "last_seq"]
    static let types = ["text", "text", "inet", "timestamptz", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint"]

    /// `session_id` and the columns as `init(_:)` reads them: the address as host text, the time in microseconds.
    static let selection = """
        session_id, auth_state, status, host(ip_address) AS ip_address, (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_at,
        bytes_up, bytes_down, packets_up, packets_down, download_kbps, upload_kbps, download_burst_kbit, upload_burst_kbit, last_seq
        """

    /// A row of `selection` (session id first), read by position: this runs for every stored session a batch touches.
    init(_ values: [String?]) throws {
        guard values.count == Self.columns.count + 1 else {
            throw EventSourcingError(.postgresResultShape, "sessions_active row has \(values.count) columns, not \(Self.columns.count + 1)")
        }
        func name(_ index: Int) -> String { index == 0 ? "session_id" : Self.columns[index - 1] }
        func text(_ index: Int) throws -> String {
            guard let value = values[index] else { throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(name(index)) is NULL") }
            return value
        }
        func number(_ index: Int) throws -> Int64? {
            guard let value = values[index] else { return nil }
            guard let number = Int64(value) else {
                throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(name(index)) holds \"\(value)\", not a number")
            }
            return number
        }
        func required(_ index: Int) throws -> Int64 {
            guard let value = try number(index) else { throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(name(index)) is NULL") }
            return value
        }
        authState = try text(1)
        status = try text(2)
        ipAddress = values[3]
        updatedAt = try required(4)
        bytesUp = try required(5)
        bytesDown = try required(6)
        packetsUp = try required(7)
        packetsDown = try required(8)
        downloadKbps = try number(9)
        uploadKbps = try number(10)
        downloadBurstKbit = try number(11)
        uploadBurstKbit = try number(12)
        lastSeq = try required(13)
    }

    init(_ start: SessionStartPayload, _ event: EventEnvelope) {
        authState = start.authState.rawValue
        status = start.status.rawValue
        ipAddress = start.line.ipAddress?.description
        updatedAt = event.timestamp.rawValue
        lastSeq = Int64(clamping: event.seq)
    }

    var values: [String?] {
        [authState, status, ipAddress, EventTimestamp(rawValue: updatedAt).postgresText, String(bytesUp), String(bytesDown),
         String(packetsUp), String(packetsDown), downloadKbps.map(String.init), uploadKbps.map(String.init),
         downloadBurstKbit.map(String.init), uploadBurstKbit.map(String.init), String(lastSeq)]
    }

    /// Takes `counters` and returns the bytes moved since the stored ones (a lower counter is a reset).
    mutating func advance(to counters: SessionCounters) -> (up: Int64, down: Int64) {
        let up = Int64(clamping: counters.bytesUp), down = Int64(clamping: counters.bytesDown)
        let delta = (up: up >= bytesUp ? up - bytesUp : up, down: down >= bytesDown ? down - bytesDown : down)
        bytesUp = up
        bytesDown = down
        packetsUp = Int64(clamping: counters.packetsUp)
        packetsDown = Int64(clamping: counters.packetsDown)
        return delta
    }

    mutating func touch(_ event: EventEnvelope) {
        updatedAt = max(updatedAt, event.timestamp.rawValue)
        lastSeq = Int64(clamping: event.seq)
    }
}

/// The columns of a `sessions_active` row that never change after SESSION_START: known in
/// memory only for sessions that start in the batch (the others keep theirs in the table).
struct SessionLineColumns {
    var bngID: String
    var instanceID: UUID
    var nasIP: String
    var remoteID: String
    var circuitID: String
    var macAddress: String
    var username: String?
    var startedAt: Int64

    static let columns = ["bng_id", "bng_instance_id", "nas_ip", "remote_id", "circuit_id", "mac_address", "username", "started_at"]
    static let types = ["text", "uuid", "inet", "text", "text", "macaddr", "text", "timestamptz"]

    init(_ start: SessionStartPayload, _ event: EventEnvelope) {
        bngID = event.source.bngID
        instanceID = event.source.instanceID
        nasIP = start.line.nasIP.description
        remoteID = start.line.remoteID
        circuitID = start.line.circuitID
        macAddress = start.line.macAddress.description
        username = start.line.username
        startedAt = start.startedAt.rawValue
    }

    var values: [String?] {
        [bngID, instanceID.postgresText, nasIP, remoteID, circuitID, macAddress, username, EventTimestamp(rawValue: startedAt).postgresText]
    }
}

/// What SESSION_STOP adds to a session's last fields in `sessions_history`.
struct SessionEnd {
    var authState: String
    var endedAt: Int64
    var terminateCause: String
    var seq: Int64
}

/// One batch of events folded into the rows it writes.
struct OSSBatchFold {
    enum SessionState {
        /// Active: its changing fields, its line when it started in this batch (nil: the row is
        /// stored), and whether the row must be written.
        case active(SessionFields, line: SessionLineColumns?, changed: Bool)
        /// In `sessions_history` already, or stopped in this batch.
        case stopped
    }

    struct TrafficKey: Hashable, Comparable {
        var bngID: String
        var bucket: Int64
        static func < (a: Self, b: Self) -> Bool { (a.bngID, a.bucket) < (b.bngID, b.bucket) }
    }

    struct RegistrySummary {
        var instanceID: UUID
        var firstSeen: Int64
        var lastSeen: Int64
        var health: BNGHealthUpdatePayload
    }

    let horizons: OSSRetention.Horizons
    var sessions: [UUID: SessionState] = [:]
    /// Sessions read from `sessions_active` (a stop must move them).
    var stored: Set<UUID> = []
    /// Stored sessions that stopped in this batch: their last fields and how they ended.
    var movedToHistory: [UUID: (SessionFields, SessionEnd)] = [:]
    /// Sessions that started and stopped in this batch: their whole history row.
    var history: [[String?]] = []
    var minutes: [TrafficKey: (up: Int64, down: Int64)] = [:]
    var seconds: [TrafficKey: (up: Int64, down: Int64)] = [:]
    var health: [[String?]] = []
    var registry: [String: RegistrySummary] = [:]
    var routers: [String: (RouterUpdatePayload, EventTimestamp)] = [:]

    init(horizons: OSSRetention.Horizons) {
        self.horizons = horizons
    }

    mutating func load(sessions ids: Set<UUID>, _ connection: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        let list = PostgresArray(Array(ids))
        for values in try connection.query("SELECT \(SessionFields.selection) FROM sessions_active WHERE session_id = ANY($1::uuid[])",
                                           bindings: [list]).rows {
            guard let id = values.first.flatMap({ $0 }).flatMap(UUID.init(canonicalText:)) else {
                throw EventSourcingError(.postgresDecodingFailed, "sessions_active.session_id is not a UUID")
            }
            sessions[id] = .active(try SessionFields(values), line: nil, changed: false)
            stored.insert(id)
        }
        for row in try connection.query("SELECT session_id FROM sessions_history WHERE session_id = ANY($1::uuid[])", bindings: [list]).typedRows {
            sessions[try row.decode("session_id")] = .stopped
        }
    }

    mutating func apply(_ event: EventEnvelope) {
        switch event.payload {
        case .sessionStart(let start):
            if sessions[start.line.sessionID] == nil {
                sessions[start.line.sessionID] = .active(SessionFields(start, event), line: SessionLineColumns(start, event), changed: true)
            }
        case .sessionUpdate(let update):
            guard case .active(var fields, let line, _) = sessions[update.line.sessionID] else { return }
            addTraffic(fields.advance(to: update.counters), of: event)
            fields.authState = update.authState.rawValue
            fields.status = update.status.rawValue
            fields.ipAddress = update.line.ipAddress?.description ?? fields.ipAddress
            fields.touch(event)
            sessions[update.line.sessionID] = .active(fields, line: line, changed: true)
        case .policyApply(let policy):
            guard case .active(var fields, let line, _) = sessions[policy.line.sessionID] else { return }
            fields.authState = policy.authState.rawValue
            fields.downloadKbps = policy.downloadKbps.map { Int64(clamping: $0) }
            fields.uploadKbps = policy.uploadKbps.map { Int64(clamping: $0) }
            fields.downloadBurstKbit = policy.downloadBurstKbit.map { Int64(clamping: $0) }
            fields.uploadBurstKbit = policy.uploadBurstKbit.map { Int64(clamping: $0) }
            fields.touch(event)
            sessions[policy.line.sessionID] = .active(fields, line: line, changed: true)
        case .sessionStop(let stop):
            let id = stop.line.sessionID
            guard case .active(var fields, let line, _) = sessions[id] else { return }
            addTraffic(fields.advance(to: stop.counters), of: event)
            sessions[id] = .stopped
            let end = SessionEnd(authState: stop.authState.rawValue, endedAt: stop.endedAt.rawValue, terminateCause: stop.terminateCause,
                                 seq: Int64(clamping: event.seq))
            if let line {
                history.append([id.postgresText, line.bngID, line.instanceID.postgresText, line.nasIP, line.remoteID, line.circuitID,
                                line.macAddress, fields.ipAddress, line.username, end.authState,
                                EventTimestamp(rawValue: line.startedAt).postgresText, EventTimestamp(rawValue: end.endedAt).postgresText,
                                end.terminateCause, String(fields.bytesUp), String(fields.bytesDown), String(fields.packetsUp),
                                String(fields.packetsDown), fields.downloadKbps.map(String.init), fields.uploadKbps.map(String.init),
                                String(end.seq)])
            } else {
                movedToHistory[id] = (fields, end)
            }
        case .routerUpdate(let router):
            if let known = routers[router.routerName], known.1 > event.timestamp { return }
            routers[router.routerName] = (router, event.timestamp)
        case .bngHealthUpdate(let update):
            let at = event.timestamp.rawValue
            if horizons.allows(.healthEvents, at) {
                health.append([event.source.bngID, event.source.instanceID.postgresText, String(Int64(clamping: event.seq)),
                               event.timestamp.postgresText, update.cpuPercent.postgresText, String(Int64(clamping: update.memoryUsedBytes)),
                               update.memoryLimitBytes.map { String(Int64(clamping: $0)) }])
            }
            if var summary = registry[event.source.bngID] {
                summary.firstSeen = min(summary.firstSeen, at)
                if at >= summary.lastSeen {
                    summary.lastSeen = at
                    summary.instanceID = event.source.instanceID
                    summary.health = update
                }
                registry[event.source.bngID] = summary
            } else {
                registry[event.source.bngID] = RegistrySummary(instanceID: event.source.instanceID, firstSeen: at, lastSeen: at, health: update)
            }
        }
    }

    private mutating func addTraffic(_ delta: (up: Int64, down: Int64), of event: EventEnvelope) {
        guard delta.up != 0 || delta.down != 0 else { return }
        let at = event.timestamp.rawValue
        let second = Self.floor(at, 1_000_000), minute = Self.floor(at, 60_000_000)
        if horizons.allows(.trafficSeconds, second * 1_000_000) {
            let key = TrafficKey(bngID: event.source.bngID, bucket: second * 1_000_000)
            let sum = seconds[key] ?? (0, 0)
            seconds[key] = (sum.up + delta.up, sum.down + delta.down)
        }
        if horizons.allows(.trafficMinutes, minute * 60_000_000) {
            let key = TrafficKey(bngID: event.source.bngID, bucket: minute * 60_000_000)
            let sum = minutes[key] ?? (0, 0)
            minutes[key] = (sum.up + delta.up, sum.down + delta.down)
        }
    }

    /// `value / divisor` rounded towards −∞ (instants before 1970 fall into their own bucket).
    static func floor(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }

    func write(_ connection: PostgresConnection) throws {
        let statements = try OSSBatchStatements.shared.get()
        var started: [[String?]] = [], changed: [[String?]] = []
        for (id, state) in sessions.sorted(by: { $0.key < $1.key }) {
            guard case .active(let fields, let line, changed: true) = state else { continue }
            if let line {
                started.append([id.postgresText] + line.values + fields.values)
            } else {
                changed.append([id.postgresText] + fields.values)
            }
        }
        if !movedToHistory.isEmpty {
            // Two-phase stop in one statement: DELETE … RETURNING the columns only the table
            // knows, INSERT them into sessions_history with the fields the batch ended with.
            try statements.moveToHistory.run(movedToHistory.sorted { $0.key < $1.key }.map { id, moved in
                let (fields, end) = moved
                return [id.postgresText, fields.ipAddress, end.authState, EventTimestamp(rawValue: end.endedAt).postgresText, end.terminateCause,
                        String(fields.bytesUp), String(fields.bytesDown), String(fields.packetsUp), String(fields.packetsDown),
                        fields.downloadKbps.map(String.init), fields.uploadKbps.map(String.init), String(end.seq)]
            }, on: connection)
        }
        if !changed.isEmpty {
            try statements.updateActive.run(changed, on: connection)
        }
        if !started.isEmpty {
            try statements.insertActive.run(started, on: connection)
        }
        if !history.isEmpty {
            try statements.insertHistory.run(history, on: connection)
        }
        for (insert, buckets) in [(statements.upsertMinutes, minutes), (statements.upsertSeconds, seconds)] where !buckets.isEmpty {
            try insert.run(buckets.sorted { $0.key < $1.key }.map { key, sum in
                [key.bngID, EventTimestamp(rawValue: key.bucket).postgresText, String(sum.up), String(sum.down)]
            }, on: connection)
        }
        if !health.isEmpty {
            try statements.insertHealth.run(health, on: connection)
        }
        if !registry.isEmpty {
            try statements.upsertRegistry.run(registry.sorted { $0.key < $1.key }.map { bng, summary in
                [bng, summary.instanceID.postgresText, EventTimestamp(rawValue: summary.firstSeen).postgresText,
                        EventTimestamp(rawValue: summary.lastSeen).postgresText, summary.health.cpuPercent.postgresText,
                        String(Int64(clamping: summary.health.memoryUsedBytes)), summary.health.memoryLimitBytes.map { String(Int64(clamping: $0)) }]
            }, on: connection)
        }
        for (_, (router, at)) in routers.sorted(by: { $0.key < $1.key }) {
            _ = try connection.query("""
                UPDATE access_routers SET is_alive = $2, last_seen = $3::timestamptz, last_event_at = $4::timestamptz, updated_at = now()
                WHERE router_name = $1 AND (last_event_at IS NULL OR last_event_at <= $4::timestamptz)
                """, bindings: [router.routerName, router.isAlive, router.lastSeen, at])
        }
    }
}

/// The batch statements, built once (their column lists never change). Each is one
/// `INSERT … SELECT * FROM unnest(…)` with one array per column, so its parse cost does not grow
/// with the batch.
struct OSSBatchStatements {
    /// Built on first use; building fails only if a column list and its types disagree.
    static let shared = Result { try OSSBatchStatements() }

    let insertActive: PostgresArrayInsert
    let updateActive: PostgresArrayStatement
    let moveToHistory: PostgresArrayStatement
    let insertHistory: PostgresArrayInsert
    let upsertMinutes: PostgresArrayInsert
    let upsertSeconds: PostgresArrayInsert
    let insertHealth: PostgresArrayInsert
    let upsertRegistry: PostgresArrayInsert

    init() throws {
        insertActive = try PostgresArrayInsert(
            table: "sessions_active", columns: ["session_id"] + SessionLineColumns.columns + SessionFields.columns,
            types: ["uuid"] + SessionLineColumns.types + SessionFields.types, suffix: "ON CONFLICT (session_id) DO NOTHING")
        let fields = SessionFields.columns
        let arrays = PostgresArrayInsert.arrayParameters(["uuid"] + SessionFields.types)
        updateActive = PostgresArrayStatement(sql: """
            UPDATE sessions_active AS s SET \(fields.map { "\($0) = u.\($0)" }.joined(separator: ", "))
            FROM unnest(\(arrays)) AS u(session_id, \(fields.joined(separator: ", ")))
            WHERE s.session_id = u.session_id
            """, columnCount: fields.count + 1)
        moveToHistory = PostgresArrayStatement(sql: """
            WITH moved AS (
                DELETE FROM sessions_active WHERE session_id = ANY($1::uuid[])
                RETURNING session_id, bng_id, bng_instance_id, nas_ip, remote_id, circuit_id, mac_address, username, started_at)
            INSERT INTO sessions_history (session_id, bng_id, bng_instance_id, nas_ip, remote_id, circuit_id, mac_address, ip_address, username,
                                          auth_state, started_at, ended_at, terminate_cause, bytes_up, bytes_down, packets_up, packets_down,
                                          download_kbps, upload_kbps, last_seq)
            SELECT m.session_id, m.bng_id, m.bng_instance_id, m.nas_ip, m.remote_id, m.circuit_id, m.mac_address, u.ip_address, m.username,
                   u.auth_state, m.started_at, u.ended_at, u.terminate_cause, u.bytes_up, u.bytes_down, u.packets_up, u.packets_down,
                   u.download_kbps, u.upload_kbps, u.last_seq
            FROM moved AS m
            JOIN unnest($1::uuid[], $2::inet[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
                        $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])
                 AS u(session_id, ip_address, auth_state, ended_at, terminate_cause, bytes_up, bytes_down, packets_up, packets_down,
                      download_kbps, upload_kbps, last_seq)
              ON u.session_id = m.session_id
            ON CONFLICT (session_id) DO NOTHING
            """, columnCount: 12)
        insertHistory = try PostgresArrayInsert(
            table: "sessions_history",
            columns: ["session_id", "bng_id", "bng_instance_id", "nas_ip", "remote_id", "circuit_id", "mac_address", "ip_address", "username",
                      "auth_state", "started_at", "ended_at", "terminate_cause", "bytes_up", "bytes_down", "packets_up", "packets_down",
                      "download_kbps", "upload_kbps", "last_seq"],
            types: ["uuid", "text", "uuid", "inet", "text", "text", "macaddr", "inet", "text", "text", "timestamptz", "timestamptz", "text",
                    "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint"],
            suffix: "ON CONFLICT (session_id) DO NOTHING")
        upsertMinutes = try Self.trafficUpsert("traffic_minutes", bucket: "minute")
        upsertSeconds = try Self.trafficUpsert("traffic_seconds", bucket: "second")
        insertHealth = try PostgresArrayInsert(
            table: "bng_health_events",
            columns: ["bng_id", "bng_instance_id", "seq", "ts", "cpu_percent", "memory_used_bytes", "memory_limit_bytes"],
            types: ["text", "uuid", "bigint", "timestamptz", "float8", "bigint", "bigint"], suffix: "ON CONFLICT DO NOTHING")
        upsertRegistry = try PostgresArrayInsert(
            table: "bng_registry",
            columns: ["bng_id", "bng_instance_id", "first_seen", "last_seen", "cpu_percent", "memory_used_bytes", "memory_limit_bytes"],
            types: ["text", "uuid", "timestamptz", "timestamptz", "float8", "bigint", "bigint"],
            suffix: """
                ON CONFLICT (bng_id) DO UPDATE SET
                    first_seen = least(bng_registry.first_seen, excluded.first_seen),
                    bng_instance_id = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.bng_instance_id ELSE bng_registry.bng_instance_id END,
                    cpu_percent = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.cpu_percent ELSE bng_registry.cpu_percent END,
                    memory_used_bytes = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.memory_used_bytes ELSE bng_registry.memory_used_bytes END,
                    memory_limit_bytes = CASE WHEN excluded.last_seen >= bng_registry.last_seen THEN excluded.memory_limit_bytes ELSE bng_registry.memory_limit_bytes END,
                    last_seen = greatest(bng_registry.last_seen, excluded.last_seen)
                """)
    }

    private static func trafficUpsert(_ table: String, bucket: String) throws -> PostgresArrayInsert {
        try PostgresArrayInsert(
            table: table, columns: ["bng_id", bucket, "bytes_up", "bytes_down"], types: ["text", "timestamptz", "bigint", "bigint"],
            suffix: "ON CONFLICT (bng_id, \(bucket)) DO UPDATE SET bytes_up = \(table).bytes_up + excluded.bytes_up, bytes_down = \(table).bytes_down + excluded.bytes_down")
    }
}
