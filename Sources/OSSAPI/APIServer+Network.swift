import EventSourcing
import Foundation
import Hummingbird
import NetworkTypes

extension APIServer {
    func eventRoutes() -> [APIRoute] {
        [
            APIRoute(.get, "/api/events", "listEvents", "Events of the log, newest first.", tag: "Events",
                     parameters: Self.eventParameters, response: APIPage<SessionEventRecord>.schema(of: "SessionEvent")) { [self] call in
                .page(try await events(call.parameters))
            },
        ]
    }

    /// The filters of the event list (also the customer's events, which fix `customer_id`).
    static let eventParameters: [APIParameter] = [
        .limit, .offset,
        .query("session_id", .uuid(), "Only this session's."),
        .query("event_type", .string(allowed: EventType.known.map(\.rawValue)), "Only this type."),
        .query("bng_id", .string(), "Only this BNG's."),
        .query("customer_id", .integer(minimum: 1), "Only events of sessions on this customer's lines."),
        .query("since", .timestamp(), "At or after (ISO 8601)."),
        .query("until", .timestamp(), "Before (ISO 8601)."),
    ]

    func events(_ p: APIParameters) async throws -> APIPage<SessionEventRecord> {
        var filter = SQLFilter()
        filter.add("e.session_id = $?::uuid", p.uuid("session_id"))
        filter.add("e.event_type = $?", p.string("event_type"))
        filter.add("e.bng_id = $?", p.string("bng_id"))
        filter.add("e.ts >= $?::timestamptz", p.timestamp("since"))
        filter.add("e.ts < $?::timestamptz", p.timestamp("until"))
        filter.add("""
            e.session_id IN (SELECT s.session_id FROM sessions_active s JOIN services v USING (bng_id, remote_id, circuit_id) WHERE v.customer_id = $?1
                             UNION ALL
                             SELECT h.session_id FROM sessions_history h JOIN services v USING (bng_id, remote_id, circuit_id) WHERE v.customer_id = $?1)
            """.replacingOccurrences(of: "$?1", with: "$?"), p.int("customer_id"))
        return try await page(p, select: SessionEventRecord.columns, from: "session_events e", filter: filter,
                              orderBy: "e.ts DESC, e.bng_id, e.seq DESC", decode: SessionEventRecord.init(row:))
    }

    static let routerName = APIParameter.path("router_name", .string(minLength: 1, maxLength: 64), "The access node's remote-id.")

