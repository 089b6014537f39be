import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import Testing

let benchRuns = ProcessInfo.processInfo.environment["AETHER_BENCH_RUNS"].flatMap(Int.init)

/// The benchmark behind Docs/PERFORMANCE.md (issue "Proof", item 2): `make bench`. Every figure
/// is measured in the same run as the figure it is compared with, by the same generator, and
/// each run is repeated (`AETHER_BENCH_RUNS`, 3 by `make bench`); the document gives every run
/// and the median. Skipped unless `AETHER_BENCH_RUNS` is set; runs on its own harness
/// (`AETHER_TEST_PROFILE=bench`: /16 Kea subnets) with release builds (`AETHER_PRODUCTS`).
@Suite("Performance benchmark", .serialized, .enabled(if: benchRuns != nil))
struct PerformanceBenchmarks {
    static let environment = ProcessInfo.processInfo.environment
    /// Subscribers per measurement.
    static let sessions = environment["AETHER_BENCH_SESSIONS"].flatMap(Int.init) ?? 2000
    /// Offered arrival rate (first DISCOVERs per second), above what any path sustains here.
    static let offeredRate = environment["AETHER_BENCH_RATE"].flatMap(Int.init) ?? 5000
    /// Attempts in progress at once (`--max-in-flight`): every path is measured at its own pace.
    static let window = environment["AETHER_BENCH_WINDOW"].flatMap(Int.init) ?? 64
    /// Sessions held in one BNG for the scale figures (the first point is a fifth of it).
    static let scaleSessions = environment["AETHER_BENCH_SCALE"].flatMap(Int.init) ?? 50_000
    /// Seconds of the interim-accounting window (RADIUS sets Acct-Interim-Interval to it).
    static let interimSeconds = environment["AETHER_BENCH_INTERIM"].flatMap(Int.init) ?? 300

    /// One run of the session-setup and relay comparisons.
    struct SetupRun: Codable {
        /// DHCP + RADIUS + Acct-Start + nft + tc + events through aether-bng.
        var endToEnd: SubscriberLoadReport
        var endToEndCPU: [String: Double]
        /// DORA straight to Kea, Access-Request + Acct-Start straight to FreeRADIUS, no BNG.
        var ceiling: SubscriberLoadReport
        var ceilingCPU: [String: Double]
        /// DHCP alone, counted at DHCPACK: through aether-bng, through ISC dhcrelay, straight.
        var relayBNG: SubscriberLoadReport
        var relayDhcrelay: SubscriberLoadReport
        var relayDirect: SubscriberLoadReport
    }

    /// One BNG filled to ``scaleSessions``: what each session costs and whether the costs stay flat.
    struct ScaleRun: Codable {
        struct Point: Codable {
            var sessions: Int
            var bngRSSKiB: Int
            var kernelSlabKiB: Int
            /// Netlink batch time per session added while getting here (nft + tc installs).
            var installMillisecondsPerSession: Double
            /// Mean time of one reading of every session's nftables counters, at this size.
            var counterReadMilliseconds: Double
            var setupPerSecond: Double
            /// aether-bng's CPU seconds over one whole Acct-Interim-Interval with these sessions held.
            var interimCPUSeconds: Double
            var interimUpdatesSent: Double
        }

        var baselineRSSKiB: Int
        var baselineSlabKiB: Int
        var points: [Point]
        /// The Acct-Interim-Interval RADIUS sets, and the length of each point's CPU window.
        var interimWindowSeconds: Int
    }

