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
/// A batch is folded in memory and written set-wise: one read of the sessions it touches, then
/// one multi-row statement per table (about ten round trips for a batch of any size), rows in
/// key order so concurrent ingestors lock them in the same order.
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
    }
}

/// One `sessions_active` row while a batch is folded.
struct ActiveSessionRow {
    var sessionID: UUID
    var bngID: String
    var instanceID: UUID
    var nasIP: String
    var remoteID: String
    var circuitID: String
    var macAddress: String
    var ipAddress: String?
    var username: String?
    var authState: String
    var status: String
    var startedAt: Int64
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

    static let columns = ["session_id", "bng_id", "bng_instance_id", "nas_ip", "remote_id", "circuit_id", "mac_address", "ip_address",
                          "username", "auth_state", "status", "started_at", "updated_at", "bytes_up", "bytes_down", "packets_up",
                          "packets_down", "download_kbps", "upload_kbps", "download_burst_kbit", "upload_burst_kbit", "last_seq"]
    static let types = ["uuid", "text", "uuid", "inet", "text", "text", "macaddr", "inet", "text", "text", "text", "timestamptz", "timestamptz",
                        "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint"]

    /// The columns as `SELECT` yields them for `init(_:)`: addresses as host text, times as microseconds.
    static let selection = """
        session_id, bng_id, bng_instance_id, host(nas_ip) AS nas_ip, remote_id, circuit_id, mac_address::text AS mac_address,
        host(ip_address) AS ip_address, username, auth_state, status,
        (extract(epoch FROM started_at) * 1000000)::bigint AS started_at, (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_at,
        bytes_up, bytes_down, packets_up, packets_down, download_kbps, upload_kbps, download_burst_kbit, upload_burst_kbit, last_seq
        """

