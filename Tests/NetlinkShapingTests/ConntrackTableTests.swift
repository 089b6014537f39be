import AetherTestSupport
import CLinuxNet
import Foundation
import LabKit
import MetricsTestKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

@Suite("Conntrack flush over ctnetlink")
struct ConntrackTableTests {
    @Test func flushingASubscriberEndsItsEstablishedTCPFlow() async throws {
        try await withTestNetwork { network in
            let topology = try await BNGTopology.make(network, subscribers: 2)
            let subscriber = IPv4Address(100, 64, 0, 10)
            let bystander = IPv4Address(100, 64, 0, 11)
            // Flushed flows must not be picked up again mid-stream (see ConntrackTable).
            try await topology.bng.sysctl("net.netfilter.nf_conntrack_tcp_loose=0")
            let (firewall, conntrack) = try await topology.bng.perform {
                let firewall = try SubscriberFirewall(configuration: SubscriberFirewallTests.configuration, context: NFTContext())
                try firewall.start()
                try firewall.add(BNGTopology.bindings([subscriber, bystander]))
                return (firewall, try ConntrackTable())
            }
            _ = try network.spawn(["iperf3", "-s", "-p", "5201"], in: topology.server, log: "iperf3-server")
            _ = try network.spawn(["iperf3", "-s", "-p", "5202"], in: topology.server, log: "iperf3-server-2")
            try await Readiness.wait(for: "iperf3 servers") {
                let listening = try await topology.server.run(["ss", "-Hltn"]).standardOutput
                return listening.contains(":5201") && listening.contains(":5202")
            }
            _ = try network.spawn(["iperf3", "-c", "\(BNGTopology.serverAddress)", "-p", "5201", "-B", "\(subscriber)", "-t", "60", "-b", "2M"],
                                  in: topology.host, log: "iperf3-client")
            _ = try network.spawn(["iperf3", "-c", "\(BNGTopology.serverAddress)", "-p", "5202", "-B", "\(bystander)", "-t", "60", "-b", "2M"],
                                  in: topology.host, log: "iperf3-client-2")
            func flows(_ address: IPv4Address, port: UInt16) throws -> [ConntrackEntry] {
                try conntrack.entries(involving: address).filter { $0.original.protocolNumber == 6 && $0.original.destinationPort == port }
            }
            // Control and data connections of each iperf3 are tracked.
            try await Readiness.wait(for: "both iperf3 flows tracked") {
                try flows(subscriber, port: 5201).count >= 2 && flows(bystander, port: 5202).count >= 2
            }
            let deleted = try conntrack.flush(address: subscriber)
            #expect(deleted >= 2)
            // The flow is dead: its segments are invalid now, dropped, and the sender backs off.
            try await Readiness.wait(for: "the flushed flow's sender to back off", timeoutSeconds: 20) {
                let sockets = try await topology.host.run(["ss", "-tin", "dst", "\(BNGTopology.serverAddress):5201"]).standardOutput
                return sockets.contains("backoff:")
            }
            #expect(try flows(subscriber, port: 5201).isEmpty)
            #expect(try flows(bystander, port: 5202).count >= 2)   // another subscriber's flows are untouched
            let before = try firewall.counters()[bystander]?.bytesUp ?? 0
            try await Readiness.wait(for: "the bystander's flow to keep moving") {
                (try firewall.counters()[bystander]?.bytesUp ?? 0) > before
            }
            #expect(try conntrack.flush(address: IPv4Address(100, 64, 0, 99)) == 0)
        }
    }
}

/// Conntrack entries made up for a test, inserted through ctnetlink (`conntrack -I`): UDP, with
/// both tuples given, so NAT-shaped entries (a reply that is not the reversed original) are possible.
struct MadeUpFlow: Hashable, Sendable {
    var original: ConntrackEntry.Tuple
    var reply: ConntrackEntry.Tuple

    /// A flow without NAT: the reply is the original reversed.
    init(_ source: IPv4Address, _ sourcePort: UInt16, to destination: IPv4Address, _ destinationPort: UInt16) {
        original = ConntrackEntry.Tuple(source: source, destination: destination, protocolNumber: 17,
                                        sourcePort: sourcePort, destinationPort: destinationPort)
        reply = ConntrackEntry.Tuple(source: destination, destination: source, protocolNumber: 17,
                                     sourcePort: destinationPort, destinationPort: sourcePort)
    }

    /// A flow whose reply comes from (DNAT) or goes to (SNAT) another address than the original says.
    init(original: ConntrackEntry.Tuple, reply: ConntrackEntry.Tuple) {
        self.original = original
        self.reply = reply
    }

    /// `IPCTNL_MSG_CT_NEW` with `NLM_F_CREATE | NLM_F_EXCL`, both tuples and a 10-minute timeout.
    func insertRequest() -> NetlinkRequest {
        func tuple(_ type: UInt32, _ tuple: ConntrackEntry.Tuple, into writer: inout NetlinkAttributeWriter) {
            writer.nest(UInt16(type), flagged: true) { nested in
                nested.nest(UInt16(CTA_TUPLE_IP.rawValue), flagged: true) { ip in
                    ip.append(UInt16(CTA_IP_V4_SRC.rawValue), bigEndian: tuple.source.value)
                    ip.append(UInt16(CTA_IP_V4_DST.rawValue), bigEndian: tuple.destination.value)
                }
                nested.nest(UInt16(CTA_TUPLE_PROTO.rawValue), flagged: true) { proto in
                    proto.append(UInt16(CTA_PROTO_NUM.rawValue), bytes: [tuple.protocolNumber])
                    proto.append(UInt16(CTA_PROTO_SRC_PORT.rawValue), bigEndian: tuple.sourcePort)
                    proto.append(UInt16(CTA_PROTO_DST_PORT.rawValue), bigEndian: tuple.destinationPort)
                }
            }
        }
        var writer = ConntrackTable.header()
        tuple(CTA_TUPLE_ORIG.rawValue, original, into: &writer)
        tuple(CTA_TUPLE_REPLY.rawValue, reply, into: &writer)
        writer.append(UInt16(CTA_TIMEOUT.rawValue), bigEndian: UInt32(600))
        return NetlinkRequest(type: ConntrackTable.messageType(Int(IPCTNL_MSG_CT_NEW.rawValue)), flags: UInt16(NLM_F_CREATE | NLM_F_EXCL),
                              payload: writer.bytes, summary: "insert conntrack entry \(original)")
    }
}

