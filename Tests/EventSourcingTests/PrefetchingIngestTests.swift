import AetherTestSupport
import EventSourcing
import EventSourcingTestConsumer
import Foundation
import LabKit
import ServiceSupport
import Testing

/// The ingest loop with a prefetching reader (what aether-ingestor runs), against real Redis
/// and PostgreSQL: every event is applied exactly once and in order, whatever the reader
/// hands over while the store is busy, and the loop stops with both threads gone.
@Suite("Ingest with a prefetching reader")
struct PrefetchingIngestTests {
    @Test func everyEventIsAppliedOnceInOrderAndTheLoopStopsCleanly() async throws {
        let endpoints = try await TestServices.endpoints()
        let stream = Unique.name("es:prefetch")
        defer { _ = try? RedisConnection(endpoints.redis).command(["DEL", stream, stream + ":dead"]) }
        try await withEventStore { store, projection, info in
            let events = SampleEvents.envelopes(count: 400)
            _ = try RedisStreamProducer(redis: ReconnectingRedis(endpoints.redis), stream: stream).publish(events)
            func consumer() throws -> RedisStreamConsumer {
                try RedisStreamConsumer(redis: ReconnectingRedis(endpoints.redis, commandTimeoutMilliseconds: 5000), stream: stream,
                                        group: "ingestors", name: "prefetching")
            }
            var settings = EventIngestor<RedisStreamConsumer, PostgresEventStore, ChainProjection>.Configuration()
            settings.batchSize = 25
            settings.blockMilliseconds = 100
            let ingestor = try EventIngestor(consumer: consumer(), prefetcher: consumer(), store: store, projection: projection,
                                             deadLetters: InMemoryDeadLetters(), configuration: settings)
            let control = RunControl()
            let loop = Task.detached { try await DedicatedThread.run(name: "test-ingest") { ingestor.ingestLoop(control: control) } }
            // ChainProjection refuses any event that is not the successor of the last one applied,
            // so a doubled or reordered application would stall the chain below 400.
            try await Readiness.wait(for: "all 400 events applied", timeoutSeconds: 60) {
                try chainRows(info)[SampleEvents.source().bngID]?.applied == 400
            }
            control.stop()
            try await loop.value
            #expect(!DedicatedThread.processThreadNames().contains("aether-prefetch"))
            #expect(try consumer().pendingCount() == 0)
            #expect(try PostgresConnection(info).query("SELECT count(*) AS n FROM session_events").decode("n", as: Int.self) == 400)
        }
    }

    @Test func thePrefetcherMustBeAnotherConsumerOfTheSameName() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withEventStore { store, projection, _ in
            let redis = ReconnectingRedis(endpoints.redis)
            let main = try RedisStreamConsumer(redis: redis, stream: "s", group: "g", name: "a")
            for prefetcher in [main, try RedisStreamConsumer(redis: ReconnectingRedis(endpoints.redis), stream: "s", group: "g", name: "b")] {
                #expect(throws: EventSourcingError.self) {
                    try EventIngestor(consumer: main, prefetcher: prefetcher, store: store, projection: projection, deadLetters: InMemoryDeadLetters())
                }
            }
        }
    }
}
