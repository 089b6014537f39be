import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import Testing

/// Fault drills under load (issue "Proof", item 3; Docs/drills.md): `aether-sim load` keeps
/// subscribers arriving while a component is killed, and each drill ends by comparing every place
/// a session lives (Kea ↔ BNG ↔ nftables/tc ↔ radacct ↔ OSS) and counting events lost, duplicated
/// and sessions that flapped, all of which must be 0. The report is written to
/// `drill-report.json` in the test's folder (kept with `AETHER_KEEP_TEST_LOGS=1`) and printed.
@Suite("Fault drills under load", .serialized)
struct FaultDrillTests {
    /// The small drill CI runs: kill -9 of aether-bng and then of aether-ingestor, each while
    /// new subscribers arrive.
    @Test func killNineOfTheBNGAndOfTheIngestorWhileSubscribersArrive() async throws {
        try await Drill.run { context in
            let drill = try await Drill.make(context, subscribers: 80)
            try await drill.settle(1...40)
            let before = try await drill.sessionIDs()

            let duringBNG = try await drill.arrivals(41...60) { try await drill.lab.restart(signal: SIGKILL) }
            let kept = try await drill.sessionIDs().isSuperset(of: before)
            drill.record("kill -9 aether-bng", survived: duringBNG.counters.established == 20 && kept,
                         "sessions kept: \(kept); arrivals: \(duringBNG.summary)")

            // The ingestor dies mid-load; its successor starts once the arrivals are in.
            let first = drill.ingestor
            let duringIngestor = try await drill.arrivals(61...80) { _ = await first.stop(signal: SIGKILL, withinSeconds: 10) }
            _ = try drill.startIngestor("drill-b")
            drill.record("kill -9 aether-ingestor", survived: duringIngestor.counters.established == 20, duringIngestor.summary)

            try await drill.conclude(expected: 80, through: try DrillLedger.issued(drill.lab))
        }
    }

    /// Redis killed with an ingestor down, and back with nothing: everything the ingestor had not
    /// committed comes again from the BNG's outbox.
    @Test func redisBackEmptyWhileTheIngestorIsDownLosesNothing() async throws {
        try await Drill.run { context in
            let redisNamespace = try await context.network.namespace("rds")
            let redis = LabRedis(directory: context.network.directory + "/redis")
            try FileManager.default.createDirectory(atPath: redis.directory, withIntermediateDirectories: true)
            let server = try await redis.start(context.network, in: redisNamespace, log: "redis-1")
            let drill = try await Drill.make(context, subscribers: 50, redis: redis.endpoint)
            try await drill.settle(1...30)
            let committed = try DrillLedger.issued(drill.lab)
            try await DrillLedger.count(drill.lab, through: committed, oss: context.oss, into: &drill.report)

            // The ingestor dies; 20 more subscribers arrive, their events published but not committed.
            _ = await drill.ingestor.stop(signal: SIGKILL, withinSeconds: 10)
            let second = try await drill.lab.runLoad(drill.node, circuits: 31...50, rate: 40, extra: ["--no-release"])
            let through = try DrillLedger.issued(drill.lab)
            #expect(through > committed)

            // Redis dies and comes back with nothing; a new ingestor starts on the empty stream.
            try await redis.crashLosingEverything(server)
            _ = try await redis.start(context.network, in: redisNamespace, log: "redis-2")
            _ = try drill.startIngestor("drill-b")
            var republished = 0.0
            try? await Readiness.wait(for: "the BNG to publish its uncommitted events again", timeoutSeconds: 30) {
                republished = try await drill.lab.metrics().value("aether_events_republished_total")
                return republished > 0
            }
            drill.report.republished = Int(republished)
            drill.record("Redis kill -9, back empty, ingestor down", survived: second.counters.established == 20,
                         "arrivals before the crash: \(second.summary); republished \(Int(republished))")
            try await drill.conclude(expected: 50, through: through)
            #expect(republished >= Double(through - committed), "everything after the committed mark went out again")
        }
    }

    /// RADIUS stops answering while subscribers arrive, then every subscriber re-DORAs at once.
    @Test func radiusSilentWhileSubscribersArriveThenAReconnectStorm() async throws {
        try await Drill.run { context in
            let drill = try await Drill.make(context, subscribers: 60, timers: Drill.quickAuthRetry)
            try await drill.settle(1...40)

            // Every Access-Request and accounting packet dropped on the way out for 8 s.
            let silent = try await drill.arrivals(41...60) {
                try await drill.lab.bngNamespace.check(["nft", "add table inet silence; add chain inet silence out { type filter hook output priority 0; };"
                                                        + " add rule inet silence out udp dport { 1812, 1813 } drop"])
                try await Task.sleep(for: .seconds(8))
                try await drill.lab.bngNamespace.check(["nft", "delete table inet silence"])
            }
            drill.record("RADIUS silent for 8 s", survived: silent.counters.established == 20, silent.summary)
            let before = try await drill.sessionIDs()

            // Every subscriber at once: DISCOVER from all 60 within 60 ms, sessions already held.
            let storm = try await drill.lab.runLoad(drill.node, circuits: 1...60, rate: 1000, extra: ["--no-release", "--no-events"])
            let after = try await drill.sessionIDs()
            drill.record("reconnect storm of 60", survived: storm.counters.bound == 60 && after == before,
                         "sessions kept: \(after == before); \(storm.summary)")
            try await drill.conclude(expected: 60, through: try DrillLedger.issued(drill.lab))
        }
    }

