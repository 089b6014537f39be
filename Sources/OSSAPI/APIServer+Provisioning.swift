import EventSourcing
import Foundation
import Hummingbird
import RadiusKit

extension APIServer {
    static let planID = APIParameter.path("plan_id", .integer(minimum: 1), "The plan's id.")
    static let customerID = APIParameter.path("customer_id", .integer(minimum: 1), "The customer's id.")
    static let serviceID = APIParameter.path("service_id", .integer(minimum: 1), "The service's id.")

    func planRoutes() -> [APIRoute] {
        let prefix = settings.groupPrefix
        return [
            APIRoute(.get, "/api/plans", "listPlans", "Rate plans, by id.", tag: "Plans",
                     parameters: [.limit, .offset, .query("active", .boolean(), "Only active (true) or inactive (false) plans.")],
                     response: APIPage<Plan>.schema(of: "Plan")) { [self] call in
                var filter = SQLFilter()
                filter.add("p.active = $?", call.parameters.bool("active"))
                return .page(try await page(call.parameters, select: Plan.columns, from: "plans p", filter: filter, orderBy: "p.plan_id",
                                            decode: { try Plan(row: $0, groupPrefix: prefix) }))
            },
            APIRoute(.get, "/api/plans/{plan_id}", "getPlan", "One plan.", tag: "Plans", parameters: [Self.planID],
                     response: .single("Plan"), errors: [.notFound]) { [self] call in
                let id = call.parameters.int("plan_id") ?? 0
                return .data(try await query { try Self.plan(id, prefix: prefix, $0) })
            },
            APIRoute(.post, "/api/plans", "createPlan", "Adds a plan; its RADIUS group follows.", tag: "Plans",
                     body: PlanInput.schema, status: .created, response: .single("Plan"), errors: [.conflict]) { [self] call in
                let input = try call.decode(PlanInput.self)
                let plan = try await mutate(conflict: "a plan named \"\(input.name)\" exists already") { connection in
                    let id: Int64 = try connection.query("""
                        INSERT INTO plans (name, download_kbps, upload_kbps, download_burst_kbit, upload_burst_kbit, price_cents, active)
                        VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING plan_id
                        """, bindings: [input.name, input.downloadKbps, input.uploadKbps, input.downloadBurstKbit, input.uploadBurstKbit,
                                        input.priceCents ?? 0, input.active ?? true]).decode("plan_id")
                    return try Self.plan(id, prefix: prefix, connection)
                }
                await provisioned()
                return .data(plan, status: .created)
            },
            APIRoute(.put, "/api/plans/{plan_id}", "updatePlan",
                     "Changes a plan; its RADIUS group follows and live sessions on it get the new rates by CoA.", tag: "Plans",
                     parameters: [Self.planID], body: PlanInput.schema.allOptional, response: .withActions("Plan"),
                     errors: [.notFound, .conflict, .serviceUnavailable]) { [self] call in
                let id = call.parameters.int("plan_id") ?? 0
                let body = call.body?.objectValue ?? [:]
                let (before, after) = try await mutate(conflict: "another plan has that name") { connection in
                    let before = try Self.plan(id, prefix: prefix, connection)
                    func given(_ key: String) -> Bool { body[key] != nil }
                    try connection.query("""
                        UPDATE plans SET name = coalesce($2, name), download_kbps = coalesce($3, download_kbps), upload_kbps = coalesce($4, upload_kbps),
                            download_burst_kbit = CASE WHEN $5 THEN $6 ELSE download_burst_kbit END,
                            upload_burst_kbit = CASE WHEN $7 THEN $8 ELSE upload_burst_kbit END,
                            price_cents = coalesce($9, price_cents), active = coalesce($10, active), updated_at = now()
                        WHERE plan_id = $1
                        """, bindings: [id, body["name"]?.stringValue, body["download_kbps"]?.integerValue, body["upload_kbps"]?.integerValue,
                                        given("download_burst_kbit"), body["download_burst_kbit"]?.integerValue,
                                        given("upload_burst_kbit"), body["upload_burst_kbit"]?.integerValue,
                                        body["price_cents"]?.integerValue, body["active"]?.boolValue])
                    return (before, try Self.plan(id, prefix: prefix, connection))
                }
                await provisioned()
                var actions: [DynamicAuthorizationResult] = []
                if before.rates != after.rates {
                    let sessions = try await liveSessions(where: "v.plan_id = $1 AND v.status = 'ACTIVE'", [id])
                    actions = try await changeRates(sessions, to: after)
                }
                return .data(after, actions: actions)
            },
            APIRoute(.delete, "/api/plans/{plan_id}", "deletePlan", "Removes a plan no service uses; its RADIUS group goes too.", tag: "Plans",
                     parameters: [Self.planID], status: .noContent, response: nil, errors: [.notFound, .conflict]) { [self] call in
                let id = call.parameters.int("plan_id") ?? 0
                try await mutate(conflict: "services use plan \(id); move or delete them first") { connection in
                    guard try connection.query("DELETE FROM plans WHERE plan_id = $1", bindings: [id]).affectedRows == 1 else {
                        throw APIError.notFound("plan \(id)")
                    }
                }
                await provisioned()
                return .noContent
            },
        ]
    }