    @Test func theBenchmarkMeasuresEveryFigureAgainstItsBaselineAndWritesDocsPerformance() async throws {
        let runs = try #require(benchRuns)
        let endpoints = try await TestServices.endpoints()
        var scales: [ScaleRun] = []
        var setups: [SetupRun] = []
        for run in 1...runs where Self.sessions > 0 {
            print("bench: session setup and relay, run \(run) of \(runs)")
            setups.append(try await Self.setupRun(endpoints))
            let last = try #require(setups.last)
            print(String(format: "bench: run %d: end to end %.0f/s, ceiling %.0f/s; DHCP through aether-bng %.0f/s, dhcrelay %.0f/s, straight %.0f/s",
                         run, last.endToEnd.establishedPerSecond, last.ceiling.establishedPerSecond,
                         last.relayBNG.establishedPerSecond, last.relayDhcrelay.establishedPerSecond, last.relayDirect.establishedPerSecond))
            try Self.keep(BenchResults(setups: setups, scales: []))
        }
        if Self.scaleSessions > 0 {
            for run in 1...runs {
                print("bench: \(Self.scaleSessions) sessions in one BNG, run \(run) of \(runs)")
                scales.append(try await Self.scaleRun(endpoints))
                print("bench: run \(run): \(try #require(scales.last))")
                try Self.keep(BenchResults(setups: setups, scales: scales))
            }
        }
        let products = Self.environment["AETHER_PRODUCTS"] ?? "debug build next to the tests"
        let document = PerformanceDocument(machine: await BenchMachine.describe(products: products), sessions: Self.sessions,
                                           offeredRate: Self.offeredRate, window: Self.window, setups: setups, scales: scales)
        try document.markdown.write(toFile: Self.output, atomically: true, encoding: .utf8)
        try Self.keep(BenchResults(setups: setups, scales: scales))
        print("bench: wrote \(Self.output)")
        for setup in setups {
            #expect(setup.endToEnd.counters.established == Self.sessions, "\(setup.endToEnd.summary)")
            #expect(setup.ceiling.counters.established == Self.sessions, "\(setup.ceiling.summary)")
        }
    }

    static var output: String { environment["AETHER_BENCH_OUTPUT"] ?? repository + "/Docs/PERFORMANCE.md" }

