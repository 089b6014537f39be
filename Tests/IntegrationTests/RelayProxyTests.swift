import AetherTestSupport
import DHCPKit
import Foundation
import LabKit
import NetworkTypes
import Testing

/// Relay-proxy mode with real clients and Kea: the clients learn the gateway as their DHCP
/// server, so their unicast renewals and RELEASEs come to the BNG and reach Kea relayed, with
/// giaddr and Option 82, and never directly.
@Suite("Relay-proxy DHCP through an access node and the BNG", .serialized)
struct RelayProxyTests {
    @Test func renewalsAndReleasesOfDhclientAndUdhcpcGoThroughTheRelayWithOption82() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await AccessLab.make(network, endpoints: endpoints, hosts: 2, leases: .short)
            let gateway = lab.gateway.address
            let subnet = lab.services.subnet.prefix

            // Counters on the BNG: subscriber packets routed to any UDP 67 (a renewal going
            // around the relay would be one) and ICMP unreachables the BNG sends.
            try await lab.bng.loadNftables("""
                table inet aet_proxy_check {
                    chain forward {
                        type filter hook forward priority -50; policy accept;
                        ip saddr \(subnet) udp dport 67 counter name direct_dhcp
                    }
                    chain output {
                        type filter hook output priority -50; policy accept;
                        icmp type destination-unreachable counter name unreachable
                    }
                    counter direct_dhcp {}
                    counter unreachable {}
                }

                """)
            // tshark on the services side of the BNG sees exactly what Kea receives.
            let capture = network.directory + "/services.pcap"
            let tshark = try network.spawn(["tshark", "-i", lab.services.interface, "-f", "udp port 67", "-F", "pcap", "-w", capture],
                                           in: lab.bng, log: "tshark")
            try await Readiness.wait(for: "tshark capturing", timeoutSeconds: 30) { tshark.log().contains("Capturing on") }

            // dhclient: its lease file names the gateway as the server; Kea's short lease makes it
            // renew (unicast to the gateway) within seconds; then it releases.
            let leases = try await lab.dhclient(0)
            let leaseFile = try String(contentsOfFile: leases, encoding: .utf8)
            #expect(leaseFile.contains("option dhcp-server-identifier \(gateway);"), "\(leaseFile)")
            let first = try await lab.address(of: 0)
            // dhclient appends a lease block per ACK: a second block means a renewal was answered.
            try await Readiness.wait(for: "dhclient renewal", timeoutSeconds: Double(lab.services.subnet.renewTimer) * 3 + 10) {
                let text = (try? String(contentsOfFile: leases, encoding: .utf8)) ?? ""
                return text.components(separatedBy: "lease {").count - 1 >= 2
            }
            #expect(try await lab.address(of: 0) == first, "the renewal changed the address")

            // udhcpc: SIGUSR1 renews, SIGUSR2 releases (busybox).
            let (udhcpc, events) = try await lab.udhcpc(1)
            #expect(try String(contentsOfFile: events, encoding: .utf8).contains("bound serverid=\(gateway)"))
            kill(udhcpc.handle.pid, SIGUSR1)
            try await Readiness.wait(for: "udhcpc renewal", timeoutSeconds: 20) {
                ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("renew serverid=\(gateway)")
            }
            kill(udhcpc.handle.pid, SIGUSR2)
            try await Readiness.wait(for: "udhcpc release", timeoutSeconds: 20) {
                ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("deconfig")
            }
            let released = try await lab.hosts[0].run(["dhclient", "-r", "-lf", leases, "-pf", network.directory + "/h1.pid", "eth0"])
            #expect(released.succeeded, "dhclient -r: \(released.standardError)")

