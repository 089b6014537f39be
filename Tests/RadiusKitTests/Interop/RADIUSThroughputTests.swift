import AetherTestSupport
import Foundation
import Synchronization
import LabKit
import MetricsTestKit
import RadiusKit
import Testing

/// More than 256 Access-Requests in flight at once to the real FreeRADIUS over two source
/// ports (one port's 8-bit identifier space could not hold them): every one is accepted and no
/// reply is discarded as unmatched.
///
/// One short burst, not a sustained flood: this FreeRADIUS is shared by every test running in
/// parallel, and a minute of saturation starved their requests in CI. The rate comparison with
/// `radclient -p 256` is the release benchmark's
/// (`Benchmarks/RadiusKitBenchmarks/ThroughputBenchmark.swift`, numbers in Docs/radiuskit.md).
@Suite("RADIUSClient with more than 256 requests in flight against FreeRADIUS")
struct RADIUSThroughputTests {
    static let requests = 600
    static let inFlight = 512

    @Test func radiusClientCompletesABurstWithMoreThan256InFlight() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, password) = try RADIUSUsers.add(to: network, endpoints: endpoints, groupReplies: [("Aether-Download-Rate", "1000")])
            let nas = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let radius = endpoints.radius
            let server = "\(radius.address):\(radius.authenticationPort)"
            let secret = try RADIUSSecret(radius.secret)
            let metrics = TestMetrics()
            let client = try await nas.namespace.perform {
                let servers = [RADIUSServer(name: server, secret: secret)]
                return try RADIUSClient(servers: servers, configuration: .init(timeout: .seconds(3), attemptsPerServer: 3, sourcePorts: 2),
                                        metrics: RADIUSClientMetrics(client: "burst", servers: servers, factory: metrics))
            }
            network.run(client)
            let peak = InFlightPeak()
            var accepted = 0
            try await withThrowingTaskGroup(of: Bool.self) { group in
                var next = 0
                func add() {
                    guard next < Self.requests else { return }
                    next += 1
                    group.addTask {
                        peak.enter()
                        defer { peak.leave() }
                        let reply = try await client.authenticate(
                            userName: user, password: password, attributes: [.string(.nasIdentifier, "burst")])
                        return reply.code == .accessAccept
                    }
                }
                for _ in 0..<Self.inFlight { add() }
                while let ok = try await group.next() {
                    if ok { accepted += 1 }
                    add()
                }
            }
            #expect(accepted == Self.requests)
            #expect(peak.highest > 256, "only \(peak.highest) requests were in flight at once")
            #expect(metrics.counterTotal(label: "aether_radius_client_replies_discarded_total") == 0)
        }
    }
}

/// Counts requests between `enter` and `leave` and keeps the highest count seen.
private final class InFlightPeak: Sendable {
    private let state = Mutex((current: 0, highest: 0))

    func enter() { state.withLock { $0.current += 1; $0.highest = max($0.highest, $0.current) } }
    func leave() { state.withLock { $0.current -= 1 } }
    var highest: Int { state.withLock { $0.highest } }
}
