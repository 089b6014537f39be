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

extension BNGSessionTests {
    @Test func trafficIsShapedToThePlanAndCountedWithinTwoPercentAndARenewalKeepsTheSession() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1, leases: .short,
                                                timers: "interim_interval: 5\n  counters_interval: 1\n  idle_timeout: 600")
                try await lab.waitForBNG()
                let leases = try await lab.dhclient(0)
                let address = try await lab.address(of: 0)
                let session = try await lab.waitForAuthorizedSession(at: address)
                let id = try #require(session["session_id"] as? String)

                try await lab.upstream.startIperfServer(network)
                // Rates: download (the server sends, -R) against the 20 Mbit/s plan, upload against 5 Mbit/s.
                func iperf(_ extra: [String]) async throws -> IperfResult {
                    try await lab.hosts[0].iperf(to: BNGLab.upstreamAddress, extra)
                }
                let downRate = try await iperf(["-t", "6", "-O", "1", "-R"])
                let upRate = try await iperf(["-t", "6", "-O", "1"])
                print("measured through aether-bng: download \(downRate.receivedBitsPerSecond / 1e6) Mbit/s (plan 20), upload \(upRate.receivedBitsPerSecond / 1e6) Mbit/s (plan 5)")
                #expect(abs(downRate.receivedBitsPerSecond / Double(BNGLab.planDownloadKbps * 1000) - 1) <= 0.1, "download \(downRate.receivedBitsPerSecond)")
                #expect(abs(upRate.receivedBitsPerSecond / Double(BNGLab.planUploadKbps * 1000) - 1) <= 0.1, "upload \(upRate.receivedBitsPerSecond)")

                // Counting: what one whole iperf3 run moved against the change of the session's
                // counters in SESSION_UPDATE and in radacct's Interim-Update. The BNG counts IP octets
                // (RFC 2866), iperf3 counts TCP payload: the difference is 52 octets of IPv4 + TCP
                // (with timestamps) per segment, 3.6 % at MTU 1500, so the reference is iperf3's bytes
                // plus the headers of the segments the host's TCP stack counted. Both senders emit
                // MTU-sized packets (no GSO super-packets, whose headers the kernel counts once) so
                // the counters see what the wire carries.
                for namespace in [lab.hosts[0], lab.upstream] {
                    try await namespace.ip("link", "set", "dev", "eth0", "gso_max_segs", "1")
                }
                func tcpSegments() async throws -> (received: UInt64, sent: UInt64) {
                    let lines = try await lab.hosts[0].check(["cat", "/proc/net/snmp"]).standardOutput
                        .split(separator: "\n").filter { $0.hasPrefix("Tcp:") }.map { $0.split(separator: " ").map(String.init) }
                    guard lines.count == 2, let inSegs = lines[0].firstIndex(of: "InSegs"), let outSegs = lines[0].firstIndex(of: "OutSegs"),
                          let received = UInt64(lines[1][inSegs]), let sent = UInt64(lines[1][outSegs]) else {
                        throw LabKitError(.commandFailed, "no Tcp: InSegs/OutSegs in h1's /proc/net/snmp")
                    }
                    return (received, sent)
                }
                func updates() throws -> [(sequence: UInt64, counters: SessionCounters)] {
                    try lab.events().compactMap { event -> (UInt64, SessionCounters)? in
                        if case .sessionUpdate(let payload) = event.payload, payload.line.sessionID.uuidString.lowercased() == id {
                            return (event.seq, payload.counters)
                        }
                        return nil
                    }
                }
                func radius() throws -> (input: UInt64, output: UInt64) {
                    let row = try lab.radacct().first { $0["acctsessionid"] == id } ?? [:]
                    return (UInt64((row["input"] ?? nil) ?? "0") ?? 0, UInt64((row["output"] ?? nil) ?? "0") ?? 0)
                }
                /// Waits for two SESSION_UPDATEs after `sequence` that agree (the traffic is over and
                /// counted) and for radacct to hold the same numbers (the Interim-Update arrived).
                func settled(after sequence: UInt64) async throws -> (sequence: UInt64, counters: SessionCounters, radius: (input: UInt64, output: UInt64)) {
                    var result: (UInt64, SessionCounters, (input: UInt64, output: UInt64))?
                    try await Readiness.wait(for: "counters to settle", timeoutSeconds: 60) {
                        let later = try updates().filter { $0.sequence > sequence }
                        guard later.count >= 2, let last = later.last, later[later.count - 2].counters == last.counters else { return false }
                        let accounted = try radius()
                        guard accounted.output == last.counters.bytesDown, accounted.input == last.counters.bytesUp else { return false }
                        result = (last.sequence, last.counters, accounted)
                        return true
                    }
                    let settled = try #require(result)
                    return (settled.0, settled.1, settled.2)
                }
                var mark = try await settled(after: 0)
                for download in [true, false] {
                    let (_, before, radiusBefore) = mark
                    let segmentsBefore = try await tcpSegments()
                    let run = try await iperf(["-t", "4"] + (download ? ["-R"] : []))
                    let segmentsAfter = try await tcpSegments()
                    let sequenceAtEnd = try lab.events().last?.seq ?? 0
                    mark = try await settled(after: sequenceAtEnd)
                    let (_, after, radiusAfter) = mark
                    let segments = download ? segmentsAfter.received - segmentsBefore.received : segmentsAfter.sent - segmentsBefore.sent
                    let moved = Double(run.totalReceivedBytes) + 52 * Double(segments)
                    let counted = Double(download ? after.bytesDown - before.bytesDown : after.bytesUp - before.bytesUp)
                    let accounted = Double(download ? radiusAfter.output - radiusBefore.output : radiusAfter.input - radiusBefore.input)
                    print("counted through aether-bng: \(download ? "download" : "upload") iperf3 \(run.totalReceivedBytes) + headers of \(segments) segments, SESSION_UPDATE \(counted), Interim-Update \(accounted)")
                    #expect(abs(counted / moved - 1) <= 0.02, "\(download ? "download" : "upload"): SESSION_UPDATE moved \(counted), iperf3 with headers \(moved)")
                    #expect(abs(accounted / moved - 1) <= 0.02, "\(download ? "download" : "upload"): Interim-Update moved \(accounted), iperf3 with headers \(moved)")
                }

                // The short lease renews by unicast to the gateway; the session stays the same.
                try await Readiness.wait(for: "dhclient renewal", timeoutSeconds: Double(lab.services.subnet.renewTimer) * 3 + 10) {
                    ((try? String(contentsOfFile: leases, encoding: .utf8)) ?? "").components(separatedBy: "lease {").count - 1 >= 2
                }
                let after = try await lab.waitForAuthorizedSession(at: address)
                #expect(after["session_id"] as? String == id)
                #expect(try lab.events().filter { $0.eventType == .sessionStart }.count == 1)
            }
        }
    }

    @Test func releaseLeaseExpiryAndIdleEndSessionsWithTheirCausesAndAHostComesBack() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 3, leases: .short,
                                            timers: "interim_interval: 10\n  counters_interval: 1\n  idle_timeout: 6\n  lease_grace: 2")
            try await lab.waitForBNG()
            for index in 0..<3 { _ = try await lab.dhclient(index) }
            var ids: [String] = []
            for index in 0..<3 {
                let session = try await lab.waitForAuthorizedSession(at: try await lab.address(of: index))
                ids.append(try #require(session["session_id"] as? String))
            }
            let table = "aether_" + lab.bngID.replacingOccurrences(of: "-", with: "_")
            // h1: RELEASE. h2: dhclient killed without a release while traffic goes on (its lease
            // runs out). h3: stays silent while dhclient renews (idle: no traffic for 6 s).
            _ = try network.spawn(["ping", "-i", "0.5", "\(BNGLab.upstreamAddress)"], in: lab.hosts[1], log: "ping-h2")
            let released = try await lab.address(of: 0)
            try await lab.release(0)
            _ = try await lab.hosts[1].run(["pkill", "-9", "-f", "dhclient.*h2.leases"])
            func stop(of id: String) throws -> SessionStopPayload? {
                try lab.events().compactMap { event -> SessionStopPayload? in
                    if case .sessionStop(let payload) = event.payload, payload.line.sessionID.uuidString.lowercased() == id { return payload }
                    return nil
                }.first
            }
            var causes: [String: String] = [:]
            try await Readiness.wait(for: "three SESSION_STOPs", timeoutSeconds: Double(lab.services.subnet.validLifetime) + 30) {
                for id in ids { if let stop = try stop(of: id) { causes[id] = stop.terminateCause } }
                return causes.count == 3
            }
            #expect(causes[ids[0]] == "User-Request")
            #expect(causes[ids[1]] == "Lost-Carrier")
            #expect(causes[ids[2]] == "Idle-Timeout")
            // Acct-Stop for each, with the same causes.
            try await Readiness.wait(for: "three Acct-Stops", timeoutSeconds: 20) {
                try lab.radacct().filter { ids.contains(($0["acctsessionid"] ?? nil) ?? "") && $0["stopped"] ?? nil != nil }.count == 3
            }
            let rows = try lab.radacct()
            #expect(rows.first { $0["acctsessionid"] == ids[0] }?["cause"] == "User-Request")
            #expect(rows.first { $0["acctsessionid"] == ids[1] }?["cause"] == "Lost-Carrier")
            #expect(rows.first { $0["acctsessionid"] == ids[2] }?["cause"] == "Idle-Timeout")
            // Every kernel object of the released address is gone.
            let counted = try await lab.bngNamespace.check(["nft", "list", "set", "inet", table, "sub_up"]).standardOutput
            #expect(!counted.contains("\(released)"), "\(counted)")
            let classes = try await lab.bngNamespace.check(["tc", "filter", "show", "dev", "agg0"]).standardOutput
            #expect(!classes.contains(Hex.encode(released.bytes)), "a u32 filter of \(released) is left: \(classes)")
            // The released host asks again and gets a new session.
            _ = try await lab.dhclient(0)
            let again = try await lab.waitForAuthorizedSession(at: try await lab.address(of: 0))
            #expect(again["session_id"] as? String != ids[0])
        }
    }
}

/// The parts of `iperf3 -J` the tests read.
