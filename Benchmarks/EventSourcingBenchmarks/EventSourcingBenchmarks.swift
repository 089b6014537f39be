import Benchmark
import EventSourcing
import Foundation
import LabKit
import NetworkTypes

// Needs the test-profile services (PostgreSQL, Redis) running; from the repository root:
//   swift build && .build/debug/aether-lab services run --profile test --purge -- \
//     sh -c 'cd Benchmarks && swift package benchmark --filter "ES.*"'
// (PostgreSQL in the test profile runs with fsync=off and synchronous_commit=off.)
// Each iteration does one batch; events/s = iterations/s (throughput) × events per iteration.

/// Everything the benchmarks share, built once in the global setup.
final class Bench: @unchecked Sendable {
    nonisolated(unsafe) static var shared: Bench?

    let scratch: String
    let redis: RedisEndpoint
    let postgres: PostgresConnectionInfo
    let outbox: SQLiteOutbox
    let source: EventSource
    var nextSeq: UInt64 = 1
    let producer: RedisStreamProducer
    let publishStream: String
    let ingestStream: String
    let store: PostgresEventStore
    let ingestor: EventIngestor<RedisStreamConsumer, PostgresEventStore, LogOnly>
    let raw: PostgresConnection
    let rawInsert: PostgresBatchInsert
    let codec = EventCodec()

    static let ingestBatch = 500
    static let ingestIterations = 60

    let schema: String

    init() throws {
        let endpoints = try ServiceHarness(configuration: .test()).recordedEndpoints()
        redis = endpoints.redis
        schema = "bench_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(endpoints.postgres.oss)
        try admin.execute(script: "CREATE SCHEMA \(schema)")
        var info = endpoints.postgres.oss
        info.options = "-c search_path=\(schema)"
        postgres = info
        scratch = NSTemporaryDirectory() + "/aether-es-bench-\(schema)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        outbox = try SQLiteOutbox(path: scratch + "/outbox.sqlite", bngID: "bng-bench")
        source = EventSource(bngID: "bng-bench", instanceID: UUID())
        publishStream = "bench:publish:\(schema)"
        ingestStream = "bench:ingest:\(schema)"
        producer = try RedisStreamProducer(redis: ReconnectingRedis(redis), stream: publishStream, retention: .maximumLength(200_000))

        store = try PostgresEventStore(pool: PostgresPool(info, maximumConnections: 2))
        try store.migrate()
        var settings = EventIngestor<RedisStreamConsumer, PostgresEventStore, LogOnly>.Configuration()
        settings.batchSize = Self.ingestBatch
        settings.blockMilliseconds = 0
        settings.claimIntervalMilliseconds = 3_600_000
        ingestor = try EventIngestor(consumer: RedisStreamConsumer(redis: ReconnectingRedis(redis), stream: ingestStream, name: "bench"),
                                     store: store, projection: LogOnly(), deadLetters: InMemoryDeadLetters(), configuration: settings)
        // The ingest benchmark reads events published here, enough for every iteration.
        let ingestSource = EventSource(bngID: "bng-bench-ingest", instanceID: UUID())
        let ingestProducer = try RedisStreamProducer(redis: ReconnectingRedis(redis), stream: ingestStream, retention: .unbounded)
        var seq: UInt64 = 0
        for _ in 0..<(Self.ingestIterations + 5) {
            let batch = (0..<Self.ingestBatch).map { _ -> EventEnvelope in
                seq += 1
                return Self.event(source: ingestSource, seq: seq)
            }
            _ = try ingestProducer.publish(batch)
        }

        raw = try PostgresConnection(info)
        try raw.execute(script: """
            CREATE TABLE raw_events (LIKE session_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)
            """)
        rawInsert = try PostgresBatchInsert(
            table: "raw_events",
            columns: ["bng_id", "bng_instance_id", "seq", "event_type", "ts", "schema_version", "session_id", "event"],
            casts: ["", "::uuid", "::bigint", "", "::timestamptz", "::integer", "::uuid", "::jsonb"])
    }

    /// Drops the benchmark's schema, streams and outbox file.
    func tearDown() throws {
        _ = try? RedisConnection(redis).command(["DEL", publishStream, ingestStream])
        try? FileManager.default.removeItem(atPath: scratch)
        var admin = postgres
        admin.options = nil
        try PostgresConnection(admin).execute(script: "DROP SCHEMA \(schema) CASCADE")
    }

    static func event(source: EventSource, seq: UInt64) -> EventEnvelope {
        let ts = EventTimestamp(microsecondsSinceEpoch: 1_764_000_000_000_000 + Int64(seq))
        let line = SessionLine(sessionID: UUID(), nasIP: IPv4Address(198, 18, 0, 1), remoteID: "an-01", circuitID: "eth\(seq % 48)",
                               macAddress: MACAddress(0x02, 0, 0, 0, 0, 0x01), ipAddress: IPv4Address(100, 64, 1, 2),
                               username: "bng-bench/an-01/eth1")
        return EventEnvelope(source: source, seq: seq, timestamp: ts, payload: .sessionUpdate(
            SessionUpdatePayload(line: line, counters: SessionCounters(bytesUp: seq * 100, bytesDown: seq * 1000, packetsUp: seq, packetsDown: seq))))
    }

