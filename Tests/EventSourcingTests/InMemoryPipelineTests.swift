import AetherTestSupport
import EventSourcing
import Foundation
import Synchronization
import Testing

/// A clock tests move by hand (milliseconds).
final class ManualClock: Sendable {
    private let value = Atomic<UInt64>(1_000)
    var now: UInt64 { value.load(ordering: .sequentiallyConsistent) }
    func advance(_ ms: UInt64) { value.add(ms, ordering: .sequentiallyConsistent) }
}

@Suite("In-memory outbox, bus and store")
struct InMemoryPipelineTests {
    typealias Store = InMemoryEventStore<TallyState>

    func ingestor(_ consumer: InMemoryStreamConsumer, _ store: Store, batch: Int = 7, claimIdle: Int = 100) throws
        -> EventIngestor<InMemoryStreamConsumer, Store, TallyProjection> {
        var configuration = EventIngestor<InMemoryStreamConsumer, Store, TallyProjection>.Configuration()
        configuration.batchSize = batch
        configuration.blockMilliseconds = 0
        configuration.claimIdleMilliseconds = claimIdle
        configuration.claimIntervalMilliseconds = 0
        return try EventIngestor(consumer: consumer, store: store, projection: TallyProjection(),
                                 deadLetters: InMemoryDeadLetters(), configuration: configuration)
    }

    @Test func publishedEventsArriveOnceInOrder() throws {
        let outbox = InMemoryOutbox(source: SampleEvents.source())
        let stream = InMemoryEventStream()
        let publisher = try OutboxPublisher(outbox: outbox, producer: stream, batchSize: 4)
        for i in 0..<23 { try outbox.append(SampleEvents.draft(i)) }
        #expect(try publisher.drain() == 23)
        #expect(try outbox.publishedThrough() == 23)
        #expect(try outbox.unpublished(limit: 10).isEmpty)

        let store = Store(initialState: TallyState())
        let ingest = try ingestor(stream.consumer(group: "g", name: "c1"), store)
        while try ingest.step().messages > 0 {}
        #expect(store.state.applied == 23)
        #expect(store.state.lastSeq[SampleEvents.source()] == 23)
        #expect(store.storedEvents.map(\.seq) == Array(1...23))
        #expect(stream.pendingCount(group: "g") == 0)
    }

    @Test func consumerThatDiesBeforeAckIsClaimedAndNothingDoubleCounts() throws {
        let clock = ManualClock()
        let stream = InMemoryEventStream(clock: { clock.now })
        _ = try stream.publish(SampleEvents.envelopes(count: 20))
        let store = Store(initialState: TallyState())

        // c1 stores a batch, then "dies" between commit and ack: its messages stay pending.
        let doomed = stream.consumer(group: "g", name: "c1")
        try doomed.ensureGroup()
        let batch = try doomed.readNew(count: 7, blockMilliseconds: 0)
        _ = try store.append(batch.map { try EventStreamFormat.envelope(from: $0) }, projection: TallyProjection())
        #expect(stream.pendingCount(group: "g") == 7)

        clock.advance(500)
        let survivor = try ingestor(stream.consumer(group: "g", name: "c2"), store)
        let first = try survivor.step()
        #expect(first.messages == 7)
        #expect(first.outcome.duplicates == 7)
        while try survivor.step().messages > 0 {}
        #expect(store.state.applied == 20)
        #expect(store.state == (try expectedState(SampleEvents.envelopes(count: 20))))
        #expect(stream.pendingCount(group: "g") == 0)
    }

    @Test func restartedConsumerRereadsItsOwnPendingFirst() throws {
        let stream = InMemoryEventStream()
        _ = try stream.publish(SampleEvents.envelopes(count: 10))
        let store = Store(initialState: TallyState())
        let first = stream.consumer(group: "g", name: "c1")
        try first.ensureGroup()
        #expect(try first.readNew(count: 4, blockMilliseconds: 0).count == 4)
        // Same name after a restart: the pending four come back before anything new.
        let restarted = try ingestor(stream.consumer(group: "g", name: "c1"), store, batch: 10, claimIdle: 1_000_000)
        let step = try restarted.step()
        #expect(step.messages == 4)
        #expect(store.storedEvents.map(\.seq) == [1, 2, 3, 4])
        while try restarted.step().messages > 0 {}
        #expect(store.state.applied == 10)
    }

    @Test func undecodableMessagesAreDeadLetteredAndAcknowledged() throws {
        let stream = InMemoryEventStream()
        _ = try stream.publish(SampleEvents.envelopes(count: 2))
        var json = try #require(try JSONSerialization.jsonObject(with: Data(EventCodec().encode(SampleEvents.envelopes(count: 3)[2]))) as? [String: Any])
        json["v"] = 99
        stream.append([StreamField("event", Array(try JSONSerialization.data(withJSONObject: json)))])
        stream.append([StreamField("other", "no event field")])
        let store = Store(initialState: TallyState())
        let letters = InMemoryDeadLetters()
        let ingest = try EventIngestor(consumer: stream.consumer(group: "g", name: "c"), store: store, projection: TallyProjection(),
                                       deadLetters: letters)
        let result = try ingest.process(try { let c = stream.consumer(group: "g", name: "c"); try c.ensureGroup(); return try c.readNew(count: 10, blockMilliseconds: 0) }())
        #expect(result.deadLettered == 2)
        #expect(letters.letters.map(\.reason.code) == [.unsupportedSchemaVersion, .malformedEvent])
        #expect(store.state.applied == 2)
        #expect(stream.pendingCount(group: "g") == 0)
    }