    /// The OSS's PostgreSQL killed (`pg_ctl stop -m immediate`: no checkpoint, every connection
    /// cut) while subscribers arrive, and started again.
    @Test func theOSSPostgreSQLKilledWhileSubscribersArrive() async throws {
        try await withPrivatePostgres { postgres in
            try await Drill.run(postgres: postgres) { context in
                let drill = try await Drill.make(context, subscribers: 50)
                try await drill.settle(1...30)
                let arrivals = try await drill.arrivals(31...50) {
                    try await postgres.crash()
                    try await postgres.start()
                }
                drill.record("kill of the OSS PostgreSQL", survived: arrivals.counters.established == 20 && drill.ingestor.isRunning,
                             "ingestor still running: \(drill.ingestor.isRunning); \(arrivals.summary)")
                try await drill.conclude(expected: 50, through: try DrillLedger.issued(drill.lab))
            }
        }
    }

    /// FreeRADIUS (the drill's own) killed with -9 while subscribers arrive, and started again.
    @Test func freeRADIUSKilledWhileSubscribersArrive() async throws {
        try await Drill.run { context in
            let radius = LabRADIUS(directory: context.network.directory + "/radius")
            var server: BackgroundProcess?
            let drill = try await Drill.make(context, subscribers: 50, timers: Drill.quickAuthRetry, radiusOnBNG: true) { lab in
                server = try await radius.start(context.network, in: lab.bngNamespace, endpoints: context.endpoints, log: "freeradius-1")
            }
            try await drill.settle(1...30)
            let arrivals = try await drill.arrivals(31...50) {
                _ = await server?.stop(signal: SIGKILL, withinSeconds: 10)
                _ = try await radius.start(context.network, in: drill.lab.bngNamespace, endpoints: context.endpoints, log: "freeradius-2")
            }
            drill.record("kill -9 FreeRADIUS", survived: arrivals.counters.established == 20, arrivals.summary)
            try await drill.conclude(expected: 50, through: try DrillLedger.issued(drill.lab))
        }
    }

    /// The BNG cut off from Redis for 15 s while subscribers arrive: every packet from the BNG to
    /// its Redis dropped in its namespace, while the ingestor keeps reading that Redis through its
    /// socket. Sessions are set up meanwhile; their events wait in the outbox and go out once
    /// Redis answers again, each once.
    @Test func theBNGCutOffFromRedisWhileSubscribersArrive() async throws {
        try await Drill.run { context in
            let redis = LabRedis(directory: context.network.directory + "/redis")
            try FileManager.default.createDirectory(atPath: redis.directory, withIntermediateDirectories: true)
            let port: UInt16 = 16379
            let drill = try await Drill.make(context, subscribers: 50, redis: redis.endpoint, redisPortOnBNG: port) { lab in
                _ = try await redis.start(context.network, in: lab.bngNamespace, tcpPort: port, log: "redis-1")
            }
            try await drill.settle(1...30)
            var waiting = 0.0
            let arrivals = try await drill.arrivals(31...50) {
                try await drill.lab.bngNamespace.check(["nft", "add table inet cut; add chain inet cut out { type filter hook output priority 0; };"
                                                        + " add rule inet cut out tcp dport \(port) drop"])
                // The outage's length is the fault itself, not a wait for something.
                try await Task.sleep(for: .seconds(15))
                waiting = try await drill.lab.metrics().value("aether_events_outbox_backlog")
                try await drill.lab.bngNamespace.check(["nft", "delete table inet cut"])
            }
            drill.record("aether-bng cut off from Redis for 15 s", survived: arrivals.counters.established == 20 && waiting > 0,
                         "events waiting in the outbox as the cut ended: \(Int(waiting)); arrivals: \(arrivals.summary)")
            try await drill.conclude(expected: 50, through: try DrillLedger.issued(drill.lab))
        }
    }

