import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

@Suite("nftables accounting and authorization through libnftables")
struct SubscriberFirewallTests {
    static let configuration = SubscriberFirewallConfiguration(tableName: "aether_test", subscriberInterfaces: ["sub0"])

    static func addresses(_ count: Int) -> [IPv4Address] {
        (0..<count).map { IPv4Address(value: IPv4Address(100, 64, 0, 0).value + UInt32($0) + 10) }
    }

    @Test func createsTheTableAddsAndRemovesInBatchesAndReadoptsUnchanged() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nft")
            let addresses = Self.addresses(500)
            let report = try await namespace.perform { () -> SubscriberFirewallStartReport in
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: NFTContext())
                let report = try firewall.start()
                try firewall.add(addresses)
                try firewall.add([IPv4Address(100, 64, 9, 1)], authorize: false)
                try firewall.remove(Array(addresses.suffix(100)))
                return report
            }
            #expect(report.createdTable)
            let listing = try await namespace.check(["nft", "-j", "list", "table", "inet", "aether_test"]).standardOutput
            let objects = try #require((JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any])?["nftables"] as? [[String: Any]])
            let sets = objects.compactMap { $0["set"] as? [String: Any] }
            let up = try #require(sets.first { $0["name"] as? String == "sub_up" })
            #expect((up["elem"] as? [Any])?.count == 401)
            #expect(String(describing: up["stmt"] ?? "").contains("counter"))
            let authorized = try #require(sets.first { $0["name"] as? String == "authorized" })
            #expect((authorized["elem"] as? [Any])?.count == 400)
            #expect(objects.compactMap { $0["rule"] }.count == 10)
            let text = try await namespace.check(["nft", "list", "chain", "inet", "aether_test", "subscriber_forward"]).standardOutput
            #expect(text.contains("hook forward priority filter; policy accept;"))
            #expect(text.contains("iifname \"sub0\" udp sport 68 udp dport 67 accept"))
            #expect(text.contains("iifname \"sub0\" ip saddr != @authorized drop"))
            #expect(text.contains("oifname \"sub0\" ct state invalid drop"))
            #expect(text.contains("ip daddr @sub_down"))

            let before = try await namespace.check(["nft", "-a", "list", "ruleset"]).standardOutput
            let (adopted, counters) = try await namespace.perform { () -> (SubscriberFirewallStartReport, [IPv4Address: SubscriberCounters]) in
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: NFTContext())
                return (try firewall.start(), try firewall.counters())
            }
            let after = try await namespace.check(["nft", "-a", "list", "ruleset"]).standardOutput
            #expect(after == before)
            #expect(!adopted.createdTable)
            #expect(adopted.adoptedSubscribers == 401)
            #expect(adopted.adoptedAuthorized == 400)
            #expect(counters.count == 401)
            #expect(counters[addresses[0]] == SubscriberCounters())

            try await namespace.perform {
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: NFTContext())
                try firewall.start()
                try firewall.tearDown()
            }
            let tables = try await namespace.check(["nft", "list", "tables"]).standardOutput
            #expect(!tables.contains("aether_test"))
        }
    }

    @Test func errorPathsCarryCodesAndLibnftablesText() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nfterr")
            try await namespace.check(["nft", "add table inet aether_other; add chain inet aether_other c"])
            let errors = try await namespace.perform { () -> [String: NetlinkShapingError?] in
                let context = try NFTContext()
                var errors: [String: NetlinkShapingError?] = [:]
                errors["badName"] = capture {
                    _ = try SubscriberFirewall(configuration: SubscriberFirewallConfiguration(tableName: "bad-name", subscriberInterfaces: ["sub0"]), context: context)
                }
                errors["conflict"] = capture {
                    try SubscriberFirewall(configuration: SubscriberFirewallConfiguration(tableName: "aether_other", subscriberInterfaces: ["sub0"]),
                                           context: context).start()
                }
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: context)
                try firewall.start()
                let address = IPv4Address(100, 64, 0, 10)
                try firewall.add([address])
                errors["duplicate"] = capture { try firewall.add([address]) }
                errors["unknown"] = capture { try firewall.remove([IPv4Address(100, 64, 0, 99)]) }
                errors["badCommand"] = capture { _ = try context.run(#"{"nftables": [{"add": {"element": {"family": "inet", "table": "aether_test", "name": "no_such_set", "elem": ["1.2.3.4"]}}}]}"#) }
                return errors
            }
            #expect(errors["badName"]??.code == .invalidArgument)
            #expect(errors["conflict"]??.code == .adoptionConflict)
            #expect(errors["conflict"]??.message.contains("table inet aether_other exists with sets [], chains [\"c\"] and 0 rules") == true)
            #expect(errors["duplicate"]??.code == .subscriberExists)
            #expect(errors["unknown"]??.code == .subscriberNotFound)
            #expect(errors["badCommand"]??.code == .nftablesCommandFailed)
            #expect(errors["badCommand"]??.message.contains("No such file or directory") == true)
            // An element removed behind our back makes the kernel refuse the delete batch.
            try await namespace.check(["nft", "delete element inet aether_test sub_up { 100.64.0.10 }"])
            let vanished = try await namespace.perform {
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: NFTContext())
                try firewall.start()
                return capture { try firewall.remove([IPv4Address(100, 64, 0, 10)]) }
            }
            #expect(vanished?.code == .subscriberNotFound)   // re-adoption saw it in sub_down only
        }
    }

    @Test func dropsUnauthorizedTrafficLetsDHCPPassAndCounts() async throws {
        try await withTestNetwork { network in
            let topology = try await BNGTopology.make(network, subscribers: 1)
            let subscriber = IPv4Address(100, 64, 0, 10)
            let firewall = try await topology.bng.perform {
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: NFTContext())
                try firewall.start()
                try firewall.add([subscriber], authorize: false)
                return firewall
            }
            let blocked = try await topology.host.run(["ping", "-c", "2", "-W", "1", "-i", "0.2", "\(BNGTopology.serverAddress)"])
            #expect(!blocked.succeeded)
            // DHCP client→server (68→67) is forwarded even though the subscriber is not authorized.
            let received = network.directory + "/dhcp.txt"
            let listener = try network.spawn(["socat", "-u", "UDP4-RECV:67", "CREATE:\(received)"], in: topology.server, log: "socat")
            try await Readiness.wait(for: "socat on UDP 67") {
                try await topology.server.run(["ss", "-Hlun", "sport", "= :67"]).standardOutput.contains(":67")
            }
            try await topology.host.check(["sh", "-c", "echo discover | socat -u - UDP4-SENDTO:\(BNGTopology.serverAddress):67,sourceport=68"])
            try await Readiness.wait(for: "DHCP datagram through the BNG") {
                (try? String(contentsOfFile: received, encoding: .utf8))?.contains("discover") == true
            }
            await listener.terminate()
            try firewall.authorize([subscriber])
            try await topology.host.check(["ping", "-c", "3", "-i", "0.2", "-s", "972", "\(BNGTopology.serverAddress)"])
            let counters = try #require(try firewall.counters()[subscriber])
            #expect(counters.packetsUp >= 3)       // 3 echo requests (the DHCP datagram counts too)
            #expect(counters.packetsDown == 3)     // 3 echo replies of 1000 bytes
            #expect(counters.bytesDown == 3 * 1000)
            try firewall.deauthorize([subscriber])
            let again = try await topology.host.run(["ping", "-c", "1", "-W", "1", "\(BNGTopology.serverAddress)"])
            #expect(!again.succeeded)
        }
    }
}
