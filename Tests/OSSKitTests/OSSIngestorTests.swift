import AetherTestSupport
import EventSourcing
import Foundation
import Glibc
import LabKit
import OSSKit
import Testing

/// `aether-ingestor` processes against the harness's Redis and PostgreSQL (issue "OSS",
/// acceptance 1): permuted and duplicated deliveries through two concurrent ingestors and one
/// killed mid-batch give exactly the rows of the in-order run; `replay` gives them again; the
/// ingest rate is measured against raw batched INSERT in the same run.
@Suite("aether-ingestor with real Redis and PostgreSQL", .serialized)
struct OSSIngestorTests {
    /// A configuration file for one ingestor in `schema`, and the files it needs.
    typealias Setup = OSSPipeline

    static func progress(_ info: PostgresConnectionInfo, expecting last: [String: UInt64]) throws -> (applied: Int, done: Bool) {
        let rows = try PostgresConnection(info).query("SELECT bng_id, applied_through FROM event_sources").typedRows
        var applied = 0, settled: [String: UInt64] = [:]
        for row in rows {
            let through: UInt64 = try row.decode("applied_through")
            applied += Int(through)
            settled[try row.decode("bng_id")] = through
        }
        return (applied, settled == last)
    }

    /// Scripts start ten minutes ago: the ingestors' retention prunes what is older than its
    /// windows (an hour for `traffic_seconds`).
    static var recently: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) - 600_000_000 }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func lastSeq(_ events: [EventEnvelope]) -> [String: UInt64] {
        events.reduce(into: [:]) { $0[$1.source.bngID] = max($0[$1.source.bngID] ?? 0, $1.seq) }
    }

    @Test func permutedDuplicatedDeliveryThroughTwoIngestorsAndOneKilledMidBatchGivesTheInOrderRows() async throws {
        let endpoints = try await TestServices.endpoints()
        let events = ScriptedEventStream(bngs: 3, sessionsPerBNG: 120, updatesPerSession: 8, start: Self.recently).events()
        let reference = try await OSSProjectionTests.withOSSSchema { store, info in
            for start in stride(from: 0, to: events.count, by: 500) {
                _ = try store.append(Array(events[start..<min(start + 500, events.count)]), projection: OSSProjection())
            }
            return try OSSProjectionTests.dump(info)
        }
        try await OSSProjectionTests.withOSSSchema { store, info, schema in
            let setup = try Setup(schema: schema, endpoints: endpoints)
            defer { setup.remove() }
            // Every event once, in a random order, and a tenth of bng-02's again.
            var generator = SeededGenerator(seed: 2026)
            let again = events.filter { $0.source.bngID == "bng-02" }.shuffled(using: &generator).prefix(events.count / 30)
            let delivered = (events + again).shuffled(using: &generator)
            try setup.publish(delivered)

            // Two messages a batch: thousands of transactions, so it is still busy when this test
            // (slow to be scheduled under a full suite) gets around to freezing it.
            let doomed = try setup.start("doomed", batchSize: 2)
            // Freeze it at a moment it has committed something and holds messages it has read
            // but not acknowledged (its batch in flight, or the one its reader prefetched), then
            // kill it there: SIGSTOP first, so the kill cannot land between an ack and a read.
            try await Readiness.wait(for: "the first ingestor frozen mid-batch after a commit", timeoutSeconds: 60) {
                guard Glibc.kill(doomed.handle.pid, SIGSTOP) == 0 else { return false }
                var frozen = false
                // Whatever happens here (the group may not exist yet), it runs on unless frozen for good.
                defer { if !frozen { _ = Glibc.kill(doomed.handle.pid, SIGCONT) } }
                let stored = try PostgresConnection(info).query("SELECT count(*) AS n FROM session_events").decode("n", as: Int.self)
                frozen = try stored > 0 && stored < events.count && setup.pending(of: "doomed") > 0
                return frozen
            }
            _ = await doomed.stop(signal: SIGKILL, withinSeconds: 10)
            let orphaned = try setup.pending(of: "doomed")
            #expect(orphaned > 0, "the killed ingestor should have left a batch it had read but not acknowledged")
            print("killed an ingestor with \(orphaned) message(s) read and not acknowledged")

            let first = try setup.start("ingestor-a", batchSize: 100)
            let second = try setup.start("ingestor-b", batchSize: 70)
            // Killed when the test ends, also when it throws: a detached Task could outlive the test run.
            defer { first.send(SIGKILL); second.send(SIGKILL) }
            let last = Self.lastSeq(events)
            do {
                try await Readiness.wait(for: "every event projected and acknowledged", timeoutSeconds: 180) {
                    try Self.progress(info, expecting: last).done && setup.pending() == 0
                }
            } catch {
                let sources = try PostgresConnection(info).query("SELECT bng_id, applied_through, highest_seq FROM event_sources ORDER BY bng_id").rows
                let dead = try RedisConnection(endpoints.redis).command(["XRANGE", setup.stream + ":dead", "-", "+", "COUNT", "3"])
                Issue.record("expected \(last), have \(sources), \(try setup.pending()) pending; gaps \(try store.gaps().prefix(5)); dead letters \(dead)")
                throw error
            }
            #expect(first.isRunning && second.isRunning, "\(first.log().suffix(800))\(second.log().suffix(800))")
            #expect(try PostgresConnection(info).query("SELECT count(*) AS n FROM session_events").decode("n", as: Int.self) == events.count)
            #expect(try store.gaps().isEmpty)
            let live = try OSSProjectionTests.dump(info)
            for table in reference.keys.sorted() {
                #expect(live[table] == reference[table], "\(table) differs from the in-order run")
            }

            // `aether-ingestor replay` rebuilds the same tables.
            let replay = try await CommandRunner.run([try BuiltProducts.executable("aether-ingestor"), "replay",
                                                     "--config", try setup.configuration(name: "replay", batchSize: 500)], timeoutSeconds: 120)
            #expect(replay.succeeded, "\(replay.standardError)")
            #expect(replay.standardOutput.contains("replayed \(events.count) of \(events.count) stored events"), "\(replay.standardOutput)")
            let replayed = try OSSProjectionTests.dump(info)
            for table in reference.keys.sorted() {
                #expect(replayed[table] == reference[table], "\(table) differs after aether-ingestor replay")
            }
        }
    }

    /// Every metric Docs/oss.md lists is exported by a running ingestor.
    @Test func theDocumentedMetricsAreExported() async throws {
        let endpoints = try await TestServices.endpoints()
        let events = ScriptedEventStream(bngs: 1, sessionsPerBNG: 5, updatesPerSession: 2, start: Self.recently).events()
        try await OSSProjectionTests.withOSSSchema { _, info, schema in
            let setup = try Setup(schema: schema, endpoints: endpoints)
            defer { setup.remove() }
            try setup.publish(events)
            let address = "127.0.0.1:\(Int.random(in: 20_000...29_999))"
            let ingestor = try setup.start("metrics", metrics: address)
            defer { ingestor.send(SIGKILL) }
            try await Readiness.wait(for: "the events projected", timeoutSeconds: 60) {
                try Self.progress(info, expecting: Self.lastSeq(events)).done
            }
            var text = ""
            try await Readiness.wait(for: "/metrics on \(address)", timeoutSeconds: 30) {
                let result = try await CommandRunner.run(["curl", "-sf", "http://\(address)/metrics"], timeoutSeconds: 10)
                text = result.standardOutput
                return result.succeeded && text.contains("aether_oss_retention_runs_total")
            }
            let document = try String(contentsOfFile: ConfigurationReference.documentPath("oss.md"), encoding: .utf8)
            let section = document.components(separatedBy: "### Metrics\n").last?.components(separatedBy: "## Retention").first ?? ""
            let names = Set(section.split(separator: "`").filter { $0.hasPrefix("aether_") }.map { String($0.split(separator: "{")[0]) })
            #expect(names.count >= 8, "\(names)")
            for name in names.sorted() {
                #expect(text.contains(name), "Docs/oss.md names \(name), which the ingestor does not export")
            }
            #expect(text.contains("outcome=\"stored\""))
        }
    }

    /// Two ingestors take a backlog of every BNG's events (each BNG's in order, the BNGs
    /// interleaved, as Redis holds them); raw batched INSERT of the same rows is the ceiling.
    @Test func ingestRateAgainstRawBatchedInsertInTheSameRun() async throws {
        let endpoints = try await TestServices.endpoints()
        let events = ScriptedEventStream(bngs: 4, sessionsPerBNG: 400, updatesPerSession: 10, start: Self.recently).events().sorted { $0.timestamp < $1.timestamp }
        try await OSSProjectionTests.withOSSSchema { _, info, schema in
            // The ceiling: the same rows, 500 per statement and transaction, into a copy of session_events.
            let connection = try PostgresConnection(info)
            try connection.execute(script: "CREATE TABLE raw_events (LIKE session_events INCLUDING ALL)")
            let codec = EventCodec()
            let insert = try PostgresBatchInsert(
                table: "raw_events", columns: ["bng_id", "bng_instance_id", "seq", "event_type", "ts", "schema_version", "session_id", "event"],
                casts: ["", "::uuid", "::bigint", "", "::timestamptz", "::integer", "::uuid", "::jsonb"], suffix: "ON CONFLICT DO NOTHING")
            let rows = try events.map { event -> [String?] in
                [event.source.bngID, event.source.instanceID.postgresText, String(event.seq), event.eventType.rawValue, event.timestamp.postgresText,
                 String(event.schemaVersion), event.payload.sessionID?.postgresText, String(decoding: try codec.encode(event), as: UTF8.self)]
            }
            let rawStart = ContinuousClock.now
            for start in stride(from: 0, to: rows.count, by: 500) {
                _ = try connection.transaction { try insert.run(Array(rows[start..<min(start + 500, rows.count)]), on: $0) }
            }
            let rawRate = Double(rows.count) / Self.seconds(since: rawStart)

            let setup = try Setup(schema: schema, endpoints: endpoints)
            defer { setup.remove() }
            try setup.publish(events)
            let first = try setup.start("rate-a"), second = try setup.start("rate-b")
            // Killed when the test ends, also when it throws: a detached Task could outlive the test run.
            defer { first.send(SIGKILL); second.send(SIGKILL) }
            let last = Self.lastSeq(events)
            var started: (at: ContinuousClock.Instant, applied: Int)?
            try await Readiness.wait(for: "the backlog ingested", timeoutSeconds: 300) {
                let progress = try Self.progress(info, expecting: last)
                if started == nil, progress.applied > 0 { started = (ContinuousClock.now, progress.applied) }
                return progress.done
            }
            let begin = try #require(started)
            let ingestRate = Double(events.count - begin.applied) / Self.seconds(since: begin.at)
            print(String(format: "ingest: %d events, two aether-ingestor processes %.0f events/s, raw batched INSERT %.0f rows/s, ratio %.0f %%",
                         events.count, ingestRate, rawRate, ingestRate / rawRate * 100))
            #expect(ingestRate > 0 && rawRate > 0)
        }
    }
}
