import AetherTestSupport
import EventSourcing
import Foundation
import NetworkTypes
import OSSKit
import Testing

/// The OSS read models against the harness's real PostgreSQL: a scripted stream of two BNGs,
/// delivered in order, or shuffled with redeliveries, or replayed, gives the same tables.
@Suite("OSS read models from BNG events")
struct OSSProjectionTests {
    /// A fresh schema in the harness's `oss` database with the event store's and the OSS tables.
    static func withOSSSchema<T>(_ body: (PostgresEventStore, PostgresConnectionInfo) async throws -> T) async throws -> T {
        try await withOSSSchema { store, info, _ in try await body(store, info) }
    }

    /// The same, with the schema's name (for a configuration file of its own).
    static func withOSSSchema<T>(_ body: (PostgresEventStore, PostgresConnectionInfo, String) async throws -> T) async throws -> T {
        try await withScratchSchema(prefix: "oss_test") { info, schema in
            let store = try PostgresEventStore(pool: PostgresPool(info, maximumConnections: 2))
            try store.migrate()
            let connection = try PostgresConnection(info)
            try OSSSchema.migrate(connection)
            // Inventory the API would have provisioned: one of the two access nodes.
            try connection.execute(script: "INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('an-01', '100.64.1.1', 'bng-01', 4)")
            return try await body(store, info, schema)
        }
    }

