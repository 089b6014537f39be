import Benchmark
import DHCPKit
import Foundation
import LabKit
import NetlinkShaping
import NetworkTypes

// Installing, changing and reading subscribers in a throwaway namespace with a veth pair, through
// NetlinkShaping (both ShaperLayouts) and through the tools the original used (`tc`, `nft`).
// Needs root. Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target NetlinkShapingBenchmarks

/// One namespace with veth pairs `subN` ↔ `peerN`, a shaper per `subN` (upload on `ifbN`) and one
/// firewall for all of them: a BNG with `interfaces` subscriber-facing interfaces.
final class Bench: @unchecked Sendable {
    // Every property is set once in init; the shapers and firewall are used by one benchmark at a
    // time, from the thread that runs it (package-benchmark runs benchmarks one after another).
    let namespace: NetworkNamespace
    let shapers: [Shaper]
    let firewall: SubscriberFirewall
    var shaper: Shaper { shapers[0] }
    static let profile = RateProfile.megabits(download: 10, upload: 10)

    init(_ role: String, interfaces: Int = 1, layout: ShaperLayout = .sharded) async throws {
        namespace = NetworkNamespace("aet-bench-nl-\(getpid())-\(role)")
        try? await namespace.delete()
        try await NetworkNamespace.create(namespace.name)
        for index in 0..<interfaces {
            try await namespace.ip("link", "add", "sub\(index)", "type", "veth", "peer", "name", "peer\(index)")
            try await namespace.ip("link", "set", "sub\(index)", "up")
            try await namespace.ip("link", "set", "peer\(index)", "up")
        }
        (shapers, firewall) = try await namespace.perform {
            let netlink = try RoutingNetlink()
            let shapers = try (0..<interfaces).map {
                try Shaper(configuration: ShaperConfiguration(subscriberInterface: "sub\($0)", upload: .ifb(name: "ifb\($0)"), layout: layout),
                           netlink: netlink)
            }
            let firewall = try SubscriberFirewall(
                configuration: SubscriberFirewallConfiguration(tableName: "aether_bench", subscriberInterfaces: (0..<interfaces).map { "sub\($0)" }),
                context: NFTContext())
            return (shapers, firewall)
        }
        try reset()
    }

    /// Empty shaper and firewall infrastructure (qdiscs, hash tables, nft table), no subscribers.
    func reset() throws {
        for shaper in shapers {
            try shaper.tearDown()
            try shaper.start()
        }
        try? firewall.tearDown()
        try firewall.start()
    }

    /// Subscribers 100.64.0.10, .11, … (up to the /16).
    static func addresses(_ count: Int) -> [IPv4Address] {
        (0..<count).map { IPv4Address(value: IPv4Address(100, 64, 0, 10).value + UInt32($0)) }
    }

    /// Both directions and nft counters + authorization of the (MAC, address) pair, the way the
    /// BNG installs a session; subscribers are spread over the interfaces in runs of 10,000.
    func install(_ addresses: [IPv4Address]) throws {
        try shape(addresses)
        try firewall.add(Dictionary(uniqueKeysWithValues: addresses.map { ($0, Self.mac(of: $0)) }))
    }

    /// A distinct MAC per subscriber address.
    static func mac(of address: IPv4Address) -> MACAddress {
        MACAddress(0x02, 0xbe, 0, UInt8(truncatingIfNeeded: address.value >> 16), UInt8(truncatingIfNeeded: address.value >> 8),
                   UInt8(truncatingIfNeeded: address.value))
    }

    /// Only the shaping half of `install`: 2 HTB classes and 2 u32 filters per subscriber.
    func shape(_ addresses: [IPv4Address]) throws {
        for (index, start) in stride(from: 0, to: addresses.count, by: 10_000).enumerated() {
            let slice = addresses[start..<min(start + 10_000, addresses.count)]
            try shapers[index % shapers.count].apply(slice.map { ($0, Self.profile) })
        }
    }

    /// Every counter: one class dump per shaped interface and one libnftables call.
    func readAllCounters() throws -> Int {
        var classes = 0
        for shaper in shapers { classes += try shaper.statistics().count }
        let counters = try firewall.counters()
        return classes + counters.count
    }