    /// The raw results so far, next to the document (a run that fails later keeps what it measured).
    static func keep(_ results: BenchResults) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: URL(fileURLWithPath: (output as NSString).deletingPathExtension + ".json"))
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A fresh lab; each measurement takes its own circuits (new MACs, new users), leases kept
    /// (`--no-release`) so the CPU counted is the set-up's alone.
    static func setupRun(_ endpoints: ServiceEndpoints) async throws -> SetupRun {
        try await withTestNetwork { network in
            let node = BNGLab.LoadNode(remoteID: "bn-\(network.tag)")
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1,
                                            timers: "interim_interval: 300\n  counters_interval: 10\n  idle_timeout: 3600", loadNode: node)
            try await lab.waitForBNG()
            let count = sessions
            func circuits(_ part: Int) -> ClosedRange<Int> { (part * count + 1)...((part + 1) * count) }
            try lab.provision(node, circuits: 1...(3 * count))
            let keep = ["--no-release", "--setup-timeout", "60", "--max-in-flight", "\(window)"]
            network.onCleanup {
                // Every lease of the generator's MACs in this harness (dhcrelay's went to the relay's subnet).
                _ = try? PostgresConnection(endpoints.postgres.kea).query(
                    "DELETE FROM lease4 WHERE substring(hwaddr from 1 for 2) = decode($1, 'hex')", [String(format: "02%02x", node.macPrefix)])
            }
            let redisPort = TestServices.configuration.redisPort

            // End to end through aether-bng, then its CPU once every Acct-Start is in radacct.
            var cpu = ComponentCPU.harness(endpoints, redisPort: redisPort, extra: ["aether-bng": lab.bng.handle.pid])
            var before = cpu.sample()
            let endToEnd = try await lab.runLoad(node, circuits: circuits(0), rate: offeredRate, extra: keep, timeoutSeconds: 300)
            try await waitForAccountingStarts(lab, node: node, count: count)
            var endToEndCPU = ComponentCPU.difference(cpu.sample(), before)
            endToEndCPU["aether-sim"] = endToEnd.cpuSeconds

            // DHCP alone through aether-bng (it still starts and authorizes each session).
            let relayBNG = try await lab.runLoad(node, circuits: circuits(2), rate: offeredRate, extra: keep + ["--no-events"], timeoutSeconds: 300)

            // No BNG from here: the generator takes its relay address and NAS address.
            await lab.bng.terminate(timeoutSeconds: 60)
            cpu = ComponentCPU.harness(endpoints, redisPort: redisPort)
            before = cpu.sample()
            let ceiling = try await lab.runCeiling(node, circuits: circuits(1), rate: offeredRate, extra: keep, timeoutSeconds: 300)
            var ceilingCPU = ComponentCPU.difference(cpu.sample(), before)
            ceilingCPU["aether-sim"] = ceiling.cpuSeconds

            let relayDirect = try await lab.runCeiling(node, circuits: circuits(3), rate: offeredRate, radius: false, extra: keep, timeoutSeconds: 300)

            // ISC dhcrelay in the BNG's place: frames from the same generator on agg0, relayed
            // from agg0's first address (the relay's subnet) to Kea.
            let dhcrelay = try network.spawn(["dhcrelay", "-4", "-d", "-id", "agg0", "-iu", lab.services.interface, "\(endpoints.servicesAddress)"],
                                             in: lab.bngNamespace, log: "dhcrelay")
            try await Readiness.wait(for: "dhcrelay listening", timeoutSeconds: 15) { dhcrelay.log().contains("Listening on") }
            let relayDhcrelay = try await lab.runLoad(node, circuits: circuits(4), rate: offeredRate, extra: keep + ["--no-events"], timeoutSeconds: 300)
            await dhcrelay.terminate()
            return SetupRun(endToEnd: endToEnd, endToEndCPU: endToEndCPU, ceiling: ceiling, ceilingCPU: ceilingCPU,
                            relayBNG: relayBNG, relayDhcrelay: relayDhcrelay, relayDirect: relayDirect)
        }
    }

    /// Slab memory of the kernel (nftables set elements, tc classes and filters live there), KiB.
    static func slabKiB() -> Int {
        let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("Slab:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func scaleRun(_ endpoints: ServiceEndpoints) async throws -> ScaleRun {
        try await withTestNetwork { network in
            let node = BNGLab.LoadNode(remoteID: "bs-\(network.tag)")
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1,
                                            timers: "interim_interval: 30\n  counters_interval: 10\n  idle_timeout: 3600", loadNode: node)
            try await lab.waitForBNG()
            try lab.provision(node, circuits: 1...scaleSessions)
            // The interim interval comes from RADIUS (the BNG's own default is 30 s).
            try PostgresConnection(endpoints.postgres.radius).query(
                "INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ($1, 'Acct-Interim-Interval', ':=', $2)",
                ["plan-\(network.tag)", "\(interimSeconds)"])
            network.onCleanup {
                _ = try? PostgresConnection(endpoints.postgres.kea).query(
                    "DELETE FROM lease4 WHERE substring(hwaddr from 1 for 2) = decode($1, 'hex')", [String(format: "02%02x", node.macPrefix)])
            }
            let pid = lab.bng.handle.pid
            var result = ScaleRun(baselineRSSKiB: ChurnSoakTests.status(pid, "VmRSS"), baselineSlabKiB: slabKiB(), points: [],
                                  interimWindowSeconds: interimSeconds)
            var held = 0
            for target in [scaleSessions / 5, scaleSessions] {
                let before = try await lab.metrics()
                let report = try await lab.runLoad(node, circuits: (held + 1)...target, rate: offeredRate,
                                                   extra: ["--no-release", "--setup-timeout", "120", "--max-in-flight", "\(window * 4)"],
                                                   timeoutSeconds: 1800)
                let after = try await lab.metrics()
                // Two more complete readings of every counter at this size.
                let reads = after.value("aether_netlink_nft_counter_read_duration_seconds_count")
                try await Readiness.wait(for: "two counter readings at \(target) sessions", timeoutSeconds: 120) {
                    try await lab.metrics().value("aether_netlink_nft_counter_read_duration_seconds_count") >= reads + 2
                }
                let read = try await lab.metrics()
                let readSeconds = read.value("aether_netlink_nft_counter_read_duration_seconds_sum") - after.value("aether_netlink_nft_counter_read_duration_seconds_sum")
                let readCount = read.value("aether_netlink_nft_counter_read_duration_seconds_count") - reads
                let install = after.value("aether_netlink_batch_duration_seconds_sum") - before.value("aether_netlink_batch_duration_seconds_sum")
                let rss = ChurnSoakTests.status(pid, "VmRSS")
                let slab = slabKiB()
                // The window opens once the Acct-Starts of the fill are all answered, then lasts one
                // whole Acct-Interim-Interval: a measurement window, not a wait for something.
                try await Readiness.wait(for: "the accounting queue to drain at \(target) sessions", timeoutSeconds: 300) {
                    try await lab.metrics().value("aether_bng_accounting_backlog") == 0
                }
                let cpu = ComponentCPU(roots: ["aether-bng": [pid]])
                let start = cpu.sample()["aether-bng"] ?? 0
                let sentBefore = try await lab.metrics().value("aether_bng_accounting_sent_total", ["status": "Interim-Update"])
                try await Task.sleep(for: .seconds(interimSeconds))
                let interimCPU = (cpu.sample()["aether-bng"] ?? 0) - start
                let interimSent = try await lab.metrics().value("aether_bng_accounting_sent_total", ["status": "Interim-Update"]) - sentBefore
                result.points.append(.init(sessions: target, bngRSSKiB: rss, kernelSlabKiB: slab,
                                           installMillisecondsPerSession: 1000 * install / Double(max(1, target - held)),
                                           counterReadMilliseconds: readCount > 0 ? 1000 * readSeconds / readCount : 0,
                                           setupPerSecond: report.establishedPerSecond,
                                           interimCPUSeconds: interimCPU, interimUpdatesSent: interimSent))
                #expect(report.counters.established == target - held, "\(report.summary)")
                held = target
            }
            await lab.bng.terminate(timeoutSeconds: 120)
            // The kernel's share of 50,000 sessions goes now, while we wait: left to the namespace's
            // deletion it is torn down later under the RTNL lock, and the next run's `ip netns add`
            // waited for it past its two minutes.
            for device in ["agg0", "ifb0"] {
                _ = try? await CommandRunner.run(["ip", "netns", "exec", lab.bngNamespace.name, "tc", "qdisc", "del", "dev", device, "root"],
                                                 timeoutSeconds: 900)
            }
            _ = try? await CommandRunner.run(["ip", "netns", "exec", lab.bngNamespace.name, "nft", "flush", "ruleset"], timeoutSeconds: 900)
            return result
        }
    }

    static func waitForAccountingStarts(_ lab: BNGLab, node: BNGLab.LoadNode, count: Int) async throws {
        let prefix = "\(lab.bngID)/\(node.remoteID)/"
        try await Readiness.wait(for: "\(count) Acct-Start rows", timeoutSeconds: 120) {
            let rows = try PostgresConnection(lab.endpoints.postgres.radius).query(
                "SELECT count(*)::text AS n FROM radacct WHERE username LIKE $1", [prefix + "%"])
            return Int(try rows.value("n") ?? "0") ?? 0 >= count
        }
    }
}

