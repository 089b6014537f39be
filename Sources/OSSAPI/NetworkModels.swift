import OSSKit
import EventSourcing

/// An access node (the original's "access router"): inventory from the API, liveness from its
/// ROUTER_UPDATE events, live subscribers from `sessions_active`.
public struct AccessRouter: Codable, Sendable, Hashable {
    public var routerName: String
    public var giaddr: String?
    public var bngID: String?
    /// Subscriber ports: circuit-ids `<router_name>/1` … `<router_name>/<total_interfaces>`.
    public var totalInterfaces: Int64
    /// Reported alive and heard from within the heartbeat timeout.
    public var isAlive: Bool
    public var lastSeen: APITimestamp?
    public var activeSubscribers: Int64
    public var createdAt: APITimestamp
    public var updatedAt: APITimestamp

    static func columns(timeout: Int) -> String {
        """
        r.router_name, host(r.giaddr) AS giaddr, r.bng_id, r.total_interfaces,
        (r.is_alive AND EXISTS (SELECT 1 FROM bng_registry b WHERE b.bng_id = r.bng_id
                                AND b.last_seen > now() - interval '\(timeout) seconds')) AS is_alive, r.last_seen,
        (SELECT count(*) FROM sessions_active s WHERE s.remote_id = r.router_name) AS active_subscribers, r.created_at, r.updated_at
        """
    }