    /// The disk under the BNG's store fills up while subscribers arrive (its state folder is a
    /// 64 MiB tmpfs, filled to the last block): new subscribers are refused at the relay with a
    /// clear error, the sessions held keep forwarding (a real host pings through the BNG), nothing
    /// queued is lost, and once space returns the refused subscribers come in as their DHCP
    /// retries arrive and the store passes SQLite's integrity check.
    @Test func aFullDiskUnderTheBNGsStoreRefusesNewcomersAndLosesNothing() async throws {
        try await Drill.run { context in
            let state = context.network.directory + "/bng"
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            try await CommandRunner.check(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", state])
            context.network.onCleanup { _ = try? await CommandRunner.run(["umount", "-l", state]) }
            let drill = try await Drill.make(context, subscribers: 50)
            try await drill.settle(1...30)
            _ = try await drill.lab.dhclient(0)
            let host = try await drill.lab.address(of: 0)
            _ = try await drill.lab.waitForAuthorizedSession(at: host)
            let store = state + "/bng.sqlite"
            let filler = state + "/filler"
            let ping = ["ping", "-c", "3", "-i", "0.3", "-W", "2", "\(BNGLab.upstreamAddress)"]

            var refused = 0.0
            var forwarded = false
            let arrivals = try await drill.arrivals(31...50, rate: 2) {
                // The WAL starts again from nothing and the rest of the space goes to a file, so the
                // BNG's next commit needs blocks there are none of.
                try await CommandRunner.check(["python3", "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1], timeout=10).execute('PRAGMA wal_checkpoint(TRUNCATE)')", store])
                _ = try await CommandRunner.run(["dd", "if=/dev/zero", "of=\(filler)", "bs=1M"], timeoutSeconds: 60)   // ends at ENOSPC
                try await Readiness.wait(for: "the BNG to refuse new subscribers", timeoutSeconds: 30) {
                    try await drill.lab.metrics().value("aether_bng_admitting_subscribers") == 0
                }
                forwarded = (try? await drill.lab.hosts[0].check(ping)) != nil
                // The disk stays full this long: the fault itself, not a wait for something.
                try await Task.sleep(for: .seconds(10))
                refused = try await drill.lab.metrics().value("aether_dhcp_relay_dropped_total", ["reason": "newClientsRefused"])
                try FileManager.default.removeItem(atPath: filler)
                try await Readiness.wait(for: "the BNG to admit subscribers again", timeoutSeconds: 30) {
                    try await drill.lab.metrics().value("aether_bng_admitting_subscribers") == 1
                }
            }
            let said = drill.lab.bng.log().contains("store cannot write: new subscribers refused")
            let integrity = try await CommandRunner.check(["python3", "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1], timeout=10).execute('PRAGMA integrity_check').fetchone()[0])", store])
                .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            drill.record("full disk under the BNG's store for 10 s",
                         survived: arrivals.counters.established == 20 && refused > 0 && forwarded && said && integrity == "ok",
                         "refused \(Int(refused)) requests; held sessions forwarding: \(forwarded); error logged: \(said); integrity: \(integrity); arrivals: \(arrivals.summary)")
            try await drill.conclude(expected: 50, through: try DrillLedger.issued(drill.lab))
        }
    }
}

/// Where a drill runs: its network, the shared services, and the OSS database and schema its
/// ingestors write (a scratch schema of the harness's, or of a private cluster).
struct DrillContext: Sendable {
    let network: TestNetwork
    let endpoints: ServiceEndpoints
    /// For the drill's own queries (search_path set to `schema`).
    let oss: PostgresConnectionInfo
    /// For the ingestors' configuration.
    let ossServer: PostgresConnectionInfo
    let schema: String
}

/// One drill's lab: a BNG with an emulated access node, its subscribers in RADIUS, an OSS
/// pipeline on the BNG's stream with a first ingestor running, and the report being built.
final class Drill: @unchecked Sendable {
    // Used from the drill's own test body only.
    let context: DrillContext
    let lab: BNGLab
    let node: BNGLab.LoadNode
    let pipeline: OSSPipeline
    var report = DrillReport()
    private var ingestors: [BackgroundProcess] = []
    /// The ingestor started last.
    var ingestor: BackgroundProcess { ingestors[ingestors.count - 1] }

    static let quickAuthRetry = "interim_interval: 10\n  counters_interval: 2\n  auth_retry_initial: 1\n  auth_retry_maximum: 2"

    private init(context: DrillContext, lab: BNGLab, node: BNGLab.LoadNode, pipeline: OSSPipeline) {
        self.context = context
        self.lab = lab
        self.node = node
        self.pipeline = pipeline
    }

