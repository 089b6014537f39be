import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes
import Testing

/// RADIUS saying no, and RADIUS not answering (issue "BNG", acceptance 5).
@Suite("aether-bng when RADIUS rejects or is unreachable", .serialized)
struct BNGRadiusFaultTests {
    @Test func aRejectedSubscriberIsBlockedRetriedAndBecomesActiveOnceRADIUSKnowsIt() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1,
                                            timers: "interim_interval: 10\n  counters_interval: 2\n  reject_retry_initial: 2\n  reject_retry_maximum: 4")
            let radius = try PostgresConnection(endpoints.postgres.radius)
            let password = try radius.query("SELECT value FROM radcheck WHERE username = $1", [lab.userName(0)])
            let secret = try #require(try password.value("value", row: 0))
            try radius.query("DELETE FROM radcheck WHERE username = $1", [lab.userName(0)])
            try await lab.waitForBNG()

            // DHCP is answered although RADIUS says no; the session waits, blocked.
            _ = try await lab.dhclient(0)
            let address = try await lab.address(of: 0)
            func rejects() throws -> Int {
                let rows = try radius.query("SELECT count(*)::text AS n FROM radpostauth WHERE username = $1 AND reply = 'Access-Reject'", [lab.userName(0)])
                return Int(try rows.value("n", row: 0) ?? "0") ?? 0
            }
            try await Readiness.wait(for: "three Access-Rejects (the first and two retries)", timeoutSeconds: 30) { try rejects() >= 3 }
            let session = try #require(try await lab.sessions().first { $0["address"] as? String == "\(address)" })
            #expect(session["auth_state"] as? String == "REJECTED")
            let blocked = try await lab.hosts[0].run(["ping", "-c", "1", "-W", "1", "\(BNGLab.upstreamAddress)"])
            #expect(!blocked.succeeded, "a rejected subscriber's traffic was forwarded")
            #expect(try lab.radacct().isEmpty, "a rejected session was accounted")

            // The line is provisioned: the next retry authorizes it, no client action needed.
            try radius.query("INSERT INTO radcheck (username, attribute, op, value) VALUES ($1, 'Cleartext-Password', ':=', $2)", [lab.userName(0), secret])
            let authorized = try await lab.waitForAuthorizedSession(at: address, timeoutSeconds: 30)
            #expect(authorized["session_id"] as? String == session["session_id"] as? String)
            try await lab.hosts[0].check(["ping", "-c", "1", "-W", "2", "\(BNGLab.upstreamAddress)"])
            try await Readiness.wait(for: "POLICY_APPLY and Acct-Start", timeoutSeconds: 20) {
                try lab.events().contains { $0.eventType == .policyApply } && !lab.radacct().isEmpty
            }
            #expect(try await lab.metrics().value("aether_bng_authorizations_total", ["outcome": "rejected"]) >= 3)
        }
    }

    static let newSubscribers = 20

    @Test func withRADIUSUnreachableForSixtySecondsDHCPIsStillAnsweredAndQueuedAccountingArrivesWithItsDelay() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 2,
                                            timers: "interim_interval: 10\n  counters_interval: 2\n  auth_retry_initial: 1\n  auth_retry_maximum: 4",
                                            subscriberYAML: "  max_clients_per_circuit: 64\n  dhcp_requests_per_second: 500\n  dhcp_burst: 500", portRequestRate: nil)
            try await lab.waitForBNG()
            _ = try await lab.dhclient(0)
            let first = try await lab.address(of: 0)
            let established = try await lab.waitForAuthorizedSession(at: first)
            let establishedID = try #require(established["session_id"] as? String)
            // The new subscribers: macvlans on h2, one udhcpc each.
            let macs = (1...Self.newSubscribers).map { MACAddress(0x02, 0xbd, UInt8(lab.services.subnet.id), 0, UInt8($0), .random(in: 0...255)) }
            let keaInfo = endpoints.postgres.kea
            network.onCleanup {
                for mac in macs { _ = try? PostgresConnection(keaInfo).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')", [Hex.encode(mac.bytes)]) }
            }
            for (index, mac) in macs.enumerated() {
                try await lab.hosts[1].ip("link", "add", "mv\(index + 1)", "link", "eth0", "address", "\(mac)", "type", "macvlan", "mode", "bridge")
                try await lab.hosts[1].ip("link", "set", "mv\(index + 1)", "up")
            }

            // What reaches RADIUS accounting from now on: each Acct-Stop's session id and Acct-Delay-Time, a line each.
            let tshark = try network.spawn(["tshark", "-l", "-i", lab.services.interface, "-f", "udp dst port 1813",
                                            "-Y", "radius.Acct_Status_Type == 2", "-T", "fields",
                                            "-e", "radius.Acct_Session_Id", "-e", "radius.Acct_Delay_Time"],
                                           in: lab.bngNamespace, log: "tshark")
            try await Readiness.wait(for: "tshark capturing", timeoutSeconds: 20) { tshark.log().contains("Capturing on") }

            // RADIUS unreachable from the BNG: every request to 1812/1813 dropped on the way out.
            try await lab.bngNamespace.check(["nft", "add table inet outage; add chain inet outage out { type filter hook output priority 0; };" +
                                              " add rule inet outage out udp dport { 1812, 1813 } drop"])
            let outageEnds = ContinuousClock.now + .seconds(60)
            let received = try await lab.metrics().value("aether_dhcp_relay_received_total", ["side": "client"])

            // New subscribers: every DORA answered at once (udhcpc would resend after 2 s).
            let script = (1...Self.newSubscribers).map { index in
                "( s=$(date +%s%N); udhcpc -i mv\(index) -q -n -s /bin/true -t 5 -T 2 -A 1 >/dev/null 2>&1 && echo dora $(( ($(date +%s%N) - s) / 1000000 )) ) &"
            }.joined(separator: "\n") + "\nwait"
            let output = try await lab.hosts[1].check(["sh", "-c", script], timeoutSeconds: 60).standardOutput
            let milliseconds = output.split(separator: "\n").compactMap { line in line.hasPrefix("dora ") ? Int(line.dropFirst(5)) : nil }.sorted()
            #expect(milliseconds.count == Self.newSubscribers, "not every DORA completed: \(output)")
            let p99 = milliseconds[min(milliseconds.count - 1, Int((Double(milliseconds.count) * 0.99).rounded(.up)) - 1)]
            print("DORA with RADIUS unreachable: \(milliseconds.count) clients, p50 \(milliseconds[milliseconds.count / 2]) ms, p99 \(p99) ms")
            // One DISCOVER and one REQUEST per client: none had to retransmit.
            let relayed = try await lab.metrics().value("aether_dhcp_relay_received_total", ["side": "client"]) - received
            #expect(relayed == Double(2 * Self.newSubscribers), "clients retransmitted: \(relayed) requests for \(Self.newSubscribers) DORAs")
            try await Readiness.wait(for: "the new sessions waiting for RADIUS", timeoutSeconds: 20) {
                try await lab.sessions().filter { $0["auth_state"] as? String == "PENDING_AUTH" }.count == Self.newSubscribers
            }

            // Meanwhile the established subscriber leaves: its Acct-Stop waits in the queue.
            try await lab.release(0)
            try await Readiness.wait(for: "the established session to stop", timeoutSeconds: 20) {
                try lab.events().contains { $0.eventType == .sessionStop }
            }
            #expect(try lab.radacct().first { $0["acctsessionid"] == establishedID }?["stopped"] ?? nil == nil)

            // The outage lasts its 60 s; then RADIUS is reachable again.
            try await Task.sleep(until: outageEnds)
            try await lab.bngNamespace.check(["nft", "delete table inet outage"])
            try await Readiness.wait(for: "every new subscriber authorized", timeoutSeconds: 60) {
                try await lab.sessions().filter { $0["auth_state"] as? String == "AUTHORIZED" }.count == Self.newSubscribers
            }
            try await Readiness.wait(for: "the queued Acct-Stop in radacct", timeoutSeconds: 60) {
                try lab.radacct().first { $0["acctsessionid"] == establishedID }?["stopped"] ?? nil != nil
            }
            #expect(try lab.radacct().first { $0["acctsessionid"] == establishedID }?["cause"] ?? nil == "User-Request")
            try await Readiness.wait(for: "tshark to print the queued Acct-Stop", timeoutSeconds: 20) {
                tshark.log().split(separator: "\n").contains { $0.hasPrefix(establishedID) }
            }
            await tshark.terminate()
            let fields = tshark.log()
            let delays = fields.split(separator: "\n").filter { $0.hasPrefix(establishedID) }.compactMap { $0.split(separator: "\t").last.flatMap { Int($0) } }
            // The stop happened well inside the outage, so it reached RADIUS tens of seconds late and said so.
            #expect(!delays.isEmpty && delays.allSatisfy { $0 >= 20 }, "Acct-Delay-Time of the queued Acct-Stop: \(fields)")
        }
    }
}