            // What reached Kea: read the capture once both RELEASEs are in it.
            let fields = ["dhcp.option.dhcp", "dhcp.ip.client", "dhcp.ip.relay", "dhcp.hw.mac_addr",
                          "dhcp.option.agent_information_option.agent_circuit_id", "ip.dst"]
            var rows: [[String]] = []
            try await Readiness.wait(for: "two RELEASEs in the capture", timeoutSeconds: 20) {
                let read = try await lab.bng.run(["tshark", "-r", capture, "-T", "fields", "-E", "separator=|"] + fields.flatMap { ["-e", $0] })
                rows = read.standardOutput.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
                return rows.filter { $0.first == "7" }.count >= 2
            }
            await tshark.terminate()
            for (index, mac) in lab.macs.enumerated() {
                // udhcpc's client-id (01 + MAC) decodes as a second dhcp.hw.mac_addr value.
                let mine = rows.filter { $0.count == fields.count && $0[3].split(separator: ",").first.map(String.init) == mac.description }
                let renewals = mine.filter { $0[0] == "3" && $0[1] != "0.0.0.0" }
                let releases = mine.filter { $0[0] == "7" }
                #expect(!renewals.isEmpty, "no renewal of h\(index + 1) (\(mac)) reached Kea: \(rows)")
                #expect(!releases.isEmpty, "no RELEASE of h\(index + 1) (\(mac)) reached Kea: \(rows)")
                for row in renewals + releases {
                    #expect(row[2] == gateway.description, "giaddr \(row[2]) in \(row)")
                    #expect(row[4] == Hex.encode(Array("\(lab.remoteID)/\(index + 1)".utf8)), "circuit-id \(row[4]) in \(row)")
                    #expect(row[5] == endpoints.servicesAddress.description, "sent to \(row[5])")
                }
            }

            // Nothing went around the relay, and the BNG never answered a subscriber with ICMP.
            let counters = try await lab.bng.check(["nft", "-j", "list", "counters", "table", "inet", "aet_proxy_check"]).standardOutput
            #expect(Self.packets(in: counters, named: "direct_dhcp") == 0, "\(counters)")
            #expect(Self.packets(in: counters, named: "unreachable") == 0, "\(counters)")
        }
    }

    @Test func aForgedOfferFromASubscriberPortIsDroppedAndCountedAndTheRealClientIsServed() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await AccessLab.make(network, endpoints: endpoints, hosts: 2)
            // h2 plays a rogue DHCP server: broadcast OFFERs naming itself, from its port.
            let rogueMAC = lab.macs[1]
            var offer = DHCPMessage(op: .bootReply, xid: 0x1234_5678, yiaddr: IPv4Address(10, 66, 6, 6),
                                    chaddr: lab.macs[0].bytes + [UInt8](repeating: 0, count: 10))
            offer.messageType = .offer
            offer.serverIdentifier = IPv4Address(10, 66, 6, 1)
            let forged = try DHCPFrame(message: offer,
                                       ethernet: EthernetHeader(destination: .broadcast, source: rogueMAC),
                                       ipv4: IPv4Header(source: IPv4Address(10, 66, 6, 1), destination: .broadcast),
                                       udp: UDPHeader(sourcePort: 67, destinationPort: 68)).encoded()
            let sent = 25
            let listener = try await lab.hosts[0].perform { try PacketSocket(interface: "eth0") }
            try await lab.hosts[1].perform {
                let socket = try PacketSocket(interface: "eth0")
                for _ in 0..<sent { try socket.send(forged) }
            }
            // The real client gets its lease from Kea, through the relay.
            let leases = try await lab.dhclient(0)
            let leaseFile = try String(contentsOfFile: leases, encoding: .utf8)
            #expect(leaseFile.contains("option dhcp-server-identifier \(lab.gateway.address);"), "\(leaseFile)")
            #expect(lab.services.subnet.prefix.contains(try await lab.address(of: 0)))
            // None of the forged frames reached h1 (the bridge never forwards DHCP) …
            var fromRogue = 0
            while let frame = try listener.receive() {
                if (try? DHCPFrame(parsing: frame))?.ethernet.source == rogueMAC { fromRogue += 1 }
            }
            #expect(fromRogue == 0, "h1 received \(fromRogue) forged frames")
            // … and the relay dropped every one of them as a reply from the subscriber side.
            let metrics = try await lab.relayMetrics()
            #expect(metrics.value("aether_dhcp_relay_dropped_total", ["reason": "wrongDirection"]) == Double(sent), "\(metrics.text)")
        }
    }

    /// Packets of the named counter in `nft -j list counters` output.
    static func packets(in json: String, named name: String) -> Int? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else { return nil }
        for item in items {
            if let counter = item["counter"] as? [String: Any], counter["name"] as? String == name {
                return counter["packets"] as? Int
            }
        }
        return nil
    }
}
