import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes
import Testing

/// kill -9 of aether-bng with 50 live sessions and traffic running, then a restart on the same
/// state (issue "BNG", acceptance 7): nothing flaps.
@Suite("aether-bng restart without flaps", .serialized)
struct BNGRestartTests {
    static let sessions = 50

    @Test func killNineWithFiftySessionsAndTrafficThenRestartChangesNothing() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            // Fifty clients on one line: h1's eth0 (dhclient, the traffic) and 49 macvlans (udhcpc).
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1,
                                            subscriberYAML: "  max_clients_per_circuit: 64\n  dhcp_requests_per_second: 500\n  dhcp_burst: 500", portRequestRate: nil)
            try await lab.waitForBNG()
            let host = lab.hosts[0]
            let extra = (1..<Self.sessions).map { MACAddress(0x02, 0xbf, UInt8(lab.services.subnet.id), 0, UInt8($0), .random(in: 0...255)) }
            let keaInfo = endpoints.postgres.kea
            network.onCleanup {
                for mac in extra { _ = try? PostgresConnection(keaInfo).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')", [Hex.encode(mac.bytes)]) }
            }
            for (index, mac) in extra.enumerated() {
                try await host.ip("link", "add", "mv\(index + 1)", "link", "eth0", "address", "\(mac)", "type", "macvlan", "mode", "bridge")
                try await host.ip("link", "set", "mv\(index + 1)", "up")
            }
            _ = try await lab.dhclient(0)
            let address = try await lab.address(of: 0)
            // One udhcpc per macvlan, all at once; each quits once bound (no RELEASE: -R is not given).
            let clients = (1..<Self.sessions).map { "udhcpc -i mv\($0) -q -n -s /bin/true -t 10 -T 2 -A 1 >/dev/null 2>&1 &" }.joined(separator: "\n")
            try await host.check(["sh", "-c", clients + "\nfailed=0; for job in $(jobs -p); do wait $job || failed=$((failed+1)); done; exit $failed"],
                                 timeoutSeconds: 120)
            var before: [[String: Any]] = []
            try await Readiness.wait(for: "\(Self.sessions) authorized sessions", timeoutSeconds: 60) {
                before = try await lab.sessions().filter { $0["auth_state"] as? String == "AUTHORIZED" }
                return before.count == Self.sessions
            }
            let idsBefore = Dictionary(uniqueKeysWithValues: before.map { ($0["mac"] as? String ?? "", $0["session_id"] as? String ?? "") })

            // Traffic through the BNG while it dies and comes back.
            try await lab.upstream.startIperfServer(network, port: 5201)
            let flow = try network.spawn(["iperf3", "-c", "\(BNGLab.upstreamAddress)", "-p", "5201", "-R", "-t", "20", "-b", "4M", "-J",
                                          "--logfile", network.directory + "/iperf3-restart.json"], in: host, log: "iperf3-restart")
            try await Readiness.wait(for: "traffic counted before the kill", timeoutSeconds: 20) {
                (try await lab.sessions().first { $0["address"] as? String == "\(address)" }?["bytes_down"] as? Int ?? 0) > 500_000
            }
            // The kill comes at a quiet moment of the engine: nothing in flight between it, the store
            // and the kernel (a crash inside that window is a later drill, with its own checks).
            try await Readiness.wait(for: "the BNG's queues to be empty", timeoutSeconds: 20) {
                let metrics = try await lab.metrics()
                return metrics.value("aether_bng_store_queue_depth") == 0 && metrics.value("aether_bng_dataplane_queue_depth") == 0
                    && metrics.value("aether_bng_inbox_depth") == 0
            }
            let kernelBefore = try await Self.kernelObjects(lab)
            let lastSeqBefore = try lab.events().map(\.seq).max() ?? 0

            try await lab.restart(signal: SIGKILL)

            var after: [[String: Any]] = []
            try await Readiness.wait(for: "the sessions back after the restart", timeoutSeconds: 30) {
                after = try await lab.sessions()
                return after.count == Self.sessions
            }
            let idsAfter = Dictionary(uniqueKeysWithValues: after.map { ($0["mac"] as? String ?? "", $0["session_id"] as? String ?? "") })
            #expect(idsAfter == idsBefore, "sessions changed id or went missing across the restart")
            #expect(after.allSatisfy { $0["auth_state"] as? String == "AUTHORIZED" })
            let changes = try await lab.metrics().value("aether_bng_adoption_changes")
            #expect(changes == 0, "the restart changed \(changes) kernel objects: \(lab.bng.log().split(separator: "\n").filter { $0.contains("BNG starting") })")
            #expect(try await Self.kernelObjects(lab) == kernelBefore, "the restart changed kernel objects")

            // The running flow never noticed.
            try await Readiness.wait(for: "iperf3 to finish", timeoutSeconds: 40) { !flow.isRunning }
            let report = (try? String(contentsOfFile: network.directory + "/iperf3-restart.json", encoding: .utf8)) ?? ""
            #expect(report.contains("\"sum_received\"") && !report.contains("\"error\""), "the flow broke: \(report.suffix(500))")

            // Counting resumes: the sequence continues after the last event published before the kill.
            try await Readiness.wait(for: "an event after the restart", timeoutSeconds: 30) {
                try lab.events().contains { $0.seq > lastSeqBefore && $0.eventType == .sessionUpdate }
            }
            let events = try lab.events()
            #expect(events.map(\.seq) == Array(1...UInt64(events.count)), "the sequence has gaps or repeats")
            #expect(events.filter { $0.eventType == .sessionStart }.count == Self.sessions)
            #expect(!events.contains { $0.eventType == .sessionStop })

            // radacct: exactly one open row per session; no Accounting-On closed them, no extra Start.
            let rows = try lab.radacct()
            #expect(rows.count == Self.sessions, "radacct has \(rows.count) rows for \(Self.sessions) sessions")
            #expect(Set(rows.compactMap { $0["acctsessionid"] ?? nil }) == Set(idsBefore.values))
            #expect(rows.allSatisfy { ($0["stopped"] ?? nil) == nil })
        }
    }

    /// The BNG's nftables table (counter values masked) and its qdiscs, classes and root filters.
    static func kernelObjects(_ lab: BNGLab) async throws -> String {
        let table = "aether_" + lab.bngID.replacingOccurrences(of: "-", with: "_")
        let nft = try await lab.bngNamespace.check(["nft", "-a", "list", "table", "inet", table]).standardOutput
            .replacing(/counter packets \d+ bytes \d+/, with: "counter")
        var text = nft
        for device in ["agg0", "ifb0"] {
            for object in ["qdisc", "class", "filter"] {
                text += try await lab.bngNamespace.check(["tc", object, "show", "dev", device]).standardOutput
            }
        }
        return text
    }
}