@Suite("Conntrack: kernel-side filtered dumps")
struct ConntrackFilterTests {
    static let subscriber = IPv4Address(100, 64, 0, 10)
    static let server = IPv4Address(198, 51, 100, 2)

    /// 2,000 flows between other addresses (neighbours of the subscriber's address among them)
    /// and 13 that involve the subscriber: 6 it opened, 4 opened towards it, 2 DNATed to it (it
    /// is only the reply's source) and 1 SNATed to it (only the reply's destination).
    static func flows() -> (unrelated: [MadeUpFlow], involving: [MadeUpFlow]) {
        var unrelated = (0..<1_960).map { (index: Int) -> MadeUpFlow in
            let client = IPv4Address(10, 1, UInt8(index / 250), UInt8(index % 250 + 1))
            let resolver = IPv4Address(10, 2, 0, UInt8(index % 200 + 1))
            return MadeUpFlow(client, UInt16(20_000 + index), to: resolver, 53)
        }
        unrelated += (0..<40).map { index in
            let neighbour = [IPv4Address(100, 64, 0, 11), IPv4Address(100, 64, 1, 10), IPv4Address(100, 64, 0, 100), IPv4Address(100, 65, 0, 10)][index % 4]
            return MadeUpFlow(neighbour, UInt16(30_000 + index), to: server, 443)
        }
        var involving = (0..<6).map { MadeUpFlow(subscriber, UInt16(40_000 + $0), to: server, 443) }
        involving += (0..<4).map { MadeUpFlow(server, UInt16(50_000 + $0), to: subscriber, 8080) }
        let outside = IPv4Address(203, 0, 113, 9)
        involving += (0..<2).map {
            MadeUpFlow(original: .init(source: outside, destination: IPv4Address(198, 51, 100, 50), protocolNumber: 17,
                                       sourcePort: UInt16(60_000 + $0), destinationPort: 8080),
                       reply: .init(source: subscriber, destination: outside, protocolNumber: 17, sourcePort: 80, destinationPort: UInt16(60_000 + $0)))
        }
        involving.append(MadeUpFlow(original: .init(source: IPv4Address(10, 9, 9, 9), destination: server, protocolNumber: 17,
                                                    sourcePort: 61_000, destinationPort: 53),
                                    reply: .init(source: server, destination: subscriber, protocolNumber: 17, sourcePort: 53, destinationPort: 61_000)))
        return (unrelated, involving)
    }

    @Test func flushingOneAddressDumpsOnlyItsEntriesAndDeletesExactlyThose() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("ctfilter")
            let (unrelated, involving) = Self.flows()
            let metrics = TestMetrics()
            let conntrack = try await namespace.perform { try ConntrackTable(metricsFactory: metrics) }
            try conntrack.socket.executeAll((unrelated + involving).map { $0.insertRequest() })
            func key(_ entry: ConntrackEntry) -> MadeUpFlow { MadeUpFlow(original: entry.original, reply: entry.reply) }
            #expect(Set(try conntrack.entries().map(key)) == Set(unrelated + involving))

            let dumped = try metrics.expectCounter("aether_netlink_dump_messages_total", [("family", "netfilter"), ("operation", "get_conntrack")])
            let before = dumped.totalValue
            let found = try conntrack.entries(involving: Self.subscriber)
            #expect(Set(found.map(key)) == Set(involving))
            #expect(found.count == involving.count)   // an entry two dumps found is returned once
            // What crossed the socket: each dump's matches and nothing else — orig src 6, orig dst 4,
            // reply src 4 + 2 (DNAT), reply dst 6 + 1 (SNAT) — out of 2,013 entries.
            let perSelector = ConntrackDumpFilter.Selector.allCases.map { selector in
                involving.filter {
                    switch selector {
                    case .originalSource: $0.original.source == Self.subscriber
                    case .originalDestination: $0.original.destination == Self.subscriber
                    case .replySource: $0.reply.source == Self.subscriber
                    case .replyDestination: $0.reply.destination == Self.subscriber
                    }
                }.count
            }
            #expect(perSelector == [6, 4, 6, 7])
            #expect(dumped.totalValue - before == 23)

            let deleted = try conntrack.flush(address: Self.subscriber)
            #expect(deleted == 13)
            #expect(dumped.totalValue - before == 2 * 23)
            #expect(try metrics.expectCounter("aether_netlink_conntrack_flushed_entries_total").totalValue == 13)
            #expect(try metrics.expectCounter("aether_netlink_requests_total", [("family", "netfilter"), ("operation", "delete_conntrack")]).totalValue == 13)
            #expect(Set(try conntrack.entries().map(key)) == Set(unrelated))
            #expect(try conntrack.entries(involving: Self.subscriber).isEmpty)
            #expect(try conntrack.flush(address: Self.subscriber) == 0)
        }
    }
}
