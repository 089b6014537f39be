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

    /// Each address with a MAC of its own.
    static func bindings(_ addresses: [IPv4Address]) -> [IPv4Address: MACAddress] {
        Dictionary(uniqueKeysWithValues: addresses.map { address in
            let value = address.value
            return (address, MACAddress(0x02, 0xaa, 0, UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)))
        })
    }

    /// The netlink dump reads what nft itself lists: every element of a set too large for one
    /// netlink message (so the dump comes in many parts), each with the exact counter nft set.
    @Test func setCountersOverNetlinkMatchWhatNftListsForEveryElement() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nftnl")
            var script = "table inet nl_test {\n  set counted { type ipv4_addr; size 65536; counter; }\n  set plain { type ipv4_addr; }\n}\n"
            let addresses = Self.addresses(3000)
            for (index, address) in addresses.enumerated() {
                script += "add element inet nl_test counted { \(address) counter packets \(index) bytes \(UInt64(index) * 1_000_003 + (index == 7 ? 1 << 40 : 0)) }\n"
            }
            script += "add element inet nl_test plain { 192.0.2.1 }\n"
            let file = network.directory + "/elements.nft"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            try await namespace.check(["nft", "-f", file])
            // A few of them by key, with one address the set does not hold (left out, not an error).
            let picked = [addresses[0], addresses[7], addresses[2999], IPv4Address(198, 51, 100, 1)]
            let (counted, plain, missing, some, missingByKey) = try await namespace.perform {
                () -> ([IPv4Address: NFTSetCounters.Counter], Int, NetlinkShapingError?, [IPv4Address: NFTSetCounters.Counter], NetlinkShapingError?) in
                let reader = try NFTSetCounters()
                let plain = try reader.counters(table: "nl_test", set: "plain").count
                var missing: NetlinkShapingError?
                do { _ = try reader.counters(table: "nl_test", set: "no_such_set") } catch { missing = error as? NetlinkShapingError }
                var missingByKey: NetlinkShapingError?
                do { _ = try reader.counters(table: "nl_test", set: "no_such_set", of: picked) } catch { missingByKey = error as? NetlinkShapingError }
                return (try reader.counters(table: "nl_test", set: "counted"), plain, missing,
                        try reader.counters(table: "nl_test", set: "counted", of: picked), missingByKey)
            }
            #expect(some.count == 3)
            #expect(some[addresses[7]] == NFTSetCounters.Counter(bytes: 7 * 1_000_003 + (1 << 40), packets: 7))
            #expect(some[addresses[2999]] == NFTSetCounters.Counter(bytes: 2999 * 1_000_003, packets: 2999))
            #expect(some[addresses[0]] == counted[addresses[0]])
            #expect(missingByKey?.code == .objectNotFound, "\(String(describing: missingByKey))")
            #expect(counted.count == 3000)
            for (index, address) in addresses.enumerated() {
                let expected = NFTSetCounters.Counter(bytes: UInt64(index) * 1_000_003 + (index == 7 ? 1 << 40 : 0), packets: UInt64(index))
                guard counted[address] == expected else {
                    Issue.record("\(address): \(String(describing: counted[address])), nft set \(expected)")
                    return
                }
            }
            #expect(plain == 0)   // elements without a counter expression are left out
            #expect(missing?.code == .objectNotFound, "\(String(describing: missing))")
        }
    }

    @Test func createsTheTableAddsAndRemovesInBatchesAndReadoptsUnchanged() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nft")
            let addresses = Self.addresses(500)
            let report = try await namespace.perform { () -> SubscriberFirewallStartReport in
                let firewall = try SubscriberFirewall(configuration: Self.configuration, context: NFTContext())
                let report = try firewall.start()
                try firewall.add(Self.bindings(addresses))
                try firewall.addBlocked([IPv4Address(100, 64, 9, 1)])
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
            let pairs = try #require(sets.first { $0["name"] as? String == "authorized_mac" })
            #expect((pairs["elem"] as? [Any])?.count == 400)
            #expect(objects.compactMap { $0["rule"] }.count == 10 + 3)   // forward + input
            let text = try await namespace.check(["nft", "list", "chain", "inet", "aether_test", "subscriber_forward"]).standardOutput
            #expect(text.contains("hook forward priority filter; policy accept;"))
            #expect(text.contains("iifname \"sub0\" udp sport 68 udp dport 67 accept"))
            #expect(text.contains("iifname \"sub0\" ether saddr . ip saddr != @authorized_mac drop"))
            #expect(text.contains("oifname \"sub0\" ip daddr != @authorized drop"))
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
            #expect(!adopted.rewroteInputChain)
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
                try firewall.addBlocked([address])
                errors["duplicate"] = capture { try firewall.addBlocked([address]) }
                errors["unknown"] = capture { try firewall.remove([IPv4Address(100, 64, 0, 99)]) }
                errors["badCommand"] = capture { _ = try context.run(#"{"nftables": [{"add": {"element": {"family": "inet", "table": "aether_test", "name": "no_such_set", "elem": ["1.2.3.4"]}}}]}"#) }
                return errors
            }
            #expect(errors["badName"]??.code == .invalidArgument)
            #expect(errors["conflict"]??.code == .adoptionConflict)
            #expect(errors["conflict"]??.message.contains("table inet aether_other exists with sets [], chains [\"c\"] and 0 forward rules") == true)
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
                try firewall.addBlocked([subscriber])
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
            // Authorized with another MAC: the subscriber's own packets are still dropped.
            try firewall.authorize([subscriber: MACAddress(0x02, 0, 0, 0, 0, 0x99)])
            let spoofed = try await topology.host.run(["ping", "-c", "1", "-W", "1", "\(BNGTopology.serverAddress)"])
            #expect(!spoofed.succeeded)
            try firewall.authorize([subscriber: BNGTopology.hostMAC])
            #expect(firewall.authorized == [subscriber: BNGTopology.hostMAC])
            try await topology.host.check(["ping", "-c", "3", "-i", "0.2", "-s", "972", "\(BNGTopology.serverAddress)"])
            let counters = try #require(try firewall.counters()[subscriber])
            #expect(counters.packetsUp >= 3)       // 3 echo requests (the DHCP datagram and the spoofed pings count too)
            #expect(counters.packetsDown == 3)     // 3 echo replies of 1000 bytes
            #expect(counters.bytesDown == 3 * 1000)
            try firewall.deauthorize([subscriber])
            let again = try await topology.host.run(["ping", "-c", "1", "-W", "1", "\(BNGTopology.serverAddress)"])
            #expect(!again.succeeded)
        }
    }

    @Test func theBNGItselfAnswersSubscribersOnlyDHCPAndPingAndManagementPortsOnlyOnManagementInterfaces() async throws {
        try await withTestNetwork { network in
            let topology = try await BNGTopology.make(network, subscribers: 1)
            try await topology.bng.ip("link", "set", "lo", "up")
            let configuration = SubscriberFirewallConfiguration(tableName: "aether_test", subscriberInterfaces: ["sub0"],
                                                                managementInterfaces: ["mgmt0"], managementPorts: [ManagementPort(.udp, 3799)],
                                                                gatewayAddresses: [IPv4Address(100, 64, 0, 1)])
            let firewall = try await topology.bng.perform {
                let firewall = try SubscriberFirewall(configuration: configuration, context: NFTContext())
                try firewall.start()
                return firewall
            }
            // Unauthorized, the subscriber may still ping its gateway and reach the relay on UDP 67 —
            // but no other address of the BNG.
            try await topology.host.check(["ping", "-c", "1", "-W", "2", "100.64.0.1"])
            let otherAddress = try await topology.host.run(["ping", "-c", "1", "-W", "1", "198.51.100.1"])
            #expect(!otherAddress.succeeded, "the subscriber pinged the BNG's upstream address")
            var listeners: [UInt16: (BackgroundProcess, String)] = [:]
            for port: UInt16 in [67, 3799, 3800] {
                let file = network.directory + "/udp-\(port).txt"
                listeners[port] = (try network.spawn(["socat", "-u", "UDP4-RECV:\(port)", "CREATE:\(file)"], in: topology.bng, log: "socat-\(port)"), file)
            }
            try await Readiness.wait(for: "socat listeners in the BNG") {
                let listening = try await topology.bng.run(["ss", "-Hlun"]).standardOutput
                return [":67", ":3799", ":3800"].allSatisfy(listening.contains)
            }
            func send(_ text: String, from namespace: NetworkNamespace, to address: String, port: UInt16, sourcePort: UInt16? = nil) async throws {
                let source = sourcePort.map { ",sourceport=\($0)" } ?? ""
                try await namespace.check(["sh", "-c", "echo \(text) | socat -u - UDP4-SENDTO:\(address):\(port)\(source)"])
            }
            func received(_ port: UInt16) -> String { (try? String(contentsOfFile: listeners[port]!.1, encoding: .utf8)) ?? "" }
            try await send("discover", from: topology.host, to: "100.64.0.1", port: 67, sourcePort: 68)
            try await send("from-subscriber", from: topology.host, to: "100.64.0.1", port: 3799)
            try await send("subscriber-other", from: topology.host, to: "100.64.0.1", port: 3800)
            try await send("from-upstream", from: topology.server, to: "198.51.100.1", port: 3799)
            try await send("upstream-other", from: topology.server, to: "198.51.100.1", port: 3800)
            try await send("from-lo", from: topology.bng, to: "127.0.0.1", port: 3799)
            // The datagrams that pass were sent after the ones that must not: once they are in, so would the others be.
            try await Readiness.wait(for: "the datagrams the BNG accepts") {
                received(67).contains("discover") && received(3799).contains("from-lo") && received(3800).contains("upstream-other")
            }
            #expect(!received(3799).contains("from-subscriber"))    // subscriber side: only DHCP and ping
            #expect(!received(3800).contains("subscriber-other"))
            #expect(!received(3799).contains("from-upstream"))      // a management port, on a non-management interface
            for (process, _) in listeners.values { await process.terminate() }
            let text = try await topology.bng.check(["nft", "list", "chain", "inet", "aether_test", "subscriber_input"]).standardOutput
            #expect(text.contains("iifname != { \"lo\", \"mgmt0\" } udp dport 3799 drop"))

            // Another configuration (a second management port) rewrites the input chain and keeps the sets.
            try firewall.add([subscriber: BNGTopology.hostMAC])
            let same = try await topology.bng.perform { try SubscriberFirewall(configuration: configuration, context: NFTContext()).start() }
            #expect(!same.rewroteInputChain, "the same configuration rewrote the input chain")
            let wider = SubscriberFirewallConfiguration(tableName: "aether_test", subscriberInterfaces: ["sub0"], managementInterfaces: ["mgmt0"],
                                                        managementPorts: configuration.managementPorts + [ManagementPort(.tcp, 9103)],
                                                        gatewayAddresses: [IPv4Address(100, 64, 0, 1), IPv4Address(100, 64, 1, 1)])
            let report = try await topology.bng.perform { try SubscriberFirewall(configuration: wider, context: NFTContext()).start() }
            #expect(report.rewroteInputChain && !report.createdTable && report.adoptedAuthorized == 1)
            let rewritten = try await topology.bng.check(["nft", "list", "chain", "inet", "aether_test", "subscriber_input"]).standardOutput
            #expect(rewritten.contains("tcp dport 9103 drop"))
            #expect(rewritten.contains("ip daddr { 100.64.0.1, 100.64.1.1 } icmp type echo-request accept"), "\(rewritten)")
            #expect(rewritten.components(separatedBy: "\n").filter { $0.contains("iifname") }.count == 5)   // 3 subscriber rules + 2 ports
        }
    }

    let subscriber = IPv4Address(100, 64, 0, 10)
}
