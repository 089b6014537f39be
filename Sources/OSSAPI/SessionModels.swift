import Foundation
import EventSourcing

/// A live session (`sessions_active`) with the service and customer on its line.
public struct ActiveSession: Codable, Sendable, Hashable {
    public var sessionID: String
    public var bngID: String
    public var bngInstanceID: String
    public var nasIP: String
    public var remoteID: String
    public var circuitID: String
    public var macAddress: String
    public var ipAddress: String?
    public var username: String?
    public var authState: String
    public var status: String
    public var startedAt: APITimestamp
    public var updatedAt: APITimestamp
    public var bytesUp: Int64
    public var bytesDown: Int64
    public var packetsUp: Int64
    public var packetsDown: Int64
    public var downloadKbps: Int64?
    public var uploadKbps: Int64?
    public var serviceID: Int64?
    public var customerID: Int64?
    public var customerName: String?
    public var lastSeq: Int64

    static let columns = """
        s.session_id, s.bng_id, s.bng_instance_id, host(s.nas_ip) AS nas_ip, s.remote_id, s.circuit_id, s.mac_address,
        host(s.ip_address) AS ip_address, s.username, s.auth_state, s.status, s.started_at, s.updated_at, s.bytes_up, s.bytes_down,
        s.packets_up, s.packets_down, s.download_kbps, s.upload_kbps, v.service_id, v.customer_id, c.name AS customer_name, s.last_seq
        """
    /// The line's live service and its customer, joined to `s`.
    /// LATERAL, so even a generic plan looks each row's service up by the line index instead of
    /// hashing every service (0.7 ms instead of 2.4 ms for a page of 50 over 5,000 services).
    static let joins = """
        LEFT JOIN LATERAL (SELECT v.service_id, v.customer_id, v.plan_id, v.status FROM services v
                           WHERE v.bng_id = s.bng_id AND v.remote_id = s.remote_id AND v.circuit_id = s.circuit_id
                             AND v.status <> 'TERMINATED' LIMIT 1) v ON true
        LEFT JOIN customers c ON c.customer_id = v.customer_id
        """
    /// `sessions_active s` with its line's live service and customer.
    static let from = "sessions_active s\n" + joins
    /// "`s` is on a live service of customer `$?`", without joining.
    static let ofCustomer = """
        EXISTS (SELECT 1 FROM services v WHERE v.customer_id = $? AND v.status <> 'TERMINATED'
                AND (v.bng_id, v.remote_id, v.circuit_id) = (s.bng_id, s.remote_id, s.circuit_id))
        """
    /// "`s`'s customer's name contains `$?`", without joining.
    static let customerNameContains = """
        EXISTS (SELECT 1 FROM services v JOIN customers c USING (customer_id) WHERE v.status <> 'TERMINATED'
                AND (v.bng_id, v.remote_id, v.circuit_id) = (s.bng_id, s.remote_id, s.circuit_id) AND c.name ILIKE $?)
        """

    init(row: PostgresRow) throws {
        sessionID = try row.decode("session_id")
        bngID = try row.decode("bng_id")
        bngInstanceID = try row.decode("bng_instance_id")
        nasIP = try row.decode("nas_ip")
        remoteID = try row.decode("remote_id")
        circuitID = try row.decode("circuit_id")
        macAddress = try row.decode("mac_address")
        ipAddress = try row.decodeIfPresent("ip_address")
        username = try row.decodeIfPresent("username")
        authState = try row.decode("auth_state")
        status = try row.decode("status")
        startedAt = try row.decode("started_at")
        updatedAt = try row.decode("updated_at")
        bytesUp = try row.decode("bytes_up")
        bytesDown = try row.decode("bytes_down")
        packetsUp = try row.decode("packets_up")
        packetsDown = try row.decode("packets_down")
        downloadKbps = try row.decodeIfPresent("download_kbps")
        uploadKbps = try row.decodeIfPresent("upload_kbps")
        serviceID = try row.decodeIfPresent("service_id")
        customerID = try row.decodeIfPresent("customer_id")
        customerName = try row.decodeIfPresent("customer_name")
        lastSeq = try row.decode("last_seq")
    }

