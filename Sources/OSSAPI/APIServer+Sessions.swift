import EventSourcing
import Foundation
import Hummingbird

extension APIServer {
    static let sessionSorts = ["started_at": "s.started_at", "updated_at": "s.updated_at", "bytes_down": "s.bytes_down",
                               "bytes_up": "s.bytes_up", "username": "s.username", "ip_address": "s.ip_address", "bng_id": "s.bng_id"]

    static let sessionID = APIParameter.path("session_id", .uuid(), "Acct-Session-Id of the session.")

    func sessionRoutes() -> [APIRoute] {
        [
            APIRoute(.get, "/api/sessions/active", "listActiveSessions", "Live sessions, newest first by default.", tag: "Sessions",
                     parameters: [.limit, .offset,
                                  .query("bng_id", .string(), "Only this BNG's."),
                                  .query("remote_id", .string(), "Only this access node's."),
                                  .query("circuit_id", .string(), "Only this port's."),
                                  .query("customer_id", .integer(minimum: 1), "Only this customer's."),
                                  .query("search", .string(maxLength: 100), "Substring of username, IP, MAC, circuit-id or customer name."),
                                  .query("sort", .string(allowed: Array(Self.sessionSorts.keys).sorted(), default: "started_at"), "Sort column."),
                                  .query("order", .string(allowed: ["asc", "desc"], default: "desc"), "Sort direction.")],
                     response: APIPage<ActiveSession>.schema(of: "ActiveSession")) { [self] call in
                .page(try await activeSessions(call.parameters))
            },
            APIRoute(.get, "/api/sessions/active/{session_id}", "getActiveSession", "One live session.", tag: "Sessions",
                     parameters: [Self.sessionID], response: .single("ActiveSession"), errors: [.notFound]) { [self] call in
                var filter = SQLFilter()
                filter.add("s.session_id = $?::uuid", call.parameters.uuid("session_id"))
                return .data(try await one("session \(call.parameters.string("session_id") ?? "")", select: ActiveSession.columns,
                                           from: ActiveSession.from, filter: filter, decode: ActiveSession.init(row:)))
            },
            APIRoute(.post, "/api/sessions/active/{session_id}/disconnect", "disconnectSession",
                     "Sends a RADIUS Disconnect-Request to the session's BNG and reports the reply.", tag: "Sessions",
                     parameters: [Self.sessionID], response: .single("DynamicAuthorizationResult"),
                     errors: [.notFound, .badGateway, .gatewayTimeout, .serviceUnavailable]) { [self] call in
                var filter = SQLFilter()
                filter.add("s.session_id = $?::uuid", call.parameters.uuid("session_id"))
                let session = try await one("session \(call.parameters.string("session_id") ?? "")", select: ActiveSession.columns,
                                            from: ActiveSession.from, filter: filter, decode: ActiveSession.init(row:))
                let result = try await disconnect([session]).first
                guard let result else { throw APIError(.internalServerError, "internal", "no result for the request") }
                return APIReply(status: result.httpStatus, response: APIJSON.response(APIReply.Envelope(data: result), status: result.httpStatus))
            },
            APIRoute(.get, "/api/sessions/history", "listSessionHistory", "Finished sessions, most recently ended first.", tag: "Sessions",
                     parameters: [.limit, .offset,
                                  .query("bng_id", .string(), "Only this BNG's."),
                                  .query("remote_id", .string(), "Only this access node's."),
                                  .query("circuit_id", .string(), "Only this port's."),
                                  .query("customer_id", .integer(minimum: 1), "Only sessions on this customer's lines."),
                                  .query("search", .string(maxLength: 100), "Substring of username, IP, MAC or circuit-id."),
                                  .query("started_after", .timestamp(), "Started at or after (ISO 8601)."),
                                  .query("started_before", .timestamp(), "Started before (ISO 8601)."),
                                  .query("active_at", .timestamp(), "Was running at this instant (GiST range search).")],
                     response: APIPage<HistorySession>.schema(of: "HistorySession")) { [self] call in
                let p = call.parameters
                var filter = SQLFilter()
                filter.add("h.bng_id = $?", p.string("bng_id"))
                filter.add("h.remote_id = $?", p.string("remote_id"))
                filter.add("h.circuit_id = $?", p.string("circuit_id"))
                filter.addSearch(["h.username", "host(h.ip_address)", "h.mac_address::text", "h.circuit_id"], p.string("search"))
                filter.add("h.started_at >= $?::timestamptz", p.timestamp("started_after"))
                filter.add("h.started_at < $?::timestamptz", p.timestamp("started_before"))
                filter.add("h.period @> $?::timestamptz", p.timestamp("active_at"))
                filter.add("(h.bng_id, h.remote_id, h.circuit_id) IN (SELECT bng_id, remote_id, circuit_id FROM services WHERE customer_id = $?)",
                           p.int("customer_id"))
                return .page(try await page(p, select: HistorySession.columns, from: "sessions_history h", filter: filter,
                                            orderBy: "h.ended_at DESC, h.session_id DESC", decode: HistorySession.init(row:)))
            },
            APIRoute(.get, "/api/sessions/history/{session_id}", "getHistorySession", "One finished session.", tag: "Sessions",
                     parameters: [Self.sessionID], response: .single("HistorySession"), errors: [.notFound]) { [self] call in
                var filter = SQLFilter()
                filter.add("h.session_id = $?::uuid", call.parameters.uuid("session_id"))
                return .data(try await one("session \(call.parameters.string("session_id") ?? "")", select: HistorySession.columns,
                                           from: "sessions_history h", filter: filter, decode: HistorySession.init(row:)))
            },
        ]
    }

