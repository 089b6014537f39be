import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import Testing

/// Fault drills under load (issue "Proof", item 3): `aether-sim load` keeps subscribers arriving
/// while a component is killed, and each drill ends by comparing every place a session lives
/// (Kea ↔ BNG ↔ nftables/tc ↔ radacct ↔ OSS) and counting events lost, duplicated and sessions
/// that flapped, all of which must be 0. The report is written to `drill-report.json` in the
/// test's folder (kept with `AETHER_KEEP_TEST_LOGS=1`) and printed.
@Suite("Fault drills under load", .serialized)
struct FaultDrillTests {
    /// Subscribers of one background load that a drill's fault strikes into.
    static func arrivals(_ lab: BNGLab, _ node: BNGLab.LoadNode, _ circuits: ClosedRange<Int>, rate: Int,
                         during fault: () async throws -> Void) async throws -> SubscriberLoadReport {
        let held = try await lab.sessions().filter { $0["remote_id"] as? String == node.remoteID }.count
        let load = try lab.startLoad(node, circuits: circuits, rate: rate, extra: ["--no-release", "--setup-timeout", "60"])
        try await Readiness.wait(for: "the first arrivals of \(circuits)", timeoutSeconds: 30) {
            guard load.isRunning else { return true }
            return try await lab.sessions().filter { $0["remote_id"] as? String == node.remoteID }.count >= held + 3
        }
        try await fault()
        try await Readiness.wait(for: "the load of \(circuits) to end", timeoutSeconds: 150) { !load.isRunning }
        return try lab.loadReport(circuits)
    }

    static func sessionIDs(_ lab: BNGLab, _ node: BNGLab.LoadNode) async throws -> Set<String> {
        Set(try await lab.sessions().filter { $0["remote_id"] as? String == node.remoteID }.compactMap { $0["session_id"] as? String })
    }

    /// Waits for the six views to agree on `expected` sessions, records the outcome, and checks the ledger.
    static func conclude(_ lab: BNGLab, _ node: BNGLab.LoadNode, oss: PostgresConnectionInfo, expected: Int, through: UInt64,
                         report: inout DrillReport) async throws {
        try await DrillLedger.count(lab, through: through, oss: oss, node: node, into: &report)
        var views = DrillConsistency()
        do {
            try await Readiness.wait(for: "Kea, the BNG, the kernel, radacct and the OSS to agree", timeoutSeconds: 30) {
                views = try await DrillConsistency.read(lab, node: node, oss: oss)
                return views.mismatches.isEmpty && views.bngSessions.count == expected
            }
        } catch {
            Issue.record("not consistent: \(views) — \(views.mismatches.joined(separator: "; "))\n\(lab.bng.log().suffix(3000))")
        }
        #expect(views.bngSessions.count == expected, "\(views)")
        print("drill consistency: \(views)")
        print("drill report: \(report.summary)")
        try report.write(to: lab.network.directory + "/drill-report.json")
        let failed = report.faults.filter { !$0.survived }
        #expect(failed.isEmpty, "\(failed)")
        #expect(report.eventsLost == 0, "\(report.summary)")
        #expect(report.duplicateSessionEvents == 0 && report.duplicateAccountingStarts == 0, "\(report.summary)")
        #expect(report.sessionFlaps == 0, "\(report.summary)")
    }

    /// The small drill CI runs: kill -9 of aether-bng and then of aether-ingestor, each while
    /// new subscribers arrive.
    @Test func killNineOfTheBNGAndOfTheIngestorWhileSubscribersArrive() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                try await withScratchSchema(prefix: "drill") { oss, schema in
                    let node = BNGLab.LoadNode(remoteID: "dr-\(network.tag)")
                    let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1, loadNode: node)
                    try await lab.waitForBNG()
                    try lab.provision(node, circuits: 1...80)
                    let pipeline = try OSSPipeline(schema: schema, endpoints: endpoints, stream: lab.stream)
                    defer { pipeline.remove() }
                    let firstIngestor = try pipeline.start("drill-a")
                    network.onCleanup { await firstIngestor.terminate() }
                    var report = DrillReport()