/// Everything one `make bench` measured (Docs/PERFORMANCE.json).
struct BenchResults: Codable {
    var setups: [PerformanceBenchmarks.SetupRun]
    var scales: [PerformanceBenchmarks.ScaleRun]
}

/// Docs/PERFORMANCE.md from the runs' reports.
struct PerformanceDocument {
    var machine: [(String, String)]
    var sessions: Int
    var offeredRate: Int
    var window: Int
    var setups: [PerformanceBenchmarks.SetupRun]
    var scales: [PerformanceBenchmarks.ScaleRun]

    func rates(_ path: KeyPath<PerformanceBenchmarks.SetupRun, SubscriberLoadReport>) -> [Double] {
        setups.map { $0[keyPath: path].establishedPerSecond }
    }

    func row(_ name: String, _ values: [Double], format: String = "%.0f") -> String {
        "| \(name) | " + values.map { String(format: format, $0) }.joined(separator: " | ") + " | **" + String(format: format, median(values)) + "** |"
    }

    func header(_ first: String, runs: Int? = nil) -> String {
        let count = runs ?? setups.count
        return "| \(first) | " + (0..<count).map { "run \($0 + 1)" }.joined(separator: " | ") + " | median |\n|---|"
            + String(repeating: "---:|", count: count + 1)
    }

