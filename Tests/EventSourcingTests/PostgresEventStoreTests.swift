import AetherTestSupport
import EventSourcing
import EventSourcingTestConsumer
import Foundation
import ServiceSupport
import Testing

/// Store plus chain projection in a scratch schema.
func withEventStore<T>(_ body: (PostgresEventStore, ChainProjection, PostgresConnectionInfo) async throws -> T) async throws -> T {
    try await withScratchSchema { info in
        let store = try PostgresEventStore(pool: PostgresPool(info, maximumConnections: 4))
        #expect(try store.migrate().map(\.version) == [1])
        let projection = ChainProjection(table: "chain")
        try store.pool.withConnection { try projection.create(on: $0) }
        return try await body(store, projection, info)
    }
}

struct ChainRow: Hashable {
    var applied: Int64
    var lastSeq: Int64
    var chain: String
    var bytesDownStopped: String
}

func chainRows(_ info: PostgresConnectionInfo, table: String = "chain") throws -> [String: ChainRow] {
    let rows = try PostgresConnection(info).query("SELECT bng_id, applied, last_seq, chain, bytes_down_stopped::text AS stopped FROM \(table)").typedRows
    return Dictionary(uniqueKeysWithValues: try rows.map {
        (try $0.decode("bng_id", as: String.self),
         ChainRow(applied: try $0.decode("applied"), lastSeq: try $0.decode("last_seq"), chain: try $0.decode("chain"), bytesDownStopped: try $0.decode("stopped")))
    })
}

@Suite("PostgreSQL event store and projections")
struct PostgresEventStoreTests {
    @Test func redeliveredEventsWriteNothingAndProjectOnce() async throws {
        try await withEventStore { store, projection, info in
            let events = SampleEvents.envelopes(count: 40)
            #expect(try store.append(Array(events[0..<25]), projection: projection) == AppendOutcome(inserted: 25, duplicates: 0, applied: 25, held: 0))
            #expect(try store.append(events, projection: projection) == AppendOutcome(inserted: 15, duplicates: 25, applied: 15, held: 0))
            #expect(try store.append(events + events, projection: projection).duplicates == 80)
            let row = try #require(try chainRows(info)[SampleEvents.source().bngID])
            #expect(row.applied == 40 && row.lastSeq == 40)
            #expect(try store.events(of: SampleEvents.source(), after: 35, limit: 10) == Array(events[35...]))
            #expect(try store.migrate().isEmpty)
        }
    }

    @Test func forcedGapIsReportedWithItsRangeAndProjectionWaits() async throws {
        try await withEventStore { store, _, info in
            let log = SeqLogProjection()
            try PostgresConnection(info).execute(script: "CREATE TABLE applied_log (n serial PRIMARY KEY, seq bigint NOT NULL)")
            func applied() throws -> [Int64] {
                try PostgresConnection(info).query("SELECT seq FROM applied_log ORDER BY n").typedRows.map { try $0.decode("seq") }
            }
            let events = SampleEvents.envelopes(count: 10)
            let outcome = try store.append([events[0], events[1], events[4], events[5], events[8]], projection: log)
            #expect(outcome == AppendOutcome(inserted: 5, duplicates: 0, applied: 2, held: 3))
            let source = SampleEvents.source()
            #expect(try store.gaps() == [SequenceGap(source: source, missing: 3...4), SequenceGap(source: source, missing: 7...8)])
            #expect(try applied() == [1, 2])

            #expect(try store.append([events[3], events[2]], projection: log).applied == 4)
            #expect(try store.gaps() == [SequenceGap(source: source, missing: 7...8)])
            #expect(try applied() == [1, 2, 3, 4, 5, 6])

            // The operator accepts the loss of 7 and 8: the held 9 is applied, the gap is settled.
            #expect(try store.skipGap(of: source, through: 8, projection: log).applied == 1)
            #expect(try store.gaps().isEmpty)
            #expect(try store.append([events[9]], projection: log).applied == 1)
            #expect(try applied() == [1, 2, 3, 4, 5, 6, 9, 10])
        }
    }

    @Test func replayRebuildsTheSameReadModelFromTheLog() async throws {
        try await withEventStore { store, projection, info in
            for source in (1...3).map({ SampleEvents.source(UInt8($0)) }) {
                _ = try store.append(SampleEvents.envelopes(count: 30, source: source), projection: projection)
            }
            let live = try chainRows(info)
            try PostgresConnection(info).query("UPDATE chain SET applied = 0, chain = 'damaged'")
            #expect(try store.rebuild(projection) == ReplaySummary(events: 90, applied: 90, sources: 3))
            #expect(try chainRows(info) == live)
        }
    }

    /// Property: any interleaving of duplicate and reordered deliveries, in any batching, gives
    /// the state of applying each event once in order.
    @Test func duplicateAndReorderedDeliveriesInAnyInterleavingGiveTheSameState() async throws {
        try await withEventStore { store, projection, info in
            let sources = (1...3).map { SampleEvents.source(UInt8($0)) }
            let histories = sources.map { SampleEvents.envelopes(count: 20, source: $0) }
            for source in histories { _ = try store.append(source, projection: projection) }
            let expected = try chainRows(info)
            for seed in 0..<15 {
                var rng = SeededGenerator(seed: UInt64(seed) &* 104_729 &+ 3)
                try PostgresConnection(info).execute(script: "TRUNCATE session_events, event_sources, chain")
                var deliveries = histories.flatMap { $0 }
                for _ in 0..<Int.random(in: 0...40, using: &rng) { deliveries.append(deliveries.randomElement(using: &rng)!) }
                deliveries.shuffle(using: &rng)
                var index = 0
                while index < deliveries.count {
                    let size = Int.random(in: 1...12, using: &rng)
                    _ = try store.append(Array(deliveries[index..<min(index + size, deliveries.count)]), projection: projection)
                    index += size
                }
                #expect(try chainRows(info) == expected, "seed \(seed)")
                #expect(try store.gaps().isEmpty, "seed \(seed)")
            }
        }
    }

    @Test func concurrentAppendersOfOverlappingBatchesNeitherDeadlockNorDoubleApply() async throws {
        try await withEventStore { store, projection, info in
            let events = (1...2).flatMap { SampleEvents.envelopes(count: 200, source: SampleEvents.source(UInt8($0))) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<3 {
                    group.addTask {
                        try await DedicatedThread.run(name: "appender-\(worker)") {
                            var rng = SeededGenerator(seed: UInt64(worker))
                            let mine = events.shuffled(using: &rng)
                            var index = 0
                            while index < mine.count {
                                _ = try store.append(Array(mine[index..<min(index + 25, mine.count)]), projection: projection)
                                index += 25
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try chainRows(info)
            #expect(rows.values.map(\.applied) == [200, 200])
            #expect(try store.gaps().isEmpty)
        }
    }
}

/// Records the order in which the store applied sequence numbers.
struct SeqLogProjection: EventProjection {
    func reset(in context: PostgresConnection) throws { try context.query("DELETE FROM applied_log") }
    func apply(_ event: EventEnvelope, in context: PostgresConnection) throws {
        try context.query("INSERT INTO applied_log (seq) VALUES ($1)", bindings: [event.seq])
    }
}
