import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

/// Rates measured with iperf3 through a real BNG namespace (HTB on sub0 for download, on an IFB
/// for upload) against a ±10% tolerance, and nft counters against iperf3's byte counts (±2%).
@Suite("Shaping and counting real traffic", .serialized)
struct ShapingRateTests {
    static let slow = IPv4Address(100, 64, 0, 10)   // 10 Mbit/s both ways
    static let fast = IPv4Address(100, 64, 0, 11)   // 50 Mbit/s both ways

    /// The BNG topology with a started shaper and firewall for the two subscribers, and an iperf3 server.
    static func prepare(_ network: TestNetwork) async throws -> (BNGTopology, Shaper, SubscriberFirewall) {
        let topology = try await BNGTopology.make(network, subscribers: 2)
        let (shaper, firewall) = try await topology.bng.perform {
            let shaper = try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0")),
                                    netlink: RoutingNetlink())
            try shaper.start()
            try shaper.apply([(slow, .megabits(download: 10, upload: 10)), (fast, .megabits(download: 50, upload: 50))])
            let firewall = try SubscriberFirewall(configuration: SubscriberFirewallTests.configuration, context: NFTContext())
            try firewall.start()
            try firewall.add(BNGTopology.bindings([slow, fast]))
            return (shaper, firewall)
        }
        _ = try network.spawn(["iperf3", "-s", "-p", "5201"], in: topology.server, log: "iperf3-server")
        try await Readiness.wait(for: "iperf3 server") {
            try await topology.server.run(["ss", "-Hltn"]).standardOutput.contains(":5201")
        }
        return (topology, shaper, firewall)
    }

    /// Runs one iperf3 test from `address` and returns its JSON summary (`end`).
    /// `omit` skips TCP slow start in rate measurements; byte-count comparisons need the whole run.
    static func iperf(_ topology: BNGTopology, from address: IPv4Address, download: Bool, seconds: Int = 5,
                      omit: Int = 1, pace: String? = nil) async throws -> [String: Any] {
        var arguments = ["iperf3", "-c", "\(BNGTopology.serverAddress)", "-p", "5201", "-B", "\(address)", "-t", "\(seconds)", "-O", "\(omit)", "-J"]
        if download { arguments.append("-R") }
        if let pace { arguments += ["-b", pace] }
        let output = try await topology.host.iperfClient(arguments, timeoutSeconds: 60).standardOutput
        let json = try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        return try #require(json["end"] as? [String: Any])
    }

    static func received(_ end: [String: Any]) throws -> (bitsPerSecond: Double, bytes: Double) {
        let sum = try #require(end["sum_received"] as? [String: Any])
        return (try #require((sum["bits_per_second"] as? NSNumber)?.doubleValue), try #require((sum["bytes"] as? NSNumber)?.doubleValue))
    }

    @Test func downloadAndUploadRatesLandWithinTenPercentOfTheProfiles() async throws {
        try await MeasurementLock.exclusive {
            try await withTestNetwork { network in
                let (topology, _, _) = try await Self.prepare(network)
                for (address, megabits) in [(Self.slow, 10.0), (Self.fast, 50.0)] {
                    for download in [true, false] {
                        let rate = try Self.received(try await Self.iperf(topology, from: address, download: download)).bitsPerSecond / 1e6
                        print("measured: \(download ? "download" : "upload") \(address) \(rate) Mbit/s for a \(megabits) Mbit/s profile")
                        #expect(abs(rate - megabits) <= megabits * 0.10,
                                "\(download ? "download" : "upload") of \(address): \(rate) Mbit/s against a \(megabits) Mbit/s profile")
                    }
                }
            }
        }
    }

    @Test func changingTheRateInPlaceKeepsTheFlowRunning() async throws {
        try await MeasurementLock.exclusive {
            try await withTestNetwork { network in
                let (topology, shaper, _) = try await Self.prepare(network)
                let client = try network.spawn(["iperf3", "-c", "\(BNGTopology.serverAddress)", "-p", "5201", "-B", "\(Self.slow)", "-t", "8",
                                                "-i", "1", "--forceflush", "-f", "k"], in: topology.host, log: "iperf3-coa")
                func intervals() -> [Double] {
                    client.log().split(separator: "\n").compactMap { line -> Double? in
                        guard !line.contains("sender"), !line.contains("receiver"), let range = line.range(of: "Kbits/sec") else { return nil }
                        return line[..<range.lowerBound].split(separator: " ").last.flatMap { Double($0) }
                    }
                }
                try await Readiness.wait(for: "three one-second intervals at the old rate") { intervals().count >= 3 }
                try shaper.change(Self.slow, to: .megabits(download: 50, upload: 50))
                try await Readiness.wait(for: "iperf3 to finish", timeoutSeconds: 30) { !client.isRunning }
                let log = client.log()
                #expect(log.contains("iperf Done."), "the flow was not interrupted: \(log)")
                let rates = intervals()
                #expect(rates.count == 8)
                #expect(rates[1] < 12_000, "before the change: \(rates)")
                #expect(rates[7] > 40_000, "after the change: \(rates)")
                #expect(shaper.subscribers[Self.slow]?.profile == .megabits(download: 50, upload: 50))
            }
        }
    }

    @Test func nftCountersMatchIperfByteCountsWithinTwoPercent() async throws {
        try await MeasurementLock.exclusive {
            try await withTestNetwork { network in
                let (topology, _, firewall) = try await Self.prepare(network)
                for download in [false, true] {
                    let before = try #require(try firewall.counters()[Self.fast])
                    // Paced under the 50 Mbit/s profile: a packet HTB drops was counted by nft already
                    // and counts again when TCP resends it, which measures the shaper's queue (deeper
                    // when the machine is busy), not the counters. Rates are the test above.
                    let end = try await Self.iperf(topology, from: Self.fast, download: download, seconds: 4, omit: 0, pace: "40M")
                    let after = try #require(try firewall.counters()[Self.fast])
                    // iperf3 counts TCP payload; nft counts IP packets, headers included, in the flow's
                    // direction; with TSO/GRO super-packets on veth the headers add well under 1%.
                    // sum_received, not sum_sent: bytes still in the sender's socket buffer when the
                    // test stops were written but never crossed the BNG.
                    let sent = try Self.received(end).bytes
                    let counted = Double(download ? after.bytesDown - before.bytesDown : after.bytesUp - before.bytesUp)
                    print("measured: \(download ? "download" : "upload") nft \(counted) bytes, iperf3 received \(sent) (\((counted - sent) / sent * 100)%)")
                    #expect(abs(counted - sent) <= sent * 0.02,
                            "\(download ? "download" : "upload"): nft counted \(counted) bytes in \(download ? after.packetsDown - before.packetsDown : after.packetsUp - before.packetsUp) packets, iperf3 received \(sent)")
                }
            }
        }
    }
}
