import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes
import Testing

/// A client that moves to another port, and a client that changes address (issue "BNG",
/// acceptance 6): each ends the old session and starts one with a new id.
@Suite("aether-bng port move and address change", .serialized)
struct BNGLineChangeTests {
    @Test func aPortMoveAndAnAddressChangeEachStopTheOldSessionAndStartANewOne() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 2)
            try await lab.waitForBNG()
            _ = try await lab.dhclient(0)
            let first = try await lab.address(of: 0)
            let before = try await lab.waitForAuthorizedSession(at: first)
            let firstID = try #require(before["session_id"] as? String)
            #expect(before["circuit_id"] as? String == "\(lab.remoteID)/1")

            // The client (its MAC) unplugs from port 1 without a RELEASE and comes back on port 2.
            try await lab.stopDHCPClient(0)
            try await lab.hosts[0].ip("link", "set", "eth0", "down")
            try await lab.hosts[1].ip("link", "set", "eth0", "down")
            try await lab.hosts[1].ip("link", "set", "eth0", "address", "\(lab.macs[0])")
            try await lab.hosts[1].ip("link", "set", "eth0", "up")
            _ = try await lab.dhclient(1)
            let moved = try await lab.address(of: 1)
            var second: [String: Any] = [:]
            try await Readiness.wait(for: "a session on port 2", timeoutSeconds: 30) {
                second = try await lab.sessions().first { $0["circuit_id"] as? String == "\(lab.remoteID)/2" && $0["auth_state"] as? String == "AUTHORIZED" } ?? [:]
                return !second.isEmpty
            }
            let secondID = try #require(second["session_id"] as? String)
            #expect(secondID != firstID)
            #expect(second["mac"] as? String == "\(lab.macs[0])" && second["address"] as? String == "\(moved)")
            try await Readiness.wait(for: "the port-1 session's Acct-Stop", timeoutSeconds: 20) {
                try lab.radacct().first { $0["acctsessionid"] == firstID }?["cause"] ?? nil == "Port-Preempted"
            }
            #expect(try await lab.sessions().count == 1)

            // The same client gets another address: a new session, the old one Lost-Service. Kea
            // offers a client its existing lease whatever it asks for, so the lease goes first.
            try await lab.stopDHCPClient(1)
            try PostgresConnection(endpoints.postgres.kea).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')", [Hex.encode(lab.macs[0].bytes)])
            let wanted = Self.freeAddress(after: moved, in: lab)
            let script = network.directory + "/print-ip.sh"
            try "#!/bin/sh\n[ \"$1\" = bound ] && echo \"bound $ip\"\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            let bound = try await lab.hosts[1].check(["udhcpc", "-i", "eth0", "-r", "\(wanted)", "-q", "-n", "-s", script, "-t", "5", "-T", "2"],
                                                    timeoutSeconds: 60)
            #expect(bound.standardOutput.contains("bound \(wanted)"), "udhcpc: \(bound.standardOutput) \(bound.standardError)")
            var third: [String: Any] = [:]
            try await Readiness.wait(for: "a session at the new address", timeoutSeconds: 30) {
                third = try await lab.sessions().first { $0["address"] as? String != "\(moved)" && $0["auth_state"] as? String == "AUTHORIZED" } ?? [:]
                return !third.isEmpty
            }
            #expect(third["address"] as? String == "\(wanted)")
            #expect(third["session_id"] as? String != secondID)
            try await Readiness.wait(for: "the old address's Acct-Stop", timeoutSeconds: 20) {
                try lab.radacct().first { $0["acctsessionid"] == secondID }?["cause"] ?? nil == "Lost-Service"
            }
            let stops = try lab.events().compactMap { event -> String? in
                if case .sessionStop(let payload) = event.payload { return payload.terminateCause }
                return nil
            }
            #expect(stops == ["Port-Preempted", "Lost-Service"])
            #expect(try lab.radacct().count == 3)
        }
    }

    /// An address of the lab's pool well away from `address` (the pool is the subnet's .10–.250).
    static func freeAddress(after address: IPv4Address, in lab: BNGLab) -> IPv4Address {
        let base = lab.services.subnet.prefix.address.value
        let offset = (address.value - base + 100 - 10) % 240 + 10
        return IPv4Address(value: base + offset)
    }
}
