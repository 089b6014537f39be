import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

@Suite("Sharded HTB layout: shard boundaries, layout conflicts, classification")
struct ShardedLayoutTests {
    @Test func shardMajorsMustNotOverlapTheRootQdisc() {
        let overlapping = capture {
            _ = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0"), qdiscMajor: 0x105),
                           netlink: RoutingNetlink())
        }
        #expect(overlapping?.code == .invalidArgument)
        #expect(overlapping?.message.contains("qdiscMajor 0x105 is one of the shard majors 0x100…0x2ff") == true)
        let tooHigh = capture {
            _ = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0"), firstShardMajor: 0xFF80),
                           netlink: RoutingNetlink())
        }
        #expect(tooHigh?.code == .invalidArgument)
        // The single-qdisc layout has no shards, so the same majors are fine there.
        #expect(capture {
            _ = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0"), qdiscMajor: 0x105,
                                                              layout: .singleQdisc), netlink: RoutingNetlink())
        } == nil)
    }

    @Test func shardsAvoidTheKernelQdiscHashBucketOfHandleZero() {
        let configuration = ShaperTests.configuration(.sharded)
        let majors = (0..<256).map { configuration.shardQdisc(UInt8($0)).major }
        #expect(Set(majors).count == 256)
        #expect(majors.allSatisfy { !ShaperConfiguration.sharesQdiscHashBucketWithHandleZero(UInt32($0)) })
        // hash_32(0x10b0000, 4) == 0: .11's shard moves up by 0x100; .10's stays where it reads best.
        #expect(ShaperConfiguration.sharesQdiscHashBucketWithHandleZero(0x10B))
        #expect(configuration.shardQdisc(11) == TCHandle(major: 0x20B, minor: 0))
        #expect(configuration.shardQdisc(10) == TCHandle(major: 0x10A, minor: 0))
        #expect(majors.filter { $0 >= 0x200 }.count == 17)
        #expect((0..<256).allSatisfy { configuration.shard(ofMajor: majors[$0]) == UInt8($0) })
        #expect(configuration.shard(ofMajor: 0x10B) == nil)
    }

    @Test func subscribersWithTheSameLastOctetShareOneShard() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "octet")
            // 600 addresses ending in .7: third octets 0…255 twice over and 0…87 once more, so
            // buckets 0…87 of shard 107:'s hash table hold three nodes and the others two.
            let sameOctet = (0..<600).map { IPv4Address(100, UInt8(64 + $0 / 256), UInt8($0 % 256), 7) }
            let neighbours = [IPv4Address(100, 64, 0, 6), IPv4Address(100, 64, 0, 8)]
            let (shaped, reused) = try await namespace.perform { () -> ([IPv4Address: ShapedSubscriber], ShapedSubscriber?) in
                let shaper = try Shaper(configuration: ShaperTests.configuration(.sharded), netlink: RoutingNetlink())
                try shaper.start()
                try shaper.apply((sameOctet + neighbours).map { ($0, RateProfile.megabits(download: 10, upload: 10)) })
                let shaped = shaper.subscribers
                // A freed minor and node are handed out again, in the same shard and bucket.
                try shaper.remove(IPv4Address(100, 65, 5, 7))
                try shaper.apply(.megabits(download: 20, upload: 20), to: IPv4Address(100, 67, 5, 7))
                return (shaped, shaper.subscribers[IPv4Address(100, 67, 5, 7)])
            }
            let inShard = sameOctet.compactMap { shaped[$0] }
            #expect(inShard.count == 600)
            #expect(Set(inShard.map(\.classID.major)) == [0x107])
            #expect(Set(inShard.map(\.classID.minor)) == Set(3...602))
            #expect(inShard.allSatisfy { $0.filter.bucket == UInt8(($0.address.value >> 8) & 0xFF) && $0.filter.table == 2 })
            let nodes = Dictionary(grouping: inShard, by: \.filter.bucket).mapValues { Set($0.map(\.filter.node)) }
            #expect(nodes[5] == [1, 2, 3])
            #expect(nodes[87] == [1, 2, 3])
            #expect(nodes[88] == [1, 2])
            #expect(shaped[neighbours[0]]?.classID == TCHandle(major: 0x106, minor: 3))
            #expect(shaped[neighbours[1]]?.classID == TCHandle(major: 0x108, minor: 3))
            let removed = try #require(shaped[IPv4Address(100, 65, 5, 7)])
            #expect(reused?.classID == removed.classID)
            #expect(reused?.filter == removed.filter)

            // What the kernel holds: 600 classes in 107:, one each in the neighbouring shards.
            for device in ["sub0", "ifbsub0"] {
                let classes = try await tcClasses(namespace, device)
                #expect(classes.keys.filter { $0.hasPrefix("107:") }.count == 2 + 600)
                #expect(classes.keys.filter { $0.hasPrefix("106:") }.count == 2 + 1)
                #expect(classes.keys.filter { $0.hasPrefix("109:") }.count == 2)
            }
            let filters = try await namespace.check(["tc", "filter", "show", "dev", "sub0", "parent", "107:"]).standardOutput
            #expect(tcFlowIDs(filters).count == 600)
            #expect(filters.contains("fh 2:57:3"))                          // bucket 87, third node
            #expect(filters.contains("match 64430507/ffffffff at 16"))      // 100.67.5.7
            #expect(!filters.contains("match 64410507/ffffffff"))           // 100.65.5.7 was removed
        }
    }

    @Test func aShardedTreeAndASingleQdiscAreNotMistakenForEachOther() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "switch")
            let address = IPv4Address(100, 64, 0, 9)
            for (layout, other) in [(ShaperLayout.singleQdisc, ShaperLayout.sharded), (.sharded, .singleQdisc)] {
                try await namespace.perform {
                    let shaper = try Shaper(configuration: ShaperTests.configuration(layout), netlink: RoutingNetlink())
                    try shaper.start()
                    try shaper.apply(.megabits(download: 10, upload: 10), to: address)
                }
                let before = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"], layout: .sharded)
                let error = try await namespace.perform {
                    capture { try Shaper(configuration: ShaperTests.configuration(other), netlink: RoutingNetlink()).start() }
                }
                #expect(error?.code == .adoptionConflict)
                let expected = layout == .singleQdisc ? "holds subscriber filter 2:9:1 in root qdisc 1:, the single-qdisc layout"
                    : "holds htb 100: under 1:100, the sharded layout"
                #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
                // Refusing changed nothing; the right layout adopts its subscriber untouched.
                let after = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"], layout: .sharded)
                #expect(after == before)
                let report = try await namespace.perform { () -> ShaperStartReport in
                    let shaper = try Shaper(configuration: ShaperTests.configuration(layout), netlink: RoutingNetlink())
                    let report = try shaper.start()
                    try shaper.tearDown()
                    return report
                }
                #expect(report.adoptedSubscribers == 1)
                #expect(report.kernelChanges == 0)
            }
        }
    }

    @Test func packetsReachTheirSubscribersClassThroughTwoLevelsOfHTB() async throws {
        try await withTestNetwork { network in
            let topology = try await BNGTopology.make(network, subscribers: 3)
            // 100.64.0.10 and 100.64.1.10 share shard 10a:; 100.64.0.11 has 10b:; .12 is not shaped.
            try await topology.bng.addAddress("100.64.1.1/24", to: "sub0")
            try await topology.host.addAddress("100.64.1.10/24", to: "h0")
            let shaped = [IPv4Address(100, 64, 0, 10), IPv4Address(100, 64, 1, 10), IPv4Address(100, 64, 0, 11)]
            let unshaped = IPv4Address(100, 64, 0, 12)
            let shaper = try await topology.bng.perform {
                let shaper = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0")),
                                        netlink: RoutingNetlink())
                try shaper.start()
                try shaper.apply(shaped.map { ($0, RateProfile.megabits(download: 10, upload: 10)) })
                return shaper
            }
            // Different counts per address, so a packet counted in a neighbour's class shows.
            for (offset, address) in (shaped + [unshaped]).enumerated() {
                try await topology.host.check(["ping", "-c", "\(offset + 2)", "-i", "0.05", "-s", "1000", "-I", "\(address)", "\(BNGTopology.serverAddress)"])
            }
            let statistics = try shaper.statistics()
            for (offset, address) in shaped.enumerated() {
                let counters = try #require(statistics[address])
                #expect(counters.download.packets == UInt64(offset + 2), "\(address) download: \(counters.download)")
                #expect(counters.upload.packets == UInt64(offset + 2), "\(address) upload: \(counters.upload)")
                #expect(counters.upload.bytes == counters.upload.packets * 1042)   // 1,000 + ICMP 8 + IP 20 + Ethernet 14
            }
            #expect(shaper.subscribers[shaped[0]]?.classID.major == shaper.subscribers[shaped[1]]?.classID.major)
            // The unshaped address's IPv4 traffic ends in its shard's default leaf, both ways.
            let defaults = try await topology.bng.perform { () -> (TrafficControlStatistics?, TrafficControlStatistics?) in
                let netlink = try RoutingNetlink()
                return (try netlink.classStatistics(interfaceIndex: netlink.link(named: "sub0").index)[TCHandle(major: 0x10C, minor: 2)],
                        try netlink.classStatistics(interfaceIndex: netlink.link(named: "ifb0").index)[TCHandle(major: 0x10C, minor: 2)])
            }
            #expect(defaults.0?.packets == 5)
            #expect(defaults.1?.packets == 5)
        }
    }
}