                    let settled = try await lab.runLoad(node, circuits: 1...40, rate: 40, extra: ["--no-release"])
                    #expect(settled.counters.established == 40, "\(settled.summary)")
                    let before = try await Self.sessionIDs(lab, node)

                    let duringBNG = try await Self.arrivals(lab, node, 41...60, rate: 10) { try await lab.restart(signal: SIGKILL) }
                    let kept = try await Self.sessionIDs(lab, node).isSuperset(of: before)
                    report.faults.append(.init(name: "kill -9 aether-bng", survived: duringBNG.counters.established == 20 && kept,
                                               detail: "sessions kept: \(kept); arrivals: \(duringBNG.summary)"))

                    // The ingestor dies mid-load; its successor starts once the arrivals are in.
                    let duringIngestor = try await Self.arrivals(lab, node, 61...80, rate: 10) {
                        _ = await firstIngestor.stop(signal: SIGKILL, withinSeconds: 10)
                    }
                    let secondIngestor = try pipeline.start("drill-b")
                    network.onCleanup { await secondIngestor.terminate() }
                    report.faults.append(.init(name: "kill -9 aether-ingestor", survived: duringIngestor.counters.established == 20,
                                               detail: duringIngestor.summary))

                    try await Self.conclude(lab, node, oss: oss, expected: 80, through: try DrillLedger.issued(lab), report: &report)
                    // Before the schema goes.
                    await secondIngestor.terminate()
                }
            }
        }
    }

    /// Redis killed with an ingestor down, and back with nothing: everything the ingestor had not
    /// committed comes again from the BNG's outbox.
    @Test func redisBackEmptyWhileTheIngestorIsDownLosesNothing() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                try await withScratchSchema(prefix: "drill") { oss, schema in
                    let redisNamespace = try await network.namespace("rds")
                    let redis = LabRedis(directory: network.directory + "/redis")
                    try FileManager.default.createDirectory(atPath: redis.directory, withIntermediateDirectories: true)
                    let server = try await redis.start(network, in: redisNamespace, log: "redis-1")
                    let node = BNGLab.LoadNode(remoteID: "dr-\(network.tag)")
                    let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1, redis: redis.endpoint, loadNode: node)
                    try await lab.waitForBNG()
                    try lab.provision(node, circuits: 1...50)
                    let pipeline = try OSSPipeline(schema: schema, endpoints: endpoints, stream: lab.stream, redis: redis.endpoint)
                    defer { pipeline.remove() }
                    let ingestor = try pipeline.start("drill-a")
                    network.onCleanup { await ingestor.terminate() }
                    var report = DrillReport()

                    let first = try await lab.runLoad(node, circuits: 1...30, rate: 40, extra: ["--no-release"])
                    #expect(first.counters.established == 30, "\(first.summary)")
                    let committed = try DrillLedger.issued(lab)
                    try await DrillLedger.count(lab, through: committed, oss: oss, node: node, into: &report)

                    // The ingestor dies; 20 more subscribers arrive, their events published but not committed.
                    _ = await ingestor.stop(signal: SIGKILL, withinSeconds: 10)
                    let second = try await lab.runLoad(node, circuits: 31...50, rate: 40, extra: ["--no-release"])
                    let through = try DrillLedger.issued(lab)
                    #expect(through > committed)

                    // Redis dies and comes back with nothing; a new ingestor starts on the empty stream.
                    try await redis.crashLosingEverything(server)
                    _ = try await redis.start(network, in: redisNamespace, log: "redis-2")
                    let after = try pipeline.start("drill-b")
                    network.onCleanup { await after.terminate() }
                    var republished = 0.0
                    try? await Readiness.wait(for: "the BNG to publish its uncommitted events again", timeoutSeconds: 30) {
                        republished = try await lab.metrics().value("aether_events_republished_total")
                        return republished > 0
                    }
                    report.republished = Int(republished)
                    report.faults.append(.init(name: "Redis kill -9, back empty, ingestor down", survived: second.counters.established == 20,
                                               detail: "arrivals before the crash: \(second.summary); republished \(Int(republished))"))
                    try await Self.conclude(lab, node, oss: oss, expected: 50, through: through, report: &report)
                    #expect(republished >= Double(through - committed), "everything after the committed mark went out again")
                    await after.terminate()
                }
            }
        }
    }

    /// RADIUS stops answering while subscribers arrive, then every subscriber re-DORAs at once.
    @Test func radiusSilentWhileSubscribersArriveThenAReconnectStorm() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                try await withScratchSchema(prefix: "drill") { oss, schema in
                    let node = BNGLab.LoadNode(remoteID: "dr-\(network.tag)")
                    let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1,
                                                    timers: "interim_interval: 10\n  counters_interval: 2\n  auth_retry_initial: 1\n  auth_retry_maximum: 2",
                                                    loadNode: node)
                    try await lab.waitForBNG()
                    try lab.provision(node, circuits: 1...60)
                    let pipeline = try OSSPipeline(schema: schema, endpoints: endpoints, stream: lab.stream)
                    defer { pipeline.remove() }
                    let ingestor = try pipeline.start("drill-a")
                    network.onCleanup { await ingestor.terminate() }
                    var report = DrillReport()

                    let settled = try await lab.runLoad(node, circuits: 1...40, rate: 40, extra: ["--no-release"])
                    #expect(settled.counters.established == 40, "\(settled.summary)")

                    // Every Access-Request and accounting packet dropped on the way out for 8 s.
                    let silent = try await Self.arrivals(lab, node, 41...60, rate: 10) {
                        try await lab.bngNamespace.check(["nft", "add table inet silence; add chain inet silence out { type filter hook output priority 0; };"
                                                          + " add rule inet silence out udp dport { 1812, 1813 } drop"])
                        try await Task.sleep(for: .seconds(8))
                        try await lab.bngNamespace.check(["nft", "delete table inet silence"])
                    }
                    report.faults.append(.init(name: "RADIUS silent for 8 s", survived: silent.counters.established == 20, detail: silent.summary))
                    let before = try await Self.sessionIDs(lab, node)

                    // Every subscriber at once: DISCOVER from all 60 within 60 ms, sessions already held.
                    let storm = try await lab.runLoad(node, circuits: 1...60, rate: 1000, extra: ["--no-release", "--no-events"])
                    let after = try await Self.sessionIDs(lab, node)
                    report.faults.append(.init(name: "reconnect storm of 60", survived: storm.counters.bound == 60 && after == before,
                                               detail: "sessions kept: \(after == before); \(storm.summary)"))

                    try await Self.conclude(lab, node, oss: oss, expected: 60, through: try DrillLedger.issued(lab), report: &report)
                    await ingestor.terminate()
                }
            }
        }
    }

    /// The OSS's PostgreSQL killed (`pg_ctl stop -m immediate`: no checkpoint, every connection
    /// cut) while subscribers arrive, and started again.
    @Test func theOSSPostgreSQLKilledWhileSubscribersArrive() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withPrivatePostgres { postgres in
                try PostgresConnection(postgres.info).execute(script: "CREATE SCHEMA drill")
                var oss = postgres.info
                oss.options = "-c search_path=drill"
                try await withTestNetwork { network in
                    let node = BNGLab.LoadNode(remoteID: "dr-\(network.tag)")
                    let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1, loadNode: node)
                    try await lab.waitForBNG()
                    try lab.provision(node, circuits: 1...50)
                    let pipeline = try OSSPipeline(schema: "drill", endpoints: endpoints, stream: lab.stream, postgres: postgres.info)
                    defer { pipeline.remove() }
                    let ingestor = try pipeline.start("drill-a")
                    network.onCleanup { await ingestor.terminate() }
                    var report = DrillReport()

                    let settled = try await lab.runLoad(node, circuits: 1...30, rate: 40, extra: ["--no-release"])
                    #expect(settled.counters.established == 30, "\(settled.summary)")
                    let arrivals = try await Self.arrivals(lab, node, 31...50, rate: 10) {
                        try await postgres.crash()
                        try await postgres.start()
                    }
                    report.faults.append(.init(name: "kill of the OSS PostgreSQL", survived: arrivals.counters.established == 20 && ingestor.isRunning,
                                               detail: "ingestor still running: \(ingestor.isRunning); \(arrivals.summary)"))
                    try await Self.conclude(lab, node, oss: oss, expected: 50, through: try DrillLedger.issued(lab), report: &report)
                    await ingestor.terminate()
                }
            }
        }
    }
}
