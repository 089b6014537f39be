import Benchmark
import EventSourcing
import Foundation
import LabKit
import OSSKit
import Synchronization

// Needs the test-profile services (PostgreSQL, Redis) running; from the repository root:
//   swift build && .build/debug/aether-lab services run --profile test -- \
//     sh -c 'cd Benchmarks && swift package benchmark --target OSSKitBenchmarks'
// Ingest with every OSS read model against raw batched INSERT of the same rows, same run, same
// connection count (one): events/s = iterations/s × 500. The stream is ScriptedEventStream's mix
// (starts, policies, updates with resets, stops, health, router liveness), 4 BNGs interleaved.

/// Everything the benchmarks share, built once in the global setup.
///
/// `@unchecked Sendable`: the benchmark runner calls setup, every benchmark and teardown one
/// after another on one task; `rawOffset` is only touched there, and the two-at-once
/// benchmarks give each thread its own connection and its own ingestor.
final class Bench: @unchecked Sendable {
    // Written once by the global setup before any benchmark runs and read only afterwards,
    // from the benchmark runner's one thread.
    nonisolated(unsafe) static var shared: Bench?

    static let batch = 500
    static let iterations = 60

    let schema: String
    let postgres: PostgresConnectionInfo
    let redis: RedisEndpoint
    let stream: String
    let rows: [[String?]]
    let raw: [PostgresConnection]
    let rawInsert: PostgresBatchInsert
    var rawOffset = 0
    /// Two consumers of one group, as two aether-ingestor processes would be.
    let ingestors: [EventIngestor<RedisStreamConsumer, PostgresEventStore, OSSProjection>]
    /// One ingestor with a prefetching reader, on a stream of its own, run by its loop.
    let pipelined: EventIngestor<RedisStreamConsumer, PostgresEventStore, OSSProjection>
    let pipelinedStream: String
    let pipelinedControl = RunControl()
    let commits = DispatchSemaphore(value: 0)
    var pipelinedThread: Thread?

