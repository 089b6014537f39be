import AetherTestSupport
import EventSourcing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NetworkTypes
@testable import OSSAPI
import OSSKit
import RadiusKit
import ServiceLifecycle
import Synchronization
import Testing

/// An aether-api over a fresh schema of the harness's `oss` database, with its change feed,
/// optionally RADIUS provisioning against the harness's FreeRADIUS database and a CoA sender.
/// Every response a test reads is checked against the OpenAPI schema of its route.
struct APITestBed {
    static let token = "test-token-\(UInt64.random(in: 0...UInt64.max))"

    let server: APIServer
    let client: any TestClientProtocol
    let info: PostgresConnectionInfo
    let store: PostgresEventStore
    let schema: String
    let coverage: Coverage

    /// Which operations a test reached (for the every-route test).
    final class Coverage: Sendable {
        private let seen = Mutex<Set<String>>([])
        func add(_ id: String) { seen.withLock { _ = $0.insert(id) } }
        var operations: Set<String> { seen.withLock { $0 } }
    }

    struct Options {
        var provisioning: ((PostgresConnectionInfo) -> RADIUSProvisioning.Settings)?
        var coa: DynamicAuthorizationSender?
        var groupPrefix = "aether-plan-"
        var lab: LabDirectory?
    }

    static func run<T: Sendable>(_ options: Options = Options(), _ body: @Sendable (APITestBed) async throws -> T) async throws -> T {
        try await withScratchSchema(prefix: "api_test") { info, schema in
            let store = try PostgresEventStore(pool: PostgresPool(info, maximumConnections: 2))
            try store.migrate()
            try OSSSchema.migrate(PostgresConnection(info))

            let database = PostgresExecutor(info, threads: 3, name: "test-api-db")
            let feed = ChangeFeed(listen: info, interval: .milliseconds(100), refresh: .seconds(1))
            let provisioning = options.provisioning.map { RADIUSProvisioning($0(info)) }
            let server = APIServer(settings: APISettings(token: token, groupPrefix: options.groupPrefix, cacheTTL: .zero), database: database,
                                   provisioning: provisioning, coa: options.coa, feed: feed, lab: options.lab)
            let router = server.router(metrics: { "aether_api_requests_total 1\n" })
            let services: [any Service] = [database, feed] + (provisioning.map { [$0] } ?? [])
            let app = Application(router: router, services: services)
            let connection = info
            return try await app.test(.router) { client in
                let info = connection
                return try await body(APITestBed(server: server, client: client, info: info, store: store, schema: schema, coverage: Coverage()))
            }
        }
    }

    /// A response, parsed.
    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: JSONValue
        var data: JSONValue? { json["data"] }
        var errorCode: String? { json["error"]?["code"]?.stringValue }
    }

    /// Calls operation `operationID`, checks the reply against its schema and returns it.
    @discardableResult
    func call(_ operationID: String, path: [String: String] = [:], query: [(String, String)] = [], body: String? = nil,
              token: String? = APITestBed.token, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Reply {
        guard let route = server.routes.first(where: { $0.operationID == operationID }) else {
            Issue.record("no operation \(operationID)", sourceLocation: sourceLocation)
            throw APIError.notFound(operationID)
        }
        var uri = route.path
        for (name, value) in path {
            uri = uri.replacingOccurrences(of: "{\(name)}", with: value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? value)
        }
        if !query.isEmpty {
            var components = URLComponents()
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            uri += "?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        }
        let reply = try await raw(route.method, uri, body: body, token: route.requiresToken ? token : nil)
        coverage.add(operationID)
        #expect(reply.status.code < 500 || route.errors.contains(reply.status) || reply.status == .serviceUnavailable,
                "\(operationID) answered \(reply.status.code): \(reply.json)", sourceLocation: sourceLocation)
        let schema: JSONSchema? = reply.status == route.status || route.resultStatuses.contains(reply.status)
            ? route.response : (reply.status.code >= 400 ? APIError.schema : nil)
        if let schema {
            let problems = schema.problems(of: reply.json, components: APIServer.components)
            #expect(problems.isEmpty, "\(operationID) \(reply.status.code) does not match its schema: \(problems.prefix(5))",
                    sourceLocation: sourceLocation)
        } else if reply.status != route.status {
            Issue.record("\(operationID) answered undocumented \(reply.status.code)", sourceLocation: sourceLocation)
        }
        return reply
    }

    /// A request by method and URI, with the token when given.
    func raw(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil, token: String? = nil,
             headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let bytes = Data(response.body.readableBytesView)
        let json = bytes.isEmpty ? JSONValue.null : ((try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)))
        return Reply(status: response.status, headers: response.headers, json: json)
    }

    /// Events into the log and read models, as an ingestor would store them.
    func ingest(_ events: [EventEnvelope]) throws {
        _ = try store.append(events, projection: OSSProjection())
    }

    /// A connection to the test's schema.
    func connection() throws -> PostgresConnection { try PostgresConnection(info) }
}

