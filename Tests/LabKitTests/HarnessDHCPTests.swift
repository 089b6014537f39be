import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import DHCPKit
import KeaControl
import NetworkTypes
import Testing

@Suite("Harness Kea serves relayed DHCP with Option 82")
struct HarnessDHCPTests {
    /// host ──veth── relay (ISC dhcrelay -a: circuit-id = port name) ──veth── services bridge ── Kea
    @Test func dhclientLeaseThroughRelayIsStoredWithCircuitID() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let host = try await network.namespace("host")
            let relay = try await network.namespace("relay")
            let uplink = try await ServicesAttachment.attach(relay, in: network, endpoints: endpoints)
            let port = "port\(uplink.subnet.id)"
            let mac = MACAddress(0x02, 0xae, UInt8(uplink.subnet.id), .random(in: 0...255), .random(in: 0...255), .random(in: 0...255))
            let keaInfo = endpoints.postgres.kea
            network.onCleanup {
                _ = try? PostgresConnection(keaInfo).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')",
                                                           [Hex.encode(mac.bytes)])
            }
            try await host.addVeth("eth0", mac: mac, peer: port, in: relay)
            try await relay.addAddress(uplink.subnet.gateway, to: port)
            try await relay.sysctl("net.ipv4.ip_forward=1")

            let dhcrelay = try network.spawn(["dhcrelay", "-4", "-d", "-a", "-id", port, "-iu", uplink.interface,
                                              "\(endpoints.servicesAddress)"], in: relay, log: "dhcrelay")
            // dhcrelay prints its fallback socket last, once every interface is open.
            try await Readiness.wait(for: "dhcrelay sockets", timeoutSeconds: 15) { dhcrelay.log().contains("Socket/fallback") }

            let lease = try await host.run(["dhclient", "-1", "-v", "-lf", network.directory + "/dhclient.leases",
                                            "-pf", network.directory + "/dhclient.pid", "eth0"], timeoutSeconds: 60)
            #expect(lease.succeeded, "dhclient: \(lease.standardError)\nrelay: \(dhcrelay.log())")

            let addresses = try await host.ip("-4", "-o", "addr", "show", "dev", "eth0").standardOutput
            let assigned = addresses.split(separator: " ").first { $0.contains("/") }.flatMap { IPv4InterfaceAddress(String($0)) }
            #expect(assigned.map { uplink.subnet.prefix.contains($0.address) } == true, "eth0 has \(addresses)")

            // Kea's PostgreSQL lease store holds the lease, with Option 82 in its user context.
            let kea = try PostgresConnection(endpoints.postgres.kea)
            let row = try kea.query("""
                SELECT host(inet '0.0.0.0' + address) AS ip, user_context FROM lease4
                WHERE hwaddr = decode($1, 'hex')
                """, [Hex.encode(mac.bytes)])
            #expect(row.rows.count == 1)
            let context = try row.value("user_context") ?? ""
            let circuitHex = port.utf8.map { String(format: "%02X", $0) }.joined()
            #expect(context.uppercased().contains(circuitHex), "user_context \(context) lacks circuit-id \(port)")
            #expect(addresses.contains(try row.value("ip") ?? "missing"))

            // The control agent sees the same lease through lease_cmds.
            let agent = endpoints.kea.controlAgent
            // … typed, with Option 82 decoded from the lease's user context.
            let leases = try await agent.leases(subnets: [uplink.subnet.id])
            let mine = try #require(leases.first { $0.hardwareAddress == mac })
            #expect(mine.relayAgentInformation?.circuitID == RelayAgentIdentifier(text: port))
            #expect(mine.state == .default)
            #expect(mine.isActive(at: Int64(Date().timeIntervalSince1970)))
            #expect(try await agent.allLeases(pageSize: 2) { $0.subnetID == uplink.subnet.id }.map(\.address) == leases.map(\.address).sorted())
        }
    }
}
