import AetherTestSupport
import Foundation
import LabKit
import MetricsTestKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

/// The qdiscs that hold `layout`'s filters, as tc names them (`1:`, then the 256 shards `100:` …).
func tcQdiscNames(_ layout: ShaperLayout) -> [String] {
    let configuration = ShaperTests.configuration(layout)
    let shards = layout == .sharded ? (0..<ShaperConfiguration.shardCount).map { configuration.shardQdisc(UInt8($0)).description } : []
    return ["1:"] + shards
}

/// Runs tc commands (without the leading `tc`) in one `tc -force -batch` process and returns what
/// they printed; a failing command (a qdisc that is not there) prints nothing.
func tcBatch(_ namespace: NetworkNamespace, _ commands: [String]) async throws -> String {
    try await namespace.run(["sh", "-c", "tc -force -batch - <<'EOF'\n" + commands.joined(separator: "\n") + "\nEOF"]).standardOutput
}

/// Everything tc reports about the interfaces a shaper uses — qdiscs, classes, the filters of
/// every qdisc `layout` programs, ingress filters — to compare kernel state.
func tcSnapshot(_ namespace: NetworkNamespace, devices: [String], layout: ShaperLayout) async throws -> String {
    var text = ""
    for device in devices {
        text += try await tcBatch(namespace, ["qdisc show dev \(device)", "class show dev \(device)", "filter show dev \(device) ingress"]
            + tcQdiscNames(layout).map { "filter show dev \(device) parent \($0)" })
    }
    return text
}

/// The `flowid` targets of every u32 filter line in tc output.
func tcFlowIDs(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line in
        guard let range = line.range(of: "flowid ") else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }
}

@Suite("Shaper: apply, change, remove, limits and re-adoption")
struct ShaperTests {
    static func configuration(_ layout: ShaperLayout, classIDs: ClosedRange<UInt16> = 3...0xFFFF) -> ShaperConfiguration {
        ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifbsub0"), classIDs: classIDs, layout: layout)
    }

    /// Classes `start()` creates per interface: root and default, and per shard its class under
    /// `1:1`, its qdisc's root class and its default leaf.
    static func infrastructureClassCount(_ layout: ShaperLayout) -> Int {
        layout == .sharded ? 2 + 3 * ShaperConfiguration.shardCount : 2
    }

    /// Whether a tc class id (`10a:3`) is a subscriber's rather than part of the layout.
    static func isSubscriberClass(_ id: String) -> Bool {
        let parts = id.split(separator: ":").compactMap { UInt16($0, radix: 16) }
        guard parts.count == 2 else { return false }
        return parts[1] > 2 && !(parts[0] == 1 && configuration(.sharded).shard(ofMajor: parts[1]) != nil)
    }

    /// 100.64.0.4, .5, … (fourth octets 2…251, then the next third octet).
    static func addresses(_ count: Int) -> [IPv4Address] {
        (0..<count).map { index -> IPv4Address in
            let third = UInt8((index + 2) / 250)
            let fourth = UInt8((index + 2) % 250 + 2)
            return IPv4Address(100, 64, third, fourth)
        }
    }

    /// The class id the n-th subscriber of `addresses(_:)` gets when they are applied in order: the
    /// next minor of the one qdisc, or minor 3 of its own shard (fewer than 248 have distinct octets).
    static func classID(_ layout: ShaperLayout, index: Int, address: IPv4Address) -> String {
        switch layout {
        case .singleQdisc: "1:" + String(3 + index, radix: 16)
        case .sharded: configuration(.sharded).shardQdisc(UInt8(address.value & 0xFF)).withMinor(3).description
        }
    }

