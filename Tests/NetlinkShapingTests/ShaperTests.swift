import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

/// Everything tc reports about the interfaces a shaper uses, to compare kernel state.
func tcSnapshot(_ namespace: NetworkNamespace, devices: [String]) async throws -> String {
    var text = ""
    for device in devices {
        for object in ["qdisc", "class", "filter"] {
            text += try await namespace.check(["tc", object, "show", "dev", device]).standardOutput
        }
        text += try await namespace.run(["tc", "filter", "show", "dev", device, "ingress"]).standardOutput
    }
    return text
}

let ifbConfiguration = ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifbsub0"))

@Suite("Shaper: apply, change, remove, limits and re-adoption")
struct ShaperTests {
    static func addresses(_ count: Int) -> [IPv4Address] {
        (0..<count).map { index -> IPv4Address in
            let third = UInt8((index + 2) / 250)
            let fourth = UInt8((index + 2) % 250 + 2)
            return IPv4Address(100, 64, third, fourth)
        }
    }

    @Test func appliesChangesRemovesAndLeavesNothingBehind() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "shape")
            let subscribers = Self.addresses(20)
            let report = try await namespace.perform { () -> ShaperStartReport in
                let shaper = try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink())
                let report = try shaper.start()
                try shaper.apply(subscribers.map { ($0, RateProfile.megabits(download: 10, upload: 5)) })
                try shaper.change(subscribers[3], to: .megabits(download: 50, upload: 20))
                try shaper.remove(subscribers[19])
                return report
            }
            #expect(report.createdInfrastructure)
            #expect(report.adoptedSubscribers == 0)
            for device in ["sub0", "ifbsub0"] {
                let classes = try await tcClasses(namespace, device)
                #expect(classes.count == 2 + 19)
                #expect(classes["1:1"]?.contains("rate 10Gbit") == true)
                #expect(classes["1:2"]?.contains("parent 1:1 prio 7") == true)
            }
            let down = try await tcClasses(namespace, "sub0")
            let up = try await tcClasses(namespace, "ifbsub0")
            // Allocation order: subscriber i got minor 3 + i; the changed one kept its id (1:6).
            #expect(down["1:6"]?.contains("rate 50Mbit ceil 50Mbit") == true)
            #expect(up["1:6"]?.contains("rate 20Mbit ceil 20Mbit") == true)
            #expect(down["1:3"]?.contains("rate 10Mbit") == true)
            #expect(up["1:3"]?.contains("rate 5Mbit") == true)
            #expect(down["1:16"] == nil)   // subscriber 19 (minor 3 + 19 = 0x16) was removed
            let downFilters = try await namespace.check(["tc", "filter", "show", "dev", "sub0"]).standardOutput
            let upFilters = try await namespace.check(["tc", "filter", "show", "dev", "ifbsub0"]).standardOutput
            #expect(downFilters.components(separatedBy: "flowid 1:").count - 1 == 19)
            #expect(upFilters.components(separatedBy: "flowid 1:").count - 1 == 19)
            #expect(downFilters.contains("at 16"))
            #expect(upFilters.contains("at 12"))
            let ingress = try await namespace.check(["tc", "filter", "show", "dev", "sub0", "ingress"]).standardOutput
            #expect(ingress.contains("Egress Redirect to device ifbsub0"))

            // Remove the rest, then tear down: nothing we created remains.
            try await namespace.perform {
                let shaper = try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink())
                let adopted = try shaper.start()
                #expect(adopted.adoptedSubscribers == 19)
                try shaper.remove(Array(subscribers.prefix(19)))
                #expect(shaper.subscribers.isEmpty)
                try shaper.tearDown()
            }
            let remaining = try await tcClasses(namespace, "sub0")
            #expect(remaining.isEmpty)
            let qdiscs = try await namespace.check(["tc", "qdisc", "show", "dev", "sub0"]).standardOutput
            #expect(!qdiscs.contains("htb") && !qdiscs.contains("ingress"))
            let ifb = try await namespace.run(["ip", "link", "show", "ifbsub0"])
            #expect(!ifb.succeeded)
        }
    }

    @Test func restartReadoptsEverythingWithoutTouchingTheKernel() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "adopt")
            // 2,000 subscribers: 8,000 requests, about 800 KB, so several sendmsg batches.
            let subscribers = Self.addresses(2_000)
            let profiles = subscribers.enumerated().map { ($0.element, RateProfile.megabits(download: UInt64(10 + $0.offset % 5), upload: 5)) }
            let before = try await namespace.perform { () -> [IPv4Address: ShapedSubscriber] in
                let shaper = try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink())
                try shaper.start()
                let sent = shaper.netlink.socket.datagramsSent
                try shaper.apply(profiles)
                // 8,000 requests of ~100 bytes split at 128 KiB per sendmsg.
                #expect(shaper.netlink.socket.datagramsSent - sent >= 6)
                return shaper.subscribers
            }
            let snapshot = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"])
            let (report, after) = try await namespace.perform { () -> (ShaperStartReport, [IPv4Address: ShapedSubscriber]) in
                let shaper = try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink())
                return (try shaper.start(), shaper.subscribers)
            }
            #expect(report.kernelChanges == 0)
            #expect(report.createdInfrastructure == false)
            #expect(report.adoptedSubscribers == 2_000)
            let again = try await tcSnapshot(namespace, devices: ["sub0", "ifbsub0"])
            #expect(again == snapshot)
            #expect(Set(after.keys) == Set(before.keys))
            for (address, subscriber) in before {
                let adopted = try #require(after[address])
                #expect(adopted.classID == subscriber.classID)
                #expect(adopted.filter == subscriber.filter)
                #expect(adopted.profile.download.rate == subscriber.profile.download.rate)
                #expect(adopted.profile.upload.rate == subscriber.profile.upload.rate)
            }
        }
    }

    @Test func orphansOfACrashAreRemovedOnStart() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "orphan")
            let address = IPv4Address(100, 64, 0, 7)
            try await namespace.perform {
                let shaper = try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink())
                try shaper.start()
                try shaper.apply(.megabits(download: 10, upload: 10), to: address)
            }
            // A crash between requests: the upload filter never made it, and a stray class exists.
            try await namespace.check(["tc", "filter", "del", "dev", "ifbsub0", "parent", "1:", "prio", "10", "handle", "2:7:1", "u32"])
            try await namespace.check(["tc", "class", "add", "dev", "sub0", "parent", "1:1", "classid", "1:99", "htb", "rate", "1mbit"])
            let report = try await namespace.perform {
                try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink()).start()
            }
            #expect(report.adoptedSubscribers == 0)
            #expect(report.removedOrphans == 4)   // download filter, stray 1:99, both halves of 1:3
            let down = try await tcClasses(namespace, "sub0")
            let up = try await tcClasses(namespace, "ifbsub0")
            #expect(down.keys.sorted() == ["1:1", "1:2"])
            #expect(up.keys.sorted() == ["1:1", "1:2"])
        }
    }

    @Test func errorPathsHaveTypedCodesAndNothingLeaks() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "errors")
            let limited = ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifbsub0"), classIDs: 3...5)
            let errors = try await namespace.perform { () -> [String: NetlinkShapingError?] in
                let netlink = try RoutingNetlink()
                var errors: [String: NetlinkShapingError?] = [:]
                errors["missing"] = capture {
                    try Shaper(configuration: ShaperConfiguration(subscriberInterface: "nosuch0", upload: .ifb(name: "ifbx")), netlink: netlink).start()
                }
                errors["notStarted"] = capture {
                    try Shaper(configuration: limited, netlink: netlink).apply(.megabits(download: 1, upload: 1), to: IPv4Address(10, 0, 0, 1))
                }
                errors["badConfig"] = capture {
                    _ = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .interface(name: "sub0")), netlink: netlink)
                }
                let shaper = try Shaper(configuration: limited, netlink: netlink)
                try shaper.start()
                let profile = RateProfile.megabits(download: 10, upload: 10)
                try shaper.apply((1...3).map { (IPv4Address(100, 64, 1, UInt8($0)), profile) })
                errors["duplicate"] = capture { try shaper.apply(profile, to: IPv4Address(100, 64, 1, 2)) }
                errors["limit"] = capture { try shaper.apply(profile, to: IPv4Address(100, 64, 1, 4)) }
                errors["zeroRate"] = capture { try shaper.change(IPv4Address(100, 64, 1, 1), to: .megabits(download: 0, upload: 1)) }
                errors["unknownChange"] = capture { try shaper.change(IPv4Address(100, 64, 9, 9), to: profile) }
                errors["unknownRemove"] = capture { try shaper.remove(IPv4Address(100, 64, 9, 9)) }
                // A class the kernel already has at the next id: the whole subscriber is rolled back.
                try shaper.remove(IPv4Address(100, 64, 1, 3))
                _ = try netlink.socket.execute(HTBClass(classID: TCHandle(major: 1, minor: 5), parent: TCHandle(major: 1, minor: 1), rate: 8_000)
                    .request(.create, interfaceIndex: netlink.link(named: "ifbsub0").index))
                errors["kernelDuplicate"] = capture { try shaper.apply(profile, to: IPv4Address(100, 64, 1, 5)) }
                #expect(shaper.subscribers.count == 2)
                return errors
            }
            #expect(errors["missing"]??.code == .interfaceNotFound)
            #expect(errors["missing"]??.message.contains("\"nosuch0\"") == true)
            #expect(errors["notStarted"]??.code == .invalidArgument)
            #expect(errors["notStarted"]??.message.contains("call start() first") == true)
            #expect(errors["badConfig"]??.code == .invalidArgument)
            #expect(errors["duplicate"]??.code == .subscriberExists)
            #expect(errors["duplicate"]??.message == "100.64.1.2 is already shaped; use change(_:to:) to alter its rates")
            #expect(errors["limit"]??.code == .classLimitReached)
            #expect(errors["limit"]??.message.contains("no free class id for 100.64.1.4: all 3 minors 0x3…0x5 are in use") == true)
            #expect(errors["zeroRate"]??.code == .invalidArgument)
            #expect(errors["unknownChange"]??.code == .subscriberNotFound)
            #expect(errors["unknownRemove"]??.code == .subscriberNotFound)
            #expect(errors["kernelDuplicate"]??.code == .objectExists)
            #expect(errors["kernelDuplicate"]??.message.contains("1 of 1 subscribers not shaped (rolled back)") == true)
            // The rolled-back subscriber left nothing on the download side.
            let down = try await tcClasses(namespace, "sub0")
            #expect(down["1:5"] == nil)
            let filters = try await namespace.check(["tc", "filter", "show", "dev", "sub0"]).standardOutput
            #expect(!filters.contains("64400105"))
        }
    }

    @Test func foreignRootQdiscIsAnAdoptionConflict() async throws {
        try await withTestNetwork { network in
            let namespace = try await makeShapingNamespace(network, "foreign")
            try await namespace.check(["tc", "qdisc", "add", "dev", "sub0", "root", "handle", "5:", "tbf", "rate", "1mbit", "burst", "10k", "latency", "50ms"])
            let error = try await namespace.perform {
                capture { try Shaper(configuration: ifbConfiguration, netlink: RoutingNetlink()).start() }
            }
            #expect(error?.code == .adoptionConflict)
            #expect(error?.message.contains("sub0 already has root qdisc tbf 5:") == true)
        }
    }
}