    func routerRoutes() -> [APIRoute] {
        let timeout = settings.heartbeatTimeoutSeconds
        let columns = AccessRouter.columns(timeout: timeout)
        return [
            APIRoute(.get, "/api/routers", "listRouters", "Access nodes, by name.", tag: "Access nodes",
                     parameters: [.limit, .offset, .query("bng_id", .string(), "Only those on this BNG.")],
                     response: APIPage<AccessRouter>.schema(of: "AccessRouter")) { [self] call in
                var filter = SQLFilter()
                filter.add("r.bng_id = $?", call.parameters.string("bng_id"))
                return .page(try await page(call.parameters, select: columns, from: "access_routers r", filter: filter,
                                            orderBy: "r.router_name", decode: AccessRouter.init(row:)))
            },
            APIRoute(.post, "/api/routers", "createRouter", "Adds an access node to the inventory.", tag: "Access nodes",
                     body: RouterInput.schema, status: .created, response: .single("AccessRouter"), errors: [.conflict]) { [self] call in
                let input = try call.decode(RouterInput.self)
                let giaddr = try Self.address(input.giaddr, "giaddr")
                let name = input.routerName
                let created = try await mutate(conflict: "access node \(name) exists already") { connection in
                    try connection.query("INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ($1, $2::inet, $3, $4)",
                                         bindings: [name, giaddr, input.bngID, input.totalInterfaces ?? 4])
                    return try Self.router(name, columns: columns, connection)
                }
                feed.poke()
                return .data(created, status: .created)
            },
            APIRoute(.get, "/api/routers/{router_name}", "getRouter", "One access node.", tag: "Access nodes",
                     parameters: [Self.routerName], response: .single("AccessRouter"), errors: [.notFound]) { [self] call in
                let name = call.parameters.string("router_name") ?? ""
                return .data(try await query { try Self.router(name, columns: columns, $0) })
            },
            APIRoute(.put, "/api/routers/{router_name}", "updateRouter", "Changes an access node (fields given replace the stored ones).",
                     tag: "Access nodes", parameters: [Self.routerName], body: RouterInput.schema.allOptional.withoutMember("router_name"),
                     response: .single("AccessRouter"), errors: [.notFound]) { [self] call in
                let name = call.parameters.string("router_name") ?? ""
                let body = call.body?.objectValue ?? [:]
                let giaddr = try Self.address(body["giaddr"].flatMap(\.stringValue), "giaddr")
                let updated = try await mutate { connection in
                    let changed = try connection.query("""
                        UPDATE access_routers SET
                            giaddr = CASE WHEN $2 THEN $3::inet ELSE giaddr END,
                            bng_id = CASE WHEN $4 THEN $5 ELSE bng_id END,
                            total_interfaces = coalesce($6, total_interfaces), updated_at = now()
                        WHERE router_name = $1
                        """, bindings: [name, body["giaddr"] != nil, giaddr, body["bng_id"] != nil, body["bng_id"].flatMap(\.stringValue),
                                        body["total_interfaces"].flatMap(\.integerValue)]).affectedRows
                    guard changed == 1 else { throw APIError.notFound("access node \(name)") }
                    return try Self.router(name, columns: columns, connection)
                }
                feed.poke()
                return .data(updated)
            },
            APIRoute(.delete, "/api/routers/{router_name}", "deleteRouter", "Removes an access node from the inventory.", tag: "Access nodes",
                     parameters: [Self.routerName], status: .noContent, response: nil, errors: [.notFound]) { [self] call in
                let name = call.parameters.string("router_name") ?? ""
                try await mutate { connection in
                    guard try connection.query("DELETE FROM access_routers WHERE router_name = $1", [name]).affectedRows == 1 else {
                        throw APIError.notFound("access node \(name)")
                    }
                }
                feed.poke()
                return .noContent
            },
            APIRoute(.get, "/api/routers/{router_name}/available-ports", "listRouterPorts",
                     "Which ports of an access node a new service may use.", tag: "Access nodes",
                     parameters: [Self.routerName, .query("service_id", .integer(minimum: 1), "Count this service's port as free (editing it).")],
                     response: .single("RouterPorts"), errors: [.notFound]) { [self] call in
                let name = call.parameters.string("router_name") ?? ""
                let exclude = call.parameters.int("service_id")
                return .data(try await query { connection in
                    let router = try Self.router(name, columns: columns, connection)
                    var used: [String: Int64] = [:]
                    for row in try connection.query("""
                        SELECT circuit_id, service_id FROM services
                        WHERE remote_id = $1 AND status <> 'TERMINATED' AND ($2::bigint IS NULL OR service_id <> $2)
                        """, bindings: [name, exclude]).typedRows {
                        used[try row.decode("circuit_id")] = try row.decode("service_id")
                    }
                    let ports = router.totalInterfaces > 0 ? (1...router.totalInterfaces).map { port -> RouterPorts.Port in
                        let circuit = "\(name)/\(port)"
                        return RouterPorts.Port(port: port, circuitID: circuit, serviceID: used[circuit], available: used[circuit] == nil)
                    } : []
                    return RouterPorts(routerName: name, bngID: router.bngID, totalInterfaces: router.totalInterfaces, ports: ports,
                                       availableCount: Int64(ports.filter { $0.available }.count))
                })
            },
        ]
    }

