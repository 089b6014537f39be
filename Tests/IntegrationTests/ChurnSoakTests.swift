import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import Testing

/// The churn soak (issue "Proof", item 5), run by hand: `make soak SOAK_SECONDS=3600`.
/// Subscribers come and go at a steady rate through the real aether-bng, Kea, FreeRADIUS, Redis
/// and aether-ingestor while the test samples, once a minute, what must stay flat — the BNG's and
/// the ingestor's memory and file descriptors, the kernel's objects, the sessions held, the
/// outbox and the stream — and what grows by design (the event log, the session history).
/// Skipped unless `AETHER_SOAK_SECONDS` is set.
@Suite("Churn soak", .serialized, .enabled(if: soakSeconds != nil))
struct ChurnSoakTests {
    static let subscribers = 200

    struct Sample: Codable {
        var second: Int
        var bngRSSKiB: Int
        var bngDescriptors: Int
        var ingestorRSSKiB: Int
        var ingestorDescriptors: Int
        var sessions: Int
        var stopping: Int
        var nftAddresses: Int
        var tcClasses: Int
        var outboxUncommitted: Double
        var streamLength: Int
        var sessionsActive: Int
        var sessionEvents: Int
        var sessionsHistory: Int
        var radacctOpen: Int
    }

    static func status(_ pid: Int32, _ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func descriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    static func count(_ info: PostgresConnectionInfo, _ sql: String, _ arguments: [String] = []) throws -> Int {
        Int(try PostgresConnection(info).query("SELECT (\(sql))::text AS n", arguments).value("n") ?? "0") ?? 0
    }

    static func sample(_ lab: BNGLab, ingestor: BackgroundProcess, node: BNGLab.LoadNode, oss: PostgresConnectionInfo, second: Int) async throws -> Sample {
        let bng = lab.bng.handle.pid, ingest = ingestor.handle.pid
        let views = try await DrillConsistency.read(lab, node: node, oss: oss)
        let classes = try await lab.bngNamespace.check(["tc", "class", "show", "dev", "agg0"]).standardOutput.split(separator: "\n").count
        return Sample(
            second: second, bngRSSKiB: status(bng, "VmRSS"), bngDescriptors: descriptors(bng),
            ingestorRSSKiB: status(ingest, "VmRSS"), ingestorDescriptors: descriptors(ingest),
            sessions: views.bngSessions.count, stopping: views.stopping, nftAddresses: views.nftAddresses.count, tcClasses: classes,
            outboxUncommitted: try await lab.metrics().value("aether_events_outbox_uncommitted"),
            streamLength: Int(try RedisConnection(lab.redis).command(["XLEN", lab.stream]).integer ?? 0),
            sessionsActive: views.ossActive.count,
            sessionEvents: try count(oss, "SELECT count(*) FROM session_events"),
            sessionsHistory: try count(oss, "SELECT count(*) FROM sessions_history"),
            radacctOpen: views.radacctOpen.count)
    }

    @Test func subscribersComeAndGoForTheWholeRunAndNothingGrowsThatShouldNot() async throws {
        let seconds = try #require(soakSeconds)
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            try await withScratchSchema(prefix: "soak") { oss, schema in
                let node = BNGLab.LoadNode(remoteID: "sk-\(network.tag)")
                let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1,
                                                timers: "interim_interval: 30\n  counters_interval: 10\n  idle_timeout: 600", loadNode: node)
                try await lab.waitForBNG()
                try lab.provision(node, circuits: 1...Self.subscribers)
                let pipeline = try OSSPipeline(schema: schema, endpoints: endpoints, stream: lab.stream)
                defer { pipeline.remove() }
                let ingestor = try pipeline.start("soak")
                network.onCleanup { await ingestor.terminate() }

                // Each subscriber: DORA, hold 20 s, RELEASE, back after 5 s — about 160 held, 8 set up a second.
                let load = try lab.startLoad(node, circuits: 1...Self.subscribers, rate: 10,
                                             extra: ["--hold", "20", "--rejoin-after", "5", "--duration", "\(seconds)", "--setup-timeout", "30"])
                let started = ContinuousClock.now
                var samples: [Sample] = []
                while load.isRunning {
                    try await Task.sleep(for: .seconds(60))   // the sampling period, not a wait for anything
                    guard load.isRunning else { break }
                    let elapsed = Int((ContinuousClock.now - started).components.seconds)
                    let sample = try await Self.sample(lab, ingestor: ingestor, node: node, oss: oss, second: elapsed)
                    samples.append(sample)
                    print("soak \(elapsed) s: bng \(sample.bngRSSKiB) KiB/\(sample.bngDescriptors) fds · ingestor \(sample.ingestorRSSKiB) KiB/\(sample.ingestorDescriptors) fds · "
                          + "sessions \(sample.sessions) (+\(sample.stopping) stopping) · nft \(sample.nftAddresses) · tc classes \(sample.tcClasses) · uncommitted \(Int(sample.outboxUncommitted)) · "
                          + "stream \(sample.streamLength) · active \(sample.sessionsActive) · events \(sample.sessionEvents) · history \(sample.sessionsHistory)")
                }
                let report = try lab.loadReport(1...Self.subscribers)
                print(report.summary)
                print("soak: at most \(samples.map(\.stopping).max() ?? 0) sessions stopping at once")
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(samples).write(to: URL(fileURLWithPath: network.directory + "/soak-samples.json"))

                // Flat: compare the last quarter of the run with its second quarter (the first is warm-up).
                try #require(samples.count >= 8, "too short a soak to judge: \(samples.count) samples")
                let quarter = samples.count / 4
                func mean(_ values: ArraySlice<Sample>, _ key: (Sample) -> Double) -> Double { values.map(key).reduce(0, +) / Double(values.count) }
                let early = samples[quarter..<(2 * quarter)], late = samples[(samples.count - quarter)...]
                for (name, key, slack) in [("BNG RSS", { (s: Sample) in Double(s.bngRSSKiB) }, 1.10),
                                           ("ingestor RSS", { Double($0.ingestorRSSKiB) }, 1.10),
                                           ("BNG descriptors", { Double($0.bngDescriptors) }, 1.05),
                                           ("tc classes", { Double($0.tcClasses) }, 1.05),
                                           ("ingestor descriptors", { Double($0.ingestorDescriptors) }, 1.05),
                                           ("stream length", { Double($0.streamLength) }, 1.5),
                                           ("outbox uncommitted", { $0.outboxUncommitted }, 2.0)] as [(String, (Sample) -> Double, Double)] {
                    let before = mean(early, key), after = mean(late, key)
                    print("soak \(name): \(Int(before)) → \(Int(after))")
                    #expect(after <= max(before * slack, before + 64), "\(name) grew from \(before) to \(after)")
                }
                // The kernel and every table follow the sessions held (read a moment apart, at 8 set-ups a
                // second): no leftovers of the thousands that ended.
                for sample in samples {
                    // nft holds the active sessions; radacct and the OSS also the stopping ones until their stop lands.
                    let ending = sample.sessions + sample.stopping
                    #expect(abs(sample.nftAddresses - sample.sessions) <= 25 && abs(sample.sessionsActive - ending) <= 25
                            && abs(sample.radacctOpen - ending) <= 25, "at \(sample.second) s: \(sample)")
                }
                #expect(report.counters.unexpectedStops == 0, "\(report.summary)")
                #expect(report.failures.values.reduce(0, +) == 0, "\(report.summary)")
            }
        }
    }
}

/// How long the soak runs (`AETHER_SOAK_SECONDS`); nil skips it.
private let soakSeconds: Int? = ProcessInfo.processInfo.environment["AETHER_SOAK_SECONDS"].flatMap(Int.init)