    @Test func readingWithoutAGroupFails() throws {
        let stream = InMemoryEventStream()
        let error = try #require(throws: EventSourcingError.self) {
            try stream.consumer(group: "missing", name: "c").readNew(count: 1, blockMilliseconds: 0)
        }
        #expect(error.code == .redisCommandFailed)
        #expect(error.message.contains("NOGROUP"))
    }

    @Test func zeroBatchSizesAreRejected() throws {
        let publisherError = try #require(throws: EventSourcingError.self) {
            try OutboxPublisher(outbox: InMemoryOutbox(source: SampleEvents.source()), producer: InMemoryEventStream(), batchSize: 0)
        }
        #expect(publisherError.code == .invalidConfiguration)
        #expect(throws: EventSourcingError.self) { try ingestor(InMemoryEventStream().consumer(group: "g", name: "c"), Store(initialState: TallyState()), batch: 0) }
    }

    @Test func gapIsReportedWithItsRangeAndHeldUntilFilled() throws {
        let store = Store(initialState: TallyState())
        let all = SampleEvents.envelopes(count: 8)
        let outcome = try store.append([all[0], all[1], all[4], all[5], all[7]], projection: TallyProjection())
        #expect(outcome == AppendOutcome(inserted: 5, duplicates: 0, applied: 2, held: 3))
        #expect(try store.gaps() == [SequenceGap(source: SampleEvents.source(), missing: 3...4), SequenceGap(source: SampleEvents.source(), missing: 7...7)])
        #expect(store.state.applied == 2)
        let filled = try store.append([all[3], all[2]], projection: TallyProjection())
        #expect(filled.applied == 4)
        #expect(try store.gaps() == [SequenceGap(source: SampleEvents.source(), missing: 7...7)])
        let skipped = try store.skipGap(of: SampleEvents.source(), through: 7, projection: TallyProjection())
        #expect(skipped.applied == 1)
        #expect(try store.gaps().isEmpty)
        #expect(store.state.lastSeq[SampleEvents.source()] == 8)
    }

    @Test func replayRebuildsTheSameReadModel() throws {
        let store = Store(initialState: TallyState())
        _ = try store.append(SampleEvents.envelopes(count: 30), projection: TallyProjection())
        let live = store.state
        let summary = try store.rebuild(TallyProjection())
        #expect(summary == ReplaySummary(events: 30, applied: 30, sources: 1))
        #expect(store.state == live)
    }

    @Test func aFailingProjectionLeavesNothingBehind() throws {
        struct Exploding: EventProjection {
            func reset(in context: InMemoryReadModel<TallyState>) throws {}
            func apply(_ event: EventEnvelope, in context: InMemoryReadModel<TallyState>) throws {
                context.state.applied += 1
                if event.seq == 3 { throw EventSourcingError(.malformedEvent, "boom") }
            }
        }
        let store = Store(initialState: TallyState())
        #expect(throws: EventSourcingError.self) { try store.append(SampleEvents.envelopes(count: 5), projection: Exploding()) }
        #expect(store.storedEvents.isEmpty)
        #expect(store.state.applied == 0)
        #expect(try store.append(SampleEvents.envelopes(count: 5), projection: TallyProjection()).inserted == 5)
    }

    /// Property: duplicates and reorderings, in any interleaving and batching, over several
    /// sources, give exactly the state of applying each event once in order.
    @Test(arguments: 0..<200)
    func anyInterleavingOfDuplicatesAndReordersGivesTheSameState(seed: Int) throws {
        var rng = SeededGenerator(seed: UInt64(seed) &* 7919 &+ 17)
        let sources = (1...3).map { SampleEvents.source(UInt8($0)) }
        let histories = sources.map { SampleEvents.envelopes(count: Int.random(in: 1...25, using: &rng), source: $0) }
        let expected = try expectedState(histories.flatMap { $0 })

        var deliveries = histories.flatMap { $0 }
        for _ in 0..<Int.random(in: 0...deliveries.count, using: &rng) {
            deliveries.append(deliveries.randomElement(using: &rng)!)
        }
        deliveries.shuffle(using: &rng)
        let store = Store(initialState: TallyState())
        var index = 0
        while index < deliveries.count {
            let size = Int.random(in: 1...8, using: &rng)
            _ = try store.append(Array(deliveries[index..<min(index + size, deliveries.count)]), projection: TallyProjection())
            index += size
        }
        #expect(store.state == expected, "seed \(seed)")
        #expect(try store.gaps().isEmpty)
        #expect(store.storedEvents.count == histories.map(\.count).reduce(0, +))
    }

    func expectedState(_ events: [EventEnvelope]) throws -> TallyState {
        let model = InMemoryReadModel(TallyState())
        for event in events.sorted(by: { $0.key < $1.key }) { try TallyProjection().apply(event, in: model) }
        return model.state
    }
}
