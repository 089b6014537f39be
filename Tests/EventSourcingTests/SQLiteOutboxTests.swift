import AetherTestSupport
import EventSourcing
import Foundation
import GRDB
import LabKit
import MetricsTestKit
import Testing

@Suite("Durable SQLite outbox and publisher")
struct SQLiteOutboxTests {
    @Test func reopeningContinuesTheSameInstanceAndSequence() throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        let path = scratch.path + "/outbox.sqlite"
        let first = try SQLiteOutbox(path: path, bngID: "bng-01")
        let stored = try first.append((0..<5).map(SampleEvents.draft))
        #expect(stored.map(\.seq) == [1, 2, 3, 4, 5])
        try first.markPublished(through: 2)

        let reopened = try SQLiteOutbox(path: path, bngID: "bng-01", newInstanceID: UUID())
        #expect(reopened.source == first.source)
        #expect(try reopened.publishedThrough() == 2)
        #expect(try reopened.unpublished(limit: 10) == Array(stored[2...]))
        #expect(try reopened.append(SampleEvents.draft(5)).seq == 6)
        #expect(try reopened.lastIssued() == 6)
    }

    @Test func publishedEventsArePrunedBeyondTheRetention() throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        let outbox = try SQLiteOutbox(path: scratch.path + "/o.sqlite", bngID: "bng-01", retainPublished: 3)
        _ = try outbox.append((0..<10).map(SampleEvents.draft))
        try outbox.markPublished(through: 8)
        try outbox.markPublished(through: 4) // never moves backwards
        #expect(try outbox.publishedThrough() == 8)
        #expect(try outbox.storedCount() == 5) // 6, 7, 8 kept; 9, 10 unpublished
        #expect(try outbox.unpublished(limit: 10).map(\.seq) == [9, 10])
    }

    @Test func publishedEventsStayUntilCommittedAndTheMarksSurviveAReopen() throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        let path = scratch.path + "/o.sqlite"
        let outbox = try SQLiteOutbox(path: path, bngID: "bng-01", retainPublished: 0)
        _ = try outbox.append((0..<10).map(SampleEvents.draft))
        try outbox.markPublished(through: 4, position: StreamMessageID(milliseconds: 100, sequence: 3))
        try outbox.markPublished(through: 8, position: StreamMessageID(milliseconds: 200, sequence: 0))
        #expect(try outbox.storedCount() == 10, "published is not committed: nothing may go")
        try outbox.markCommitted(below: StreamMessageID(milliseconds: 100, sequence: 3))
        #expect(try outbox.committedThrough() == 0, "the floor must pass an event's position, not reach it")
        try outbox.markCommitted(below: StreamMessageID(milliseconds: 150, sequence: 0))
        #expect(try outbox.committedThrough() == 4)
        #expect(try outbox.storedCount() == 6)

        let reopened = try SQLiteOutbox(path: path, bngID: "bng-01", retainPublished: 0)
        #expect(try reopened.publishedThrough() == 8)
        #expect(try reopened.publishedPosition() == StreamMessageID(milliseconds: 200, sequence: 0))
        #expect(try reopened.committedThrough() == 4)
        #expect(try reopened.republishUncommitted() == 4)
        #expect(try reopened.publishedPosition() == nil)
        #expect(try reopened.unpublished(limit: 10).map(\.seq) == Array(5...10))
        try reopened.markCommitted(below: StreamMessageID(milliseconds: 999, sequence: 0))
        #expect(try reopened.committedThrough() == 4, "events waiting to go out again are not committed by their old positions")
        try reopened.markPublished(through: 10)
        #expect(try reopened.committedThrough() == 10, "without a position the stream vouches for them")
        #expect(try reopened.storedCount() == 0)
    }

    @Test func anOutboxFileFromBeforeCommitTrackingCountsWhatItPublishedAsCommitted() throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        let path = scratch.path + "/v1.sqlite"
        let events = SampleEvents.envelopes(count: 5)
        let codec = EventCodec()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('outbox-v1');
                CREATE TABLE outbox_identity (singleton INTEGER PRIMARY KEY CHECK (singleton = 1), bng_id TEXT NOT NULL,
                    instance_id TEXT NOT NULL, last_seq INTEGER NOT NULL, published_through INTEGER NOT NULL);
                CREATE TABLE outbox_events (seq INTEGER PRIMARY KEY, event BLOB NOT NULL);
                """)
            try db.execute(sql: "INSERT INTO outbox_identity VALUES (1, ?, ?, 5, 3)",
                           arguments: [events[0].source.bngID, events[0].source.instanceID.uuidString.lowercased()])
            for event in events {
                try db.execute(sql: "INSERT INTO outbox_events VALUES (?, ?)", arguments: [Int64(event.seq), Data(try codec.encode(event))])
            }
        }
        try queue.close()
        let outbox = try SQLiteOutbox(path: path, bngID: events[0].source.bngID)
        #expect(outbox.source == events[0].source)
        #expect(try outbox.committedThrough() == 3)
        #expect(try outbox.unpublished(limit: 10) == Array(events[3...]))
        #expect(try outbox.republishUncommitted() == 0)
    }

    @Test func appendsInsideTheCallersTransactionCommitAndRollBackWithIt() throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        let database = try DatabaseQueue(path: scratch.path + "/bng.sqlite", configuration: SQLiteOutbox.databaseConfiguration())
        try database.write { db in try db.execute(sql: "CREATE TABLE sessions (id TEXT PRIMARY KEY)") }
        let metrics = TestMetrics()
        let outbox = try SQLiteOutbox(database: database, bngID: "bng-tx", metrics: EventProducerMetrics(bng: "bng-tx", factory: metrics))
        let signalled = outbox.signal.current

        // A state change and its events commit together …
        let stored = try database.write { db in
            try db.execute(sql: "INSERT INTO sessions VALUES ('s1')")
            return try outbox.append([SampleEvents.draft(0), SampleEvents.draft(1)], in: db)
        }
        #expect(stored.map(\.seq) == [1, 2])
        #expect(outbox.signal.current != signalled, "the publisher was not woken after the commit")
        // … or vanish together, sequence numbers included.
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try database.write { db in
                try db.execute(sql: "INSERT INTO sessions VALUES ('s2')")
                _ = try outbox.append([SampleEvents.draft(2)], in: db)
                throw Abort()
            }
        }
        #expect(try database.read { db in try String.fetchAll(db, sql: "SELECT id FROM sessions") } == ["s1"])
        #expect(try outbox.lastIssued() == 2)
        #expect(try outbox.append(SampleEvents.draft(3)).seq == 3)
        // Only committed appends are counted; the backlog is what is not yet published.
        #expect(metrics.counterTotal(label: "aether_events_appended_total") == 3)
        #expect(try metrics.expectGauge("aether_events_outbox_backlog", [("bng", "bng-tx")]).lastValue == 3)
        try outbox.markPublished(through: 2)
        #expect(try metrics.expectGauge("aether_events_outbox_backlog", [("bng", "bng-tx")]).lastValue == 1)
    }

    @Test func anotherBNGsFileIsRefused() throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        _ = try SQLiteOutbox(path: scratch.path + "/o.sqlite", bngID: "bng-01")
        let error = try #require(throws: EventSourcingError.self) { try SQLiteOutbox(path: scratch.path + "/o.sqlite", bngID: "bng-02") }
        #expect(error.code == .outboxIdentityMismatch)
        #expect(error.message.contains("bng-01"))
    }

    @Test func unopenableFileIsAnOutboxError() throws {
        let error = try #require(throws: EventSourcingError.self) { try SQLiteOutbox(path: "/nonexistent/dir/o.sqlite", bngID: "bng-01") }
        #expect(error.code == .outboxFailed)
        #expect(throws: EventSourcingError.self) { try SQLiteOutbox(path: "/tmp/x.sqlite", bngID: "") }
    }

    @Test func everyAppendReportedDoneSurvivesKillMinusNine() async throws {
        let scratch = try ScratchDirectory("outbox")
        defer { scratch.remove() }
        let path = scratch.path + "/o.sqlite"
        let reported = try await TestConsumerProcess.appendThenDie(path: path, bngID: "bng-crash", count: 200)
        #expect(reported == Array(1...200))
        let outbox = try SQLiteOutbox(path: path, bngID: "bng-crash")
        #expect(try outbox.unpublished(limit: 1000).map(\.seq) == reported)
        #expect(try outbox.append(SampleEvents.draft(0)).seq == 201)
    }

    @Test func redisOutageLosesAndReordersNothing() async throws {
        try await withPrivateRedis { redis in
            let scratch = try ScratchDirectory("outbox")
            defer { scratch.remove() }
            let counted = TestMetrics()
            let metrics = EventProducerMetrics(bng: "bng-outage", factory: counted)
            let outbox = try SQLiteOutbox(path: scratch.path + "/o.sqlite", bngID: "bng-outage", metrics: metrics)
            let stream = "bng_events"
            let publisher = try OutboxPublisher(outbox: outbox,
                                                producer: RedisStreamProducer(redis: ReconnectingRedis(redis.endpoint, commandTimeoutMilliseconds: 2000), stream: stream),
                                                batchSize: 16, backoff: RetryBackoff(initialSeconds: 0.01, maximumSeconds: 0.2), idleWaitSeconds: 60,
                                                metrics: metrics)
            let loop = Task { try await publisher.run() }
            for i in 0..<40 { try outbox.append(SampleEvents.draft(i)) }
            try await Readiness.wait(for: "first 40 published") { try outbox.publishedThrough() == 40 }

            await redis.stop()
            for i in 40..<100 { try outbox.append(SampleEvents.draft(i)) } // the producer keeps appending
            #expect(try outbox.publishedThrough() == 40)
            try await redis.start()
            try await Readiness.wait(for: "all 100 published after the restart") { try outbox.publishedThrough() == 100 }
            // Cancelling ends the publisher's idle wait (60 s here) at once.
            loop.cancel()
            try await loop.value
            #expect(counted.counterTotal(label: "aether_events_published_total") >= 100)
            #expect(counted.counterTotal(label: "aether_events_publish_failures_total") >= 1)
            #expect(try counted.expectGauge("aether_events_outbox_backlog", [("bng", "bng-outage")]).lastValue == 0)

            let entries = try RedisConnection(redis.endpoint).command(["XRANGE", stream, "-", "+"])
            let seqs = try #require(entries.array).compactMap { $0.array?[1].array }.compactMap { fields -> UInt64? in
                guard let index = fields.firstIndex(of: .bulk(Array("seq".utf8))) else { return nil }
                return fields[index + 1].string.flatMap(UInt64.init)
            }
            #expect(seqs == Array(1...100))
        }
    }
}
