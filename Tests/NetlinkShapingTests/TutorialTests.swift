import NetlinkShaping
import NetworkTypes

/// Shapes 100.64.0.10 to 10 Mbit/s down and 5 Mbit/s up, lets it send from its own MAC only,
/// and starts counting its traffic.
func startDemoSubscriber() throws -> (Shaper, SubscriberFirewall) {
    let subscriber = IPv4Address(100, 64, 0, 10)
    let mac = MACAddress(0x02, 0x00, 0x5e, 0x00, 0x00, 0x0a)   // h0's address, as DHCP saw it

    // HTB on sub0 for download; the ingress of sub0 is redirected to ifb0 and shaped there for upload.
    let shaper = try Shaper(
        configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0")),
        netlink: RoutingNetlink())
    try shaper.start()
    try shaper.apply(.megabits(download: 10, upload: 5), to: subscriber)

    // One nftables table for this BNG: counters up and down, the authorized (MAC, address) pairs.
    let firewall = try SubscriberFirewall(
        configuration: SubscriberFirewallConfiguration(tableName: "aether_demo", subscriberInterfaces: ["sub0"]),
        context: NFTContext())
    try firewall.start()
    try firewall.add([subscriber: mac])
    return (shaper, firewall)
}

/// Reads the demo subscriber's HTB class counters and nft byte counters.
func readDemoCounters(shaper: Shaper, firewall: SubscriberFirewall) throws -> (SubscriberShapingStatistics, SubscriberCounters) {
    let subscriber = IPv4Address(100, 64, 0, 10)
    guard let shaping = try shaper.statistics()[subscriber], let counters = try firewall.counters()[subscriber] else {
        throw NetlinkShapingError(.subscriberNotFound, "\(subscriber) is neither shaped nor counted")
    }
    let classID = shaper.subscribers[subscriber]?.classID.description ?? "none"
    print("download: \(counters.bytesDown) bytes counted, \(shaping.download.bytes) bytes through class \(classID)")
    print("upload:   \(counters.bytesUp) bytes counted, \(shaping.upload.drops) drops, \(shaping.upload.overlimits) overlimits")
    return (shaping, counters)
}

import AetherTestSupport
import Foundation
import LabKit
import Testing

/// Runs Docs/netlinkshaping.md top to bottom: its shell blocks through bash, its Swift blocks as
/// the functions above (checked to be the same text).
@Suite("Docs/netlinkshaping.md tutorial")
struct TutorialTests {
    static let sourcePath = #filePath
    static var documentPath: String {
        URL(fileURLWithPath: sourcePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/netlinkshaping.md").path
    }

    @Test func tutorialRunsAsWritten() async throws {
        let document = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let source = try String(contentsOfFile: Self.sourcePath, encoding: .utf8)
        let shell = MarkdownBlocks.fenced("sh", in: document)
        let swift = MarkdownBlocks.fenced("swift", in: document)
        #expect(shell.count == 4)
        #expect(swift.count == 2)
        for block in swift {
            let body = block.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("import ") }
                .joined(separator: "\n").trimmingCharacters(in: .newlines)
            #expect(source.contains(body), "the tutorial's Swift differs from what this test runs:\n\(body)")
        }
        guard shell.count == 4, swift.count == 2 else { return }

        try await withTestNetwork { network in
            let prefix = "\(TestServices.configuration.namespacePrefix)-\(network.tag)"
            let environment = ["BNG": "\(prefix)-bng", "HOST": "\(prefix)-h", "SRV": "\(prefix)-srv",
                               "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"]
            network.onCleanup {
                for name in ["bng", "h", "srv"] { try? await NetworkNamespace("\(prefix)-\(name)").delete() }
            }
            func run(_ block: String) async throws -> String {
                try await CommandRunner.check(["bash", "-euo", "pipefail", "-c", block], environment: environment, timeoutSeconds: 60).standardOutput
            }
            _ = try await run(shell[0])
            let bng = NetworkNamespace("\(prefix)-bng")
            let (shaper, firewall) = try await bng.perform { try startDemoSubscriber() }
            let shown = try await run(shell[1])
            #expect(shown.contains("class htb 10a:3 parent 10a:1 prio 0 rate 10Mbit"))
            #expect(shown.contains("class htb 10a:3 parent 10a:1 prio 0 rate 5Mbit"))
            #expect(shown.contains("class htb 1:10a parent 1:1 leaf 10a: prio 0"))
            #expect(shown.contains("match 6440000a/ffffffff at 16"))
            #expect(shown.contains("flowid 10a:3"))
            #expect(shown.contains("set sub_up"))
            let traffic = try await run(shell[2])
            #expect(traffic.contains("receiver"))
            let (shaping, counters) = try readDemoCounters(shaper: shaper, firewall: firewall)
            #expect(counters.bytesDown > 1_000_000)
            #expect(shaping.download.bytes >= counters.bytesDown * 9 / 10)
            #expect(counters.bytesUp > 0)
            _ = try await run(shell[3])
            #expect(!bng.exists)
        }
    }
}