extension JSONValue {
    var int: Int64? { integerValue }
    var string: String? { stringValue }
    var array: [JSONValue] {
        if case .array(let values) = self { return values }
        return []
    }
}

/// A small scripted day of one BNG: health, an access node, sessions that start, update and one that stops.
enum APIScript {
    static let source = EventSource(bngID: "bng-t1", instanceID: UUID(uuidString: "00000000-0000-4000-8000-0000000000a1")!)

    static func line(_ index: Int) -> SessionLine {
        SessionLine(sessionID: UUID(uuidString: "20000000-0000-4000-8000-0000000000\(10 + index)")!, nasIP: IPv4Address(127, 0, 0, 1),
                    remoteID: "an-t1", circuitID: "an-t1/\(index)", macAddress: MACAddress(0x02, 0xaa, 0, 0, 0, UInt8(index)),
                    ipAddress: IPv4Address(100, 64, 9, UInt8(10 + index)), username: "bng-t1/an-t1/an-t1/\(index)")
    }

    static func events(now: Int64 = Int64(Date().timeIntervalSince1970 * 1_000_000)) -> [EventEnvelope] {
        var seq: UInt64 = 0
        var clock = now - 120_000_000
        var events: [EventEnvelope] = []
        func emit(_ payload: EventPayload) {
            seq += 1
            clock += 2_000_000
            events.append(EventEnvelope(source: source, seq: seq, timestamp: EventTimestamp(rawValue: clock), payload: payload))
        }
        emit(.bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: 4.5, memoryUsedBytes: 50 << 20, memoryLimitBytes: 1 << 30)))
        emit(.routerUpdate(RouterUpdatePayload(routerName: "an-t1", isAlive: true, lastSeen: EventTimestamp(rawValue: now))))
        for index in 1...3 {
            emit(.sessionStart(SessionStartPayload(line: line(index), startedAt: EventTimestamp(rawValue: clock))))
            emit(.policyApply(PolicyApplyPayload(line: line(index), authState: .authorized, downloadKbps: 20_000, uploadKbps: 5_000)))
        }
        for step in 1...3 {
            for index in 1...3 {
                emit(.sessionUpdate(SessionUpdatePayload(line: line(index), counters: SessionCounters(
                    bytesUp: UInt64(step * 100_000 * index), bytesDown: UInt64(step * 1_000_000 * index), packetsUp: UInt64(step), packetsDown: UInt64(step)))))
            }
        }
        emit(.sessionStop(SessionStopPayload(line: line(3), counters: SessionCounters(bytesUp: 1_000_000, bytesDown: 10_000_000, packetsUp: 9, packetsDown: 9),
                                             terminateCause: "User-Request", endedAt: EventTimestamp(rawValue: clock))))
        emit(.bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: 6.0, memoryUsedBytes: 52 << 20, memoryLimitBytes: 1 << 30)))
        return events
    }
}

/// Removes what a test's provisioning wrote to the shared harness RADIUS database: the users of
/// its BNG, its plan groups and its ownership rows (best effort: for cleanup).
func removeProvisionedRows(in radius: PostgresConnectionInfo, bng: String, groupPrefix: String, owner: String) {
    let connection = try? PostgresConnection(radius)
    _ = try? connection?.query("DELETE FROM radcheck WHERE username LIKE $1", ["\(bng)/%"])
    _ = try? connection?.query("DELETE FROM radusergroup WHERE username LIKE $1", ["\(bng)/%"])
    _ = try? connection?.query("DELETE FROM radgroupreply WHERE groupname LIKE $1", ["\(groupPrefix)%"])
    _ = try? connection?.query("DELETE FROM aether_provisioned WHERE owner = $1", [owner])
}