    static func router(_ name: String, columns: String, _ connection: PostgresConnection) throws -> AccessRouter {
        guard let row = try connection.query("SELECT \(columns) FROM access_routers r WHERE r.router_name = $1", [name]).typedRows.first else {
            throw APIError.notFound("access node \(name)")
        }
        return try AccessRouter(row: row)
    }

    /// A validated IPv4 address text, or nil.
    static func address(_ text: String?, _ field: String) throws -> String? {
        guard let text else { return nil }
        guard let address = IPv4Address(text) else { throw APIError.invalidBody("\(field): \"\(JSONSchema.clip(text))\" is not an IPv4 address") }
        return address.description
    }

    static let bngID = APIParameter.path("bng_id", .string(minLength: 1, maxLength: 64), "The BNG's id.")

    func bngRoutes() -> [APIRoute] {
        let columns = BNGRecord.columns(timeout: settings.heartbeatTimeoutSeconds)
        return [
            APIRoute(.get, "/api/bngs", "listBNGs", "Every BNG that has reported.", tag: "BNGs", parameters: [.limit, .offset],
                     response: APIPage<BNGRecord>.schema(of: "BNG")) { [self] call in
                .page(try await page(call.parameters, select: columns, from: "bng_registry b", filter: SQLFilter(), orderBy: "b.bng_id",
                                     decode: BNGRecord.init(row:)))
            },
            APIRoute(.get, "/api/bngs/{bng_id}", "getBNG", "One BNG.", tag: "BNGs", parameters: [Self.bngID],
                     response: .single("BNG"), errors: [.notFound]) { [self] call in
                var filter = SQLFilter()
                filter.add("b.bng_id = $?", call.parameters.string("bng_id"))
                return .data(try await one("BNG \(call.parameters.string("bng_id") ?? "")", select: columns, from: "bng_registry b",
                                           filter: filter, decode: BNGRecord.init(row:)))
            },
            APIRoute(.get, "/api/bngs/{bng_id}/health", "listBNGHealth", "A BNG's health samples, newest first.", tag: "BNGs",
                     parameters: [Self.bngID, .limit, .offset,
                                  .query("bng_instance_id", .uuid(), "Only this process instance's."),
                                  .query("since", .timestamp(), "At or after (ISO 8601).")],
                     response: APIPage<HealthSample>.schema(of: "HealthSample"), errors: [.notFound]) { [self] call in
                let id = call.parameters.string("bng_id") ?? ""
                let known = try await query { try $0.query("SELECT 1 FROM bng_registry WHERE bng_id = $1", [id]).rows.count == 1 }
                guard known else { throw APIError.notFound("BNG \(id)") }
                var filter = SQLFilter()
                filter.add("bng_id = $?", id)
                filter.add("bng_instance_id = $?::uuid", call.parameters.uuid("bng_instance_id"))
                filter.add("ts >= $?::timestamptz", call.parameters.timestamp("since"))
                return .page(try await page(call.parameters, select: HealthSample.columns, from: "bng_health_events", filter: filter,
                                            orderBy: "ts DESC, seq DESC", decode: HealthSample.init(row:)))
            },
        ]
    }

    /// Runs a change in a transaction, turning constraint violations into 409/400 with `conflict` as the reason.
    @discardableResult
    func mutate<T: Sendable>(conflict: String = "the change conflicts with existing data",
                             _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            let result = try await query { connection in try connection.transaction(body) }
            totals.removeAll()
            statsCache.removeAll()
            return result
        } catch let error as EventSourcingError {
            throw APIError.from(database: error, conflict: conflict)
        }
    }
}

extension JSONValue {
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }
    var integerValue: Int64? {
        if case .integer(let number) = self { return number }
        return nil
    }
    var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }
    var isNull: Bool { self == .null }
}

extension JSONSchema {
    /// This object schema without member `name`.
    func withoutMember(_ name: String) -> JSONSchema {
        JSONSchema(types: types, format: format, description: description, properties: properties.filter { $0.0 != name },
                   required: required.filter { $0 != name }, additionalProperties: additionalProperties, items: items)
    }
}