    /// Runs `body` under the measurement lock (drills load the machine) in a test network with
    /// a scratch OSS schema — in the harness's `oss` database, or in `postgres` when given.
    static func run(postgres: PrivatePostgres? = nil, _ body: (DrillContext) async throws -> Void) async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                if let postgres {
                    try PostgresConnection(postgres.info).execute(script: "CREATE SCHEMA drill")
                    var oss = postgres.info
                    oss.options = "-c search_path=drill"
                    try await body(DrillContext(network: network, endpoints: endpoints, oss: oss, ossServer: postgres.info, schema: "drill"))
                } else {
                    try await withScratchSchema(prefix: "drill") { oss, schema in
                        try await body(DrillContext(network: network, endpoints: endpoints, oss: oss, ossServer: endpoints.postgres.oss, schema: schema))
                    }
                }
            }
        }
    }

    /// The lab (`prepare` runs once it exists, before the BNG is awaited), `subscribers`
    /// circuits in RADIUS, the pipeline and its first ingestor.
    static func make(_ context: DrillContext, subscribers: Int, timers: String? = nil, redis: RedisEndpoint? = nil,
                     radiusOnBNG: Bool = false, redisPortOnBNG: UInt16? = nil,
                     prepare: (BNGLab) async throws -> Void = { _ in }) async throws -> Drill {
        let node = BNGLab.LoadNode(remoteID: "dr-\(context.network.tag)")
        let lab = try await BNGLab.make(context.network, endpoints: context.endpoints, hosts: 1,
                                        timers: timers ?? "interim_interval: 10\n  counters_interval: 2\n  idle_timeout: 600",
                                        redis: redis, loadNode: node, radiusOnBNG: radiusOnBNG, redisPortOnBNG: redisPortOnBNG)
        try await prepare(lab)
        try await lab.waitForBNG()
        try lab.provision(node, circuits: 1...subscribers)
        let pipeline = try OSSPipeline(schema: context.schema, endpoints: context.endpoints, stream: lab.stream, redis: redis,
                                       postgres: context.ossServer)
        let drill = Drill(context: context, lab: lab, node: node, pipeline: pipeline)
        _ = try drill.startIngestor("drill-a")
        return drill
    }

    /// Starts an ingestor; ``conclude(expected:through:)`` (or the network's cleanup) stops it.
    func startIngestor(_ name: String) throws -> BackgroundProcess {
        let process = try pipeline.start(name)
        ingestors.append(process)
        context.network.onCleanup { await process.terminate() }
        return process
    }

    /// Subscribers `circuits` arrive at 40/s and stay; every one must be established.
    func settle(_ circuits: ClosedRange<Int>) async throws {
        let report = try await lab.runLoad(node, circuits: circuits, rate: 40, extra: ["--no-release"])
        #expect(report.counters.established == circuits.count, "\(report.summary)")
    }

    /// Subscribers `circuits` arriving at `rate` a second; `fault` strikes once the first three are in.
    func arrivals(_ circuits: ClosedRange<Int>, rate: Int = 10, during fault: () async throws -> Void) async throws -> SubscriberLoadReport {
        let held = try await lab.sessions().filter { $0["remote_id"] as? String == node.remoteID }.count
        let load = try lab.startLoad(node, circuits: circuits, rate: rate, extra: ["--no-release", "--setup-timeout", "60"])
        try await Readiness.wait(for: "the first arrivals of \(circuits)", timeoutSeconds: 30) {
            guard load.isRunning else { return true }
            return try await self.lab.sessions().filter { $0["remote_id"] as? String == self.node.remoteID }.count >= held + 3
        }
        try await fault()
        try await Readiness.wait(for: "the load of \(circuits) to end", timeoutSeconds: 150) { !load.isRunning }
        return try lab.loadReport(circuits)
    }

    /// The ids of the emulated node's sessions the BNG holds.
    func sessionIDs() async throws -> Set<String> {
        Set(try await lab.sessions().filter { $0["remote_id"] as? String == node.remoteID }.compactMap { $0["session_id"] as? String })
    }

    func record(_ fault: String, survived: Bool, _ detail: String) {
        report.faults.append(.init(name: fault, survived: survived, detail: detail))
    }

    /// Counts the ledger through `through`, waits for the six views to agree on `expected`
    /// sessions, writes and checks the report, and stops the ingestors (before the schema goes).
    func conclude(expected: Int, through: UInt64) async throws {
        defer { pipeline.remove() }
        try await DrillLedger.count(lab, through: through, oss: context.oss, into: &report)
        var views = DrillConsistency()
        do {
            try await Readiness.wait(for: "Kea, the BNG, the kernel, radacct and the OSS to agree", timeoutSeconds: 30) {
                views = try await DrillConsistency.read(self.lab, node: self.node, oss: self.context.oss)
                return views.mismatches.isEmpty && views.bngSessions.count == expected
            }
        } catch {
            Issue.record("not consistent: \(views) — \(views.mismatches.joined(separator: "; "))\n\(lab.bng.log().suffix(3000))")
        }
        for process in ingestors { await process.terminate() }
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
}