    /// Two BNGs, three sessions each: start, policy, updates (one with a counter reset), stop for
    /// two of them, an update after a stop, router and health updates.
    static func script() -> [EventEnvelope] {
        var events: [EventEnvelope] = []
        let base: Int64 = 1_790_000_000_000_000
        for (bngIndex, bng) in ["bng-01", "bng-02"].enumerated() {
            let source = EventSource(bngID: bng, instanceID: UUID(uuidString: "00000000-0000-4000-8000-00000000000\(bngIndex + 1)")!)
            var seq: UInt64 = 0
            var clock = base + Int64(bngIndex) * 1_000
            func emit(_ payload: EventPayload, after microseconds: Int64 = 20_000_000) {
                seq += 1
                clock += microseconds
                events.append(EventEnvelope(source: source, seq: seq, timestamp: EventTimestamp(rawValue: clock), payload: payload))
            }
            emit(.bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: 3.5, memoryUsedBytes: 40 << 20, memoryLimitBytes: 1 << 30)))
            emit(.routerUpdate(RouterUpdatePayload(routerName: "an-0\(bngIndex + 1)", isAlive: true, lastSeen: EventTimestamp(rawValue: clock))))
            var lines: [SessionLine] = []
            for index in 0..<3 {
                let line = SessionLine(sessionID: UUID(uuidString: "10000000-0000-4000-8000-0000000\(bngIndex)\(index)000")!,
                                       nasIP: IPv4Address(10, 255, 0, UInt8(11 + bngIndex)), remoteID: "an-0\(bngIndex + 1)",
                                       circuitID: "an-0\(bngIndex + 1)/\(index + 1)", macAddress: MACAddress(0x02, 0, 0, UInt8(bngIndex), 0, UInt8(index)),
                                       ipAddress: IPv4Address(100, 64, UInt8(bngIndex + 1), UInt8(10 + index)), username: "\(bng)/an/\(index + 1)")
                lines.append(line)
                emit(.sessionStart(SessionStartPayload(line: line, startedAt: EventTimestamp(rawValue: clock))))
                emit(.policyApply(PolicyApplyPayload(line: line, authState: .authorized, downloadKbps: 20_000, uploadKbps: 5_000)))
            }
            for step in 1...4 {
                for (index, line) in lines.enumerated() {
                    // Line 1's BNG counter resets after step 2 (e.g. the session's objects were re-created).
                    let bytes = UInt64(index == 1 && step > 2 ? (step - 2) * 1_000 : step * 1_000_000 * (index + 1))
                    emit(.sessionUpdate(SessionUpdatePayload(line: line, counters: SessionCounters(bytesUp: bytes / 4, bytesDown: bytes,
                                                                                                   packetsUp: UInt64(step), packetsDown: UInt64(step)))))
                }
                emit(.bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: Double(step), memoryUsedBytes: UInt64(40 + step) << 20, memoryLimitBytes: 1 << 30)))
            }
            for line in lines.prefix(2) {
                emit(.sessionStop(SessionStopPayload(line: line, counters: SessionCounters(bytesUp: 9_000_000 / 4, bytesDown: 9_000_000, packetsUp: 9, packetsDown: 9),
                                                     terminateCause: "User-Request", endedAt: EventTimestamp(rawValue: clock))))
            }
            // A late update of a stopped session: nothing may come of it.
            emit(.sessionUpdate(SessionUpdatePayload(line: lines[0], counters: SessionCounters(bytesUp: 1, bytesDown: 99_000_000))))
            emit(.routerUpdate(RouterUpdatePayload(routerName: "an-0\(bngIndex + 1)", isAlive: false, lastSeen: nil)))
        }
        return events
    }

    static let tables = ["sessions_active ORDER BY session_id", "sessions_history ORDER BY session_id", "bng_registry ORDER BY bng_id",
                         "bng_health_events ORDER BY bng_id, seq", "traffic_minutes ORDER BY bng_id, minute",
                         "traffic_seconds ORDER BY bng_id, second",
                         "access_routers ORDER BY router_name"]

    /// Every read model as text, without the columns that record wall-clock time of writing.
    static func dump(_ info: PostgresConnectionInfo) throws -> [String: [[String?]]] {
        let connection = try PostgresConnection(info)
        var result: [String: [[String?]]] = [:]
        for table in tables {
            let name = String(table.split(separator: " ")[0])
            let rows = try connection.query("SELECT * FROM \(table)")
            let kept = rows.columns.indices.filter { !["created_at", "updated_at"].contains(rows.columns[$0]) || name != "access_routers" }
            result[name] = rows.rows.map { row in kept.map { row[$0] } }
        }
        return result
    }

    @Test func inOrderShuffledWithRedeliveriesAndReplayedGiveTheSameTables() async throws {
        let events = Self.script()
        let projection = OSSProjection()
        let inOrder = try await Self.withOSSSchema { store, info in
            for start in stride(from: 0, to: events.count, by: 10) {
                _ = try store.append(Array(events[start..<min(start + 10, events.count)]), projection: projection)
            }
            let connection = try PostgresConnection(info)
            // Two sessions per BNG moved to history, one stays; the late update did not bring one back.
            #expect(try connection.query("SELECT count(*) AS n FROM sessions_active").value("n") == "2")
            #expect(try connection.query("SELECT count(*) AS n FROM sessions_history").value("n") == "4")
            let stopped = try connection.query("SELECT bytes_down, terminate_cause, download_kbps, upper(period) > lower(period) AS spans FROM sessions_history WHERE session_id = '10000000-0000-4000-8000-000000000000'")
            #expect(stopped.rows.first == ["9000000", "User-Request", "20000", "t"])
            // Traffic: the bytes each session moved, a reset counted as a new start, the late update ignored.
            // Per BNG: line 0 9 M (then stopped); line 1 2 M + 2 M, reset to 1 k (+1 k), 2 k (+1 k), stop at 9 M (+9 M - 2 k) = 13 M; line 2 12 M.
            let traffic = try connection.query("SELECT bng_id, sum(bytes_down)::text AS down FROM traffic_minutes GROUP BY bng_id ORDER BY bng_id")
            #expect(traffic.rows == [["bng-01", "\(9_000_000 + 13_000_000 + 12_000_000)"],
                                     ["bng-02", "\(9_000_000 + 13_000_000 + 12_000_000)"]])
            let registry = try connection.query("SELECT bng_id, cpu_percent::text AS cpu, first_seen < last_seen AS aged FROM bng_registry ORDER BY bng_id")
            #expect(registry.rows == [["bng-01", "4", "t"], ["bng-02", "4", "t"]])
            #expect(try connection.query("SELECT count(*) AS n FROM bng_health_events").value("n") == "10")
            // Liveness lands only on the provisioned router, and the latest event wins.
            #expect(try connection.query("SELECT router_name, is_alive FROM access_routers").rows == [["an-01", "f"]])
            return try Self.dump(info)
        }

        var generator = SeededGenerator(seed: 42)
        let delivered = (events + events.shuffled(using: &generator).prefix(40)).shuffled(using: &generator)
        try await Self.withOSSSchema { store, info in
            var index = 0
            while index < delivered.count {
                let size = Int.random(in: 1...17, using: &generator)
                _ = try store.append(Array(delivered[index..<min(index + size, delivered.count)]), projection: projection)
                index += size
            }
            #expect(try Self.dump(info) == inOrder, "shuffled delivery with redeliveries gave other tables")
            let summary = try store.rebuild(projection)
            #expect(summary.events == events.count && summary.applied == events.count)
            #expect(try Self.dump(info) == inOrder, "a replay of session_events gave other tables")
        }
    }
}

@Suite("OSS demo data")
struct OSSSeedTests {
    @Test func theDemoDataLoadsOnceAndAgainChangesNothing() async throws {
        try await OSSProjectionTests.withOSSSchema { _, info in
            let connection = try PostgresConnection(info)
            let first = try OSSSeed.load(into: connection)
            #expect(first.plans == 4 && first.customers == OSSSeed.customers.count)
            let again = try OSSSeed.load(into: connection)
            #expect(again.plans == 0 && again.customers == 0)
            let plans = try connection.query("SELECT name, download_kbps::text AS down, price_cents::text AS price, active FROM plans ORDER BY download_kbps")
            #expect(plans.rows == [["Legacy 10/5", "10000", "1999", "f"], ["Bronze 25/10", "25000", "2999", "t"],
                                   ["Silver 100/30", "100000", "4999", "t"], ["Gold 300/100", "300000", "7999", "t"]])
            #expect(try connection.query("SELECT count(DISTINCT email) AS n FROM customers").value("n") == "\(OSSSeed.customers.count)")
        }
    }
}