    @Test(arguments: [ShaperLayout.sharded, .singleQdisc])
    func appliesChangesRemovesAndLeavesNothingBehind(layout: ShaperLayout) async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "shape")
            let configuration = Self.configuration(layout)
            let subscribers = Self.addresses(20)
            let report = try await namespace.perform {
                try Shaper(configuration: configuration, netlink: RoutingNetlink()).start()
            }
            #expect(report.createdInfrastructure)
            #expect(report.adoptedSubscribers == 0)
            let empty = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"], layout: layout)
            let again = try await namespace.perform { () -> ShaperStartReport in
                let shaper = try Shaper(configuration: configuration, netlink: RoutingNetlink())
                let again = try shaper.start()
                try shaper.apply(subscribers.map { ($0, RateProfile.megabits(download: 10, upload: 5)) })
                try shaper.change(subscribers[3], to: .megabits(download: 50, upload: 20))
                try shaper.remove(subscribers[19])
                return again
            }
            #expect(again.kernelChanges == 0)
            let expected = (0..<19).map { Self.classID(layout, index: $0, address: subscribers[$0]) }
            let parent = { (index: Int) in layout == .sharded ? Self.classID(layout, index: index, address: subscribers[index]).replacingOccurrences(of: ":3", with: ":1") : "1:1" }
            for device in ["sub0", "ifbsub0"] {
                let classes = try await tcClasses(namespace, device)
                #expect(classes.count == Self.infrastructureClassCount(layout) + 19)
                #expect(classes.keys.filter(Self.isSubscriberClass).sorted() == expected.sorted())
                #expect(classes["1:1"]?.contains("rate 10Gbit") == true)
                #expect(classes["1:2"]?.contains("parent 1:1 prio 7") == true)
                if layout == .sharded {
                    #expect(classes["1:107"]?.contains("parent 1:1 leaf 107:") == true)
                    #expect(classes["107:2"]?.contains("parent 107:1 prio 7") == true)
                }
            }
            let down = try await tcClasses(namespace, "sub0")
            let up = try await tcClasses(namespace, "ifbsub0")
            // The changed subscriber kept its id.
            #expect(down[expected[3]]?.contains("parent \(parent(3)) prio 0 rate 50Mbit ceil 50Mbit") == true)
            #expect(up[expected[3]]?.contains("rate 20Mbit ceil 20Mbit") == true)
            #expect(down[expected[0]]?.contains("rate 10Mbit") == true)
            #expect(up[expected[0]]?.contains("rate 5Mbit") == true)
            #expect(down[Self.classID(layout, index: 19, address: subscribers[19])] == nil)
            let qdiscs = layout == .sharded ? Array(tcQdiscNames(layout).dropFirst()) : ["1:"]
            let downFilters = try await tcBatch(namespace, qdiscs.map { "filter show dev sub0 parent \($0)" })
            let upFilters = try await tcBatch(namespace, qdiscs.map { "filter show dev ifbsub0 parent \($0)" })
            #expect(tcFlowIDs(downFilters).sorted() == expected.sorted())
            #expect(tcFlowIDs(upFilters).sorted() == expected.sorted())
            #expect(downFilters.contains("match 64400007/ffffffff at 16"))
            #expect(upFilters.contains("match 64400007/ffffffff at 12"))
            if layout == .sharded {
                let root = try await namespace.check(["tc", "filter", "show", "dev", "sub0"]).standardOutput
                #expect(tcFlowIDs(root).count == 256)   // one steering node per shard
                #expect(root.contains("flowid 1:107"))
            }
            let ingress = try await namespace.check(["tc", "filter", "show", "dev", "sub0", "ingress"]).standardOutput
            #expect(ingress.contains("Egress Redirect to device ifbsub0"))

            // Remove the rest: exactly the layout is left, as start() made it. Then tear down.
            try await namespace.perform {
                let shaper = try Shaper(configuration: configuration, netlink: RoutingNetlink())
                let adopted = try shaper.start()
                #expect(adopted.adoptedSubscribers == 19)
                #expect(adopted.kernelChanges == 0)
                try shaper.remove(Array(subscribers.prefix(19)))
                #expect(shaper.subscribers.isEmpty)
            }
            let drained = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"], layout: layout)
            #expect(drained == empty)
            try await namespace.perform {
                let shaper = try Shaper(configuration: configuration, netlink: RoutingNetlink())
                try shaper.start()
                try shaper.tearDown()
            }
            let remaining = try await tcClasses(namespace, "sub0")
            #expect(remaining.isEmpty)
            let leftQdiscs = try await namespace.check(["tc", "qdisc", "show", "dev", "sub0"]).standardOutput
            #expect(!leftQdiscs.contains("htb") && !leftQdiscs.contains("ingress"))
            let ifb = try await namespace.run(["ip", "link", "show", "ifbsub0"])
            #expect(!ifb.succeeded)
        }
    }

    /// What adoption compares: a class read back (bursts rounded through psched ticks, defaults
    /// spelled out) shapes like the profile that made it; any real difference does not.
    @Test func aProfileReadBackFromItsClassShapesLikeItAndOnlyLikeIt() {
        var generator = SeededGenerator(seed: 8)
        for _ in 0..<2000 {
            let rate = UInt64.random(in: 64_000...10_000_000_000, using: &generator)
            let requested = DirectionRate(rate: rate, ceil: Bool.random(using: &generator) ? rate * 2 : nil,
                                          burst: Bool.random(using: &generator) ? UInt32.random(in: 1600...2_000_000, using: &generator) : nil,
                                          priority: UInt32.random(in: 0...7, using: &generator))
            let made = requested.htbClass(TCHandle(major: 1, minor: 10), parent: TCHandle(major: 1, minor: 1))
            var readBack = made
            readBack.burst = HTBClass.bytes(ticks: HTBClass.ticks(bytes: made.burst, rate: made.rate), rate: made.rate)
            readBack.cburst = HTBClass.bytes(ticks: HTBClass.ticks(bytes: made.cburst, rate: made.ceil), rate: made.ceil)
            let adopted = DirectionRate(readBack)
            #expect(adopted.shapesLike(requested), "\(adopted) vs \(requested)")
            var faster = requested
            faster.rate += 8_000
            #expect(!adopted.shapesLike(faster))
            var other = requested
            other.priority = (other.priority + 1) % 8
            #expect(!adopted.shapesLike(other))
        }
    }

    @Test(arguments: [ShaperLayout.sharded, .singleQdisc])
    func restartReadoptsEverythingWithoutTouchingTheKernel(layout: ShaperLayout) async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "adopt")
            let configuration = Self.configuration(layout)
            // 2,000 subscribers (about 8 per shard): 8,000 requests, about 800 KB, so several sendmsg batches.
            let subscribers = Self.addresses(2_000)
            let profiles = subscribers.enumerated().map { ($0.element, RateProfile.megabits(download: UInt64(10 + $0.offset % 5), upload: 5)) }
            let metrics = TestMetrics()
            let before = try await namespace.perform { () -> [IPv4Address: ShapedSubscriber] in
                let shaper = try Shaper(configuration: configuration, netlink: RoutingNetlink(metricsFactory: metrics))
                try shaper.start()
                let datagrams = try metrics.expectCounter("aether_netlink_datagrams_sent_total", [("family", "route")])
                let sent = datagrams.totalValue
                try shaper.apply(profiles)
                // 8,000 requests of ~100 bytes split at 128 KiB per sendmsg.
                #expect(datagrams.totalValue - sent >= 6)
                return shaper.subscribers
            }
            let snapshot = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"], layout: layout)
            let (report, after) = try await namespace.perform { () -> (ShaperStartReport, [IPv4Address: ShapedSubscriber]) in
                let shaper = try Shaper(configuration: configuration, netlink: RoutingNetlink())
                return (try shaper.start(), shaper.subscribers)
            }
            #expect(report.kernelChanges == 0)
            #expect(report.createdInfrastructure == false)
            #expect(report.removedOrphans == 0)
            #expect(report.adoptedSubscribers == 2_000)
            let again = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"], layout: layout)
            #expect(again == snapshot)
            #expect(Set(after.keys) == Set(before.keys))
            for (address, subscriber) in before {
                let adopted = try #require(after[address])
                #expect(adopted.classID == subscriber.classID)
                #expect(adopted.filter == subscriber.filter)
                #expect(adopted.profile.download.rate == subscriber.profile.download.rate)
                #expect(adopted.profile.upload.rate == subscriber.profile.upload.rate)
                // Read back, the profile spells out ceil and bursts; it still shapes like the one applied.
                #expect(adopted.profile.shapesLike(subscriber.profile), "\(adopted.profile) vs \(subscriber.profile)")
            }
            if layout == .sharded {
                #expect(Set(after.values.map(\.classID.major)).count == 250)   // fourth octets 2…251
            }
        }
    }

    @Test(arguments: [ShaperLayout.sharded, .singleQdisc])
    func orphansOfACrashAreRemovedOnStart(layout: ShaperLayout) async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "orphan")
            let configuration = Self.configuration(layout)
            let address = IPv4Address(100, 64, 0, 7)
            try await namespace.perform {
                let shaper = try Shaper(configuration: configuration, netlink: RoutingNetlink())
                try shaper.start()
                try shaper.apply(.megabits(download: 10, upload: 10), to: address)
            }
            // A crash between requests: the upload filter never made it, and stray classes exist.
            switch layout {
            case .singleQdisc:
                try await namespace.check(["tc", "filter", "del", "dev", "ifbsub0", "parent", "1:", "prio", "10", "handle", "2:7:1", "u32"])
                try await namespace.check(["tc", "class", "add", "dev", "sub0", "parent", "1:1", "classid", "1:99", "htb", "rate", "1mbit"])
            case .sharded:
                try await namespace.check(["tc", "filter", "del", "dev", "ifbsub0", "parent", "107:", "prio", "10", "handle", "2:0:1", "u32"])
                try await namespace.check(["tc", "class", "add", "dev", "sub0", "parent", "107:1", "classid", "107:99", "htb", "rate", "1mbit"])
                try await namespace.check(["tc", "class", "add", "dev", "sub0", "parent", "1:1", "classid", "1:99", "htb", "rate", "1mbit"])
            }
            let report = try await namespace.perform {
                try Shaper(configuration: configuration, netlink: RoutingNetlink()).start()
            }
            #expect(report.adoptedSubscribers == 0)
            // The download filter, the strays, and both halves of the subscriber's class.
            #expect(report.removedOrphans == (layout == .sharded ? 5 : 4))
            for device in ["sub0", "ifbsub0"] {
                let classes = try await tcClasses(namespace, device)
                #expect(classes.count == Self.infrastructureClassCount(layout))
                #expect(classes.keys.filter(Self.isSubscriberClass).isEmpty)
            }
        }
    }

    @Test(arguments: [ShaperLayout.sharded, .singleQdisc])
    func errorPathsHaveTypedCodesAndNothingLeaks(layout: ShaperLayout) async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "errors")
            let limited = Self.configuration(layout, classIDs: 3...5)
            // Four subscribers that land in the same qdisc: the limit is per qdisc (per shard).
            let sameQdisc = (1...5).map { layout == .sharded ? IPv4Address(100, 64, UInt8($0), 1) : IPv4Address(100, 64, 1, UInt8($0)) }
            let qdisc = layout == .sharded ? TCHandle(major: 0x101, minor: 0) : TCHandle(major: 1, minor: 0)
            let errors = try await namespace.perform { () -> [String: NetlinkShapingError?] in
                let netlink = try RoutingNetlink()
                var errors: [String: NetlinkShapingError?] = [:]
                errors["missing"] = capture {
                    try Shaper(configuration: ShaperConfiguration(subscriberInterface: "nosuch0", upload: .ifb(name: "ifbx"), layout: layout),
                               netlink: netlink).start()
                }
                errors["notStarted"] = capture {
                    try Shaper(configuration: limited, netlink: netlink).apply(.megabits(download: 1, upload: 1), to: IPv4Address(10, 0, 0, 1))
                }
                errors["badConfig"] = capture {
                    _ = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .interface(name: "sub0"), layout: layout),
                                   netlink: netlink)
                }
                let shaper = try Shaper(configuration: limited, netlink: netlink)
                try shaper.start()
                let profile = RateProfile.megabits(download: 10, upload: 10)
                try shaper.apply(sameQdisc.prefix(3).map { ($0, profile) })
                errors["duplicate"] = capture { try shaper.apply(profile, to: sameQdisc[1]) }
                errors["limit"] = capture { try shaper.apply(profile, to: sameQdisc[3]) }
                errors["zeroRate"] = capture { try shaper.change(sameQdisc[0], to: .megabits(download: 0, upload: 1)) }
                errors["unknownChange"] = capture { try shaper.change(IPv4Address(100, 64, 9, 9), to: profile) }
                errors["unknownRemove"] = capture { try shaper.remove(IPv4Address(100, 64, 9, 9)) }
                // A class the kernel already has at the next id: the whole subscriber is rolled back.
                try shaper.remove(sameQdisc[2])
                _ = try netlink.socket.execute(HTBClass(classID: qdisc.withMinor(5), parent: qdisc.withMinor(1), rate: 8_000)
                    .request(.create, interfaceIndex: netlink.link(named: "ifbsub0").index))
                errors["kernelDuplicate"] = capture { try shaper.apply(profile, to: sameQdisc[4]) }
                #expect(shaper.subscribers.count == 2)
                return errors
            }
            #expect(errors["missing"]??.code == .interfaceNotFound)
            #expect(errors["missing"]??.message.contains("\"nosuch0\"") == true)
            #expect(errors["notStarted"]??.code == .invalidArgument)
            #expect(errors["notStarted"]??.message.contains("call start() first") == true)
            #expect(errors["badConfig"]??.code == .invalidArgument)
            #expect(errors["duplicate"]??.code == .subscriberExists)
            #expect(errors["duplicate"]??.message == "\(sameQdisc[1]) is already shaped; use change(_:to:) to alter its rates")
            #expect(errors["limit"]??.code == .classLimitReached)
            #expect(errors["limit"]??.message.contains("no free class id for \(sameQdisc[3]) (qdisc \(qdisc)): all 3 minors 0x3…0x5 are in use") == true)
            #expect(errors["zeroRate"]??.code == .invalidArgument)
            #expect(errors["unknownChange"]??.code == .subscriberNotFound)
            #expect(errors["unknownRemove"]??.code == .subscriberNotFound)
            #expect(errors["kernelDuplicate"]??.code == .objectExists)
            #expect(errors["kernelDuplicate"]??.message.contains("1 of 1 subscribers not shaped (rolled back)") == true)
            // The rolled-back subscriber left nothing on the download side.
            let down = try await tcClasses(namespace, "sub0")
            #expect(down[qdisc.withMinor(5).description] == nil)
            let filters = try await namespace.check(["tc", "filter", "show", "dev", "sub0", "parent", qdisc.description]).standardOutput
            #expect(!filters.contains(String(format: "%08x", sameQdisc[4].value)))
            #expect(filters.contains(String(format: "%08x", sameQdisc[0].value)))
        }
    }

    @Test func foreignRootQdiscIsAnAdoptionConflict() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "foreign")
            try await namespace.check(["tc", "qdisc", "add", "dev", "sub0", "root", "handle", "5:", "tbf", "rate", "1mbit", "burst", "10k", "latency", "50ms"])
            let error = try await namespace.perform {
                capture { try Shaper(configuration: Self.configuration(.sharded), netlink: RoutingNetlink()).start() }
            }
            #expect(error?.code == .adoptionConflict)
            #expect(error?.message.contains("sub0 already has root qdisc tbf 5:") == true)
        }
    }
}
