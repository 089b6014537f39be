import EventSourcing
import Foundation
import NetlinkShaping
import NetworkTypes

/// Seeds built in code: inputs as the real peers produce them, so fuzzing starts deep inside
/// each parser instead of at its first length check.
enum FuzzSeeds {
    /// One envelope of every event type, as the BNG's codec writes them.
    @Sendable static func events() -> [[UInt8]] {
        let codec = EventCodec()
        let source = EventSource(bngID: "bng-01", instanceID: UUID(uuid: (1, 2, 3, 4, 5, 6, 0x47, 8, 0x89, 10, 11, 12, 13, 14, 15, 16)))
        let line = SessionLine(sessionID: UUID(uuid: (9, 8, 7, 6, 5, 4, 0x43, 2, 0x81, 0, 1, 2, 3, 4, 5, 6)),
                               nasIP: IPv4Address(198, 18, 0, 101), remoteID: "an-01", circuitID: "an-01/1",
                               macAddress: MACAddress(0x02, 0xae, 0, 0, 0, 1), ipAddress: IPv4Address(100, 64, 1, 10),
                               username: "bng-01/an-01/an-01/1")
        let at = EventTimestamp(microsecondsSinceEpoch: 1_764_000_000_123_456)
        let counters = SessionCounters(bytesUp: 5_000_000_000, bytesDown: 12_345, packetsUp: 7, packetsDown: 9)
        let payloads: [EventPayload] = [
            .sessionStart(SessionStartPayload(line: line, startedAt: at)),
            .policyApply(PolicyApplyPayload(line: line, authState: .authorized, downloadKbps: 50_000, uploadKbps: 10_000)),
            .sessionUpdate(SessionUpdatePayload(line: line, counters: counters)),
            .sessionStop(SessionStopPayload(line: line, counters: counters, terminateCause: "Lost-Carrier", endedAt: at)),
            .routerUpdate(RouterUpdatePayload(routerName: "an-01", isAlive: true, lastSeen: at)),
            .bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: 12.5, memoryUsedBytes: 1 << 30, memoryLimitBytes: 1 << 34)),
        ]
        return payloads.enumerated().compactMap { index, payload in
            try? codec.encode(EventEnvelope(source: source, seq: UInt64(index + 1), timestamp: at, payload: payload))
        }
    }

    /// XREADGROUP replies in ``FuzzReplyReader``'s byte language: one stream with one entry
    /// carrying the routing fields and a real event.
    @Sendable static func streamReplies() -> [[UInt8]] {
        func word(_ text: String) -> [UInt8] { [7, UInt8(FuzzReplyReader.words.firstIndex(of: text) ?? 0)] }
        func bulk(_ bytes: [UInt8]) -> [UInt8] { [1, UInt8(min(bytes.count, 63))] + bytes.prefix(63) }
        let event = events().first ?? []
        let fields = word("bng_id") + bulk(Array("bng-01".utf8)) + word("seq") + word("1") + word("event") + bulk(event)
        let entry = [3, 2] + word("1732200000123-7") + [3, 6] + fields
        // XINFO GROUPS: one group with two pending, one at the largest ID there is.
        func group(_ name: String, pending: UInt8, last: String) -> [UInt8] {
            [3, 6] + word("name") + bulk(Array(name.utf8)) + word("pending") + [2, 64 + pending] + word("last-delivered-id") + word(last)
        }
        let groups = [3, 2] + group("oss", pending: 2, last: "1732200000123-7") + group("b", pending: 0, last: "18446744073709551615-18446744073709551615")
        return [[3, 1, 3, 2] + word("stream") + [3, 1] + entry, [3, 1] + entry, [5], groups]
    }

    /// Answers as Kea 2.2's control agent and control socket give them.
    @Sendable static func keaAnswers() -> [[UInt8]] {
        // Option 82 sub-options: circuit-id "an-01/1", remote-id "an-01".
        let option82 = "0x0107616E2D30312F310205616E2D3031"
        func lease(_ relayInfo: String) -> String {
            """
            {"cltt": 1764000000, "hostname": "h-an-01-1", "hw-address": "02:ae:00:00:00:01", \
            "ip-address": "100.64.1.10", "state": 0, "subnet-id": 1, "valid-lft": 600, \
            "client-id": "01:02:ae:00:00:00:01", "user-context": {"ISC": {"relay-agent-info": \(relayInfo)}}}
            """
        }
        let kea22 = lease("\"\(option82)\"")
        let later = lease("{\"sub-options\": \"\(option82)\"}")
        return [
            "[{\"arguments\": {\"leases\": [\(kea22)]}, \"result\": 0, \"text\": \"1 IPv4 lease(s) found.\"}]",
            "{\"arguments\": {\"leases\": [\(later)], \"count\": 1}, \"result\": 0, \"text\": \"1 IPv4 lease(s) found.\"}",
            "[{\"result\": 3, \"text\": \"0 IPv4 lease(s) found.\"}]",
            "{\"arguments\": {\"pid\": 4242, \"uptime\": 17}, \"result\": 0}",
            "[{\"result\": 2, \"text\": \"'lease4-get-all' command not supported.\"}]",
        ].map { Array($0.utf8) }
    }

    /// tc messages as the kernel echoes them in dumps (same layout as our requests), framed with
    /// a netlink header, and an error/ACK message.
    @Sendable static func netlinkMessages() -> [[UInt8]] {
        func framed(_ type: UInt16, _ flags: UInt16, _ payload: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = []
            withUnsafeBytes(of: UInt32(16 + payload.count)) { bytes += $0 }
            withUnsafeBytes(of: type) { bytes += $0 }
            withUnsafeBytes(of: flags) { bytes += $0 }
            withUnsafeBytes(of: UInt32(7)) { bytes += $0 }
            withUnsafeBytes(of: UInt32(0)) { bytes += $0 }
            bytes += payload
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        let qdisc = HTBQdisc(handle: TCHandle(major: 1, minor: 0), defaultClass: 0xffff).createRequest(interfaceIndex: 3)
        let htbClass = HTBClass(classID: TCHandle(major: 1, minor: 0x10), parent: TCHandle(major: 1, minor: 1), rate: 6_250_000)
            .request(.create, interfaceIndex: 3)
        let filter = U32Filter(parent: TCHandle(major: 1, minor: 0), priority: 10, handle: U32Handle(table: 0x100, bucket: 10, node: 1),
                               action: .classify(address: IPv4Address(100, 64, 1, 10), field: .destination, classID: TCHandle(major: 1, minor: 0x10)))
            .createRequest(interfaceIndex: 3)
        let ack: [UInt8] = framed(2, 0x100, [0, 0, 0, 0] + framed(36, 5, []))
        let all = [qdisc, htbClass, filter].map { framed($0.type, $0.flags, $0.payload) }
        return all + [all.joined().map { $0 }, ack]
    }
}
