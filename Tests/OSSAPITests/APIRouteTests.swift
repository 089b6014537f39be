import EventSourcing
import Foundation
import LabKit
@testable import OSSAPI
import Testing

/// Every operation of the API, in one provisioning-and-monitoring walk over a scripted BNG day,
/// each response checked against the OpenAPI schema of its route.
@Suite("aether-api routes")
struct APIRouteTests {
    /// A BNG reports an access node's liveness only when it changes (alive on its first DHCP,
    /// stale after `access_node_stale_after`), so an old `last_seen` is normal for a live node;
    /// what makes it offline is its report, or its BNG falling silent.
    @Test func anAccessNodeIsOnlineWhileItsBNGSaysSoAndIsItselfAlive() async throws {
        try await APITestBed.run { bed in
            _ = try await bed.call("createRouter", body: #"{"router_name":"an-live","bng_id":"bng-live","total_interfaces":2}"#)
            _ = try await bed.call("createRouter", body: #"{"router_name":"an-stale","bng_id":"bng-live","total_interfaces":2}"#)
            let connection = try bed.connection()
            try connection.query("UPDATE access_routers SET is_alive = (router_name = 'an-live'), last_seen = now() - interval '10 minutes'")
            try connection.query("""
                INSERT INTO bng_registry (bng_id, bng_instance_id, first_seen, last_seen)
                VALUES ('bng-live', gen_random_uuid(), now() - interval '1 hour', now())
                """)
            func online() async throws -> [String: Bool] {
                let routers = try await bed.call("listRouters").data?.array ?? []
                return Dictionary(uniqueKeysWithValues: routers.compactMap { row in
                    row["router_name"]?.string.map { ($0, row["is_alive"]?.boolValue == true) }
                })
            }
            #expect(try await online() == ["an-live": true, "an-stale": false])
            #expect(try await bed.call("getStats").data?["access_nodes_online"]?.int == 1)

            try connection.query("UPDATE bng_registry SET last_seen = now() - interval '10 minutes'")
            #expect(try await online() == ["an-live": false, "an-stale": false])
        }
    }

    /// The walk's lab: two hosts on `an-t1` (one with the script's session), a demo group the
    /// simulator file allows and one it does not; commands "run" by echoing what was asked.
    static let lab = LabDirectory(
        name: "test-lab",
        nodes: [
            .init(id: "upstream", kind: "upstream", address: "192.0.2.2"), .init(id: "services", kind: "services", address: "198.18.0.1"),
            .init(id: "bng-t1", kind: "bng", parent: "upstream"), .init(id: "an-t1", kind: "access_node", parent: "bng-t1"),
            .init(id: "h-an-t1-1", kind: "host", parent: "an-t1", remoteID: "an-t1", circuitID: "an-t1/1", mac: "02:aa:00:00:00:01"),
            .init(id: "h-an-t1-9", kind: "host", parent: "an-t1", remoteID: "an-t1", circuitID: "an-t1/9", mac: "02:aa:00:00:00:09"),
        ],
        demoGroups: [.init(name: "curl", description: "pages", commands: [.init(index: 0, command: "curl http://{upstream}/", description: "home")])],
        refusedGroups: ["iperf3"]) { host, group, index in
            .init(command: "curl http://192.0.2.2/ # \(host) \(group) \(index)", exitCode: 7, output: "curl: (7) refused\n", seconds: 0.25)
        }

    @Test func everyRouteAnswersWithItsDocumentedShape() async throws {
        var options = APITestBed.Options()
        options.lab = Self.lab
        try await APITestBed.run(options) { bed in
            // Inventory first, so the access node's ROUTER_UPDATE finds its row.
            let router = try await bed.call("createRouter", body: #"{"router_name":"an-t1","giaddr":"100.64.9.1","bng_id":"bng-t1","total_interfaces":4}"#)
            #expect(router.status == .created)
            #expect(try await bed.call("createRouter", body: #"{"router_name":"an-t1"}"#).status == .conflict)
            try bed.ingest(APIScript.events())

            let plan = try await bed.call("createPlan", body: #"{"name":"Silver 100/30","download_kbps":100000,"upload_kbps":30000,"price_cents":4999}"#)
            let planID = try #require(plan.data?["plan_id"]?.int)
            #expect(plan.data?["radius_group"]?.string == "aether-plan-\(planID)")
            #expect(try await bed.call("createPlan", body: #"{"name":"Silver 100/30","download_kbps":1,"upload_kbps":1}"#).status == .conflict)
            let plans = try await bed.call("listPlans", query: [("active", "true")])
            #expect(plans.json["total"]?.int == 1)
            #expect(try await bed.call("getPlan", path: ["plan_id": "\(planID)"]).data?["name"]?.string == "Silver 100/30")
            let edited = try await bed.call("updatePlan", path: ["plan_id": "\(planID)"], body: #"{"download_kbps":120000,"download_burst_kbit":4000}"#)
            #expect(edited.data?["download_kbps"]?.int == 120_000)
            #expect(edited.data?["download_burst_kbit"]?.int == 4000)
            #expect(edited.json["actions"]?.array.isEmpty == true)

            let customer = try await bed.call("createCustomer", body: #"{"name":"Ada Moreau","email":"ada@example.net","city":"Riverton"}"#)
            let customerID = try #require(customer.data?["customer_id"]?.int)
            #expect(try await bed.call("listCustomers", query: [("search", "ada")]).json["total"]?.int == 1)
            #expect(try await bed.call("getCustomer", path: ["customer_id": "\(customerID)"]).data?["city"]?.string == "Riverton")
            let moved = try await bed.call("updateCustomer", path: ["customer_id": "\(customerID)"], body: #"{"city":"Lakeside","phone":null}"#)
            #expect(moved.data?["city"]?.string == "Lakeside")
            #expect(moved.data?["email"]?.string == "ada@example.net")

            let service = try await bed.call("createService", body: """
                {"customer_id":\(customerID),"plan_id":\(planID),"bng_id":"bng-t1","remote_id":"an-t1","circuit_id":"an-t1/1"}
                """)
            #expect(service.status == .created)
            let serviceID = try #require(service.data?["service_id"]?.int)
            #expect(service.data?["username"]?.string == "bng-t1/an-t1/an-t1/1")
            #expect(service.data?["active_sessions"]?.int == 1)
            #expect(try await bed.call("getService", path: ["service_id": "\(serviceID)"]).data?["status"]?.string == "ACTIVE")
            #expect(try await bed.call("listServices", query: [("customer_id", "\(customerID)"), ("status", "ACTIVE")]).json["total"]?.int == 1)
            let ports = try await bed.call("listRouterPorts", path: ["router_name": "an-t1"])
            #expect(ports.data?["available_count"]?.int == 3)
            #expect(ports.data?["ports"]?.array.first?["service_id"]?.int == serviceID)
            let freed = try await bed.call("listRouterPorts", path: ["router_name": "an-t1"], query: [("service_id", "\(serviceID)")])
            #expect(freed.data?["available_count"]?.int == 4)

            let listing = try await bed.call("listCustomerStatus", query: [("status", "online")])
            #expect(listing.data?.array.first?["ip_addresses"]?.array == [.string("100.64.9.11")])
            #expect(try await bed.call("listCustomerServices", path: ["customer_id": "\(customerID)"]).json["total"]?.int == 1)
            let own = try await bed.call("listCustomerSessions", path: ["customer_id": "\(customerID)"])
            #expect(own.data?.array.first?["customer_name"]?.string == "Ada Moreau")
            #expect(try await bed.call("listCustomerHistory", path: ["customer_id": "\(customerID)"]).json["total"]?.int == 0)
            let customerEvents = try await bed.call("listCustomerEvents", path: ["customer_id": "\(customerID)"], query: [("event_type", "SESSION_UPDATE")])
            #expect(customerEvents.json["total"]?.int == 3)

            let active = try await bed.call("listActiveSessions", query: [("limit", "1"), ("sort", "bytes_down"), ("order", "desc")])
            #expect(active.json["total"]?.int == 2)
            #expect(active.json["limit"]?.int == 1)
            let top = try #require(active.data?.array.first)
            #expect(top["circuit_id"]?.string == "an-t1/2")
            #expect(top["bytes_down"]?.int == 6_000_000)
            let sessionID = try #require(top["session_id"]?.string)
            #expect(try await bed.call("getActiveSession", path: ["session_id": sessionID]).data?["download_kbps"]?.int == 20_000)
            #expect(try await bed.call("listActiveSessions", query: [("search", "an-t1/1")]).json["total"]?.int == 1)
            let history = try await bed.call("listSessionHistory", query: [("bng_id", "bng-t1")])
            let ended = try #require(history.data?.array.first)
            #expect(ended["terminate_cause"]?.string == "User-Request")
            #expect(ended["bytes_down"]?.int == 10_000_000)
            #expect(try await bed.call("getHistorySession", path: ["session_id": ended["session_id"]?.string ?? ""]).status == .ok)
            let events = try await bed.call("listEvents", query: [("session_id", sessionID)])
            #expect(events.json["total"]?.int == 5)
            #expect(events.data?.array.first?["event_type"]?.string == "SESSION_UPDATE")
            #expect(try await bed.call("listEvents", query: [("event_type", "BNG_HEALTH_UPDATE")]).json["total"]?.int == 2)

            // No CoA secret configured: both disconnects say so rather than pretend.
            #expect(try await bed.call("disconnectSession", path: ["session_id": sessionID]).status == .serviceUnavailable)
            #expect(try await bed.call("disconnectService", path: ["service_id": "\(serviceID)"]).status == .serviceUnavailable)

            let suspended = try await bed.call("updateService", path: ["service_id": "\(serviceID)"], body: #"{"status":"SUSPENDED"}"#)
            #expect(suspended.data?["status"]?.string == "SUSPENDED")
            #expect(suspended.json["actions"]?.array.isEmpty == true)

            let bngs = try await bed.call("listBNGs")
            #expect(bngs.data?.array.first?["active_sessions"]?.int == 2)
            #expect(bngs.data?.array.first?["is_alive"]?.boolValue == false, "the script's last health event is over a minute old")
            #expect(try await bed.call("getBNG", path: ["bng_id": "bng-t1"]).data?["cpu_percent"]?.number == 6.0)
            #expect(try await bed.call("listBNGHealth", path: ["bng_id": "bng-t1"], query: [("limit", "1")]).json["total"]?.int == 2)

            let stats = try await bed.call("getStats")
            #expect(stats.data?["active_sessions"]?.int == 2)
            #expect(stats.data?["history_sessions"]?.int == 1)
            #expect(stats.data?["events_ingested"]?.int == Int64(APIScript.events().count))
            #expect(stats.data?["active_traffic"]?["bytes_down"]?.int == 9_000_000)
            let average = try await bed.call("getRollingAverage", query: [("window_seconds", "300")])
            // Every byte of the script moved in the last two minutes: Σ deltas × 8 / 300.
            let averaged: Int64? = average.data?["bytes_down"]?.int
            #expect(averaged == Int64(3_000_000 + 6_000_000 + 10_000_000))
            let series = try await bed.call("getTrafficSeries", query: [("range", "15m")])
            #expect(series.data?["points"]?.array.count == 180)
            #expect(series.data?["points"]?.array.compactMap { $0["bytes_down"]?.int }.reduce(0, +) == 19_000_000)
            #expect(try await bed.call("getTrafficSeries", query: [("range", "24h")]).data?["bucket_seconds"]?.int == 300)
            #expect(try await bed.call("getHealth").data == nil)

            #expect(try await bed.call("updateRouter", path: ["router_name": "an-t1"], body: #"{"total_interfaces":8}"#).data?["total_interfaces"]?.int == 8)
            #expect(try await bed.call("getRouter", path: ["router_name": "an-t1"]).data?["active_subscribers"]?.int == 2)
            #expect(try await bed.call("listRouters", query: [("bng_id", "bng-t1")]).json["total"]?.int == 1)
            #expect(try await bed.call("deletePlan", path: ["plan_id": "\(planID)"]).status == .conflict)
            #expect(try await bed.call("deleteCustomer", path: ["customer_id": "\(customerID)"]).status == .conflict)
            #expect(try await bed.call("deleteService", path: ["service_id": "\(serviceID)"]).status == .noContent)
            #expect(try await bed.call("deletePlan", path: ["plan_id": "\(planID)"]).status == .noContent)
            #expect(try await bed.call("deleteCustomer", path: ["customer_id": "\(customerID)"]).status == .noContent)
            #expect(try await bed.call("deleteRouter", path: ["router_name": "an-t1"]).status == .noContent)
            #expect(try await bed.call("getRouter", path: ["router_name": "an-t1"]).status == .notFound)

            // The lab page: live state by the session on each host's line, demo commands allow-listed.
            let lab = try await bed.call("getLab")
            let states = Dictionary(uniqueKeysWithValues: (lab.data?["nodes"]?.array ?? []).compactMap { node in
                node["id"]?.string.map { ($0, node["status"]?.string ?? "") }
            })
            #expect(states == ["upstream": "configured", "services": "configured", "bng-t1": "offline", "an-t1": "offline",
                               "h-an-t1-1": "AUTHORIZED", "h-an-t1-9": "offline"])
            #expect(lab.data?["demo_groups"]?.array.first?["name"]?.string == "curl")
            let demo = try await bed.call("runLabDemo", body: #"{"host":"h-an-t1-1","group":"curl","command":0}"#)
            #expect(demo.data?["exit_code"]?.int == 7)
            #expect(demo.data?["command"]?.string == "curl http://192.0.2.2/ # h-an-t1-1 curl 0")
            #expect(try await bed.call("runLabDemo", body: #"{"host":"h-an-t1-1","group":"iperf3","command":0}"#).status == .forbidden)
            #expect(try await bed.call("runLabDemo", body: #"{"host":"h-nowhere","group":"curl","command":0}"#).status == .notFound)
            #expect(try await bed.call("runLabDemo", body: #"{"host":"h-an-t1-1","group":"rm","command":0}"#).status == .badRequest)
            #expect(try await bed.call("runLabDemo", body: #"{"host":"h-an-t1-1","group":"curl","command":3}"#).status == .badRequest)

            let every = Set(bed.server.routes.map(\.operationID))
            #expect(bed.coverage.operations == every, "not exercised: \(every.subtracting(bed.coverage.operations).sorted())")
        }
    }

    @Test func openAPIDocumentListsEveryRouteAndSchema() async throws {
        try await APITestBed.run { bed in
            let reply = try await bed.raw(.get, "/api/openapi.json")
            #expect(reply.status == .ok)
            #expect(reply.json["openapi"]?.string == "3.1.0")
            let paths = reply.json["paths"]?.objectValue ?? [:]
            for route in bed.server.routes {
                let operation = paths[route.path]?[route.method.rawValue.lowercased()]
                #expect(operation?["operationId"]?.string == route.operationID, "\(route.method) \(route.path) is not documented")
                if route.requiresToken { #expect(operation?["security"] != nil) }
            }
            let documented = paths.values.reduce(0) { $0 + ($1.objectValue?.count ?? 0) }
            #expect(documented == bed.server.routes.count + 3, "stream, document and metrics are the only operations outside the table")
            for (name, _) in APIServer.components { #expect(reply.json["components"]?["schemas"]?[name] != nil) }
            #expect(try await bed.raw(.get, "/metrics").status == .ok)

            // And a validator that is not ours agrees it is OpenAPI 3.1 (scripts/install-deps.sh installs it).
            let path = NSTemporaryDirectory() + "aether-openapi-\(UInt32.random(in: 0...UInt32.max)).json"
            try JSONEncoder().encode(reply.json).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let validated = try await CommandRunner.run(["/var/lib/aether/python/bin/openapi-spec-validator", path], timeoutSeconds: 60)
            #expect(validated.succeeded, "\(validated.standardOutput)\(validated.standardError)")
        }
    }
}

extension JSONValue {
    var number: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
}