    /// The same objects as `install` in the sharded layout, as `tc` command lines (without the
    /// leading `tc`) and nft commands: each subscriber's class in its shard (`10a:` for .10), the
    /// next minor of that shard, its filter in the shard's bucket for the third octet.
    static func toolCommands(_ addresses: [IPv4Address]) -> (tc: [String], nft: [String]) {
        var tc: [String] = []
        var nft: [String] = []
        var nextMinor: [UInt32: Int] = [:]
        let layout = ShaperConfiguration(subscriberInterface: "sub0", upload: .ifb(name: "ifb0"))
        for address in addresses {
            let shard = String(layout.shardQdisc(UInt8(address.value & 0xFF)).major, radix: 16)
            let minor = nextMinor[address.value & 0xFF, default: 3]
            nextMinor[address.value & 0xFF] = minor + 1
            let classID = "\(shard):\(String(minor, radix: 16))"
            let bucket = String((address.value >> 8) & 0xFF, radix: 16)
            for (device, field) in [("sub0", "dst"), ("ifb0", "src")] {
                tc.append("class add dev \(device) parent \(shard):1 classid \(classID) htb rate 10mbit ceil 10mbit")
                tc.append("filter add dev \(device) parent \(shard): prio 10 protocol ip u32 ht 2:\(bucket): match ip \(field) \(address)/32 flowid \(classID)")
            }
            for set in ["sub_up", "sub_down", "authorized"] {
                nft.append("add element inet aether_bench \(set) { \(address) }")
            }
            nft.append("add element inet aether_bench authorized_mac { \(mac(of: address)) . \(address) }")
        }
        return (tc, nft)
    }

