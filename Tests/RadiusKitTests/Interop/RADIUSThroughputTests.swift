import AetherTestSupport
import Foundation
import LabKit
import MetricsTestKit
import RadiusKit
import Testing

/// Thousands of Access-Requests to the real FreeRADIUS with more than 256 in flight over two
/// source ports, next to `radclient -p 256` on the same requests; both rates are printed.
/// This runs in the debug build; the throughput comparison that counts is the release one in
/// `Benchmarks/RadiusKitBenchmarks/ThroughputBenchmark.swift` (numbers in Docs/radiuskit.md).
@Suite("RADIUSClient under load against FreeRADIUS and radclient")
struct RADIUSThroughputTests {
    static let requests = 3000
    static let parallel = 256
    static let ourParallel = 512

    @Test func radiusClientCompletesThousandsOfRequestsWithMoreThan256InFlight() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, password) = try RADIUSUsers.add(to: network, endpoints: endpoints, groupReplies: [("Aether-Download-Rate", "1000")])
            let nas = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let radius = endpoints.radius
            let server = "\(radius.address):\(radius.authenticationPort)"

            // The same request, N times, as radclient reads them (blank line between packets).
            let packet = [
                "User-Name = \"\(user)\"", "User-Password = \"\(password)\"", "NAS-Identifier = \"bench\"",
                "Message-Authenticator = 0x00",
            ].joined(separator: "\n")
            let file = network.directory + "/requests.txt"
            try Array(repeating: packet, count: Self.requests).joined(separator: "\n\n").write(toFile: file, atomically: true, encoding: .utf8)

            let radclientStart = ContinuousClock.now
            let output = try await nas.namespace.run(
                ["radclient", "-q", "-s", "-p", "\(Self.parallel)", "-r", "3", "-t", "3", "-f", file, server, "auth", radius.secret],
                timeoutSeconds: 300)
            let radclientTime = radclientStart.duration(to: .now)
            #expect(output.standardOutput.contains("Accepted      : \(Self.requests)"), "\(output.standardOutput)\(output.standardError)")

            let secret = try RADIUSSecret(radius.secret)
            let metrics = TestMetrics()
            let client = try await nas.namespace.perform {
                let servers = [RADIUSServer(name: server, secret: secret)]
                return try RADIUSClient(servers: servers, configuration: .init(timeout: .seconds(3), attemptsPerServer: 3, sourcePorts: 2),
                                        metrics: RADIUSClientMetrics(client: "bench", servers: servers, factory: metrics))
            }
            network.run(client)
            var accepted = 0
            let ourStart = ContinuousClock.now
            try await withThrowingTaskGroup(of: Bool.self) { group in
                var next = 0
                func add() {
                    guard next < Self.requests else { return }
                    next += 1
                    group.addTask {
                        let reply = try await client.authenticate(
                            userName: user, password: password, attributes: [.string(.nasIdentifier, "bench")])
                        return reply.code == .accessAccept
                    }
                }
                for _ in 0..<Self.ourParallel { add() }
                while let ok = try await group.next() {
                    if ok { accepted += 1 }
                    add()
                }
            }
            let ourTime = ourStart.duration(to: .now)
            #expect(accepted == Self.requests)

            let seconds = { (duration: Duration) -> Double in
                Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            }
            let radclientRate = Double(Self.requests) / seconds(radclientTime)
            let ourRate = Double(Self.requests) / seconds(ourTime)
            print("LOAD (debug build) \(Self.requests) Access-Requests: radclient -p \(Self.parallel) \(Int(radclientRate)) req/s, "
                + "RADIUSClient with \(Self.ourParallel) in flight \(Int(ourRate)) req/s")
            #expect(metrics.counterTotal(label: "aether_radius_client_replies_discarded_total") == 0)
        }
    }
}
