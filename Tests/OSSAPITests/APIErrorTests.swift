import EventSourcing
import Foundation
import HTTPTypes
@testable import OSSAPI
import Testing

/// Bad input gets a 4xx JSON error and changes nothing; no input gives a 5xx.
@Suite("aether-api errors and auth")
struct APIErrorTests {
    /// Row counts of every provisioning table, to prove a refused request changed nothing.
    static func counts(_ bed: APITestBed) throws -> [Int64] {
        let connection = try bed.connection()
        return try ["plans", "customers", "services", "access_routers"].map {
            try connection.query("SELECT count(*) AS n FROM \($0)").decode("n")
        }
    }

    @Test func everyMutationNeedsTheBearerToken() async throws {
        try await APITestBed.run { bed in
            let before = try Self.counts(bed)
            for route in bed.server.routes where route.requiresToken {
                let uri = route.path.replacingOccurrences(of: "{plan_id}", with: "1").replacingOccurrences(of: "{customer_id}", with: "1")
                    .replacingOccurrences(of: "{service_id}", with: "1").replacingOccurrences(of: "{router_name}", with: "an-x")
                    .replacingOccurrences(of: "{session_id}", with: "20000000-0000-4000-8000-000000000011")
                for token in [nil, "wrong-token", APITestBed.token + "x"] {
                    let reply = try await bed.raw(route.method, uri, body: #"{"name":"x"}"#, token: token)
                    #expect(reply.status == .unauthorized, "\(route.operationID) with token \(token ?? "none")")
                    #expect(reply.errorCode == "unauthorized")
                    #expect(reply.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
            #expect(try Self.counts(bed) == before)
            #expect(try await bed.raw(.get, "/api/plans").status == .ok, "reads need no token")
        }
    }

    @Test func malformedBodiesAreRefusedWithTheirReason() async throws {
        try await APITestBed.run { bed in
            let before = try Self.counts(bed)
            let cases: [(String, String, String)] = [
                ("createPlan", "{", "invalid_body"),
                ("createPlan", #"{"name":"A","download_kbps":"fast","upload_kbps":1}"#, "invalid_body"),
                ("createPlan", #"{"name":"A","download_kbps":0,"upload_kbps":1}"#, "invalid_body"),
                ("createPlan", #"{"name":"A","download_kbps":1,"upload_kbps":1,"colour":"red"}"#, "invalid_body"),
                ("createPlan", #"{"download_kbps":1,"upload_kbps":1}"#, "invalid_body"),
                ("createPlan", #"[1,2,3]"#, "invalid_body"),
                ("createCustomer", #"{"name":""}"#, "invalid_body"),
                ("createRouter", #"{"router_name":"an-9","giaddr":"300.1.1.1"}"#, "invalid_body"),
                ("createService", #"{"customer_id":999,"plan_id":999,"bng_id":"b","remote_id":"r","circuit_id":"c"}"#, "invalid_body"),
                ("createService", #"{"customer_id":1,"plan_id":1,"bng_id":"b","remote_id":"r","circuit_id":"c","status":"ON"}"#, "invalid_body"),
            ]
            for (operation, body, code) in cases {
                let reply = try await bed.call(operation, body: body)
                #expect(reply.status == .badRequest, "\(operation) \(body)")
                #expect(reply.errorCode == code, "\(operation) \(body): \(reply.json)")
                #expect((reply.json["error"]?["reason"]?.string ?? "").isEmpty == false)
            }
            let huge = #"{"name":""# + String(repeating: "x", count: 100_000) + #"","download_kbps":1,"upload_kbps":1}"#
            let tooLarge = try await bed.call("createPlan", body: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.errorCode == "payload_too_large")
            #expect(try Self.counts(bed) == before)
        }
    }

    @Test func badFiltersAndUnknownIDsAreClientErrors() async throws {
        try await APITestBed.run { bed in
            let bad: [(String, [String: String], [(String, String)], HTTPResponse.Status, String)] = [
                ("listActiveSessions", [:], [("limit", "0")], .badRequest, "invalid_parameter"),
                ("listActiveSessions", [:], [("limit", "lots")], .badRequest, "invalid_parameter"),
                ("listActiveSessions", [:], [("limit", "5000")], .badRequest, "invalid_parameter"),
                ("listActiveSessions", [:], [("offset", "-1")], .badRequest, "invalid_parameter"),
                ("listActiveSessions", [:], [("sort", "password")], .badRequest, "invalid_parameter"),
                ("listActiveSessions", [:], [("limti", "5")], .badRequest, "unknown_parameter"),
                ("listActiveSessions", [:], [("limit", "5"), ("limit", "6")], .badRequest, "invalid_parameter"),
                ("listEvents", [:], [("session_id", "not-a-uuid")], .badRequest, "invalid_parameter"),
                ("listEvents", [:], [("event_type", "SESSION_EXPLODE")], .badRequest, "invalid_parameter"),
                ("listSessionHistory", [:], [("started_after", "yesterday")], .badRequest, "invalid_parameter"),
                ("listPlans", [:], [("active", "maybe")], .badRequest, "invalid_parameter"),
                ("getTrafficSeries", [:], [("range", "2h")], .badRequest, "invalid_parameter"),
                ("getTrafficSeries", [:], [("range", "24h"), ("bucket_seconds", "45")], .badRequest, "invalid_parameter"),
                ("getActiveSession", ["session_id": "20000000-0000-4000-8000-000000000099"], [], .notFound, "not_found"),
                ("getActiveSession", ["session_id": "zzz"], [], .notFound, "not_found"),
                ("getHistorySession", ["session_id": "20000000-0000-4000-8000-000000000099"], [], .notFound, "not_found"),
                ("getPlan", ["plan_id": "424242"], [], .notFound, "not_found"),
                ("getPlan", ["plan_id": "-3"], [], .notFound, "not_found"),
                ("getCustomer", ["customer_id": "9999999999999999999999"], [], .notFound, "not_found"),
                ("getService", ["service_id": "7"], [], .notFound, "not_found"),
                ("getRouter", ["router_name": "nowhere"], [], .notFound, "not_found"),
                ("getBNG", ["bng_id": "bng-nowhere"], [], .notFound, "not_found"),
                ("listBNGHealth", ["bng_id": "bng-nowhere"], [], .notFound, "not_found"),
                ("listCustomerEvents", ["customer_id": "5"], [], .notFound, "not_found"),
                ("updatePlan", ["plan_id": "5"], [], .notFound, "not_found"),
            ]
            for (operation, path, query, status, code) in bad {
                let reply = try await bed.call(operation, path: path, query: query,
                                               body: operation.hasPrefix("update") ? #"{"price_cents":1}"# : nil)
                #expect(reply.status == status, "\(operation) \(path) \(query): \(reply.json)")
                #expect(reply.errorCode == code, "\(operation) \(path) \(query): \(reply.json)")
            }
            let unknown = try await bed.raw(.get, "/api/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "not_found")
        }
    }

    @Test func sqlLookingTextIsJustData() async throws {
        try await APITestBed.run { bed in
            let name = "Robert'); DROP TABLE customers; --"
            let created = try await bed.call("createCustomer", body: #"{"name":"Robert'); DROP TABLE customers; --","email":"bobby@example.net"}"#)
            #expect(created.data?["name"]?.string == name)
            let found = try await bed.call("listCustomers", query: [("search", "'); DROP")])
            #expect(found.json["total"]?.int == 1)
            #expect(try await bed.call("listCustomers", query: [("search", "%")]).json["total"]?.int == 0, "% is a character, not a wildcard")
            #expect(try await bed.call("listActiveSessions", query: [("search", "' OR 1=1 --")]).json["total"]?.int == 0)
            #expect(try Self.counts(bed)[1] == 1)
        }
    }

    /// Random values for every declared parameter and random bodies for every route: nothing
    /// the client sends makes the API fail inside.
    @Test func noInputGivesAServerError() async throws {
        try await APITestBed.run { bed in
            var generator = SystemRandomNumberGenerator()
            let samples = ["", "0", "-1", "1", "99999999999999999999", "1.5", "true", "null", "%00", "' OR '1'='1", "../../etc/passwd",
                           "20000000-0000-4000-8000-000000000011", "2026-13-45T99:99:99Z", "2026-12-01T00:00:00Z", String(repeating: "é", count: 300),
                           "an-t1/1", "{}", "[]", "\u{0}", "ACTIVE"]
            let bodies = ["", "{", "null", "[]", "{}", #"{"name":null}"#, #"{"name":1e400}"#, #"{"download_kbps":-5}"#,
                          #"{"customer_id":"1"}"#, #"{"status":"SUSPENDED"}"#, #"{"name":"x","download_kbps":9223372036854775807,"upload_kbps":1}"#,
                          #"{"total_interfaces":100000}"#, #"{"giaddr":"1.2.3.4"}"#, String(repeating: "[", count: 10_000)]
            for route in bed.server.routes {
                for _ in 0..<12 {
                    var path: [String: String] = [:]
                    var query: [(String, String)] = []
                    for parameter in route.parameters {
                        let value = samples.randomElement(using: &generator) ?? ""
                        if parameter.location == .path { path[parameter.name] = value.isEmpty ? "none" : value } else if Bool.random(using: &generator) { query.append((parameter.name, value)) }
                    }
                    let reply = try await bed.call(route.operationID, path: path, query: query,
                                                   body: route.body == nil ? nil : bodies.randomElement(using: &generator))
                    #expect(reply.status.code < 500 || reply.status == .serviceUnavailable, "\(route.operationID) \(path) \(query) → \(reply.status.code)")
                }
            }
        }
    }
}
