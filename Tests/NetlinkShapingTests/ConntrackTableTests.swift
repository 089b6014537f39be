import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

@Suite("Conntrack flush over ctnetlink")
struct ConntrackTableTests {
    @Test func flushingASubscriberEndsItsEstablishedTCPFlow() async throws {
        try await withTestNetwork { network in
            let topology = try await BNGTopology.make(network, subscribers: 2)
            let subscriber = IPv4Address(100, 64, 0, 10)
            let bystander = IPv4Address(100, 64, 0, 11)
            // Flushed flows must not be picked up again mid-stream (see ConntrackTable).
            try await topology.bng.sysctl("net.netfilter.nf_conntrack_tcp_loose=0")
            let (firewall, conntrack) = try await topology.bng.perform {
                let firewall = try SubscriberFirewall(configuration: SubscriberFirewallTests.configuration, context: NFTContext())
                try firewall.start()
                try firewall.add([subscriber, bystander])
                return (firewall, try ConntrackTable())
            }
            _ = try network.spawn(["iperf3", "-s", "-p", "5201"], in: topology.server, log: "iperf3-server")
            _ = try network.spawn(["iperf3", "-s", "-p", "5202"], in: topology.server, log: "iperf3-server-2")
            try await Readiness.wait(for: "iperf3 servers") {
                let listening = try await topology.server.run(["ss", "-Hltn"]).standardOutput
                return listening.contains(":5201") && listening.contains(":5202")
            }
            _ = try network.spawn(["iperf3", "-c", "\(BNGTopology.serverAddress)", "-p", "5201", "-B", "\(subscriber)", "-t", "60", "-b", "2M"],
                                  in: topology.host, log: "iperf3-client")
            _ = try network.spawn(["iperf3", "-c", "\(BNGTopology.serverAddress)", "-p", "5202", "-B", "\(bystander)", "-t", "60", "-b", "2M"],
                                  in: topology.host, log: "iperf3-client-2")
            func flows(_ address: IPv4Address, port: UInt16) throws -> [ConntrackEntry] {
                try conntrack.entries(involving: address).filter { $0.original.protocolNumber == 6 && $0.original.destinationPort == port }
            }
            // Control and data connections of each iperf3 are tracked.
            try await Readiness.wait(for: "both iperf3 flows tracked") {
                try flows(subscriber, port: 5201).count >= 2 && flows(bystander, port: 5202).count >= 2
            }
            let deleted = try conntrack.flush(address: subscriber)
            #expect(deleted >= 2)
            // The flow is dead: its segments are invalid now, dropped, and the sender backs off.
            try await Readiness.wait(for: "the flushed flow's sender to back off", timeoutSeconds: 20) {
                let sockets = try await topology.host.run(["ss", "-tin", "dst", "\(BNGTopology.serverAddress):5201"]).standardOutput
                return sockets.contains("backoff:")
            }
            #expect(try flows(subscriber, port: 5201).isEmpty)
            #expect(try flows(bystander, port: 5202).count >= 2)   // another subscriber's flows are untouched
            let before = try firewall.counters()[bystander]?.bytesUp ?? 0
            try await Readiness.wait(for: "the bystander's flow to keep moving") {
                (try firewall.counters()[bystander]?.bytesUp ?? 0) > before
            }
            #expect(try conntrack.flush(address: IPv4Address(100, 64, 0, 99)) == 0)
        }
    }
}