    func nextEvents(_ count: Int) -> [EventEnvelope] {
        (0..<count).map { _ in
            defer { nextSeq += 1 }
            return Self.event(source: source, seq: nextSeq)
        }
    }

    /// The same row text the event store writes, for the raw INSERT baselines.
    func rows(_ events: [EventEnvelope]) throws -> [[String?]] {
        try events.map { event in
            [event.source.bngID, event.source.instanceID.postgresText, String(event.seq), event.eventType.rawValue,
             event.timestamp.postgresText, String(event.schemaVersion), event.payload.sessionID?.postgresText,
             String(decoding: try codec.encode(event), as: UTF8.self)]
        }
    }
}

/// Stores the log only: measures the pipeline, not a read model.
struct LogOnly: EventProjection {
    func reset(in context: PostgresConnection) throws {}
    func apply(_ event: EventEnvelope, in context: PostgresConnection) throws {}
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.metrics = [.wallClock, .throughput]
    Benchmark.defaultConfiguration.maxDuration = .seconds(3)
    Benchmark.defaultConfiguration.timeUnits = .microseconds
    Benchmark.setup = { Bench.shared = try Bench() }
    Benchmark.teardown = { try Bench.shared?.tearDown() }

    Benchmark("ES outbox append durable 1 event/tx", configuration: .init(maxIterations: 2000)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            blackHole(try bench.outbox.append(EventDraft(timestamp: EventTimestamp(microsecondsSinceEpoch: 1), payload: .bngHealthUpdate(
                BNGHealthUpdatePayload(cpuPercent: 1, memoryUsedBytes: 1)))))
        }
    }

    Benchmark("ES outbox append durable 100 events/tx", configuration: .init(maxIterations: 300)) { benchmark in
        let bench = Bench.shared!
        let drafts = (0..<100).map { _ in EventDraft(timestamp: EventTimestamp(microsecondsSinceEpoch: 1), payload: .bngHealthUpdate(
            BNGHealthUpdatePayload(cpuPercent: 1, memoryUsedBytes: 1))) }
        for _ in benchmark.scaledIterations {
            blackHole(try bench.outbox.append(drafts))
        }
    }

    Benchmark("ES redis publish 256 events/pipeline", configuration: .init(maxIterations: 300)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let events = bench.nextEvents(256)
            benchmark.startMeasurement()
            blackHole(try bench.producer.publish(events))
            benchmark.stopMeasurement()
        }
    }

    Benchmark("ES ingest redis to postgres idempotent 500/batch", configuration: .init(maxIterations: Bench.ingestIterations)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let step = try bench.ingestor.step()
            precondition(step.outcome.inserted == Bench.ingestBatch, "ingest stream ran dry: \(step)")
        }
    }

    // Encoding happens outside the measurement: these time decoding alone.
    Benchmark("ES decode 500 events from JSON", configuration: .init(maxIterations: 300)) { benchmark in
        let bench = Bench.shared!
        let encoded = try bench.nextEvents(500).map { try bench.codec.encode($0) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for bytes in encoded { blackHole(try bench.codec.decode(bytes)) }
        }
        benchmark.stopMeasurement()
    }

    Benchmark("ES decode 500 events from JSON with JSONDecoder only", configuration: .init(maxIterations: 300)) { benchmark in
        let bench = Bench.shared!
        let encoded = try bench.nextEvents(500).map { try bench.codec.encode($0) }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for bytes in encoded { blackHole(try bench.codec.decodeWithFoundation(bytes)) }
        }
        benchmark.stopMeasurement()
    }

    Benchmark("ES store append 500 events/tx log only", configuration: .init(maxIterations: 300)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let events = bench.nextEvents(500)
            let encoded = try events.map { try bench.codec.encode($0) }
            benchmark.startMeasurement()
            blackHole(try bench.store.append(events, encoded: encoded, projection: LogOnly()))
            benchmark.stopMeasurement()
        }
    }

    Benchmark("ES raw batched INSERT 500 rows/tx", configuration: .init(maxIterations: 300)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let rows = try bench.rows(bench.nextEvents(500))
            benchmark.startMeasurement()
            try bench.raw.transaction { try bench.rawInsert.run(rows, on: $0) }
            benchmark.stopMeasurement()
        }
    }

    Benchmark("ES one row per transaction (original) 1 row/tx", configuration: .init(maxIterations: 5000)) { benchmark in
        let bench = Bench.shared!
        for _ in benchmark.scaledIterations {
            let row = try bench.rows(bench.nextEvents(1))[0]
            benchmark.startMeasurement()
            try bench.raw.query("""
                INSERT INTO raw_events (bng_id, bng_instance_id, seq, event_type, ts, schema_version, session_id, event)
                VALUES ($1, $2::uuid, $3::bigint, $4, $5::timestamptz, $6::integer, $7::uuid, $8::jsonb)
                ON CONFLICT (bng_id, bng_instance_id, seq) DO NOTHING
                """, row)
            benchmark.stopMeasurement()
        }
    }
}