    /// The active-sessions page (also the change feed's first page).
    func activeSessions(_ p: APIParameters) async throws -> APIPage<ActiveSession> {
        var filter = SQLFilter()
        filter.add("s.bng_id = $?", p.string("bng_id"))
        filter.add("s.remote_id = $?", p.string("remote_id"))
        filter.add("s.circuit_id = $?", p.string("circuit_id"))
        filter.add(ActiveSession.ofCustomer, p.int("customer_id"))
        filter.addSearch(["s.username", "host(s.ip_address)", "s.mac_address::text", "s.circuit_id"], p.string("search"),
                         or: [ActiveSession.customerNameContains])
        let sort = p.string("sort") ?? "started_at"
        let column = Self.sessionSorts[sort] ?? "s.started_at"
        let direction = p.string("order") == "asc" ? "ASC" : "DESC"
        // Columns that cannot be NULL sort without NULLS LAST, so the page index serves them.
        let nulls = ["username", "ip_address"].contains(sort) ? " NULLS LAST" : ""
        // Every filter is on the session itself: page it first, then join 50 rows, not 10,000.
        return try await page(p, select: ActiveSession.columns, from: "sessions_active s", joins: ActiveSession.joins, filter: filter,
                              orderBy: "\(column) \(direction)\(nulls), s.session_id \(direction)", decode: ActiveSession.init(row:))
    }

    /// Disconnects sessions through their BNGs.
    func disconnect(_ sessions: [ActiveSession]) async throws -> [DynamicAuthorizationResult] {
        guard let coa else {
            throw APIError(.serviceUnavailable, "unavailable", "no CoA secret is configured (coa.secret), so the API cannot reach BNGs")
        }
        let results = await coa.disconnect(sessions.map {
            DynamicAuthorizationSender.Session(sessionID: $0.sessionID, bngID: $0.bngID, nasIP: $0.nasIP, username: $0.username)
        })
        for result in results {
            logger.info("disconnect requested", metadata: ["session": "\(result.sessionID)", "bng": "\(result.bngID)", "outcome": "\(result.outcome)"])
        }
        return results
    }
}

extension DynamicAuthorizationResult {
    /// 200 for an ACK or NAK (the BNG answered), 504 when it did not, 502 when sending failed.
    var httpStatus: HTTPResponse.Status {
        switch outcome {
        case "ack", "nak": .ok
        case "timeout": .gatewayTimeout
        default: .badGateway
        }
    }
}