    static func plan(_ id: Int64, prefix: String, _ connection: PostgresConnection) throws -> Plan {
        guard let row = try connection.query("SELECT \(Plan.columns) FROM plans p WHERE p.plan_id = $1", bindings: [id]).typedRows.first else {
            throw APIError.notFound("plan \(id)")
        }
        return try Plan(row: row, groupPrefix: prefix)
    }

    func customerRoutes() -> [APIRoute] {
        [
            APIRoute(.get, "/api/customers", "listCustomers", "Customers, by id.", tag: "Customers",
                     parameters: [.limit, .offset, .query("search", .string(maxLength: 100), "Substring of name, e-mail, phone or city.")],
                     response: APIPage<Customer>.schema(of: "Customer")) { [self] call in
                var filter = SQLFilter()
                filter.addSearch(["c.name", "c.email", "c.phone", "c.city"], call.parameters.string("search"))
                return .page(try await page(call.parameters, select: Customer.columns, from: "customers c", filter: filter,
                                            orderBy: "c.customer_id", decode: Customer.init(row:)))
            },
            APIRoute(.get, "/api/customers/listing", "listCustomerStatus",
                     "Customers with line status (online, recent, new, offline), session counts and addresses.", tag: "Customers",
                     parameters: [.limit, .offset, .query("search", .string(maxLength: 100), "Substring of name, e-mail or city."),
                                  .query("status", .string(allowed: ["online", "recent", "new", "offline"]), "Only this status.")],
                     response: APIPage<CustomerListing>.schema(of: "CustomerListing")) { [self] call in
                .page(try await customerListing(call.parameters))
            },
            APIRoute(.get, "/api/customers/{customer_id}", "getCustomer", "One customer.", tag: "Customers",
                     parameters: [Self.customerID], response: .single("Customer"), errors: [.notFound]) { [self] call in
                var filter = SQLFilter()
                filter.add("c.customer_id = $?", call.parameters.int("customer_id"))
                return .data(try await one("customer \(call.parameters.int("customer_id") ?? 0)", select: Customer.columns, from: "customers c",
                                           filter: filter, decode: Customer.init(row:)))
            },
            APIRoute(.post, "/api/customers", "createCustomer", "Adds a customer.", tag: "Customers",
                     body: CustomerInput.schema, status: .created, response: .single("Customer"), errors: [.conflict]) { [self] call in
                let input = try call.decode(CustomerInput.self)
                let customer = try await mutate(conflict: "a customer with that e-mail exists already") { connection in
                    let id: Int64 = try connection.query("""
                        INSERT INTO customers (name, email, phone, street, city, zip_code, state) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING customer_id
                        """, bindings: [input.name, input.email, input.phone, input.street, input.city, input.zipCode, input.state]).decode("customer_id")
                    return try Self.customer(id, connection)
                }
                return .data(customer, status: .created)
            },
            APIRoute(.put, "/api/customers/{customer_id}", "updateCustomer", "Changes a customer (fields given replace the stored ones).",
                     tag: "Customers", parameters: [Self.customerID], body: CustomerInput.schema.allOptional,
                     response: .single("Customer"), errors: [.notFound, .conflict]) { [self] call in
                let id = call.parameters.int("customer_id") ?? 0
                let body = call.body?.objectValue ?? [:]
                let customer = try await mutate(conflict: "a customer with that e-mail exists already") { connection in
                    let fields = ["email", "phone", "street", "city", "zip_code", "state"]
                    var bindings: [(any PostgresBindable)?] = [id, body["name"]?.stringValue]
                    var sets = ["name = coalesce($2, name)"]
                    for field in fields {
                        bindings.append(body[field] != nil)
                        bindings.append(body[field]?.stringValue)
                        sets.append("\(field) = CASE WHEN $\(bindings.count - 1) THEN $\(bindings.count) ELSE \(field) END")
                    }
                    let changed = try connection.query("UPDATE customers SET \(sets.joined(separator: ", ")), updated_at = now() WHERE customer_id = $1",
                                                       bindings: bindings).affectedRows
                    guard changed == 1 else { throw APIError.notFound("customer \(id)") }
                    return try Self.customer(id, connection)
                }
                return .data(customer)
            },
            APIRoute(.delete, "/api/customers/{customer_id}", "deleteCustomer", "Removes a customer without services.", tag: "Customers",
                     parameters: [Self.customerID], status: .noContent, response: nil, errors: [.notFound, .conflict]) { [self] call in
                let id = call.parameters.int("customer_id") ?? 0
                try await mutate(conflict: "customer \(id) has services; delete them first") { connection in
                    guard try connection.query("DELETE FROM customers WHERE customer_id = $1", bindings: [id]).affectedRows == 1 else {
                        throw APIError.notFound("customer \(id)")
                    }
                }
                return .noContent
            },
            APIRoute(.get, "/api/customers/{customer_id}/services", "listCustomerServices", "A customer's services.", tag: "Customers",
                     parameters: [Self.customerID, .limit, .offset], response: APIPage<ServiceRecord>.schema(of: "Service"),
                     errors: [.notFound]) { [self] call in
                let id = try await existingCustomer(call.parameters)
                var filter = SQLFilter()
                filter.add("v.customer_id = $?", id)
                return .page(try await services(call.parameters, filter))
            },
            APIRoute(.get, "/api/customers/{customer_id}/sessions", "listCustomerSessions", "A customer's live sessions.", tag: "Customers",
                     parameters: [Self.customerID, .limit, .offset], response: APIPage<ActiveSession>.schema(of: "ActiveSession"),
                     errors: [.notFound]) { [self] call in
                let id = try await existingCustomer(call.parameters)
                var filter = SQLFilter()
                filter.add("v.customer_id = $?", id)
                return .page(try await page(call.parameters, select: ActiveSession.columns, from: ActiveSession.from, filter: filter,
                                            orderBy: "s.started_at DESC, s.session_id", decode: ActiveSession.init(row:)))
            },
            APIRoute(.get, "/api/customers/{customer_id}/sessions/history", "listCustomerHistory", "A customer's finished sessions.",
                     tag: "Customers", parameters: [Self.customerID, .limit, .offset],
                     response: APIPage<HistorySession>.schema(of: "HistorySession"), errors: [.notFound]) { [self] call in
                let id = try await existingCustomer(call.parameters)
                var filter = SQLFilter()
                filter.add("EXISTS (SELECT 1 FROM services v WHERE v.customer_id = $? AND (v.bng_id, v.remote_id, v.circuit_id) = (h.bng_id, h.remote_id, h.circuit_id))", id)
                return .page(try await page(call.parameters, select: HistorySession.columns, from: "sessions_history h", filter: filter,
                                            orderBy: "h.ended_at DESC, h.session_id", decode: HistorySession.init(row:)))
            },
            APIRoute(.get, "/api/customers/{customer_id}/events", "listCustomerEvents", "Events of a customer's sessions, newest first.",
                     tag: "Customers", parameters: [Self.customerID, .limit, .offset,
                                                    .query("event_type", .string(allowed: EventType.known.map(\.rawValue)), "Only this type.")],
                     response: APIPage<SessionEventRecord>.schema(of: "SessionEvent"), errors: [.notFound]) { [self] call in
                let id = try await existingCustomer(call.parameters)
                let (limit, offset) = call.parameters.page
                var query: [(String, String)] = [("customer_id", "\(id)"), ("limit", "\(limit)"), ("offset", "\(offset)")]
                if let type = call.parameters.string("event_type") { query.append(("event_type", type)) }
                return .page(try await events(try APIParameters(query: query, path: [:], declared: Self.eventParameters)))
            },
        ]
    }