    /// A row of `selection`, read by position (this runs for every session a batch touches).
    init(_ values: [String?]) throws {
        guard values.count == Self.columns.count else {
            throw EventSourcingError(.postgresResultShape, "sessions_active row has \(values.count) columns, not \(Self.columns.count)")
        }
        func text(_ index: Int) throws -> String {
            guard let value = values[index] else {
                throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(Self.columns[index]) is NULL")
            }
            return value
        }
        func number(_ index: Int) throws -> Int64? {
            guard let value = values[index] else { return nil }
            guard let number = Int64(value) else {
                throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(Self.columns[index]) holds \"\(value)\", not a number")
            }
            return number
        }
        func required(_ index: Int) throws -> Int64 {
            guard let value = try number(index) else {
                throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(Self.columns[index]) is NULL")
            }
            return value
        }
        func uuid(_ index: Int) throws -> UUID {
            guard let id = UUID(canonicalText: try text(index)) else {
                throw EventSourcingError(.postgresDecodingFailed, "sessions_active.\(Self.columns[index]) is not a UUID")
            }
            return id
        }
        sessionID = try uuid(0)
        bngID = try text(1)
        instanceID = try uuid(2)
        nasIP = try text(3)
        remoteID = try text(4)
        circuitID = try text(5)
        macAddress = try text(6)
        ipAddress = values[7]
        username = values[8]
        authState = try text(9)
        status = try text(10)
        startedAt = try required(11)
        updatedAt = try required(12)
        bytesUp = try required(13)
        bytesDown = try required(14)
        packetsUp = try required(15)
        packetsDown = try required(16)
        downloadKbps = try number(17)
        uploadKbps = try number(18)
        downloadBurstKbit = try number(19)
        uploadBurstKbit = try number(20)
        lastSeq = try required(21)
    }

    init(_ start: SessionStartPayload, _ event: EventEnvelope) {
        let line = start.line
        sessionID = line.sessionID
        bngID = event.source.bngID
        instanceID = event.source.instanceID
        nasIP = line.nasIP.description
        remoteID = line.remoteID
        circuitID = line.circuitID
        macAddress = line.macAddress.description
        ipAddress = line.ipAddress?.description
        username = line.username
        authState = start.authState.rawValue
        status = start.status.rawValue
        startedAt = start.startedAt.rawValue
        updatedAt = event.timestamp.rawValue
        lastSeq = Int64(clamping: event.seq)
    }

    var values: [String?] {
        [sessionID.postgresText, bngID, instanceID.postgresText, nasIP, remoteID, circuitID, macAddress, ipAddress, username,
         authState, status, EventTimestamp(rawValue: startedAt).postgresText, EventTimestamp(rawValue: updatedAt).postgresText,
         String(bytesUp), String(bytesDown), String(packetsUp), String(packetsDown), downloadKbps.map(String.init),
         uploadKbps.map(String.init), downloadBurstKbit.map(String.init), uploadBurstKbit.map(String.init), String(lastSeq)]
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

/// One batch of events folded into the rows it writes.
struct OSSBatchFold {
    enum SessionState {
        /// Active, with whether the row must be written.
        case active(ActiveSessionRow, changed: Bool)
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
    /// Sessions read from `sessions_active` (a stop must delete them).
    var stored: Set<UUID> = []
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
        for values in try connection.query("SELECT \(ActiveSessionRow.selection) FROM sessions_active WHERE session_id = ANY($1::uuid[])",
                                           bindings: [list]).rows {
            let session = try ActiveSessionRow(values)
            sessions[session.sessionID] = .active(session, changed: false)
            stored.insert(session.sessionID)
        }
        for row in try connection.query("SELECT session_id FROM sessions_history WHERE session_id = ANY($1::uuid[])", bindings: [list]).typedRows {
            sessions[try row.decode("session_id")] = .stopped
        }
    }

    mutating func apply(_ event: EventEnvelope) {
        switch event.payload {
        case .sessionStart(let start):
            if sessions[start.line.sessionID] == nil {
                sessions[start.line.sessionID] = .active(ActiveSessionRow(start, event), changed: true)
            }
        case .sessionUpdate(let update):
            guard case .active(var row, _) = sessions[update.line.sessionID] else { return }
            addTraffic(row.advance(to: update.counters), of: event)
            row.authState = update.authState.rawValue
            row.status = update.status.rawValue
            row.ipAddress = update.line.ipAddress?.description ?? row.ipAddress
            row.touch(event)
            sessions[row.sessionID] = .active(row, changed: true)
        case .policyApply(let policy):
            guard case .active(var row, _) = sessions[policy.line.sessionID] else { return }
            row.authState = policy.authState.rawValue
            row.downloadKbps = policy.downloadKbps.map { Int64(clamping: $0) }
            row.uploadKbps = policy.uploadKbps.map { Int64(clamping: $0) }
            row.downloadBurstKbit = policy.downloadBurstKbit.map { Int64(clamping: $0) }
            row.uploadBurstKbit = policy.uploadBurstKbit.map { Int64(clamping: $0) }
            row.touch(event)
            sessions[row.sessionID] = .active(row, changed: true)
        case .sessionStop(let stop):
            guard case .active(var row, _) = sessions[stop.line.sessionID] else { return }
            addTraffic(row.advance(to: stop.counters), of: event)
            sessions[row.sessionID] = .stopped
            history.append([row.sessionID.postgresText, row.bngID, row.instanceID.postgresText, row.nasIP, row.remoteID, row.circuitID,
                            row.macAddress, row.ipAddress, row.username, stop.authState.rawValue,
                            EventTimestamp(rawValue: row.startedAt).postgresText, stop.endedAt.postgresText, stop.terminateCause,
                            String(row.bytesUp), String(row.bytesDown), String(row.packetsUp), String(row.packetsDown),
                            row.downloadKbps.map(String.init), row.uploadKbps.map(String.init), String(Int64(clamping: event.seq))])
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
        var gone: [UUID] = []
        var changed: [ActiveSessionRow] = []
        for (id, state) in sessions {
            switch state {
            case .stopped where stored.contains(id): gone.append(id)
            case .active(let row, changed: true): changed.append(row)
            default: break
            }
        }
        if !gone.isEmpty {
            _ = try connection.query("DELETE FROM sessions_active WHERE session_id = ANY($1::uuid[])", bindings: [PostgresArray(gone.sorted())])
        }
        if !changed.isEmpty {
            try statements.upsertActive.run(changed.sorted { $0.sessionID < $1.sessionID }.map(\.values), on: connection)
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

    let upsertActive: PostgresArrayInsert
    let insertHistory: PostgresArrayInsert
    let upsertMinutes: PostgresArrayInsert
    let upsertSeconds: PostgresArrayInsert
    let insertHealth: PostgresArrayInsert
    let upsertRegistry: PostgresArrayInsert

    init() throws {
        upsertActive = try PostgresArrayInsert(
            table: "sessions_active", columns: ActiveSessionRow.columns, types: ActiveSessionRow.types,
            suffix: "ON CONFLICT (session_id) DO UPDATE SET "
                + ActiveSessionRow.columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
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