    init() throws {
        let endpoints = try ServiceHarness(configuration: .test()).recordedEndpoints()
        schema = "bench_oss_\(UInt32.random(in: 0...UInt32.max))"
        try PostgresConnection(endpoints.postgres.oss).execute(script: "CREATE SCHEMA \(schema)")
        var info = endpoints.postgres.oss
        info.options = "-c search_path=\(schema)"
        postgres = info
        redis = endpoints.redis
        stream = "bench:oss:\(schema)"

        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let events = ScriptedEventStream(bngs: 4, sessionsPerBNG: 1300, updatesPerSession: 10, start: now - 600_000_000, spacing: 8_000)
            .events().sorted { $0.timestamp < $1.timestamp }
        precondition(events.count >= Self.batch * (2 * Self.iterations + 5), "the script is too short: \(events.count) events")
        let store = try PostgresEventStore(pool: PostgresPool(info, maximumConnections: 2))
        try store.migrate()
        _ = try store.pool.withConnection { try OSSSchema.migrate($0) }

        // The ceiling: the store's rows, as text, into a copy of session_events with its indexes.
        let codec = EventCodec()
        rows = try events.map { event in
            [event.source.bngID, event.source.instanceID.postgresText, String(event.seq), event.eventType.rawValue, event.timestamp.postgresText,
             String(event.schemaVersion), event.payload.sessionID?.postgresText, String(decoding: try codec.encode(event), as: UTF8.self)]
        }
        raw = [try PostgresConnection(info), try PostgresConnection(info)]
        try raw[0].execute(script: "CREATE TABLE raw_events (LIKE session_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)")
        rawInsert = try PostgresBatchInsert(
            table: "raw_events", columns: ["bng_id", "bng_instance_id", "seq", "event_type", "ts", "schema_version", "session_id", "event"],
            casts: ["", "::uuid", "::bigint", "", "::timestamptz", "::integer", "::uuid", "::jsonb"])

        // The pipeline: the same events in the stream, read 500 at a time by one ingestor.
        let connection = try RedisConnection(redis)
        pipelinedStream = stream + ":pipelined"
        for key in [stream, pipelinedStream] {
            for start in stride(from: 0, to: events.count, by: 1000) {
                _ = try connection.pipeline(try events[start..<min(start + 1000, events.count)].map {
                    try EventStreamFormat.xadd($0, to: key, codec: codec)
                })
            }
        }
        var settings = EventIngestor<RedisStreamConsumer, PostgresEventStore, OSSProjection>.Configuration()
        settings.batchSize = Self.batch
        settings.blockMilliseconds = 0
        settings.claimIntervalMilliseconds = 3_600_000
        let (endpoint, streamKey, pipelinedKey) = (redis, stream, pipelinedStream)
        ingestors = try ["bench-a", "bench-b"].map { name in
            try EventIngestor(consumer: RedisStreamConsumer(redis: ReconnectingRedis(endpoint), stream: streamKey, group: "oss", name: name),
                              store: store, projection: OSSProjection(), deadLetters: InMemoryDeadLetters(), configuration: settings)
        }
        // A schema of its own: in the same tables its events (the same keys) would all be duplicates.
        let pipelinedSchema = schema + "_p"
        try PostgresConnection(endpoints.postgres.oss).execute(script: "CREATE SCHEMA \(pipelinedSchema)")
        var pipelinedInfo = endpoints.postgres.oss
        pipelinedInfo.options = "-c search_path=\(pipelinedSchema)"
        let pipelinedStore = try PostgresEventStore(pool: PostgresPool(pipelinedInfo, maximumConnections: 1))
        try pipelinedStore.migrate()
        _ = try pipelinedStore.pool.withConnection { try OSSSchema.migrate($0) }
        var loopSettings = settings
        loopSettings.blockMilliseconds = 200
        pipelined = try EventIngestor(
            consumer: RedisStreamConsumer(redis: ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 5000), stream: pipelinedKey, group: "oss", name: "bench-p"),
            prefetcher: RedisStreamConsumer(redis: ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 5000), stream: pipelinedKey, group: "oss", name: "bench-p"),
            store: pipelinedStore, projection: OSSProjection(), deadLetters: InMemoryDeadLetters(), configuration: loopSettings)
        let signal = commits
        pipelined.afterCommit = { _ in signal.signal() }
    }

    func tearDown() throws {
        pipelinedControl.stop()
        while pipelinedThread?.isFinished == false { usleep(10_000) }
        _ = try? RedisConnection(redis).command(["DEL", stream, pipelinedStream])
        var admin = postgres
        admin.options = nil
        try PostgresConnection(admin).execute(script: "DROP SCHEMA \(schema) CASCADE; DROP SCHEMA \(schema)_p CASCADE")
    }

    /// Runs `body(0)` and `body(1)` on two threads and rethrows the first failure.
    static func together(_ body: @escaping @Sendable (Int) throws -> Void) throws {
        let failures = Mutex<[any Error]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            do { try body(index) } catch { failures.withLock { $0.append(error) } }
        }
        if let first = failures.withLock({ $0.first }) { throw first }
    }

    func nextRawRows() -> ArraySlice<[String?]> {
        defer { rawOffset += Self.batch }
        return rows[rawOffset..<min(rawOffset + Self.batch, rows.count)]
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.metrics = [.wallClock, .throughput]
    Benchmark.defaultConfiguration.maxDuration = .seconds(10)
    Benchmark.defaultConfiguration.timeUnits = .microseconds
    Benchmark.setup = { Bench.shared = try Bench() }
    Benchmark.teardown = { try Bench.shared?.tearDown() }

    Benchmark("OSS raw batched INSERT 500 rows/tx", configuration: .init(maxIterations: Bench.iterations)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let rows = Array(bench.nextRawRows())
            benchmark.startMeasurement()
            _ = try bench.raw[0].transaction { try bench.rawInsert.run(rows, on: $0) }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("OSS ingest redis to postgres with every read model 500/batch", configuration: .init(maxIterations: Bench.iterations)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let step = try bench.ingestors[0].step()
            precondition(step.outcome.applied == Bench.batch, "ingest stream ran dry or held events: \(step)")
        }
    }

    // The aether-ingestor way: the loop with a prefetching reader; an iteration is one commit.
    Benchmark("OSS ingest pipelined (prefetching reader) 500/batch", configuration: .init(maxIterations: Bench.iterations)) { benchmark in
        let bench = Bench.shared!
        if bench.pipelinedThread == nil {
            let thread = Thread { bench.pipelined.ingestLoop(control: bench.pipelinedControl) }
            bench.pipelinedThread = thread
            thread.start()
            bench.commits.wait()  // the first batch includes starting up
        }
        for _ in benchmark.scaledIterations {
            bench.commits.wait()
        }
    }

    // Two at once, each iteration 2 × 500: two connections inserting, two ingestors of one group.
    Benchmark("OSS raw batched INSERT 2 connections 2x500 rows/tx", configuration: .init(maxIterations: Bench.iterations / 2)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let rows = [Array(bench.nextRawRows()), Array(bench.nextRawRows())]
            benchmark.startMeasurement()
            try Bench.together { index in _ = try bench.raw[index].transaction { try bench.rawInsert.run(rows[index], on: $0) } }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("OSS ingest 2 ingestors 2x500/batch", configuration: .init(maxIterations: Bench.iterations / 2)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            try Bench.together { index in
                let step = try bench.ingestors[index].step()
                precondition(step.outcome.inserted == Bench.batch, "ingest stream ran dry: \(step)")
            }
        }
    }
}
