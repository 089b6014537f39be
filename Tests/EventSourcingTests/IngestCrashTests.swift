import AetherTestSupport
import EventSourcing
import EventSourcingTestConsumer
import Foundation
import LabKit
import Testing

@Suite("Crash and restart acceptance: Redis Streams into PostgreSQL")
struct IngestCrashTests {
    /// kill -9 a consumer process between commit and XACK; the batch is redelivered (to the same
    /// consumer restarted, or autoclaimed by another) and the final state has no duplicate.
    @Test(arguments: ["doomed", "survivor"])
    func consumerKilledBetweenCommitAndAckLosesAndDuplicatesNothing(nextConsumer: String) async throws {
        let endpoints = try await TestServices.endpoints()
        let stream = Unique.name("es:crash")
        defer { _ = try? RedisConnection(endpoints.redis).command(["DEL", stream, stream + ":dead"]) }
        try await withEventStore { store, projection, info in
            let scratch = try ScratchDirectory("crash")
            defer { scratch.remove() }
            let events = SampleEvents.envelopes(count: 60)
            #expect(try RedisStreamProducer(redis: ReconnectingRedis(endpoints.redis), stream: stream).publish(events) == 60)
            func configuration(_ name: String, die: Int?) -> TestConsumerConfiguration {
                TestConsumerConfiguration(postgres: info, redis: endpoints.redis, stream: stream, group: "ingestors", name: name,
                                          table: "chain", batchSize: 10, claimIdleMilliseconds: 300, dieAfterCommits: die)
            }
            let doomed = try TestConsumerProcess.start(configuration("doomed", die: 2), log: scratch.path + "/doomed.log")
            try await Readiness.wait(for: "the doomed consumer to kill itself", timeoutSeconds: 60) { !doomed.isRunning }
            #expect(doomed.log().contains("dying before XACK"))
            let consumer = try RedisStreamConsumer(redis: ReconnectingRedis(endpoints.redis), stream: stream, group: "ingestors", name: "probe")
            #expect(try consumer.pendingCount() == 10)
            #expect(try PostgresConnection(info).query("SELECT count(*) AS n FROM session_events").decode("n", as: Int.self) == 20)

            let next = try TestConsumerProcess.start(configuration(nextConsumer, die: nil), log: scratch.path + "/next.log")
            do {
                try await Readiness.wait(for: "all 60 events projected", timeoutSeconds: 60) {
                    try chainRows(info)[SampleEvents.source().bngID]?.applied == 60 && consumer.pendingCount() == 0
                }
            } catch {
                await next.terminate()
                throw error
            }
            await next.terminate()
            #expect(try PostgresConnection(info).query("SELECT count(*) AS n FROM session_events").decode("n", as: Int.self) == 60)
            #expect(try store.gaps().isEmpty)
            _ = projection
        }
    }

    /// PostgreSQL crashes (immediate shutdown) in the middle of a batch's transaction; the ingest
    /// loop backs off, reconnects when it is back, and finishes with nothing lost or doubled.
    @Test func postgresRestartedMidBatchResumesWithNothingLost() async throws {
        let endpoints = try await TestServices.endpoints()
        let stream = Unique.name("es:pgcrash")
        defer { _ = try? RedisConnection(endpoints.redis).command(["DEL", stream, stream + ":dead"]) }
        try await withPrivatePostgres { server in
            let store = try PostgresEventStore(pool: PostgresPool(server.info, maximumConnections: 1))
            try store.migrate()
            let chain = ChainProjection(table: "chain")
            try store.pool.withConnection { try chain.create(on: $0) }
            let crashing = CrashingProjection(inner: chain, crashAtSeq: 25, server: server)
            let redis = ReconnectingRedis(endpoints.redis, commandTimeoutMilliseconds: 5000)
            _ = try RedisStreamProducer(redis: redis, stream: stream).publish(SampleEvents.envelopes(count: 60))
            var settings = EventIngestor<RedisStreamConsumer, PostgresEventStore, CrashingProjection>.Configuration()
            settings.batchSize = 10
            settings.blockMilliseconds = 100
            let ingestor = try EventIngestor(consumer: RedisStreamConsumer(redis: redis, stream: stream, group: "ingestors", name: "only"),
                                             store: store, projection: crashing, deadLetters: InMemoryDeadLetters(), configuration: settings,
                                             backoff: RetryBackoff(initialSeconds: 0.02, maximumSeconds: 0.3))
            let loop = Task { try await ingestor.run() }
            try await Readiness.wait(for: "PostgreSQL to be crashed mid-batch", timeoutSeconds: 60) { crashing.crashed.isSet }
            #expect(PostgresConnection.ping(server.info) != .accepting)
            try await server.start()
            try await Readiness.wait(for: "all 60 events projected after the restart", timeoutSeconds: 60) {
                (try? chainRows(server.info)[SampleEvents.source().bngID]?.applied) == 60
            }
            loop.cancel()
            try await loop.value
            #expect(try PostgresConnection(server.info).query("SELECT count(*) AS n FROM session_events").decode("n", as: Int.self) == 60)
            #expect(try RedisStreamConsumer(redis: redis, stream: stream, group: "ingestors", name: "only").pendingCount() == 0)
        }
    }
}

// `@unchecked Sendable`: its one field is read and written only under `lock`.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// Wraps the chain projection and, the first time it reaches `crashAtSeq`, crashes the server
/// from inside the transaction (pg_ctl stop -m immediate), so the batch dies half-written.
struct CrashingProjection: EventProjection, Sendable {
    let inner: ChainProjection
    let crashAtSeq: UInt64
    let server: PrivatePostgres
    let crashed = Flag()

    func reset(in context: PostgresConnection) throws { try inner.reset(in: context) }

    func apply(_ event: EventEnvelope, in context: PostgresConnection) throws {
        try inner.apply(event, in: context)
        if event.seq == crashAtSeq, !crashed.isSet {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = Array(PrivatePostgres.asPostgres([try PrivatePostgres.binary("pg_ctl"), "-D", server.data, "-m", "immediate", "-w", "stop"]).dropFirst())
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            crashed.set()
        }
    }
}
