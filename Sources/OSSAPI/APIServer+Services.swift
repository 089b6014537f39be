import EventSourcing
import Foundation
import Hummingbird
import RadiusKit

extension APIServer {
    func serviceRoutes() -> [APIRoute] {
        let disconnectParameter = APIParameter.query("disconnect", .boolean(default: false),
                                                     "Also disconnect live sessions on the line when the service stops being ACTIVE.")
        return [
            APIRoute(.get, "/api/services", "listServices", "Services with their customer and plan.", tag: "Services",
                     parameters: [.limit, .offset, .query("customer_id", .integer(minimum: 1), "Only this customer's."),
                                  .query("plan_id", .integer(minimum: 1), "Only on this plan."),
                                  .query("status", .string(allowed: ServiceRecord.statuses), "Only in this status."),
                                  .query("bng_id", .string(), "Only on this BNG."),
                                  .query("remote_id", .string(), "Only on this access node.")],
                     response: APIPage<ServiceRecord>.schema(of: "Service")) { [self] call in
                let p = call.parameters
                var filter = SQLFilter()
                filter.add("v.customer_id = $?", p.int("customer_id"))
                filter.add("v.plan_id = $?", p.int("plan_id"))
                filter.add("v.status = $?", p.string("status"))
                filter.add("v.bng_id = $?", p.string("bng_id"))
                filter.add("v.remote_id = $?", p.string("remote_id"))
                return .page(try await services(p, filter))
            },
            APIRoute(.get, "/api/services/{service_id}", "getService", "One service.", tag: "Services",
                     parameters: [Self.serviceID], response: .single("Service"), errors: [.notFound]) { [self] call in
                .data(try await service(call.parameters.int("service_id") ?? 0))
            },
            APIRoute(.post, "/api/services", "createService",
                     "Provisions a customer on a plan on a line; an ACTIVE service is authorized in RADIUS at once.", tag: "Services",
                     body: ServiceInput.schema, status: .created, response: .single("Service"), errors: [.conflict]) { [self] call in
                let input = try call.decode(ServiceInput.self)
                let id = try await mutate(conflict: "line \(input.bngID) \(input.remoteID) \(input.circuitID) already has a live service") { connection in
                    try Self.checkReferences(customerID: input.customerID, planID: input.planID, newPlan: true, connection)
                    let id: Int64 = try connection.query("""
                        INSERT INTO services (customer_id, plan_id, bng_id, remote_id, circuit_id, status) VALUES ($1, $2, $3, $4, $5, $6) RETURNING service_id
                        """, bindings: [input.customerID, input.planID, input.bngID, input.remoteID, input.circuitID, input.status ?? "ACTIVE"]).decode("service_id")
                    return id
                }
                await provisioned()
                return .data(try await service(id), status: .created)
            },
            APIRoute(.put, "/api/services/{service_id}", "updateService",
                     "Changes a service: a new plan reaches live sessions by CoA; SUSPENDED or TERMINATED removes it from RADIUS.",
                     tag: "Services", parameters: [Self.serviceID, disconnectParameter], body: ServiceInput.schema.allOptional,
                     response: .withActions("Service"), errors: [.notFound, .conflict, .serviceUnavailable]) { [self] call in
                let id = call.parameters.int("service_id") ?? 0
                let body = call.body?.objectValue ?? [:]
                let before = try await service(id)
                try await mutate(conflict: "that line already has a live service") { connection in
                    try Self.checkReferences(customerID: body["customer_id"]?.integerValue, planID: body["plan_id"]?.integerValue,
                                             newPlan: body["plan_id"]?.integerValue != before.planID, connection)
                    let changed = try connection.query("""
                        UPDATE services SET customer_id = coalesce($2, customer_id), plan_id = coalesce($3, plan_id), bng_id = coalesce($4, bng_id),
                            remote_id = coalesce($5, remote_id), circuit_id = coalesce($6, circuit_id), status = coalesce($7, status), updated_at = now()
                        WHERE service_id = $1
                        """, bindings: [id, body["customer_id"]?.integerValue, body["plan_id"]?.integerValue, body["bng_id"]?.stringValue,
                                        body["remote_id"]?.stringValue, body["circuit_id"]?.stringValue, body["status"]?.stringValue]).affectedRows
                    guard changed == 1 else { throw APIError.notFound("service \(id)") }
                }
                await provisioned()
                let after = try await service(id)
                var actions: [DynamicAuthorizationResult] = []
                let live = try await liveSessions(where: "v.service_id = $1", [id])
                if after.status != "ACTIVE" && before.status == "ACTIVE" {
                    if call.parameters.bool("disconnect") == true, !live.isEmpty { actions = try await disconnect(live) }
                } else if after.status == "ACTIVE" && after.planID != before.planID, !live.isEmpty {
                    let plan = try await query { [prefix = settings.groupPrefix] in try Self.plan(after.planID, prefix: prefix, $0) }
                    actions = try await changeRates(live, to: plan)
                }
                return .data(after, actions: actions)
            },
            APIRoute(.delete, "/api/services/{service_id}", "deleteService", "Removes a service and its RADIUS rows.", tag: "Services",
                     parameters: [Self.serviceID, disconnectParameter], status: .noContent, response: nil, errors: [.notFound, .serviceUnavailable]) { [self] call in
                let id = call.parameters.int("service_id") ?? 0
                let live = try await liveSessions(where: "v.service_id = $1", [id])
                try await mutate { connection in
                    guard try connection.query("DELETE FROM services WHERE service_id = $1", bindings: [id]).affectedRows == 1 else {
                        throw APIError.notFound("service \(id)")
                    }
                }
                await provisioned()
                if call.parameters.bool("disconnect") == true, !live.isEmpty { _ = try await disconnect(live) }
                return .noContent
            },
            APIRoute(.post, "/api/services/{service_id}/disconnect", "disconnectService",
                     "Disconnects every live session on the service's line.", tag: "Services", parameters: [Self.serviceID],
                     response: .object(nil, ["data": .array(.ref("DynamicAuthorizationResult"))]), errors: [.notFound, .serviceUnavailable]) { [self] call in
                let id = call.parameters.int("service_id") ?? 0
                _ = try await service(id)
                let live = try await liveSessions(where: "v.service_id = $1", [id])
                return .data(live.isEmpty ? [] : try await disconnect(live))
            },
        ]
    }

