import AetherTestSupport
import EventSourcing
import Foundation
import Glibc
import LabKit
import NetworkTypes
import OSSKit
import RadiusKit
import ServiceSupport
import Synchronization
import Testing

/// The dashboard in headless Chromium (selenium + Debian's chromium-driver) over a running
/// pipeline: events published to Redis, `aether-ingestor`, `aether-api`, and a stand-in BNG that
/// answers Disconnect-Requests and publishes the SESSION_STOP a BNG would.
@Suite("Dashboard in a real browser", .serialized)
struct DashboardBrowserTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A BNG's events for the browser test: its own sequence, sessions on `an-b1`.
    final class StandInBNG: Sendable {
        private struct State {
            var seq: UInt64 = 0
            var lines: [String: SessionLine] = [:]
        }
        private let state = Mutex(State())
        let source = EventSource(bngID: "bng-b1", instanceID: UUID())

        func line(_ index: Int) -> SessionLine {
            SessionLine(sessionID: UUID(), nasIP: IPv4Address(127, 0, 0, 1), remoteID: "an-b1", circuitID: "an-b1/\(index)",
                        macAddress: MACAddress(0x02, 0xbb, 0, 0, 0, UInt8(index)), ipAddress: IPv4Address(100, 64, 20, UInt8(10 + index)),
                        username: "bng-b1/an-b1/an-b1/\(index)")
        }

        func events(_ payloads: [EventPayload]) -> [EventEnvelope] {
            state.withLock { state in
                payloads.map { payload in
                    state.seq += 1
                    if case .sessionStart(let start) = payload { state.lines[start.line.sessionID.lowercasedText] = start.line }
                    return EventEnvelope(source: source, seq: state.seq, timestamp: EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000)),
                                         payload: payload)
                }
            }
        }

        func start(_ line: SessionLine, bytes: UInt64) -> [EventEnvelope] {
            events([.sessionStart(SessionStartPayload(line: line, startedAt: EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000)))),
                    .policyApply(PolicyApplyPayload(line: line, authState: .authorized, downloadKbps: 25_000, uploadKbps: 10_000)),
                    .sessionUpdate(SessionUpdatePayload(line: line, counters: SessionCounters(bytesUp: bytes / 8, bytesDown: bytes, packetsUp: 10, packetsDown: 40)))])
        }

        func stop(_ sessionID: String) -> [EventEnvelope] {
            guard let line = state.withLock({ $0.lines[sessionID] }) else { return [] }
            return events([.sessionStop(SessionStopPayload(line: line, counters: SessionCounters(bytesUp: 1, bytesDown: 1), terminateCause: "Admin-Reset",
                                                           endedAt: EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000))))])
        }
    }

    @Test func theDashboardShowsTheLivePipelineAndProvisionsAndDisconnects() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withScratchSchema(prefix: "browser") { _, schema in
            let pipeline = try OSSPipeline(schema: schema, endpoints: endpoints)
            defer { pipeline.remove() }
            let screenshots = pipeline.directory + "/screenshots"
            try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)

            let bng = StandInBNG()
            let secret = try RADIUSSecret("browser-coa-secret")
            let disconnects = Mutex(0)
            let dae = try RADIUSDynamicAuthorizationServer(
                address: "127.0.0.1:0", clients: [RADIUSDynamicAuthorizationClient(name: "oss", range: try RADIUSAddressRange("127.0.0.0/8"), secret: secret)],
                handler: RADIUSDynamicAuthorizationClosureHandler { request in
                    guard request.isDisconnect, let id = request.packet.attributes(ofType: .acctSessionID).first.flatMap({ try? $0.stringValue() }) else {
                        return .nak(cause: .unsupportedService)
                    }
                    disconnects.withLock { $0 += 1 }
                    try? pipeline.publish(bng.stop(id))
                    return .ack()
                })
            let token = "browser-token-\(UInt64.random(in: 0...UInt64.max))"
            try token.write(toFile: pipeline.directory + "/api.token", atomically: true, encoding: .utf8)
            try "browser-coa-secret".write(toFile: pipeline.directory + "/coa.secret", atomically: true, encoding: .utf8)
            try "lab".write(toFile: pipeline.directory + "/subscriber.password", atomically: true, encoding: .utf8)
            let port = Int.random(in: 30_000...39_999)
            let prefix = "b\(UInt32.random(in: 0...UInt32.max))-plan-"
            let radius = endpoints.postgres.radius
            try (radius.password ?? "").write(toFile: pipeline.directory + "/radius.password", atomically: true, encoding: .utf8)
            let config = try pipeline.configuration(name: "api", batchSize: 100, extra: """
                api:
                  listen: 127.0.0.1:\(port)
                  token: {file: \(pipeline.directory)/api.token}
                  heartbeat_timeout: 60s
                provisioning:
                  radius: {host: \(radius.host), port: \(radius.port), database: \(radius.database), user: \(radius.user), password: {file: \(pipeline.directory)/radius.password}}
                  password: {file: \(pipeline.directory)/subscriber.password}
                  group_prefix: \(prefix)
                  owner: browser-\(schema)
                coa:
                  secret: {file: \(pipeline.directory)/coa.secret}
                  targets: {bng-b1: "127.0.0.1:\(dae.localAddress.port)"}
                """)
            defer { removeProvisionedRows(in: radius, bng: "bng-b1", groupPrefix: prefix, owner: "browser-\(schema)") }

            try await withRunningService(dae) {
                try await CommandRunner.check([try BuiltProducts.executable("aether-ingestor"), "migrate", "--config", config])
                try await CommandRunner.check([try BuiltProducts.executable("aether-ingestor"), "seed", "--config", config])
                let ingestor = try pipeline.start("browser", batchSize: 100)
                let api = try BackgroundProcess([try BuiltProducts.executable("aether-api"), "run", "--config", config],
                                                logPath: pipeline.directory + "/api.log")
                defer { api.send(SIGKILL); ingestor.send(SIGKILL) }
                let base = "http://127.0.0.1:\(port)"
                try await Readiness.wait(for: "aether-api on \(base)", timeoutSeconds: 60) {
                    try await CommandRunner.run(["curl", "-sf", "\(base)/health"], timeoutSeconds: 5).succeeded
                }
                func post(_ path: String, _ body: String) async throws -> String {
                    try await CommandRunner.check(["curl", "-sf", "-X", "POST", "\(base)\(path)", "-H", "Authorization: Bearer \(token)",
                                                   "-H", "Content-Type: application/json", "-d", body]).standardOutput
                }
                _ = try await post("/api/routers", #"{"router_name":"an-b1","giaddr":"100.64.20.1","bng_id":"bng-b1","total_interfaces":6}"#)
                // Customer 1 (from the seed) on port 1, on the seed's first plan.
                _ = try await post("/api/services", #"{"customer_id":1,"plan_id":1,"bng_id":"bng-b1","remote_id":"an-b1","circuit_id":"an-b1/1"}"#)
                var events = bng.events([.bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: 7.5, memoryUsedBytes: 64 << 20, memoryLimitBytes: 1 << 30)),
                                         .routerUpdate(RouterUpdatePayload(routerName: "an-b1", isAlive: true, lastSeen: EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000))))])
                let first = bng.line(1)
                for index in 1...3 { events += bng.start(index == 1 ? first : bng.line(index), bytes: UInt64(index) * 20_000_000) }
                try pipeline.publish(events)

                let script = try BackgroundProcess(["/usr/bin/python3", Self.repository + "/Tests/Browser/dashboard_test.py"],
                                                   logPath: pipeline.directory + "/chromium.log",
                                                   environment: ProcessInfo.processInfo.environment.merging(
                                                       ["AETHER_URL": base, "AETHER_TOKEN": token, "AETHER_SCREENSHOTS": screenshots]) { $1 })
                defer { script.send(SIGTERM) }
                // The script says when it shows the first three sessions; then a fourth starts and the
                // first one's counters grow, while the page stays loaded.
                try await Readiness.wait(for: "the browser showing three sessions", timeoutSeconds: 120) {
                    script.log().contains("READY live") || !script.isRunning
                }
                guard script.log().contains("READY live") else {
                    Issue.record("the browser script ended early:\n\(script.log())\n--- api ---\n\(api.log().suffix(3000))")
                    return
                }
                try pipeline.publish(bng.start(bng.line(4), bytes: 1_000_000)
                    + bng.events([.sessionUpdate(SessionUpdatePayload(line: first, counters: SessionCounters(bytesUp: 1, bytesDown: 5_000_000_000, packetsUp: 1, packetsDown: 1)))]))
                try await Readiness.wait(for: "the browser script to finish", timeoutSeconds: 240) { !script.isRunning }
                let log = script.log()
                #expect(log.contains("RESULT ok"), "\(log)\n--- api ---\n\(api.log().suffix(3000))")
                #expect(disconnects.withLock { $0 } == 1, "the table's Disconnect reached the BNG")
                let shots = (try? FileManager.default.contentsOfDirectory(atPath: screenshots)) ?? []
                #expect(Set(shots).isSuperset(of: ["dashboard.png", "customer-details.png", "provisioning.png", "customer.png"]), "\(shots)")
            }
        }
    }
}