    func existingCustomer(_ p: APIParameters) async throws -> Int64 {
        let id = p.int("customer_id") ?? 0
        let known = try await query { try $0.query("SELECT 1 FROM customers WHERE customer_id = $1", bindings: [id]).rows.count == 1 }
        guard known else { throw APIError.notFound("customer \(id)") }
        return id
    }

    static func customer(_ id: Int64, _ connection: PostgresConnection) throws -> Customer {
        guard let row = try connection.query("SELECT \(Customer.columns) FROM customers c WHERE c.customer_id = $1", bindings: [id]).typedRows.first else {
            throw APIError.notFound("customer \(id)")
        }
        return try Customer(row: row)
    }

    func customerListing(_ p: APIParameters) async throws -> APIPage<CustomerListing> {
        let (limit, offset) = p.page
        var filter = SQLFilter()
        filter.addSearch(["c.name", "c.email", "c.city"], p.string("search"))
        filter.add("l.status = $?", p.string("status"))
        let listing = """
            (SELECT c.customer_id, c.name, c.email, c.city, c.created_at,
                    (SELECT count(*) FROM services v WHERE v.customer_id = c.customer_id AND v.status <> 'TERMINATED') AS service_count,
                    (SELECT count(*) FROM sessions_active s JOIN services v USING (bng_id, remote_id, circuit_id)
                      WHERE v.customer_id = c.customer_id AND v.status <> 'TERMINATED') AS active_sessions,
                    (SELECT count(*) FROM sessions_history h JOIN services v USING (bng_id, remote_id, circuit_id)
                      WHERE v.customer_id = c.customer_id AND h.ended_at > now() - interval '24 hours') AS recent_sessions,
                    (SELECT coalesce(array_agg(host(s.ip_address) ORDER BY s.ip_address) FILTER (WHERE s.ip_address IS NOT NULL), '{}')
                       FROM sessions_active s JOIN services v USING (bng_id, remote_id, circuit_id)
                      WHERE v.customer_id = c.customer_id AND v.status <> 'TERMINATED') AS ip_addresses
               FROM customers c) c
            CROSS JOIN LATERAL (SELECT CASE WHEN c.active_sessions > 0 THEN 'online' WHEN c.recent_sessions > 0 THEN 'recent'
                                            WHEN c.created_at > now() - interval '24 hours' THEN 'new' ELSE 'offline' END AS status) l
            """
        let built = filter
        return try await query { connection in
            let filter = built
            let total: Int64 = try connection.query("SELECT count(*) AS n FROM \(listing)\(filter.sql)", bindings: filter.bindings).decode("n")
            let rows = try connection.query("""
                SELECT c.*, l.status FROM \(listing)\(filter.sql) ORDER BY c.customer_id LIMIT $\(filter.next) OFFSET $\(filter.next + 1)
                """, bindings: filter.bindings + [limit, offset]).typedRows
            let data = try rows.map { row in
                CustomerListing(customerID: try row.decode("customer_id"), name: try row.decode("name"), email: try row.decodeIfPresent("email"),
                                city: try row.decodeIfPresent("city"), status: try row.decode("status"),
                                serviceCount: try row.decode("service_count"), activeSessions: try row.decode("active_sessions"),
                                recentSessions: try row.decode("recent_sessions"),
                                ipAddresses: PostgresArray.parse(try row.decode("ip_addresses")))
            }
            return APIPage(data: data, total: total, limit: limit, offset: offset)
        }
    }
}

extension Plan {
    /// What a CoA carries.
    var rates: RADIUSRateLimits {
        RADIUSRateLimits(downloadKbps: UInt32(clamping: downloadKbps), uploadKbps: UInt32(clamping: uploadKbps),
                         downloadBurstKbit: downloadBurstKbit.map { UInt32(clamping: $0) }, uploadBurstKbit: uploadBurstKbit.map { UInt32(clamping: $0) })
    }
}

extension PostgresArray {
    /// Elements of a one-dimensional text array in PostgreSQL's output form (`{a,"b c"}`).
    static func parse(_ text: String) -> [String] {
        guard text.hasPrefix("{"), text.hasSuffix("}"), text.count > 2 else { return [] }
        var elements: [String] = []
        var current = ""
        var quoted = false, escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped { current.append(character); escaped = false; continue }
            switch character {
            case "\\": escaped = true
            case "\"": quoted.toggle()
            case "," where !quoted: elements.append(current); current = ""
            default: current.append(character)
            }
        }
        elements.append(current)
        return elements
    }
}