    /// Runs a tool inside the namespace (spawned from a thread that entered it, like a BNG process would).
    func runTool(_ arguments: [String]) async throws {
        let status = try await namespace.perform { () -> Int32 in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        guard status == 0 else { throw NetlinkShapingError(.kernelRejected, "\(arguments.joined(separator: " ")) exited \(status)") }
    }

    /// Tears the shapers down before deleting the namespace: the kernel cleans a deleted
    /// namespace up later, in a worker holding the RTNL lock, and tens of thousands of classes
    /// take it seconds to minutes — time the next benchmark would otherwise be charged for.
    func delete() async {
        for shaper in shapers { try? shaper.tearDown() }
        try? await namespace.delete()
    }
}

nonisolated(unsafe) var shared: Bench?

/// Installs `count` subscribers through NetlinkShaping into emptied infrastructure per iteration:
/// whole sessions (shaper and firewall), or with `shapingOnly` just the shaper's classes and filters.
func measureInstall(count: Int, tag: String, layout: ShaperLayout = .sharded, shapingOnly: Bool = false,
                    _ benchmark: Benchmark) async throws {
    let bench = try await Bench(tag, layout: layout)
    let addresses = Bench.addresses(count)
    for _ in benchmark.scaledIterations {
        try bench.reset()
        let start = ContinuousClock.now
        benchmark.startMeasurement()
        if shapingOnly { try bench.shape(addresses) } else { try bench.install(addresses) }
        benchmark.stopMeasurement()
        let microseconds = (ContinuousClock.now - start) / .microseconds(1)
        benchmark.measurement(perSubscriber, Int(microseconds.rounded()) / count)
    }
    await bench.delete()
}

/// Install time divided by the subscribers installed, in microseconds: flat means O(1) per subscriber.
let perSubscriber = BenchmarkMetric.custom("µs per subscriber", polarity: .prefersSmaller, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.metrics = [.wallClock]
    Benchmark.defaultConfiguration.timeUnits = .milliseconds

    let installConfiguration = Benchmark.Configuration(metrics: [.wallClock, perSubscriber], timeUnits: .milliseconds,
                                                       maxDuration: .seconds(120), maxIterations: 3)

    // The two layouts, shaping only (2 HTB classes + 2 u32 filters per subscriber). One qdisc is
    // O(n²) in the kernel (20k took 104 s here), so 50k would take over 10 min per sample: it stops at 20k.
    for (count, label) in [(1_000, "1k"), (10_000, "10k"), (20_000, "20k"), (50_000, "50k")] {
        Benchmark("shape \(label) subscribers: sharded layout", configuration: installConfiguration) { benchmark in
            try await measureInstall(count: count, tag: "sh\(label)", layout: .sharded, shapingOnly: true, benchmark)
        }
    }
    // The control: a small shaper in its own namespace while 49k subscribers sit in another. Its
    // shards hold 4 classes each, so what it pays on top of "shape 1k" is not in our qdiscs: the
    // kernel keeps one system-wide list of filter blocks bound on devices without ndo_setup_tc
    // (veth, IFB) and walks it for every HTB class created (flow_indr_dev_setup_offload).
    Benchmark("shape 1k subscribers: sharded layout, 49k shaped in another namespace",
              configuration: .init(metrics: [.wallClock, perSubscriber], timeUnits: .milliseconds, maxDuration: .seconds(120), maxIterations: 3,
                                   setup: {
                                       let bench = try await Bench("bg49k")
                                       try bench.shape(Bench.addresses(49_000))
                                       shared = bench
                                   },
                                   teardown: { await shared?.delete(); shared = nil })) { benchmark in
        try await measureInstall(count: 1_000, tag: "fg1k", layout: .sharded, shapingOnly: true, benchmark)
    }
    for (count, label, samples) in [(1_000, "1k", 3), (10_000, "10k", 3), (20_000, "20k", 2)] {
        Benchmark("shape \(label) subscribers: single qdisc",
                  configuration: .init(metrics: [.wallClock, perSubscriber], timeUnits: .milliseconds,
                                       maxDuration: .seconds(600), maxIterations: samples)) { benchmark in
            try await measureInstall(count: count, tag: "sq\(label)", layout: .singleQdisc, shapingOnly: true, benchmark)
        }
    }

    Benchmark("install 10k subscribers: NetlinkShaping", configuration: installConfiguration) { benchmark in
        try await measureInstall(count: 10_000, tag: "nl", benchmark)
    }

    Benchmark("install 10k subscribers: tc -batch + nft -f",
              configuration: .init(metrics: [.wallClock], timeUnits: .milliseconds, maxDuration: .seconds(120), maxIterations: 3)) { benchmark in
        let bench = try await Bench("batch")
        let (tc, nft) = Bench.toolCommands(Bench.addresses(10_000))
        let directory = NSTemporaryDirectory()
        let tcFile = directory + "aether-bench-\(getpid()).tc"
        let nftFile = directory + "aether-bench-\(getpid()).nft"
        try (tc.joined(separator: "\n") + "\n").write(toFile: tcFile, atomically: true, encoding: .utf8)
        // nft -f applies a file as one transaction, like our JSON batch.
        try (nft.joined(separator: "\n") + "\n").write(toFile: nftFile, atomically: true, encoding: .utf8)
        for _ in benchmark.scaledIterations {
            try bench.reset()
            benchmark.startMeasurement()
            try await bench.runTool(["/usr/sbin/tc", "-batch", tcFile])
            try await bench.runTool(["/usr/sbin/nft", "-f", nftFile])
            benchmark.stopMeasurement()
        }
        try? FileManager.default.removeItem(atPath: tcFile)
        try? FileManager.default.removeItem(atPath: nftFile)
        await bench.delete()
    }

    let perCommandConfiguration = Benchmark.Configuration(metrics: [.wallClock], timeUnits: .milliseconds,
                                                          maxDuration: .seconds(120), maxIterations: 2)

    Benchmark("install 1k subscribers: NetlinkShaping", configuration: perCommandConfiguration) { benchmark in
        try await measureInstall(count: 1_000, tag: "nl1k", benchmark)
    }

    // The original's way: one tc or nft process per object (8 per subscriber here).
    Benchmark("install 1k subscribers: one subprocess per command", configuration: perCommandConfiguration) { benchmark in
        let bench = try await Bench("proc")
        let (tc, nft) = Bench.toolCommands(Bench.addresses(1_000))
        let commands = tc.map { ["/usr/sbin/tc"] + $0.split(separator: " ").map(String.init) }
            + nft.map { ["/usr/sbin/nft", $0] }
        for _ in benchmark.scaledIterations {
            try bench.reset()
            benchmark.startMeasurement()
            for command in commands { try await bench.runTool(command) }
            benchmark.stopMeasurement()
        }
        await bench.delete()
    }

    Benchmark("change one subscriber's rate (10k installed)",
              configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxDuration: .seconds(20), maxIterations: 2_000,
                                   setup: {
                                       let bench = try await Bench("coa")
                                       try bench.install(Bench.addresses(10_000))
                                       shared = bench
                                   },
                                   teardown: { await shared?.delete(); shared = nil })) { benchmark in
        guard let bench = shared else { return }
        let addresses = Bench.addresses(10_000)
        var toggle = false
        for iteration in benchmark.scaledIterations {
            toggle.toggle()
            let profile = toggle ? RateProfile.megabits(download: 50, upload: 20) : Bench.profile
            try bench.shaper.change(addresses[(iteration * 7919) % addresses.count], to: profile)
        }
    }

    // 10k and 50k sessions on one interface (sharded, so 50k set up in seconds).
    for (count, interfaces) in [(10_000, 1), (50_000, 1)] {
        let label = count == 10_000 ? "10k" : "50k"
        Benchmark("read all counters: \(label) sessions (\(interfaces) interface\(interfaces == 1 ? "" : "s"))",
                  configuration: .init(metrics: [.wallClock], timeUnits: .milliseconds, maxDuration: .seconds(30), maxIterations: 20,
                                       setup: {
                                           let bench = try await Bench("read\(label)", interfaces: interfaces)
                                           try bench.install(Bench.addresses(count))
                                           shared = bench
                                       },
                                       teardown: { await shared?.delete(); shared = nil })) { benchmark in
            guard let bench = shared else { return }
            for _ in benchmark.scaledIterations {
                let read = try bench.readAllCounters()
                precondition(read == 2 * count)
                blackHole(read)
            }
        }
    }
}