    static let schema = JSONSchema.object("A live subscriber session.", [
        "session_id": .uuid("Acct-Session-Id."),
        "bng_id": .string("The BNG that owns the session."),
        "bng_instance_id": .uuid("The BNG process instance that started it."),
        "nas_ip": .string("NAS-IP-Address: where Disconnect and CoA requests go.", format: "ipv4"),
        "remote_id": .string("Option 82 remote-id: the access node."),
        "circuit_id": .string("Option 82 circuit-id: the port."),
        "mac_address": .string(format: "mac"),
        "ip_address": JSONSchema.string(format: "ipv4").orNull,
        "username": JSONSchema.string("RADIUS User-Name.").orNull,
        "auth_state": .string("PENDING_AUTH, AUTHORIZED, REJECTED, …"),
        "status": .string("ACTIVE or IDLE."),
        "started_at": .timestamp(),
        "updated_at": .timestamp("Time of the last event applied."),
        "bytes_up": .integer("Octets from the subscriber.", minimum: 0),
        "bytes_down": .integer("Octets to the subscriber.", minimum: 0),
        "packets_up": .integer(minimum: 0),
        "packets_down": .integer(minimum: 0),
        "download_kbps": JSONSchema.integer("Shaped download rate, kbit/s.").orNull,
        "upload_kbps": JSONSchema.integer("Shaped upload rate, kbit/s.").orNull,
        "service_id": JSONSchema.integer("The provisioned service on this line.").orNull,
        "customer_id": JSONSchema.integer().orNull,
        "customer_name": JSONSchema.string().orNull,
        "last_seq": .integer("Sequence number of the last event applied."),
    ])

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", bngID = "bng_id", bngInstanceID = "bng_instance_id", nasIP = "nas_ip"
        case remoteID = "remote_id", circuitID = "circuit_id", macAddress = "mac_address", ipAddress = "ip_address", username
        case authState = "auth_state", status, startedAt = "started_at", updatedAt = "updated_at", bytesUp = "bytes_up"
        case bytesDown = "bytes_down", packetsUp = "packets_up", packetsDown = "packets_down", downloadKbps = "download_kbps"
        case uploadKbps = "upload_kbps", serviceID = "service_id", customerID = "customer_id", customerName = "customer_name"
        case lastSeq = "last_seq"
    }
}

/// A finished session (`sessions_history`).
public struct HistorySession: Codable, Sendable, Hashable {
    public var sessionID: String
    public var bngID: String
    public var bngInstanceID: String
    public var nasIP: String
    public var remoteID: String
    public var circuitID: String
    public var macAddress: String
    public var ipAddress: String?
    public var username: String?
    public var authState: String
    public var startedAt: APITimestamp
    public var endedAt: APITimestamp
    public var durationSeconds: Double
    public var terminateCause: String
    public var bytesUp: Int64
    public var bytesDown: Int64
    public var packetsUp: Int64
    public var packetsDown: Int64
    public var downloadKbps: Int64?
    public var uploadKbps: Int64?

    static let columns = """
        h.session_id, h.bng_id, h.bng_instance_id, host(h.nas_ip) AS nas_ip, h.remote_id, h.circuit_id, h.mac_address,
        host(h.ip_address) AS ip_address, h.username, h.auth_state, h.started_at, h.ended_at,
        extract(epoch FROM h.ended_at - h.started_at)::double precision AS duration_seconds, h.terminate_cause,
        h.bytes_up, h.bytes_down, h.packets_up, h.packets_down, h.download_kbps, h.upload_kbps
        """

