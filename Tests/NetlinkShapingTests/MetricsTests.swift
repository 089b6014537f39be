import AetherTestSupport
import Foundation
import LabKit
import MetricsTestKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

@Suite("swift-metrics of the netlink socket, the shaper and the firewall")
struct MetricsTests {
    static func counter(_ metrics: TestMetrics, _ label: String, _ dimensions: [(String, String)]) -> Int64? {
        try? metrics.expectCounter(label, dimensions).totalValue
    }

    @Test func socketCountsRequestsRefusalsByErrnoBatchesAndDumps() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "metrics")
            let metrics = TestMetrics()
            let root = TCHandle(major: 1, minor: 0)
            let (duplicate, missing) = try await namespace.perform { () -> (NetlinkShapingError?, NetlinkShapingError?) in
                let rt = try RoutingNetlink(metricsFactory: metrics)
                let index = try rt.link(named: "sub0").index                                   // batch 1
                try rt.add(HTBQdisc(handle: root, defaultClass: 0), interfaceIndex: index)      // batch 2
                try rt.socket.executeAll([0x10, 0x11].map {                                     // batch 3
                    HTBClass(classID: root.withMinor($0), parent: root, rate: 1_000_000).request(.create, interfaceIndex: index)
                })
                let duplicate = capture {                                                       // batch 4: EEXIST
                    try rt.add(HTBClass(classID: root.withMinor(0x10), parent: root, rate: 1_000_000), interfaceIndex: index)
                }
                let missing = capture { try rt.deleteClass(interfaceIndex: index, classID: root.withMinor(0x12)) }   // batch 5: ENOENT
                try rt.change(HTBClass(classID: root.withMinor(0x11), parent: root, rate: 2_000_000), interfaceIndex: index)  // batch 6
                #expect(try rt.classes(interfaceIndex: index).count == 2)                       // one dump
                return (duplicate, missing)
            }
            #expect(duplicate?.code == .objectExists)
            #expect(missing?.code == .objectNotFound)
            let route = ("family", "route")
            let requests = "aether_netlink_requests_total"
            #expect(Self.counter(metrics, requests, [route, ("operation", "get_link")]) == 1)
            #expect(Self.counter(metrics, requests, [route, ("operation", "add_qdisc")]) == 1)
            #expect(Self.counter(metrics, requests, [route, ("operation", "add_class")]) == 3)
            #expect(Self.counter(metrics, requests, [route, ("operation", "change_class")]) == 1)
            #expect(Self.counter(metrics, requests, [route, ("operation", "delete_class")]) == 1)
            #expect(Self.counter(metrics, requests, [route, ("operation", "get_class")]) == 1)
            #expect(metrics.counterTotal(label: requests) == 8)
            // Refusals by operation and reason; nothing else failed.
            #expect(Self.counter(metrics, "aether_netlink_failures_total", [route, ("operation", "add_class"), ("errno", "EEXIST")]) == 1)
            #expect(Self.counter(metrics, "aether_netlink_failures_total", [route, ("operation", "delete_class"), ("errno", "ENOENT")]) == 1)
            #expect(metrics.counterTotal(label: "aether_netlink_failures_total") == 2)
            #expect(metrics.counters(label: "aether_netlink_socket_errors_total").isEmpty)
            // Six batches, one dump of two classes; seven datagrams (the dump's request is one).
            #expect(try metrics.expectTimer("aether_netlink_batch_duration_seconds", [route]).values.count == 6)
            #expect(try metrics.expectTimer("aether_netlink_batch_duration_seconds", [route]).values.allSatisfy { $0 > 0 })
            #expect(try metrics.expectTimer("aether_netlink_dump_duration_seconds", [route, ("operation", "get_class")]).values.count == 1)
            #expect(Self.counter(metrics, "aether_netlink_dump_messages_total", [route, ("operation", "get_class")]) == 2)
            #expect(Self.counter(metrics, "aether_netlink_datagrams_sent_total", [route]) == 7)
        }
    }

    @Test func shaperReportsSubscribersRollbacksAndOrphans() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "shapemetrics")
            let metrics = TestMetrics()
            let configuration = ShaperTests.configuration(.sharded, classIDs: 3...4)
            let addresses = (1...5).map { IPv4Address(100, 64, UInt8($0), 9) }   // all in shard 109:
            let error = try await namespace.perform { () -> NetlinkShapingError? in
                let netlink = try RoutingNetlink(metricsFactory: metrics)
                let shaper = try Shaper(configuration: configuration, netlink: netlink, metricsFactory: metrics)
                try shaper.start()
                try shaper.apply(addresses.prefix(2).map { ($0, RateProfile.megabits(download: 5, upload: 5)) })
                // Counters come from one class dump per interface and shard in use: 2 here, not 2 × 257.
                let classDumps = try metrics.expectCounter("aether_netlink_requests_total", [("family", "route"), ("operation", "get_class")])
                let before = classDumps.totalValue
                #expect(try shaper.statistics().count == 2)
                #expect(classDumps.totalValue - before == 2)
                try shaper.remove(addresses[1])
                // Another class at the next id: the kernel refuses, the subscriber is rolled back.
                _ = try netlink.socket.execute(HTBClass(classID: TCHandle(major: 0x109, minor: 4), parent: TCHandle(major: 0x109, minor: 1),
                                                        rate: 8_000).request(.create, interfaceIndex: netlink.link(named: "sub0").index))
                return capture { try shaper.apply(.megabits(download: 5, upload: 5), to: addresses[2]) }
            }
            #expect(error?.code == .objectExists)
            let interface = ("interface", "sub0")
            let gauge = try metrics.expectGauge("aether_netlink_shaped_subscribers", [interface])
            #expect(gauge.lastValue == 1)
            #expect(Self.counter(metrics, "aether_netlink_shaper_rolled_back_subscribers_total", [interface]) == 1)
            #expect(Self.counter(metrics, "aether_netlink_failures_total", [("family", "route"), ("operation", "add_class"), ("errno", "EEXIST")]) == 1)
            #expect(Self.counter(metrics, "aether_netlink_shaper_removed_orphans_total", [interface]) == 0)

            // A restart removes the stray class as an orphan and adopts the one subscriber.
            let restarted = TestMetrics()
            let report = try await namespace.perform {
                try Shaper(configuration: configuration, netlink: RoutingNetlink(metricsFactory: restarted), metricsFactory: restarted).start()
            }
            #expect(report.removedOrphans == 1)
            #expect(Self.counter(restarted, "aether_netlink_shaper_removed_orphans_total", [interface]) == 1)
            #expect(try restarted.expectGauge("aether_netlink_shaped_subscribers", [interface]).lastValue == 1)
            #expect(Self.counter(restarted, "aether_netlink_requests_total", [("family", "route"), ("operation", "delete_class")]) == 1)
            #expect(Self.counter(restarted, "aether_netlink_requests_total", [("family", "route"), ("operation", "add_class")]) == 0)
        }
    }

    @Test func firewallTimesCounterReadsAndCountsRefusedBatches() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nftmetrics")
            let metrics = TestMetrics()
            let addresses = SubscriberFirewallTests.addresses(4)
            let firewall = try await namespace.perform {
                let firewall = try SubscriberFirewall(configuration: SubscriberFirewallTests.configuration, context: NFTContext(), metricsFactory: metrics)
                try firewall.start()
                try firewall.addBlocked(addresses)
                _ = try firewall.counters()
                _ = try firewall.counters()
                return firewall
            }
            let table = ("table", "aether_test")
            #expect(try metrics.expectTimer("aether_netlink_nft_counter_read_duration_seconds", [table]).values.count == 2)
            #expect(try metrics.expectGauge("aether_netlink_nft_counted_subscribers", [table]).lastValue == 4)
            // An element deleted behind the firewall's back: libnftables refuses the removal batch.
            try await namespace.check(["nft", "delete element inet aether_test sub_up { \(addresses[0]) }"])
            let refused = capture { try firewall.remove([addresses[0]]) }
            #expect(refused?.code == .nftablesCommandFailed)
            // A caller's mistake is not a refusal.
            let unknown = capture { try firewall.remove([IPv4Address(100, 64, 9, 9)]) }
            #expect(unknown?.code == .subscriberNotFound)
            try firewall.remove([addresses[1]])
            #expect(Self.counter(metrics, "aether_netlink_nft_command_failures_total", [table, ("operation", "remove")]) == 1)
            #expect(metrics.counterTotal(label: "aether_netlink_nft_command_failures_total") == 1)
            #expect(try metrics.expectGauge("aether_netlink_nft_counted_subscribers", [table]).lastValue == 3)
        }
    }
}
