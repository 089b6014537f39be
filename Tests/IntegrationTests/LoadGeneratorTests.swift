import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import Testing

/// `aether-sim load` against the real aether-bng, Kea, FreeRADIUS and Redis: one process
/// emulating an access node's worth of subscribers over a packet socket (issue "Proof", item 1).
@Suite("aether-sim load against a real aether-bng", .serialized)
struct LoadGeneratorTests {
    static let provisioned = 150
    static let unprovisioned = 10

    @Test func provisionedSubscribersAreEstablishedFromTheEventStreamAndTheRestFailAsRejected() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                let node = BNGLab.LoadNode(remoteID: "ld-\(network.tag)")
                let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1, loadNode: node)
                try await lab.waitForBNG()
    
                // RADIUS knows the first 150 circuits of the emulated node, in the lab's plan.
                let prefix = "\(lab.bngID)/\(node.remoteID)/\(node.remoteID)/"
                try lab.provision(node, circuits: 1...Self.provisioned)
                let sessions = Self.provisioned + Self.unprovisioned
                // Failures make the exit status 3; the rejected ten are failures by design here.
                let report = try await lab.runLoad(node, circuits: 1...sessions, rate: 80, extra: ["--setup-timeout", "20"], allowFailures: true)
                print(report.summary)
                #expect(report.waitedForEvents)
                #expect(report.counters.attempts == sessions)
                #expect(report.counters.established == Self.provisioned, "\(report.summary)")
                #expect(report.failures == ["rejected": Self.unprovisioned], "\(report.summary)")
                #expect(report.setupLatency.count == UInt64(Self.provisioned))
                #expect(report.boundLatency.count == UInt64(sessions))
                #expect(report.setupLatency.p50 > 0 && report.setupLatency.p50 <= report.setupLatency.p99)
                #expect(report.counters.unexpectedStops == 0)
                #expect(report.establishedPerSecond > 0)
    
                // Every lease was released at the end: the BNG ends every load session, each
                // established one with an Acct-Stop in radacct.
                do {
                    try await Readiness.wait(for: "the BNG to end every load session", timeoutSeconds: 60) {
                        try await lab.sessions().allSatisfy { ($0["remote_id"] as? String) != node.remoteID }
                    }
                } catch {
                    let left = try await lab.sessions().filter { ($0["remote_id"] as? String) == node.remoteID }
                    Issue.record("\(left.count) load sessions still held: \(left.prefix(3))\n\(lab.bng.log().suffix(4000))")
                    throw error
                }
                var stopped = 0
                try await Readiness.wait(for: "\(Self.provisioned) Acct-Stop rows of the load node", timeoutSeconds: 30) {
                    stopped = try lab.radacct().filter { ($0["username"] ?? nil)?.hasPrefix(prefix) == true && ($0["stopped"] ?? nil) != nil }.count
                    return stopped == Self.provisioned
                }
                #expect(stopped == Self.provisioned)
            }
        }
    }

    /// The peers' ceiling mode: no BNG, the generator relays over UDP to Kea and asks FreeRADIUS
    /// itself. Established means Access-Accept and Accounting-Response; unknown users fail as
    /// rejected; every accepted session has its Acct-Start row, every lease goes back at the end.
    @Test func theCeilingModeSetsUpSessionsStraightWithKeaAndFreeRADIUSWithoutABNG() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                let node = BNGLab.LoadNode(remoteID: "lc-\(network.tag)")
                let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1, loadNode: node)
                try await lab.waitForBNG()
                await lab.bng.terminate()
                try lab.provision(node, circuits: 1...Self.provisioned)
                let sessions = Self.provisioned + Self.unprovisioned
                // Offered far faster than answered, through a window of 8: never more than 8 at once.
                let report = try await lab.runCeiling(node, circuits: 1...sessions, rate: 5000, extra: ["--setup-timeout", "20", "--max-in-flight", "8"],
                                                      allowFailures: true)
                print(report.summary)
                #expect(report.establishedByRADIUS == true)
                #expect(report.configuration.relay != nil)
                #expect(report.counters.attempts == sessions)
                #expect(report.counters.established == Self.provisioned, "\(report.summary)")
                #expect(report.failures == ["rejected": Self.unprovisioned], "\(report.summary)")
                #expect(report.boundLatency.count == UInt64(sessions))
                #expect(report.setupLatency.p50 >= report.boundLatency.p50)
                #expect(report.counters.releases == Self.provisioned)
                #expect((report.cpuSeconds ?? 0) > 0)
                #expect(report.counters.peakInFlight == 8, "\(report.counters)")

                let prefix = "\(lab.bngID)/\(node.remoteID)/\(node.remoteID)/"
                let started = try lab.radacct().filter { ($0["username"] ?? nil)?.hasPrefix(prefix) == true }
                #expect(started.count == Self.provisioned)
                #expect(Set(started.compactMap { $0["ip"] ?? nil }).count == Self.provisioned)
                // Released at the end: Kea holds no active lease of the node's MACs in its subnet.
                let subnet = try #require(lab.loadSubnet)
                let held = try PostgresConnection(endpoints.postgres.kea).query("""
                    SELECT count(*)::text AS n FROM lease4 WHERE state = 0 AND substring(hwaddr from 1 for 2) = decode($1, 'hex')
                      AND (inet '0.0.0.0' + address) << $2::inet
                    """, [String(format: "02%02x", node.macPrefix), "\(subnet.prefix)"]).value("n")
                #expect(held == "0")
            }
        }
    }
}
