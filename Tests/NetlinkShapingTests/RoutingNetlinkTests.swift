import AetherTestSupport
import CLinuxNet
import Glibc
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

@Suite("rtnetlink links, HTB, u32 and statistics in a namespace")
struct RoutingNetlinkTests {
    @Test func looksUpLinksAndCreatesAndDeletesAnIFB() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "links")
            let (sub0, ifb, after) = try await namespace.perform {
                let rt = try RoutingNetlink()
                let sub0 = try rt.link(named: "sub0")
                let ifb = try rt.createIFB(named: "ifbtest0")
                let names = try rt.links().map(\.name)
                try rt.deleteLink(index: ifb.index)
                return (sub0, ifb, names)
            }
            #expect(sub0.kind == "veth")
            #expect(sub0.isUp)
            #expect(ifb.kind == "ifb")
            #expect(ifb.isUp)
            #expect(after.contains("ifbtest0") && after.contains("lo"))
            let shown = try await namespace.run(["ip", "link", "show", "ifbtest0"])
            #expect(!shown.succeeded)
        }
    }

    @Test func missingInterfaceIsATypedError() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nolink")
            let error = try await namespace.perform {
                capture { _ = try RoutingNetlink().link(named: "nosuch0") }
            }
            #expect(error?.code == .interfaceNotFound)
            #expect(error?.errno == ENODEV)
            #expect(error?.message.contains("look up interface \"nosuch0\": No such device") == true)
        }
    }

    @Test func buildsHTBClassesAndHashedU32FiltersThatTcReports() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "htb")
            let root = TCHandle(major: 1, minor: 0)
            let subscribers = (1...40).map { IPv4Address(100, 64, UInt8($0 / 8), UInt8($0)) }
            try await namespace.perform {
                let rt = try RoutingNetlink()
                let index = try rt.link(named: "sub0").index
                try rt.add(HTBQdisc(handle: root, defaultClass: 2), interfaceIndex: index)
                try rt.add(HTBClass(classID: root.withMinor(1), parent: root, rate: 10_000_000_000), interfaceIndex: index)
                try rt.add(HTBClass(classID: root.withMinor(2), parent: root.withMinor(1), rate: 1_000_000_000), interfaceIndex: index)
                try rt.add(U32Filter(parent: root, priority: 10, handle: U32Handle(table: 2), action: .hashTable(divisor: 256)), interfaceIndex: index)
                try rt.add(U32Filter(parent: root, priority: 10, handle: U32Handle(table: 0x800, node: 1),
                                     action: .hashByLastOctet(of: .destination, table: U32Handle(table: 2))), interfaceIndex: index)
                var requests: [NetlinkRequest] = []
                for (offset, address) in subscribers.enumerated() {
                    let classID = root.withMinor(UInt16(0x10 + offset))
                    requests.append(HTBClass(classID: classID, parent: root.withMinor(1), rate: 5_000_000_000 + UInt64(offset) * 1_000_000,
                                             ceil: 50_000_000_000, priority: 3).request(.create, interfaceIndex: index))
                    let handle = U32Handle(table: 2, bucket: UInt8(address.value & 0xFF), node: 1)
                    requests.append(U32Filter(parent: root, priority: 10, handle: handle,
                                              action: .classify(address: address, field: .destination, classID: classID))
                        .createRequest(interfaceIndex: index))
                }
                try rt.socket.executeAll(requests)   // 80 requests in one sendmsg
            }
            let classes = try await tcClasses(namespace, "sub0")
            #expect(classes.count == 42)
            let first = try #require(classes["1:10"])
            #expect(first.contains("parent 1:1 prio 3"))
            // 64-bit rates: 5 Gbit/s is above 2^32 bytes per second only for ceil (50 Gbit/s = 6.25 GB/s).
            let text = try await namespace.check(["tc", "class", "show", "dev", "sub0", "classid", "1:10"]).standardOutput
            #expect(text.contains("rate 5Gbit ceil 50Gbit"))
            let filters = try await namespace.check(["tc", "filter", "show", "dev", "sub0"]).standardOutput
            #expect(filters.contains("ht divisor 256"))
            #expect(filters.contains("link 2:"))
            #expect(filters.contains("flowid 1:37"))
            #expect(filters.contains("match 64400528/ffffffff at 16"))   // 100.64.5.40 → class 1:37

            // The filters read back through our own dump parser.
            let parsed = try await namespace.perform { () -> [U32Filter] in
                let rt = try RoutingNetlink()
                return try rt.filters(interfaceIndex: rt.link(named: "sub0").index, parent: root).compactMap(U32Filter.init)
            }
            let classify = parsed.filter { if case .classify = $0.action { true } else { false } }
            #expect(classify.count == 40)
            #expect(classify.contains(U32Filter(parent: root, priority: 10, handle: U32Handle(table: 2, bucket: 40, node: 1),
                                                action: .classify(address: subscribers[39], field: .destination, classID: root.withMinor(0x37)))))
        }
    }

    @Test func duplicateClassAndBadParentCarryKernelErrors() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "dup")
            let root = TCHandle(major: 1, minor: 0)
            let (duplicate, orphan, missing) = try await namespace.perform {
                let rt = try RoutingNetlink()
                let index = try rt.link(named: "sub0").index
                try rt.add(HTBQdisc(handle: root, defaultClass: 0), interfaceIndex: index)
                let htbClass = HTBClass(classID: root.withMinor(0x10), parent: root, rate: 1_000_000)
                try rt.add(htbClass, interfaceIndex: index)
                let duplicate = capture { try rt.add(htbClass, interfaceIndex: index) }
                let orphan = capture { try rt.deleteClass(interfaceIndex: index, classID: root.withMinor(0x11)) }
                let missing = capture { try rt.change(HTBClass(classID: root.withMinor(0x12), parent: root, rate: 1_000_000), interfaceIndex: index) }
                return (duplicate, orphan, missing)
            }
            #expect(duplicate?.code == .objectExists)
            #expect(duplicate?.errno == EEXIST)
            #expect(duplicate?.message.contains("add HTB class 1:10") == true)
            #expect(orphan?.code == .objectNotFound)
            #expect(orphan?.message.contains("delete class 1:11") == true)
            #expect(missing?.code == .objectNotFound)
            // A request the kernel refuses with extended-ACK text: a second root qdisc.
            let exists = try await namespace.perform {
                let rt = try RoutingNetlink()
                return capture { try rt.add(HTBQdisc(handle: TCHandle(major: 2, minor: 0), defaultClass: 0), interfaceIndex: rt.link(named: "sub0").index) }
            }
            #expect(exists?.code == .objectExists)
            #expect(exists?.message.contains("NLM_F_REPLACE needed to override") == true)
        }
    }

    @Test func socketAndRequestMisuseAreTypedErrors() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "misuse")
            let root = TCHandle(major: 1, minor: 0)
            let (badProtocol, batchedDump, rejected) = try await namespace.perform {
                let badProtocol = capture { _ = try NetlinkSocket(protocol: 31) }   // no such netlink family
                let rt = try RoutingNetlink()
                let index = try rt.link(named: "sub0").index
                let dump = TrafficControlRequests.dump(Int32(RTM_GETTCLASS), interfaceIndex: index, summary: "list classes")
                let batchedDump = capture { _ = try rt.socket.perform([dump]) }
                try rt.add(HTBQdisc(handle: root, defaultClass: 0), interfaceIndex: index)
                // A node in hash table 7:, which does not exist: the kernel answers EINVAL.
                let rejected = capture {
                    try rt.add(U32Filter(parent: root, priority: 10, handle: U32Handle(table: 7, bucket: 1, node: 1),
                                         action: .classify(address: IPv4Address(10, 0, 0, 1), field: .destination, classID: root.withMinor(3))),
                               interfaceIndex: index)
                }
                return (badProtocol, batchedDump, rejected)
            }
            #expect(badProtocol?.code == .netlinkSocketFailed)
            #expect(badProtocol?.errno == EPROTONOSUPPORT)
            #expect(badProtocol?.message.contains("socket(AF_NETLINK, 31)") == true)
            #expect(batchedDump?.code == .invalidArgument)
            #expect(batchedDump?.message == "list classes: dumps cannot be batched; use dump(_:)")
            #expect(rejected?.code == .kernelRejected)
            #expect(rejected?.errno == EINVAL)
            #expect(rejected?.message.contains("add u32 filter 7:1:1 prio 10") == true)
        }
    }

    @Test func classStatisticsCountTrafficThroughAClass() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "stats")
            try await namespace.ip("addr", "add", "10.9.0.1/24", "dev", "sub0")
            let peer = try await network.namespace("statspeer")
            try await namespace.ip("link", "set", "sub1", "netns", peer.name)
            try await peer.ip("addr", "add", "10.9.0.2/24", "dev", "sub1")
            try await peer.ip("link", "set", "sub1", "up")
            let root = TCHandle(major: 1, minor: 0)
            try await namespace.perform {
                let rt = try RoutingNetlink()
                let index = try rt.link(named: "sub0").index
                try rt.add(HTBQdisc(handle: root, defaultClass: 0x20), interfaceIndex: index)
                try rt.add(HTBClass(classID: root.withMinor(0x20), parent: root, rate: 100_000_000), interfaceIndex: index)
            }
            try await namespace.check(["ping", "-c", "5", "-i", "0.05", "-s", "1000", "10.9.0.2"])
            let statistics = try await namespace.perform {
                let rt = try RoutingNetlink()
                return try rt.classStatistics(interfaceIndex: rt.link(named: "sub0").index)
            }
            let counters = try #require(statistics[root.withMinor(0x20)])
            #expect(counters.packets >= 5)
            #expect(counters.bytes >= 5 * 1028)
            // An ARP or IPv6 neighbour packet may pass between two reads: bracket tc's view with ours.
            let shown = try await namespace.check(["tc", "-s", "class", "show", "dev", "sub0"]).standardOutput
            let after = try #require(try await namespace.perform {
                let rt = try RoutingNetlink()
                return try rt.classStatistics(interfaceIndex: rt.link(named: "sub0").index)
            }[root.withMinor(0x20)])
            let sent = shown.split(separator: "\n").first { $0.contains("Sent ") }?.split(separator: " ")
            let tcBytes = sent.flatMap { $0.count > 1 ? UInt64($0[1]) : nil }
            let tcPackets = sent.flatMap { $0.count > 3 ? UInt64($0[3]) : nil }
            #expect(tcBytes.map { UInt64(counters.bytes) <= $0 && $0 <= UInt64(after.bytes) } == true, "tc: \(shown)")
            #expect(tcPackets.map { UInt64(counters.packets) <= $0 && $0 <= UInt64(after.packets) } == true, "tc: \(shown)")
        }
    }
}