    var scaleSection: [String] {
        guard let first = scales.first, !first.points.isEmpty else { return [] }
        var lines = [
            "## Scale: \(first.points.last?.sessions ?? 0) sessions in one aether-bng",
            "",
            "One BNG filled by the generator (`--no-release`) to \(first.points.map { "\($0.sessions)" }.joined(separator: " and then ")) sessions,",
            "each with its nftables counter and its HTB classes and u32 filters both ways; RADIUS sets",
            "Acct-Interim-Interval to \(first.interimWindowSeconds) s. Growth is measured from the BNG just started (no sessions).",
            "",
            header("per session", runs: scales.count),
        ]
        for (index, point) in first.points.enumerated() {
            func values(_ value: (PerformanceBenchmarks.ScaleRun, PerformanceBenchmarks.ScaleRun.Point) -> Double) -> [Double] {
                scales.compactMap { run in run.points.indices.contains(index) ? value(run, run.points[index]) : nil }
            }
            let n = point.sessions
            lines.append(row("aether-bng RSS growth, KiB/session at \(n)", values { Double($1.bngRSSKiB - $0.baselineRSSKiB) / Double($1.sessions) }, format: "%.2f"))
            lines.append(row("kernel slab growth, KiB/session at \(n)", values { Double($1.kernelSlabKiB - $0.baselineSlabKiB) / Double($1.sessions) }, format: "%.2f"))
            lines.append(row("install (netlink batches), ms/session while reaching \(n)", values { $1.installMillisecondsPerSession }, format: "%.3f"))
            lines.append(row("one reading of every counter, ms at \(n)", values { $1.counterReadMilliseconds }, format: "%.1f"))
            lines.append(row("setup while reaching \(n), sessions/s", values { $1.setupPerSecond }))
            lines.append(row("interim cycle at \(n): aether-bng CPU, % of one core", values { 100 * $1.interimCPUSeconds / Double($0.interimWindowSeconds) }, format: "%.2f"))
            lines.append(row("Interim-Updates sent in the \(first.interimWindowSeconds) s window at \(n)", values { $1.interimUpdatesSent }))
        }
        lines += [
            "",
            "The CPU of the interim cycle is all of aether-bng's over one whole interval with every session held,",
            "opened once the fill's Acct-Starts are all answered: the Interim-Updates themselves, the counter",
            "readings every 10 s, the SESSION_UPDATE events and the store's writes. The target (< 10 % of a core)",
            "is the issue's, at 10,000 sessions; the larger size is reported.",
            "",
        ]
        return lines
    }

    func ratio(_ top: KeyPath<PerformanceBenchmarks.SetupRun, SubscriberLoadReport>,
               _ bottom: KeyPath<PerformanceBenchmarks.SetupRun, SubscriberLoadReport>) -> [Double] {
        setups.map { $0[keyPath: bottom].establishedPerSecond > 0 ? 100 * $0[keyPath: top].establishedPerSecond / $0[keyPath: bottom].establishedPerSecond : 0 }
    }

    func cpuRows(_ cpu: KeyPath<PerformanceBenchmarks.SetupRun, [String: Double]>,
                 _ report: KeyPath<PerformanceBenchmarks.SetupRun, SubscriberLoadReport>) -> [String] {
        let names = Set(setups.flatMap { $0[keyPath: cpu].keys }).sorted()
        return names.map { name in
            row(name, setups.map { 1000 * ($0[keyPath: cpu][name] ?? 0) / Double(max(1, $0[keyPath: report].counters.established)) }, format: "%.2f")
        }
    }