    init(row: PostgresRow) throws {
        routerName = try row.decode("router_name")
        giaddr = try row.decodeIfPresent("giaddr")
        bngID = try row.decodeIfPresent("bng_id")
        totalInterfaces = try row.decode("total_interfaces")
        isAlive = try row.decode("is_alive")
        lastSeen = try row.decodeIfPresent("last_seen")
        activeSubscribers = try row.decode("active_subscribers")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    static let schema = JSONSchema.object("An access node.", [
        "router_name": .string("Its remote-id."), "giaddr": JSONSchema.string(format: "ipv4").orNull,
        "bng_id": JSONSchema.string("The BNG it hangs off.").orNull,
        "total_interfaces": .integer("Subscriber ports.", minimum: 0),
        "is_alive": .boolean("Alive as its BNG last reported (the BNG marks it stale after a while without DHCP), and that BNG is itself alive."),
        "last_seen": JSONSchema.timestamp().orNull, "active_subscribers": .integer(minimum: 0),
        "created_at": .timestamp(), "updated_at": .timestamp(),
    ])

    enum CodingKeys: String, CodingKey {
        case routerName = "router_name", giaddr, bngID = "bng_id", totalInterfaces = "total_interfaces", isAlive = "is_alive"
        case lastSeen = "last_seen", activeSubscribers = "active_subscribers", createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// The body of an access node create or update.
struct RouterInput: Codable, Sendable {
    var routerName: String
    var giaddr: String?
    var bngID: String?
    var totalInterfaces: Int64?

    enum CodingKeys: String, CodingKey { case routerName = "router_name", giaddr, bngID = "bng_id", totalInterfaces = "total_interfaces" }

    static let schema = JSONSchema.object("An access node to create.", [
        "router_name": .string(minLength: 1, maxLength: 64), "giaddr": JSONSchema.string(format: "ipv4").orNull,
        "bng_id": JSONSchema.string(minLength: 1, maxLength: 64).orNull,
        "total_interfaces": .integer(minimum: 0, maximum: 4096),
    ], optional: ["total_interfaces"])
}

/// Which ports of an access node have a live service.
public struct RouterPorts: Codable, Sendable, Hashable {
    public struct Port: Codable, Sendable, Hashable {
        public var port: Int64
        public var circuitID: String
        public var serviceID: Int64?
        public var available: Bool

        enum CodingKeys: String, CodingKey {
            case port, circuitID = "circuit_id", serviceID = "service_id", available
        }
    }
    public var routerName: String
    public var bngID: String?
    public var totalInterfaces: Int64
    public var ports: [Port]
    public var availableCount: Int64

    static let schema = JSONSchema.object("Port use of an access node.", [
        "router_name": .string(), "bng_id": JSONSchema.string().orNull, "total_interfaces": .integer(minimum: 0),
        "ports": .array(.object([
            "port": .integer(minimum: 1), "circuit_id": .string(), "service_id": JSONSchema.integer().orNull,
            "available": .boolean("No live service uses the port."),
        ])),
        "available_count": .integer(minimum: 0),
    ])

    enum CodingKeys: String, CodingKey {
        case routerName = "router_name", bngID = "bng_id", totalInterfaces = "total_interfaces", ports
        case availableCount = "available_count"
    }
}

/// A BNG (`bng_registry`) with what it serves.
public struct BNGRecord: Codable, Sendable, Hashable {
    public var bngID: String
    public var bngInstanceID: String
    public var firstSeen: APITimestamp
    public var lastSeen: APITimestamp
    /// A health event arrived within the heartbeat timeout.
    public var isAlive: Bool
    public var cpuPercent: Double?
    public var memoryUsedBytes: Int64?
    public var memoryLimitBytes: Int64?
    public var activeSessions: Int64
    public var accessRouters: Int64

    static func columns(timeout: Int) -> String {
        """
        b.bng_id, b.bng_instance_id, b.first_seen, b.last_seen, (b.last_seen > now() - interval '\(timeout) seconds') AS is_alive,
        b.cpu_percent, b.memory_used_bytes, b.memory_limit_bytes,
        (SELECT count(*) FROM sessions_active s WHERE s.bng_id = b.bng_id) AS active_sessions,
        (SELECT count(*) FROM access_routers r WHERE r.bng_id = b.bng_id) AS access_routers
        """
    }

    init(row: PostgresRow) throws {
        bngID = try row.decode("bng_id")
        bngInstanceID = try row.decode("bng_instance_id")
        firstSeen = try row.decode("first_seen")
        lastSeen = try row.decode("last_seen")
        isAlive = try row.decode("is_alive")
        cpuPercent = try row.decodeIfPresent("cpu_percent")
        memoryUsedBytes = try row.decodeIfPresent("memory_used_bytes")
        memoryLimitBytes = try row.decodeIfPresent("memory_limit_bytes")
        activeSessions = try row.decode("active_sessions")
        accessRouters = try row.decode("access_routers")
    }

    static let schema = JSONSchema.object("A BNG.", [
        "bng_id": .string(), "bng_instance_id": .uuid("Its current process instance."),
        "first_seen": .timestamp(), "last_seen": .timestamp(), "is_alive": .boolean(),
        "cpu_percent": JSONSchema.number("CPU use of the BNG process, % of one core.").orNull,
        "memory_used_bytes": JSONSchema.integer().orNull, "memory_limit_bytes": JSONSchema.integer().orNull,
        "active_sessions": .integer(minimum: 0), "access_routers": .integer(minimum: 0),
    ])

    enum CodingKeys: String, CodingKey {
        case bngID = "bng_id", bngInstanceID = "bng_instance_id", firstSeen = "first_seen", lastSeen = "last_seen"
        case isAlive = "is_alive", cpuPercent = "cpu_percent", memoryUsedBytes = "memory_used_bytes"
        case memoryLimitBytes = "memory_limit_bytes", activeSessions = "active_sessions", accessRouters = "access_routers"
    }
}

/// One BNG_HEALTH_UPDATE.
public struct HealthSample: Codable, Sendable, Hashable {
    public var bngID: String
    public var bngInstanceID: String
    public var seq: Int64
    public var ts: APITimestamp
    public var cpuPercent: Double
    public var memoryUsedBytes: Int64
    public var memoryLimitBytes: Int64?

    static let columns = "bng_id, bng_instance_id, seq, ts, cpu_percent, memory_used_bytes, memory_limit_bytes"

    init(row: PostgresRow) throws {
        bngID = try row.decode("bng_id")
        bngInstanceID = try row.decode("bng_instance_id")
        seq = try row.decode("seq")
        ts = try row.decode("ts")
        cpuPercent = try row.decode("cpu_percent")
        memoryUsedBytes = try row.decode("memory_used_bytes")
        memoryLimitBytes = try row.decodeIfPresent("memory_limit_bytes")
    }

    static let schema = JSONSchema.object("A BNG health sample.", [
        "bng_id": .string(), "bng_instance_id": .uuid(), "seq": .integer(minimum: 1), "ts": .timestamp(),
        "cpu_percent": .number(), "memory_used_bytes": .integer(minimum: 0), "memory_limit_bytes": JSONSchema.integer().orNull,
    ])

    enum CodingKeys: String, CodingKey {
        case bngID = "bng_id", bngInstanceID = "bng_instance_id", seq, ts, cpuPercent = "cpu_percent"
        case memoryUsedBytes = "memory_used_bytes", memoryLimitBytes = "memory_limit_bytes"
    }
}

/// A true rolling average: Σ byte deltas in (now − window, now] × 8 / window.
public struct RollingAverage: Codable, Sendable, Hashable {
    public var windowSeconds: Int64
    public var bytesUp: Int64
    public var bytesDown: Int64
    public var upBps: Double
    public var downBps: Double
    public var totalBps: Double
    public var asOf: APITimestamp

    init(_ average: OSSTraffic.RollingAverage, at now: EventTimestamp) {
        windowSeconds = Int64(average.windowSeconds)
        bytesUp = average.bytesUp
        bytesDown = average.bytesDown
        upBps = average.upBitsPerSecond
        downBps = average.downBitsPerSecond
        totalBps = upBps + downBps
        asOf = APITimestamp(now)
    }

    static let schema = JSONSchema.object("Traffic averaged over a window that ends now, stopped sessions included.", [
        "window_seconds": .integer(minimum: 1), "bytes_up": .integer(minimum: 0), "bytes_down": .integer(minimum: 0),
        "up_bps": .number("bytes_up × 8 / window_seconds."), "down_bps": .number(), "total_bps": .number(), "as_of": .timestamp(),
    ])

    enum CodingKeys: String, CodingKey {
        case windowSeconds = "window_seconds", bytesUp = "bytes_up", bytesDown = "bytes_down", upBps = "up_bps"
        case downBps = "down_bps", totalBps = "total_bps", asOf = "as_of"
    }
}

/// The numbers of the dashboard's cards.
public struct Stats: Codable, Sendable, Hashable {
    public struct Traffic: Codable, Sendable, Hashable {
        public var bytesUp: Int64
        public var bytesDown: Int64
        public var packetsUp: Int64
        public var packetsDown: Int64

        enum CodingKeys: String, CodingKey {
            case bytesUp = "bytes_up", bytesDown = "bytes_down", packetsUp = "packets_up", packetsDown = "packets_down"
        }
    }
    public var activeSessions: Int64
    public var historySessions: Int64
    public var eventsIngested: Int64
    public var accessNodesOnline: Int64
    public var accessNodesTotal: Int64
    public var bngsOnline: Int64
    public var bngsTotal: Int64
    public var activeTraffic: Traffic
    public var rollingAverage: RollingAverage

    static let schema = JSONSchema.object("Totals for the dashboard.", [
        "active_sessions": .integer(minimum: 0), "history_sessions": .integer(minimum: 0),
        "events_ingested": .integer("Events applied since the log began (retention does not lower it).", minimum: 0),
        "access_nodes_online": .integer(minimum: 0), "access_nodes_total": .integer(minimum: 0),
        "bngs_online": .integer(minimum: 0), "bngs_total": .integer(minimum: 0),
        "active_traffic": .object("Counters summed over live sessions.", [
            "bytes_up": .integer(minimum: 0), "bytes_down": .integer(minimum: 0),
            "packets_up": .integer(minimum: 0), "packets_down": .integer(minimum: 0),
        ]),
        "rolling_average": .ref("RollingAverage"),
    ])

    enum CodingKeys: String, CodingKey {
        case activeSessions = "active_sessions", historySessions = "history_sessions", eventsIngested = "events_ingested"
        case accessNodesOnline = "access_nodes_online", accessNodesTotal = "access_nodes_total", bngsOnline = "bngs_online"
        case bngsTotal = "bngs_total", activeTraffic = "active_traffic", rollingAverage = "rolling_average"
    }
}

/// Aggregate traffic in buckets.
public struct TrafficSeries: Codable, Sendable, Hashable {
    public struct Point: Codable, Sendable, Hashable {
        public var ts: APITimestamp
        public var bytesUp: Int64
        public var bytesDown: Int64
        public var upBps: Double
        public var downBps: Double
        public var totalBps: Double

        enum CodingKeys: String, CodingKey {
            case ts, bytesUp = "bytes_up", bytesDown = "bytes_down", upBps = "up_bps", downBps = "down_bps"
            case totalBps = "total_bps"
        }
    }
    public var range: String
    public var bucketSeconds: Int64
    public var bngID: String?
    public var points: [Point]

    static let ranges: [String: Int64] = ["15m": 900, "1h": 3600, "6h": 21_600, "24h": 86_400]
    static let defaultBuckets: [String: Int64] = ["15m": 5, "1h": 10, "6h": 60, "24h": 300]

    static let schema = JSONSchema.object("Bytes moved per bucket, oldest first; empty buckets are zeros.", [
        "range": .string(allowed: ["15m", "1h", "6h", "24h"]), "bucket_seconds": .integer(minimum: 1),
        "bng_id": JSONSchema.string().orNull,
        "points": .array(.object([
            "ts": .timestamp("Start of the bucket."), "bytes_up": .integer(minimum: 0), "bytes_down": .integer(minimum: 0),
            "up_bps": .number(), "down_bps": .number(), "total_bps": .number(),
        ])),
    ])

    enum CodingKeys: String, CodingKey {
        case range, bucketSeconds = "bucket_seconds", bngID = "bng_id", points
    }
}

/// What a Disconnect-Request or CoA-Request to a BNG got back.
public struct DynamicAuthorizationResult: Codable, Sendable, Hashable {
    public var sessionID: String
    public var bngID: String
    public var target: String
    /// `Disconnect-Request` or `CoA-Request`.
    public var request: String
    /// `ack`, `nak`, `timeout` or `error`.
    public var outcome: String
    /// The reply's code name (`Disconnect-ACK`, `CoA-NAK`, …) when one came.
    public var reply: String?
    /// RFC 5176 Error-Cause of a NAK.
    public var errorCause: Int64?
    public var detail: String?

    static let schema = JSONSchema.object("The outcome of a RADIUS Disconnect or CoA request (RFC 5176).", [
        "session_id": .uuid(), "bng_id": .string(), "target": .string("address:port the request went to."),
        "request": .string(allowed: ["Disconnect-Request", "CoA-Request"]),
        "outcome": .string(allowed: ["ack", "nak", "timeout", "error"]),
        "reply": JSONSchema.string().orNull, "error_cause": JSONSchema.integer("RFC 5176 Error-Cause.").orNull,
        "detail": JSONSchema.string(maxLength: nil).orNull,
    ])

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", bngID = "bng_id", target, request, outcome, reply, errorCause = "error_cause", detail
    }
}