    init(row: PostgresRow) throws {
        sessionID = try row.decode("session_id")
        bngID = try row.decode("bng_id")
        bngInstanceID = try row.decode("bng_instance_id")
        nasIP = try row.decode("nas_ip")
        remoteID = try row.decode("remote_id")
        circuitID = try row.decode("circuit_id")
        macAddress = try row.decode("mac_address")
        ipAddress = try row.decodeIfPresent("ip_address")
        username = try row.decodeIfPresent("username")
        authState = try row.decode("auth_state")
        startedAt = try row.decode("started_at")
        endedAt = try row.decode("ended_at")
        durationSeconds = try row.decode("duration_seconds")
        terminateCause = try row.decode("terminate_cause")
        bytesUp = try row.decode("bytes_up")
        bytesDown = try row.decode("bytes_down")
        packetsUp = try row.decode("packets_up")
        packetsDown = try row.decode("packets_down")
        downloadKbps = try row.decodeIfPresent("download_kbps")
        uploadKbps = try row.decodeIfPresent("upload_kbps")
    }

    static let schema = JSONSchema.object("A finished session.", [
        "session_id": .uuid(), "bng_id": .string(), "bng_instance_id": .uuid(),
        "nas_ip": .string(format: "ipv4"), "remote_id": .string(), "circuit_id": .string(), "mac_address": .string(format: "mac"),
        "ip_address": JSONSchema.string(format: "ipv4").orNull, "username": JSONSchema.string().orNull, "auth_state": .string(),
        "started_at": .timestamp(), "ended_at": .timestamp(), "duration_seconds": .number("ended_at − started_at."),
        "terminate_cause": .string("Acct-Terminate-Cause, e.g. User-Request, Admin-Reset, Lost-Service."),
        "bytes_up": .integer(minimum: 0), "bytes_down": .integer(minimum: 0),
        "packets_up": .integer(minimum: 0), "packets_down": .integer(minimum: 0),
        "download_kbps": JSONSchema.integer().orNull, "upload_kbps": JSONSchema.integer().orNull,
    ])

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", bngID = "bng_id", bngInstanceID = "bng_instance_id", nasIP = "nas_ip"
        case remoteID = "remote_id", circuitID = "circuit_id", macAddress = "mac_address", ipAddress = "ip_address", username
        case authState = "auth_state", startedAt = "started_at", endedAt = "ended_at", durationSeconds = "duration_seconds"
        case terminateCause = "terminate_cause", bytesUp = "bytes_up", bytesDown = "bytes_down", packetsUp = "packets_up"
        case packetsDown = "packets_down", downloadKbps = "download_kbps", uploadKbps = "upload_kbps"
    }
}

/// One event of the log (`session_events`).
public struct SessionEventRecord: Codable, Sendable, Hashable {
    public var bngID: String
    public var bngInstanceID: String
    public var seq: Int64
    public var eventType: String
    public var ts: APITimestamp
    public var sessionID: String?
    public var ingestedAt: APITimestamp
    public var payload: JSONValue

    static let columns = "e.bng_id, e.bng_instance_id, e.seq, e.event_type, e.ts, e.session_id, e.ingested_at, e.event -> 'payload' AS payload"

    init(row: PostgresRow) throws {
        bngID = try row.decode("bng_id")
        bngInstanceID = try row.decode("bng_instance_id")
        seq = try row.decode("seq")
        eventType = try row.decode("event_type")
        ts = try row.decode("ts")
        sessionID = try row.decodeIfPresent("session_id")
        ingestedAt = try row.decode("ingested_at")
        let text: String = try row.decodeIfPresent("payload") ?? "null"
        payload = (try? JSONValue.parse(Data(text.utf8))) ?? .null
    }

    static let schema = JSONSchema.object("An event a BNG published.", [
        "bng_id": .string(), "bng_instance_id": .uuid(), "seq": .integer("Per-instance sequence number.", minimum: 1),
        "event_type": .string(allowed: EventType.known.map(\.rawValue)), "ts": .timestamp("When the BNG made the event."),
        "session_id": JSONSchema.uuid().orNull, "ingested_at": .timestamp("When the OSS stored it."),
        "payload": JSONSchema(description: "The event's payload as the BNG sent it."),
    ])

    enum CodingKeys: String, CodingKey {
        case bngID = "bng_id", bngInstanceID = "bng_instance_id", seq, eventType = "event_type", ts, sessionID = "session_id"
        case ingestedAt = "ingested_at", payload
    }
}
