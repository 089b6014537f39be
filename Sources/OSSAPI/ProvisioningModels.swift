import EventSourcing

/// A rate plan. Its RADIUS group carries the rates as reply attributes.
public struct Plan: Codable, Sendable, Hashable {
    public var planID: Int64
    public var name: String
    public var downloadKbps: Int64
    public var uploadKbps: Int64
    public var downloadBurstKbit: Int64?
    public var uploadBurstKbit: Int64?
    public var priceCents: Int64
    public var active: Bool
    public var radiusGroup: String
    public var services: Int64
    public var createdAt: APITimestamp
    public var updatedAt: APITimestamp

    static let columns = """
        p.plan_id, p.name, p.download_kbps, p.upload_kbps, p.download_burst_kbit, p.upload_burst_kbit, p.price_cents, p.active,
        (SELECT count(*) FROM services v WHERE v.plan_id = p.plan_id AND v.status <> 'TERMINATED') AS services, p.created_at, p.updated_at
        """

    init(row: PostgresRow, groupPrefix: String) throws {
        planID = try row.decode("plan_id")
        name = try row.decode("name")
        downloadKbps = try row.decode("download_kbps")
        uploadKbps = try row.decode("upload_kbps")
        downloadBurstKbit = try row.decodeIfPresent("download_burst_kbit")
        uploadBurstKbit = try row.decodeIfPresent("upload_burst_kbit")
        priceCents = try row.decode("price_cents")
        active = try row.decode("active")
        radiusGroup = RADIUSProvisioning.groupName(planID: planID, prefix: groupPrefix)
        services = try row.decode("services")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    static let schema = JSONSchema.object("A rate plan.", [
        "plan_id": .integer(), "name": .string(minLength: 1, maxLength: 100),
        "download_kbps": .integer("Download rate, kbit/s (Aether-Download-Rate).", minimum: 1),
        "upload_kbps": .integer("Upload rate, kbit/s (Aether-Upload-Rate).", minimum: 1),
        "download_burst_kbit": JSONSchema.integer("Download burst, kbit (Aether-Download-Burst).", minimum: 1).orNull,
        "upload_burst_kbit": JSONSchema.integer("Upload burst, kbit (Aether-Upload-Burst).", minimum: 1).orNull,
        "price_cents": .integer("Monthly price in cents.", minimum: 0),
        "active": .boolean("Whether new services may use it."),
        "radius_group": .string("The RADIUS group (radgroupreply) holding its rates."),
        "services": .integer("Services on this plan that are not terminated.", minimum: 0),
        "created_at": .timestamp(), "updated_at": .timestamp(),
    ])

    enum CodingKeys: String, CodingKey {
        case planID = "plan_id", name, downloadKbps = "download_kbps", uploadKbps = "upload_kbps"
        case downloadBurstKbit = "download_burst_kbit", uploadBurstKbit = "upload_burst_kbit", priceCents = "price_cents"
        case active, radiusGroup = "radius_group", services, createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// The body of a plan create (all fields) or update (any of them).
struct PlanInput: Codable, Sendable {
    var name: String
    var downloadKbps: Int64
    var uploadKbps: Int64
    var downloadBurstKbit: Int64?
    var uploadBurstKbit: Int64?
    var priceCents: Int64?
    var active: Bool?

    enum CodingKeys: String, CodingKey {
        case name, downloadKbps = "download_kbps", uploadKbps = "upload_kbps", downloadBurstKbit = "download_burst_kbit"
        case uploadBurstKbit = "upload_burst_kbit", priceCents = "price_cents", active
    }

    static let schema = JSONSchema.object("A plan to create.", [
        "name": .string(minLength: 1, maxLength: 100),
        "download_kbps": .integer(minimum: 1, maximum: 100_000_000), "upload_kbps": .integer(minimum: 1, maximum: 100_000_000),
        "download_burst_kbit": JSONSchema.integer(minimum: 1, maximum: 10_000_000).orNull,
        "upload_burst_kbit": JSONSchema.integer(minimum: 1, maximum: 10_000_000).orNull,
        "price_cents": .integer(minimum: 0, maximum: 100_000_000), "active": .boolean(),
    ], optional: ["price_cents", "active"])
}

/// A customer.
public struct Customer: Codable, Sendable, Hashable {
    public var customerID: Int64
    public var name: String
    public var email: String?
    public var phone: String?
    public var street: String?
    public var city: String?
    public var zipCode: String?
    public var state: String?
    public var createdAt: APITimestamp
    public var updatedAt: APITimestamp

    static let columns = "c.customer_id, c.name, c.email, c.phone, c.street, c.city, c.zip_code, c.state, c.created_at, c.updated_at"

    init(row: PostgresRow) throws {
        customerID = try row.decode("customer_id")
        name = try row.decode("name")
        email = try row.decodeIfPresent("email")
        phone = try row.decodeIfPresent("phone")
        street = try row.decodeIfPresent("street")
        city = try row.decodeIfPresent("city")
        zipCode = try row.decodeIfPresent("zip_code")
        state = try row.decodeIfPresent("state")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    static let fields: KeyValuePairs<String, JSONSchema> = [
        "customer_id": .integer(), "name": .string(minLength: 1, maxLength: 200),
        "email": JSONSchema.string(maxLength: 254).orNull, "phone": JSONSchema.string(maxLength: 40).orNull,
        "street": JSONSchema.string(maxLength: 200).orNull, "city": JSONSchema.string(maxLength: 100).orNull,
        "zip_code": JSONSchema.string(maxLength: 20).orNull, "state": JSONSchema.string(maxLength: 100).orNull,
        "created_at": .timestamp(), "updated_at": .timestamp(),
    ]
    static let schema = JSONSchema.object("A customer.", fields)

    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", name, email, phone, street, city, zipCode = "zip_code", state
        case createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// The body of a customer create or update.
struct CustomerInput: Codable, Sendable {
    var name: String
    var email: String?
    var phone: String?
    var street: String?
    var city: String?
    var zipCode: String?
    var state: String?

    enum CodingKeys: String, CodingKey { case name, email, phone, street, city, zipCode = "zip_code", state }

    static let schema = JSONSchema.object("A customer to create.", [
        "name": .string(minLength: 1, maxLength: 200),
        "email": JSONSchema.string(maxLength: 254).orNull, "phone": JSONSchema.string(maxLength: 40).orNull,
        "street": JSONSchema.string(maxLength: 200).orNull, "city": JSONSchema.string(maxLength: 100).orNull,
        "zip_code": JSONSchema.string(maxLength: 20).orNull, "state": JSONSchema.string(maxLength: 100).orNull,
    ])
}

/// A customer with what the dashboard's customer table shows.
public struct CustomerListing: Codable, Sendable, Hashable {
    public var customerID: Int64
    public var name: String
    public var email: String?
    public var city: String?
    /// `online` (a live session), `recent` (a session ended in the last 24 h), `new` (no session
    /// yet, created in the last 24 h) or `offline`.
    public var status: String
    public var serviceCount: Int64
    public var activeSessions: Int64
    public var recentSessions: Int64
    public var ipAddresses: [String]

    static let schema = JSONSchema.object("A customer and its line status.", [
        "customer_id": .integer(), "name": .string(maxLength: nil), "email": JSONSchema.string(maxLength: nil).orNull,
        "city": JSONSchema.string(maxLength: nil).orNull,
        "status": .string(allowed: ["online", "recent", "new", "offline"]),
        "service_count": .integer(minimum: 0), "active_sessions": .integer(minimum: 0),
        "recent_sessions": .integer("Sessions that ended in the last 24 h.", minimum: 0),
        "ip_addresses": .array(.string(format: "ipv4")),
    ])

    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", name, email, city, status, serviceCount = "service_count"
        case activeSessions = "active_sessions", recentSessions = "recent_sessions", ipAddresses = "ip_addresses"
    }
}

/// A service: a customer on a plan on one line (BNG, access node, port).
public struct ServiceRecord: Codable, Sendable, Hashable {
    public var serviceID: Int64
    public var customerID: Int64
    public var customerName: String
    public var planID: Int64
    public var planName: String
    public var bngID: String
    public var remoteID: String
    public var circuitID: String
    public var status: String
    /// The RADIUS User-Name of the line, built as the BNG builds it.
    public var username: String
    public var activeSessions: Int64
    public var createdAt: APITimestamp
    public var updatedAt: APITimestamp

    static let columns = """
        v.service_id, v.customer_id, c.name AS customer_name, v.plan_id, p.name AS plan_name, v.bng_id, v.remote_id, v.circuit_id,
        v.status, v.created_at, v.updated_at,
        (SELECT count(*) FROM sessions_active s WHERE s.bng_id = v.bng_id AND s.remote_id = v.remote_id AND s.circuit_id = v.circuit_id) AS active_sessions
        """
    static let from = "services v JOIN customers c ON c.customer_id = v.customer_id JOIN plans p ON p.plan_id = v.plan_id"

    init(row: PostgresRow, userName: (String, String, String) -> String) throws {
        serviceID = try row.decode("service_id")
        customerID = try row.decode("customer_id")
        customerName = try row.decode("customer_name")
        planID = try row.decode("plan_id")
        planName = try row.decode("plan_name")
        bngID = try row.decode("bng_id")
        remoteID = try row.decode("remote_id")
        circuitID = try row.decode("circuit_id")
        status = try row.decode("status")
        username = userName(bngID, remoteID, circuitID)
        activeSessions = try row.decode("active_sessions")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    static let statuses = ["ACTIVE", "SUSPENDED", "TERMINATED"]

    static let schema = JSONSchema.object("A provisioned service.", [
        "service_id": .integer(), "customer_id": .integer(), "customer_name": .string(maxLength: nil),
        "plan_id": .integer(), "plan_name": .string(maxLength: nil),
        "bng_id": .string("The BNG that serves the line."), "remote_id": .string("The access node (Option 82 remote-id)."),
        "circuit_id": .string("The port (Option 82 circuit-id)."),
        "status": .string("ACTIVE is authorized; SUSPENDED and TERMINATED are not.", allowed: statuses),
        "username": .string("RADIUS User-Name of the line.", maxLength: nil),
        "active_sessions": .integer(minimum: 0), "created_at": .timestamp(), "updated_at": .timestamp(),
    ])

    enum CodingKeys: String, CodingKey {
        case serviceID = "service_id", customerID = "customer_id", customerName = "customer_name", planID = "plan_id"
        case planName = "plan_name", bngID = "bng_id", remoteID = "remote_id", circuitID = "circuit_id", status, username
        case activeSessions = "active_sessions", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// The body of a service create or update.
struct ServiceInput: Codable, Sendable {
    var customerID: Int64
    var planID: Int64
    var bngID: String
    var remoteID: String
    var circuitID: String
    var status: String?

    enum CodingKeys: String, CodingKey {
        case customerID = "customer_id", planID = "plan_id", bngID = "bng_id", remoteID = "remote_id", circuitID = "circuit_id", status
    }

    static let schema = JSONSchema.object("A service to create.", [
        "customer_id": .integer(minimum: 1), "plan_id": .integer(minimum: 1),
        "bng_id": .string(minLength: 1, maxLength: 64), "remote_id": .string(minLength: 1, maxLength: 64),
        "circuit_id": .string(minLength: 1, maxLength: 64), "status": .string(allowed: ServiceRecord.statuses),
    ], optional: ["status"])
}
