import AetherTestSupport
import EventSourcing
import Foundation
import Testing

/// The outbox keeps every event until each consumer group the stream waits for has committed it,
/// and publishes again what the stream lost (in memory; the Redis versions are in RedisCommitTests).
@Suite("Outbox commit tracking (in memory)")
struct OutboxCommitTests {
    func seqs(_ stream: InMemoryEventStream) throws -> [UInt64] {
        try stream.messages.map { try EventStreamFormat.envelope(from: $0).seq }
    }

    @Test func eventsStayUntilTheSlowestGroupCommittedTheirBatch() throws {
        let outbox = InMemoryOutbox(source: SampleEvents.source())
        let stream = InMemoryEventStream(committedGroups: ["fast", "slow"])
        let publisher = try OutboxPublisher(outbox: outbox, producer: stream, batchSize: 3)
        for i in 0..<10 { try outbox.append(SampleEvents.draft(i)) }
        #expect(try publisher.drain() == 10)
        try publisher.syncCommitted()
        #expect(try outbox.committedThrough() == 0, "no group exists yet: nothing is committed")

        let fast = stream.consumer(group: "fast", name: "f")
        let slow = stream.consumer(group: "slow", name: "s")
        try fast.ensureGroup()
        try slow.ensureGroup()
        try fast.acknowledge(try fast.readNew(count: 10, blockMilliseconds: 0).map(\.id))
        let taken = try slow.readNew(count: 6, blockMilliseconds: 0)
        try slow.acknowledge(taken.prefix(4).map(\.id))
        try publisher.syncCommitted()
        // Batches are 1–3, 4–6, 7–9, 10; "slow" still has 5 and 6 pending, so only 1–3 are done.
        #expect(try outbox.committedThrough() == 3)

        try slow.acknowledge(taken.suffix(2).map(\.id))
        try publisher.syncCommitted()
        #expect(try outbox.committedThrough() == 6, "slow now has nothing pending and was delivered through 6")
        try slow.acknowledge(try slow.readNew(count: 10, blockMilliseconds: 0).map(\.id))
        try publisher.syncCommitted()
        #expect(try outbox.committedThrough() == 10)
        #expect(try outbox.publishedThrough() == 10)
    }

    @Test func aStreamThatLostItsNewestEntriesGetsEveryUncommittedEventAgain() throws {
        let outbox = InMemoryOutbox(source: SampleEvents.source())
        let stream = InMemoryEventStream(committedGroups: ["g"])
        let publisher = try OutboxPublisher(outbox: outbox, producer: stream, batchSize: 5)
        let group = stream.consumer(group: "g", name: "c")
        try group.ensureGroup()
        for i in 0..<10 { try outbox.append(SampleEvents.draft(i)) }
        try publisher.drain()
        try group.acknowledge(try group.readNew(count: 5, blockMilliseconds: 0).map(\.id))
        try publisher.syncCommitted()
        #expect(try outbox.committedThrough() == 5)

        stream.loseNewest(3) // 8, 9 and 10 are gone, as after a Redis crash
        for i in 10..<12 { try outbox.append(SampleEvents.draft(i)) }
        #expect(try publisher.drain() == 7, "6–12 go out again: everything after the committed mark")
        #expect(try seqs(stream) == [1, 2, 3, 4, 5, 6, 7, 6, 7, 8, 9, 10, 11, 12])
        let delivered = try group.readNew(count: 100, blockMilliseconds: 0)
        #expect(Set(try delivered.map { try EventStreamFormat.envelope(from: $0).seq }) == Set(6...12),
                "the group gets every event it had not committed; the duplicates of 6 and 7 are dropped by key downstream")
        #expect(try outbox.publishedThrough() == 12)
    }

    @Test func withoutGroupsAcceptedEventsCountAsCommitted() throws {
        let outbox = InMemoryOutbox(source: SampleEvents.source())
        let publisher = try OutboxPublisher(outbox: outbox, producer: InMemoryEventStream(), batchSize: 4)
        for i in 0..<9 { try outbox.append(SampleEvents.draft(i)) }
        try publisher.drain()
        #expect(try outbox.committedThrough() == 9)
        #expect(try outbox.republishUncommitted() == 0)
    }
}