    func services(_ p: APIParameters, _ filter: SQLFilter) async throws -> APIPage<ServiceRecord> {
        let format = settings.userNameFormat
        return try await page(p, select: ServiceRecord.columns, from: ServiceRecord.from, filter: filter, orderBy: "v.service_id") {
            try ServiceRecord(row: $0) { format.userName(bng: $0, remoteID: $1, circuitID: $2) }
        }
    }

    func service(_ id: Int64) async throws -> ServiceRecord {
        let format = settings.userNameFormat
        var filter = SQLFilter()
        filter.add("v.service_id = $?", id)
        return try await one("service \(id)", select: ServiceRecord.columns, from: ServiceRecord.from, filter: filter) {
            try ServiceRecord(row: $0) { format.userName(bng: $0, remoteID: $1, circuitID: $2) }
        }
    }

    /// Referenced rows must exist (400 naming the field), and a plan newly chosen must be active.
    static func checkReferences(customerID: Int64?, planID: Int64?, newPlan: Bool, _ connection: PostgresConnection) throws {
        if let customerID, try connection.query("SELECT 1 FROM customers WHERE customer_id = $1", bindings: [customerID]).rows.isEmpty {
            throw APIError.invalidBody("customer_id: customer \(customerID) does not exist")
        }
        if let planID {
            guard let row = try connection.query("SELECT active FROM plans WHERE plan_id = $1", bindings: [planID]).typedRows.first else {
                throw APIError.invalidBody("plan_id: plan \(planID) does not exist")
            }
            if newPlan, try !row.decode("active", as: Bool.self) { throw APIError.invalidBody("plan_id: plan \(planID) is not active") }
        }
    }

    /// Live sessions on the lines of services matching `condition` (over `services v`).
    func liveSessions(where condition: String, _ bindings: [Int64]) async throws -> [ActiveSession] {
        try await query { connection in
            try connection.query("SELECT \(ActiveSession.columns) FROM \(ActiveSession.from) WHERE \(condition)", bindings: bindings)
                .typedRows.map(ActiveSession.init(row:))
        }
    }

    /// CoA-Requests with `plan`'s rates to each session.
    func changeRates(_ sessions: [ActiveSession], to plan: Plan) async throws -> [DynamicAuthorizationResult] {
        guard !sessions.isEmpty else { return [] }
        guard let coa else {
            throw APIError(.serviceUnavailable, "unavailable", "no CoA secret is configured (coa.secret), so the API cannot reach BNGs")
        }
        let results = await coa.changeRates(sessions.map {
            DynamicAuthorizationSender.Session(sessionID: $0.sessionID, bngID: $0.bngID, nasIP: $0.nasIP, username: $0.username)
        }, to: plan.rates)
        logger.info("plan rates pushed by CoA", metadata: ["plan": "\(plan.planID)", "sessions": "\(results.count)",
                                                          "acknowledged": "\(results.filter { $0.outcome == "ack" }.count)"])
        return results
    }
}
