import AetherTestSupport
@testable import EventSourcing
import Foundation
import LabKit
import Testing

/// Against real Redis: the committed floor follows the slowest consumer group, `XADD … MINID`
/// never trims past it, and a Redis that came back without what it had accepted gets every
/// uncommitted event again from the SQLite outbox.
@Suite("Stream trimming and outbox pruning wait for the consumer groups (real Redis)")
struct RedisCommitTests {
    func group(_ endpoint: RedisEndpoint, _ stream: String, _ group: String) throws -> RedisStreamConsumer {
        try RedisStreamConsumer(redis: ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 5000), stream: stream, group: group, name: "c")
    }

    func seqs(_ endpoint: RedisEndpoint, _ stream: String) throws -> [UInt64] {
        try RedisStreamReplies.entries(try RedisConnection(endpoint).command(["XRANGE", stream, "-", "+"]))
            .map { try EventStreamFormat.envelope(from: $0).seq }
    }

    @Test func successorsNeverOverflowAndGroupListsParse() throws {
        #expect(StreamMessageID(rawValue: "5-3").successor == StreamMessageID(rawValue: "5-4"))
        #expect(StreamMessageID(milliseconds: 5, sequence: .max).successor == StreamMessageID(milliseconds: 6, sequence: 0))
        let top = StreamMessageID(milliseconds: .max, sequence: .max)
        #expect(top.successor == top, "the largest ID is its own successor, not a trap")
        func text(_ value: String) -> RedisReply { .bulk(Array(value.utf8)) }
        let reply = RedisReply.array([.array([text("name"), text("oss"), text("consumers"), .integer(1), text("pending"), .integer(2),
                                              text("last-delivered-id"), text("7-1"), text("entries-read"), .integer(9)])])
        let positions = try RedisStreamProducer.groupPositions(reply)
        #expect(positions["oss"]?.pending == 2 && positions["oss"]?.lastDelivered == StreamMessageID(rawValue: "7-1"))
        #expect(throws: EventSourcingError.self) { try RedisStreamProducer.groupPositions(.array([.array([text("name"), text("oss")])])) }
        #expect(throws: EventSourcingError.self) { try RedisStreamProducer.groupPositions(.integer(3)) }
    }

    @Test func theFloorFollowsTheSlowestGroupAndTrimmingNeverPassesIt() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:commit")
        defer { _ = try? RedisConnection(endpoint).command(["DEL", stream]) }
        let producer = try RedisStreamProducer(redis: ReconnectingRedis(endpoint), stream: stream,
                                               retention: .untilCommitted(groups: ["fast", "slow"], approximate: false))
        #expect(try producer.committedFloor() == .zero, "no stream yet: nothing committed")
        let events = SampleEvents.envelopes(count: 25)
        var positions: [StreamMessageID] = []
        for event in events.prefix(20) { positions.append(try #require(try producer.publish([event], confirming: nil).position)) }
        let fast = try group(endpoint, stream, "fast")
        try fast.ensureGroup()
        #expect(try producer.committedFloor() == .zero, "\"slow\" does not exist yet: it holds everything")
        let slow = try group(endpoint, stream, "slow")
        try slow.ensureGroup()
        try fast.acknowledge(try fast.readNew(count: 20, blockMilliseconds: 0).map(\.id))
        let taken = try slow.readNew(count: 10, blockMilliseconds: 0)
        try slow.acknowledge(taken.prefix(6).map(\.id))
        #expect(try producer.committedFloor() == positions[6], "slow's oldest pending entry is the 7th")

        _ = try producer.publish(Array(events[20...]), confirming: positions.last)
        #expect(try seqs(endpoint, stream) == Array(7...25), "exact MINID trimmed 1–6 and nothing slow still holds")

        try slow.acknowledge(taken.suffix(4).map(\.id))
        #expect(try producer.committedFloor() == positions[9].successor, "no pending: just past the last entry delivered")
        #expect(try RedisStreamProducer(redis: ReconnectingRedis(endpoint), stream: stream, retention: .maximumLength(5)).committedFloor() == nil)
        #expect(throws: EventSourcingError.self) { try RedisStreamProducer(redis: ReconnectingRedis(endpoint), retention: .untilCommitted(groups: [])) }
    }

    @Test func aRedisThatLostEverythingGetsEveryUncommittedEventAgainAndTheIngestorGetsThemAll() async throws {
        let scratch = try ScratchDirectory("commit")
        defer { scratch.remove() }
        try await withPrivateRedis { redis in
            let stream = "bng_events"
            let outbox = try SQLiteOutbox(path: scratch.path + "/outbox.sqlite", bngID: "bng-01", retainPublished: 0)
            let producer = try RedisStreamProducer(redis: ReconnectingRedis(redis.endpoint), stream: stream,
                                                   retention: .untilCommitted(groups: ["oss"]))
            let publisher = try OutboxPublisher(outbox: outbox, producer: producer, batchSize: 10)
            var configuration = EventIngestor<RedisStreamConsumer, InMemoryEventStore<TallyState>, TallyProjection>.Configuration()
            configuration.batchSize = 10
            configuration.blockMilliseconds = 0
            let store = InMemoryEventStore<TallyState>(initialState: TallyState())
            let ingestor = try EventIngestor(consumer: try group(redis.endpoint, stream, "oss"), store: store, projection: TallyProjection(),
                                             deadLetters: InMemoryDeadLetters(), configuration: configuration)
            _ = try outbox.append((0..<30).map(SampleEvents.draft))
            #expect(try publisher.drain() == 30)
            #expect(try ingestor.step().messages == 10)
            try publisher.syncCommitted()
            #expect(try outbox.committedThrough() == 10)
            #expect(try outbox.storedCount() == 20, "11–30 are published but no group has committed them")

            try await redis.crashLosingEverything()
            try await redis.start()
            _ = try outbox.append((30..<35).map(SampleEvents.draft))
            // The first attempt meets the dead connection; the next reconnects and finds the stream empty.
            try await Readiness.wait(for: "publisher back on the new Redis") { (try? publisher.drain()) != nil }
            #expect(try outbox.publishedThrough() == 35)
            #expect(try seqs(redis.endpoint, stream) == Array(11...35), "everything not committed, once, in order")

            // The ingestor's group went with the data: it makes it again and reads the new stream.
            try await Readiness.wait(for: "the ingestor to take everything") {
                _ = try? ingestor.step()
                return store.storedEvents.count == 35
            }
            #expect(store.storedEvents.map(\.seq) == Array(1...35), "nothing lost, nothing twice")
            try publisher.syncCommitted()
            #expect(try outbox.committedThrough() == 35)
            #expect(try outbox.storedCount() == 0)
        }
    }
}
