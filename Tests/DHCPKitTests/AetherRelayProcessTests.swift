import AetherTestSupport
import DHCPKit
import Foundation
import LabKit
import NetworkTypes
import Testing

/// The `aether-relay` executable as an operator runs it: its Prometheus counters after known
/// traffic, and a graceful stop on SIGTERM.
///
/// ```
/// h1 ──p1┐
///        an (aether-relay, metrics on 127.0.0.1:9102) ──up0──dn0── bng (frames in and out)
/// h2 ──p2┘
/// ```
@Suite("aether-relay process", .serialized)
struct AetherRelayProcessTests {
    @Test func metricsCountKnownTrafficExactlyAndSIGTERMStopsTheRelayWithinOneSecond() async throws {
        try await withTestNetwork { network in
            let an = try await network.namespace("an")
            let h1 = try await network.namespace("h1")
            let h2 = try await network.namespace("h2")
            let bng = try await network.namespace("bng")
            try await h1.addVeth("eth0", peer: "p1", in: an)
            try await h2.addVeth("eth0", peer: "p2", in: an)
            try await an.addVeth("up0", peer: "dn0", in: bng)
            try await an.ip("link", "set", "lo", "up")
            let config = network.directory + "/relay.json"
            try JSONEncoder().encode(AccessNodeRelayFile(remoteID: "an-m", uplink: "up0", ports: ["p1": "an-m/1", "p2": "an-m/2"]))
                .write(to: URL(fileURLWithPath: config))
            let relay = try network.spawn([try BuiltProducts.executable("aether-relay"), "--config", config, "--metrics", "127.0.0.1:9102"],
                                          in: an, log: "aether-relay")
            func scrape() async throws -> PrometheusText {
                PrometheusText(try await an.check(["curl", "-sf", "http://127.0.0.1:9102/metrics"]).standardOutput)
            }
            try await Readiness.wait(for: "aether-relay metrics", timeoutSeconds: 15) { (try? await scrape()) != nil }

            let client = MACAddress(0x02, 0xaa, 0, 0, 0, 1)
            @Sendable func discover(xid: UInt32, option82: RelayAgentInformation? = nil) throws -> [UInt8] {
                var message = DHCPMessage(op: .bootRequest, xid: xid, flags: 0x8000, chaddr: client.bytes)
                message.messageType = .discover
                if let option82 { try message.insertRelayAgentInformation(option82) }
                return try DHCPFrame(message: message, ethernet: EthernetHeader(destination: .broadcast, source: client),
                                     ipv4: IPv4Header(source: .any, destination: .broadcast),
                                     udp: UDPHeader(sourcePort: 68, destinationPort: 67)).encoded()
            }
            @Sendable func offer(circuitID: RelayAgentIdentifier, from source: MACAddress) throws -> [UInt8] {
                var message = DHCPMessage(op: .bootReply, xid: 7, yiaddr: IPv4Address(100, 64, 9, 9), chaddr: client.bytes)
                message.messageType = .offer
                try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: circuitID, remoteID: "an-m"))
                return try DHCPFrame(message: message, ethernet: EthernetHeader(destination: .broadcast, source: source),
                                     ipv4: IPv4Header(source: IPv4Address(100, 64, 9, 1), destination: .broadcast),
                                     udp: UDPHeader(sourcePort: 67, destinationPort: 68)).encoded()
            }
            // A UDP datagram to port 67 whose payload is far too short for DHCP.
            let malformed = try DHCPFrame(payload: Array(repeating: 0x01, count: 10),
                                          ethernet: EthernetHeader(destination: .broadcast, source: client),
                                          ipv4: IPv4Header(source: .any, destination: .broadcast),
                                          udp: UDPHeader(sourcePort: 68, destinationPort: 67)).encoded()
            let uplink = try await bng.perform { try PacketSocket(interface: "dn0") }

            // Known traffic: 3 DISCOVERs, 1 with the client's own Option 82, 1 malformed frame on
            // p1; 2 forged OFFERs on p2; on the uplink an OFFER for p1 and one for an unknown circuit.
            try await h1.perform {
                let socket = try PacketSocket(interface: "eth0")
                for xid in 1...3 { try socket.send(discover(xid: UInt32(xid))) }
                try socket.send(discover(xid: 4, option82: RelayAgentInformation(circuitID: "spoofed", remoteID: "spoofed")))
                try socket.send(malformed)
            }
            try await h2.perform {
                let socket = try PacketSocket(interface: "eth0")
                for _ in 0..<2 { try socket.send(offer(circuitID: "an-m/1", from: MACAddress(0x02, 0xbb, 0, 0, 0, 2))) }
            }
            let bngMAC = MACAddress(0x02, 0xcc, 0, 0, 0, 3)
            try uplink.send(offer(circuitID: "an-m/1", from: bngMAC))
            try uplink.send(offer(circuitID: "an-m/9", from: bngMAC))

            try await Readiness.wait(for: "all 9 frames counted", timeoutSeconds: 15) {
                let metrics = try await scrape()
                return metrics.value("aether_dhcp_relay_received_total") == 9
            }
            let metrics = try await scrape()
            let expected: [(String, [String: String], Double)] = [
                ("aether_dhcp_relay_received_total", ["side": "client"], 7),
                ("aether_dhcp_relay_received_total", ["side": "uplink"], 2),
                ("aether_dhcp_relay_forwarded_total", ["path": "to_uplink"], 3),
                ("aether_dhcp_relay_forwarded_total", ["path": "to_port"], 1),
                ("aether_dhcp_relay_dropped_total", ["reason": "wrongDirection"], 2),
                ("aether_dhcp_relay_dropped_total", ["reason": "untrustedOption82"], 1),
                ("aether_dhcp_relay_dropped_total", ["reason": "malformed"], 1),
                ("aether_dhcp_relay_dropped_total", ["reason": "unknownClient"], 1),
                ("aether_dhcp_relay_malformed_total", ["code": "truncatedHeader"], 1),
                ("aether_dhcp_relay_errors_total", [:], 0),
            ]
            for (name, labels, value) in expected {
                #expect(metrics.value(name, labels.merging(["relay": "an-m"]) { $1 }) == value, "\(name)\(labels)\n\(metrics.text)")
            }
            #expect(metrics.value("aether_dhcp_relay_dropped_total") == 5)
            // The three DISCOVERs arrived on the uplink, stamped for port p1.
            var stamped = 0
            while let frame = try uplink.receive() {
                if let message = try? DHCPFrame(parsing: frame).message(), message.messageType == .discover,
                   try message.relayAgentInformation()?.circuitID == "an-m/1" { stamped += 1 }
            }
            #expect(stamped == 3)

            // SIGTERM: graceful shutdown of every service, exit 0, within a second.
            let status = await relay.stop(signal: SIGTERM, withinSeconds: 1)
            #expect(status == 0, "aether-relay did not exit 0 within 1 s of SIGTERM (status \(String(describing: status)))\n\(relay.log())")
            #expect(relay.log().contains("aether-relay stopped"))
        }
    }
}