    var markdown: String {
        var lines: [String] = [
            "# Performance",
            "",
            "Written by `make bench` (`Tests/IntegrationTests/PerformanceBenchmarks.swift`); do not edit by hand.",
            "Every figure is set beside a baseline measured in the same run by the same generator",
            "(`aether-sim load`, Docs/load.md), and every run is shown with the median of \(setups.count).",
            "Generated \(ISO8601DateFormatter().string(from: Date())).",
            "",
            "## Machine",
            "",
            "| | |",
            "|---|---|",
        ]
        lines += machine.map { "| \($0.0) | \($0.1) |" }
        lines += [
            "",
            "Kea (PostgreSQL lease backend), FreeRADIUS (PostgreSQL `sql` module), PostgreSQL and Redis are the",
            "harness's (`aether-lab services`, profile `bench`), on the same two cores as the BNG and the generator.",
            "",
            "## Session setup: aether-bng against its peers' own ceiling",
            "",
            "\(sessions) subscribers of one emulated access node per measurement, at most \(window) attempts in progress at",
            "once (`--max-in-flight`; arrivals offered at \(offeredRate)/s, faster than any path answers), so each path is",
            "measured at its own pace without being drowned. Sessions per second run from the first DISCOVER to the",
            "last session established.",
            "",
            "- **end to end**: frames with Option 82 to aether-bng, which relays DHCP to Kea, asks FreeRADIUS",
            "  (Access-Request), installs the nftables counter and the HTB classes and filters, sends Acct-Start",
            "  and publishes SESSION_START and POLICY_APPLY; established when both events are read from Redis.",
            "- **peers' ceiling**: the same generator with no BNG: DHCP relayed over UDP straight to Kea, then",
            "  the same Access-Request and Acct-Start straight to FreeRADIUS; established at the Accounting-Response.",
            "",
            header("sessions/s"),
            row("end to end through aether-bng", rates(\.endToEnd)),
            row("peers' ceiling (no BNG)", rates(\.ceiling)),
            row("end to end, % of the ceiling", ratio(\.endToEnd, \.ceiling), format: "%.1f"),
            "",
            header("setup latency, ms"),
            row("end to end p50", setups.map(\.endToEnd.setupLatency.p50), format: "%.1f"),
            row("end to end p99", setups.map(\.endToEnd.setupLatency.p99), format: "%.1f"),
            row("ceiling p50", setups.map(\.ceiling.setupLatency.p50), format: "%.1f"),
            row("ceiling p99", setups.map(\.ceiling.setupLatency.p99), format: "%.1f"),
            "",
            "CPU milliseconds per session established, by component (user + system from `/proc`, each daemon",
            "with its children; the window runs from the first DISCOVER until every Acct-Start is in radacct):",
            "",
            header("end to end, CPU ms/session"),
        ]
        lines += cpuRows(\.endToEndCPU, \.endToEnd)
        lines += ["", header("ceiling, CPU ms/session")]
        lines += cpuRows(\.ceilingCPU, \.ceiling)
        lines += [
            "",
            "## Relay overhead: DHCP alone",
            "",
            "The same subscribers counted at DHCPACK (`--no-events`), three ways to Kea:",
            "through aether-bng (which also starts and authorizes each session meanwhile), through ISC",
            "`dhcrelay` in the BNG's place on the same link, and straight (the generator relaying over UDP).",
            "",
            header("sessions/s"),
            row("through aether-bng", rates(\.relayBNG)),
            row("through ISC dhcrelay", rates(\.relayDhcrelay)),
            row("straight to Kea", rates(\.relayDirect)),
            row("aether-bng, % of straight", ratio(\.relayBNG, \.relayDirect), format: "%.1f"),
            row("dhcrelay, % of straight", ratio(\.relayDhcrelay, \.relayDirect), format: "%.1f"),
            "",
            header("DORA latency, ms"),
            row("through aether-bng p99", setups.map(\.relayBNG.boundLatency.p99), format: "%.1f"),
            row("through ISC dhcrelay p99", setups.map(\.relayDhcrelay.boundLatency.p99), format: "%.1f"),
            row("straight to Kea p99", setups.map(\.relayDirect.boundLatency.p99), format: "%.1f"),
            "",
        ]
        lines += scaleSection
        lines += [
            "## Not measured by this command yet",
            "",
            "- the original's way side by side (one `nft` / `tc` / `radclient` subprocess per operation against",
            "  NetlinkShaping and RadiusKit, for 1,000 sessions): measured by the package benchmarks",
            "  (`cd Benchmarks && swift package benchmark --target NetlinkShapingBenchmarks`, Docs/netlinkshaping.md;",
            "  `RadiusKitBenchmarks`, Docs/radiuskit.md), not yet by `make bench`;",
            "- ingest events/s against a raw batched INSERT and the API's p99 at 200 requests/s on the full lab",
            "  (today: `OSSIngestorTests` and `Benchmarks/APILoad`, Docs/oss.md).",
            "",
            "## Reproduce",
            "",
            "```sh",
            "make bench                      # release build, bench harness, \(setups.count) runs, writes this file",
            "make bench BENCH_RUNS=1 BENCH_SESSIONS=500 BENCH_SCALE=5000 BENCH_INTERIM=60   # a quick look",
            "```",
            "",
            "The raw reports of every run are in `Docs/PERFORMANCE.json`.",
            "",
        ]
        return lines.joined(separator: "\n")
    }
}
