import AetherTestSupport
import Foundation
import LabKit
import NetlinkShaping
import NetworkTypes
import Testing

/// An access node that forwards: two hosts on two isolated ports reach the upstream through the
/// BNG, never each other directly, and the BNG's nftables counters see all of it.
@Suite("Access-node forwarding through the BNG", .serialized)
struct AccessNodeForwardingTests {
    @Test func hostsReachTheUpstreamThroughTheBNGOnlyAndTheBNGCountsTheirTraffic() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await AccessLab.make(network, endpoints: endpoints, hosts: 2)
            _ = try await lab.dhclient(0)
            _ = try await lab.udhcpc(1)
            let h1 = try await lab.address(of: 0)
            let h2 = try await lab.address(of: 1)

            // The BNG's counters and authorized set (NetlinkShaping's firewall, via libnftables).
            let firewall = try await lab.bng.perform {
                let firewall = try SubscriberFirewall(
                    configuration: SubscriberFirewallConfiguration(tableName: "aet_forwarding", subscriberInterfaces: ["agg0"]),
                    context: NFTContext())
                _ = try firewall.start()
                try firewall.add([h1: lab.macs[0], h2: lab.macs[1]])
                return firewall
            }

            // Upstream: ping and iperf3 from both hosts.
            try await lab.upstream.startIperfServer(network)
            var sentUp: [IPv4Address: Int] = [:]
            for (index, address) in [h1, h2].enumerated() {
                try await lab.hosts[index].check(["ping", "-c", "3", "-i", "0.2", "-W", "2", "\(AccessLab.upstreamAddress)"])
                let run = try await lab.hosts[index].iperfClient(["iperf3", "-c", "\(AccessLab.upstreamAddress)", "-p", "5201", "-t", "2",
                                                            "-b", "20M", "-J"], timeoutSeconds: 60)
                sentUp[address] = try Self.bytesSent(run.standardOutput)
            }

            // h1 → h2 is routed by the BNG (proxy ARP): h1 resolves h2 to the BNG's MAC, the
            // packets arrive with their TTL decremented, and no frame from h1's MAC reaches h2.
            let capture = network.directory + "/h2.pcap"
            let tshark = try network.spawn(["tshark", "-i", "eth0", "-f", "ether src \(lab.macs[0]) and not arp", "-F", "pcap", "-w", capture],
                                           in: lab.hosts[1], log: "tshark-h2")
            try await Readiness.wait(for: "tshark on h2", timeoutSeconds: 30) { tshark.log().contains("Capturing on") }
            let ping = try await lab.hosts[0].check(["ping", "-c", "3", "-i", "0.2", "-W", "2", "\(h2)"])
            #expect(ping.standardOutput.contains("ttl=63"), "h1 → h2 was not routed by the BNG: \(ping.standardOutput)")
            let neighbour = try await lab.hosts[0].ip("neigh", "show", "\(h2)", "dev", "eth0").standardOutput
            let bngMAC = try await lab.bng.check(["cat", "/sys/class/net/agg0/address"]).standardOutput
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(neighbour.contains("lladdr \(bngMAC)"), "h1 resolved h2 to \(neighbour), not the BNG's \(bngMAC)")
            // A frame addressed straight to h2's MAC: the access node must not deliver it.
            try await lab.hosts[0].check(["ip", "neigh", "replace", "\(h2)", "lladdr", "\(lab.macs[1])", "dev", "eth0", "nud", "permanent"])
            _ = try await lab.hosts[0].run(["ping", "-c", "3", "-i", "0.2", "-W", "1", "\(h2)"])
            await tshark.terminate()
            let seen = try await lab.hosts[1].run(["tshark", "-r", capture]).standardOutput
            #expect(seen.split(separator: "\n").isEmpty, "h2 received frames straight from h1: \(seen)")

            // The BNG counted every host's upstream bytes (headers included, so at least iperf3's payload).
            let counters = try await lab.bng.perform { try firewall.counters() }
            for (address, payload) in sentUp {
                let counted = counters[address]?.bytesUp ?? 0
                #expect(counted >= UInt64(payload), "\(address): counted \(counted) bytes up, iperf3 sent \(payload)")
                #expect(counted <= UInt64(Double(payload) * 1.1) + 100_000, "\(address): counted \(counted) bytes up, iperf3 sent \(payload)")
                #expect((counters[address]?.bytesDown ?? 0) > 0, "\(address): nothing counted down")
            }
            try await lab.bng.perform { try firewall.tearDown() }
        }
    }

    /// iperf3's `end.sum_sent.bytes`.
    static func bytesSent(_ json: String) throws -> Int {
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let sent = ((root?["end"] as? [String: Any])?["sum_sent"] as? [String: Any])?["bytes"]
        guard let bytes = (sent as? Int) ?? (sent as? Double).map({ Int($0) }) else {
            throw LabKitError(.commandFailed, "iperf3 printed no sum_sent: \(json.prefix(300))")
        }
        return bytes
    }
}
