import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes
import Testing

/// `aether-bng` with real clients, Kea, FreeRADIUS and Redis (issue "BNG", acceptance 1–3).
@Suite("aether-bng sessions with real peers", .serialized)
struct BNGSessionTests {
    @Test func dhclientAndUdhcpcGetAuthorizedShapedCountedAccountedSessions() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 2)
            try await lab.waitForBNG()
            _ = try await lab.dhclient(0)
            let udhcpc = try await UdhcpcClient.start(lab.hosts[1], network: network, name: "h2")
            _ = udhcpc
            let addresses = [try await lab.address(of: 0), try await lab.address(of: 1)]
            var sessions: [[String: Any]] = []
            for address in addresses { sessions.append(try await lab.waitForAuthorizedSession(at: address)) }
            let ids = sessions.compactMap { $0["session_id"] as? String }
            #expect(ids.count == 2 && Set(ids).count == 2)

            // RADIUS: one Start per session, NAS-Port-Id = circuit-id, Class echoed.
            var rows: [[String: String?]] = []
            try await Readiness.wait(for: "two Acct-Start rows", timeoutSeconds: 20) {
                rows = try lab.radacct()
                return rows.count >= 2
            }
            for (index, id) in ids.enumerated() {
                let row = try #require(rows.first { $0["acctsessionid"] == id }, "no radacct row for \(id): \(rows)")
                #expect(row["nasportid"] == "\(lab.remoteID)/\(index + 1)")
                #expect(row["username"] == lab.userName(index))
                #expect(row["class"] ?? nil != nil, "Class was not echoed: \(row)")
                #expect(row["ip"] ?? nil == "\(addresses[index])")
            }

            // The kernel: HTB classes at the plan's rates, both addresses counted and authorized.
            let classes = try await lab.bngNamespace.check(["tc", "class", "show", "dev", "agg0"]).standardOutput
            #expect(classes.contains("rate 20Mbit"), "\(classes)")
            let upload = try await lab.bngNamespace.check(["tc", "class", "show", "dev", "ifb0"]).standardOutput
            #expect(upload.contains("rate 5Mbit"), "\(upload)")
            let table = "aether_" + lab.bngID.replacingOccurrences(of: "-", with: "_")
            let authorized = try await lab.bngNamespace.check(["nft", "list", "set", "inet", table, "authorized"]).standardOutput
            for address in addresses { #expect(authorized.contains("\(address)"), "\(authorized)") }

            // Events: SESSION_START then POLICY_APPLY (authorized, at the plan's rates) for each.
            var events: [EventEnvelope] = []
            try await Readiness.wait(for: "SESSION_START and POLICY_APPLY of both sessions", timeoutSeconds: 20) {
                events = try lab.events()
                return ids.allSatisfy { id in events.contains { $0.payload.sessionID?.uuidString.lowercased() == id && $0.eventType == .policyApply } }
            }
            for id in ids {
                let mine = events.filter { $0.payload.sessionID?.uuidString.lowercased() == id }
                #expect(mine.first?.eventType == .sessionStart, "\(mine.map(\.eventType))")
                guard case .policyApply(let policy)? = mine.first(where: { $0.eventType == .policyApply })?.payload else { continue }
                #expect(policy.authState == .authorized)
                #expect(policy.downloadKbps == UInt64(BNGLab.planDownloadKbps))
            }
            #expect(events.map(\.seq) == Array(1...UInt64(events.count)), "the sequence has gaps or repeats")
        }
    }
}

/// busybox udhcpc in the foreground with a hook that records its events.
struct UdhcpcClient {
    let process: BackgroundProcess
    let events: String

    static func start(_ host: NetworkNamespace, network: TestNetwork, name: String) async throws -> UdhcpcClient {
        let events = network.directory + "/\(name).udhcpc"
        let script = network.directory + "/udhcpc-\(name).sh"
        try """
            #!/bin/sh
            case "$1" in
              bound|renew)
                ip addr replace "$ip/${mask:-24}" dev "$interface"
                [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
                ;;
              deconfig)
                ip addr flush dev "$interface"
                ;;
            esac
            echo "$1 serverid=$serverid ip=$ip" >> \(events)
            exit 0

            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let process = try network.spawn(["udhcpc", "-f", "-i", "eth0", "-s", script, "-t", "20", "-T", "2", "-A", "2"],
                                        in: host, log: "udhcpc-\(name)")
        try await Readiness.wait(for: "udhcpc on \(name) bound", timeoutSeconds: 60) {
            ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("bound ")
        }
        return UdhcpcClient(process: process, events: events)
    }
}
