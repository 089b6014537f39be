import AetherTestSupport
import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import LabKit
import MetricsTestKit
import Testing
import NetworkTypes

/// Real clients, real Kea, our relays in between:
///
/// ```
/// host1 (dhclient) ──p1┐
///                      an (aether-relay: Option 82) ──up0──dn0── bng (GatewayRelayService) ──svc0── Kea
/// host2 (udhcpc)   ──p2┘
/// ```
@Suite("DHCP relays against real clients and Kea", .serialized)
struct RelayInteropTests {
    @Test func dhclientAndUdhcpcGetLeasesThroughAetherRelayWithOption82() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let an = try await network.namespace("an")
            let bng = try await network.namespace("bng")
            let host1 = try await network.namespace("h1")
            let host2 = try await network.namespace("h2")
            let services = try await ServicesAttachment.attach(bng, in: network, endpoints: endpoints)
            let relayAddress = services.subnet.relayAddress
            try await bng.addVeth("dn0", peer: "up0", in: an)
            try await bng.addAddress(services.subnet.gateway, to: "dn0")
            let macs = (1...2).map { index in
                MACAddress(0x02, 0xae, UInt8(services.subnet.id), UInt8(index), .random(in: 0...255), .random(in: 0...255))
            }
            try await host1.addVeth("eth0", mac: macs[0], peer: "p1", in: an)
            try await host2.addVeth("eth0", mac: macs[1], peer: "p2", in: an)
            let keaInfo = endpoints.postgres.kea
            network.onCleanup {
                for mac in macs {
                    _ = try? PostgresConnection(keaInfo).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')",
                                                               [Hex.encode(mac.bytes)])
                }
            }

            // The BNG side: our gateway relay, in-process, sockets opened inside the bng namespace.
            let remoteID = "an-\(network.tag)"
            let metrics = TestMetrics()
            let gateway = try await bng.perform {
                try GatewayRelayService(configuration: .init(
                    relayAddress: relayAddress, servers: [endpoints.servicesAddress],
                    interfaces: ["dn0": .trusted], relayID: "bng-test"),
                    serverDevice: services.interface, metrics: DHCPRelayMetrics(relay: "bng-test", factory: metrics))
            }
            network.run(gateway)

            // The access node: the real aether-relay executable.
            let config = network.directory + "/relay.json"
            try JSONEncoder().encode(AccessNodeRelayFile(remoteID: RelayAgentIdentifier(text: remoteID), uplink: "up0",
                                                          ports: ["p1": RelayAgentIdentifier(text: "\(remoteID)/p1"),
                                                                  "p2": RelayAgentIdentifier(text: "\(remoteID)/p2")]))
                .write(to: URL(fileURLWithPath: config))
            let relay = try network.spawn([try BuiltProducts.executable("aether-relay"), "--config", config], in: an, log: "aether-relay")
            try await Readiness.wait(for: "aether-relay sockets", timeoutSeconds: 15) { relay.log().contains("aether-relay running") }

            // host2 listens while host1 takes its lease: replies must reach port p1 only.
            let listener = try await host2.perform { try PacketSocket(interface: "eth0") }

            let dhclient = try await host1.run(["dhclient", "-1", "-v", "-lf", network.directory + "/h1.leases",
                                                "-pf", network.directory + "/h1.pid", "eth0"], timeoutSeconds: 60)
            #expect(dhclient.succeeded, "dhclient: \(dhclient.standardError)\nrelay: \(relay.log())\ngateway: \(Self.summary(metrics))")
            var framesSeenByHost2 = 0
            while try listener.receive() != nil { framesSeenByHost2 += 1 }
            #expect(framesSeenByHost2 == 0, "host2's port received \(framesSeenByHost2) DHCP frames meant for host1")

            let script = network.directory + "/udhcpc.sh"
            try "#!/bin/sh\n[ \"$1\" = bound ] && ip addr add \"$ip/${mask:-24}\" dev \"$interface\"\nexit 0\n"
                .write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            let udhcpc = try await host2.run(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "3", "-s", script],
                                             timeoutSeconds: 60)
            let keaStatistics = udhcpc.succeeded ? "" : await Self.keaPacketStatistics(endpoints)
            #expect(udhcpc.succeeded, "kea: \(keaStatistics)\nudhcpc: \(udhcpc.standardOutput)\(udhcpc.standardError)\ngateway: \(Self.summary(metrics))\nrelay: \(relay.log())\nkea: \(Self.keaLogTail(endpoints))")

            // Kea stored both leases with our Option 82: circuit-id per port, remote-id of the node.
            let kea = try PostgresConnection(endpoints.postgres.kea)
            for (index, mac) in macs.enumerated() {
                let row = try kea.query("SELECT host(inet '0.0.0.0' + address) AS ip, user_context FROM lease4 WHERE hwaddr = decode($1, 'hex')",
                                        [Hex.encode(mac.bytes)])
                #expect(row.rows.count == 1, "no lease for \(mac)")
                let context = (try row.value("user_context") ?? "").uppercased()
                #expect(context.contains(Self.hex("\(remoteID)/p\(index + 1)")), "circuit-id missing in \(context)")
                #expect(context.contains(Self.hex(remoteID)), "remote-id missing in \(context)")
                let address = try row.value("ip") ?? "?"
                let configured = try await (index == 0 ? host1 : host2).ip("-4", "-o", "addr", "show", "dev", "eth0").standardOutput
                #expect(configured.contains(address + "/"), "host\(index + 1) has \(configured), Kea leased \(address)")
            }
            #expect(metrics.counterTotal(label: "aether_dhcp_relay_forwarded_total", dimensions: [("relay", "bng-test"), ("path", "to_server")]) >= 4)
            #expect(metrics.counterTotal(label: "aether_dhcp_relay_forwarded_total", dimensions: [("relay", "bng-test"), ("path", "to_client")]) >= 4)
        }
    }

    /// Kea's packet counters (received, dropped, parse failures…), to explain a client that got no answer.
    static func keaPacketStatistics(_ endpoints: ServiceEndpoints) async -> String {
        let agent = endpoints.kea.controlAgent
        guard let all = try? await agent.send("statistic-get-all").arguments else { return "(no statistics)" }
        return all.keys.filter { $0.hasPrefix("pkt4-") }.sorted().compactMap { key in
            ((all[key] as? [[Any]])?.first?.first).map { "\(key)=\($0)" }
        }.joined(separator: " ")
    }

    /// The end of Kea's log, to explain a client that got no answer.
    static func keaLogTail(_ endpoints: ServiceEndpoints) -> String {
        let log = (try? String(contentsOfFile: endpoints.stateDirectory + "/kea/kea-dhcp4.log", encoding: .utf8)) ?? ""
        return log.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// Every counter of a test metrics factory, for failure messages.
    static func summary(_ metrics: TestMetrics) -> String {
        metrics.counters.map { "\($0.label)\($0.dimensions.map { "\($0.0)=\($0.1)" })=\($0.totalValue)" }.sorted().joined(separator: " ")
    }

    static func hex(_ text: String) -> String {
        text.utf8.map { String(format: "%02X", $0) }.joined()
    }
}
