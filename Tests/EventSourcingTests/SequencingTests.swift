import EventSourcing
import Testing

@Suite("Sequencer and sequence tracking")
struct SequencingTests {
    @Test func sequencerIssuesOneTwoThreeAndContinuesAfterRestart() throws {
        var sequencer = EventSequencer(source: SampleEvents.source())
        #expect(try [sequencer.next(), sequencer.next(), sequencer.next()] == [1, 2, 3])
        var restarted = EventSequencer(source: SampleEvents.source(), lastIssued: sequencer.lastIssued)
        #expect(try restarted.next() == 4)
    }

    @Test func sequencerRefusesToWrapPastBigint() throws {
        var sequencer = EventSequencer(source: SampleEvents.source(), lastIssued: EventEnvelope.maximumSequence)
        let error = try #require(throws: EventSourcingError.self) { try sequencer.next() }
        #expect(error.code == .invalidConfiguration)
        #expect(sequencer.lastIssued == EventEnvelope.maximumSequence)
    }

    @Test func trackerReleasesRunsWhenGapsClose() {
        var tracker = SequenceTracker()
        #expect(tracker.record(1) == .new(releasing: 1...1))
        #expect(tracker.record(4) == .new(releasing: nil))
        #expect(tracker.record(3) == .new(releasing: nil))
        #expect(tracker.missingRanges == [2...2])
        #expect(tracker.record(2) == .new(releasing: 2...4))
        #expect(tracker.record(3) == .duplicate)
        #expect(tracker.record(1) == .duplicate)
        #expect(tracker.missingRanges.isEmpty)
        #expect(tracker.contiguousThrough == 4)
    }

    @Test func trackerReportsEveryMissingRange() {
        var tracker = SequenceTracker()
        for seq: UInt64 in [1, 2, 5, 6, 9] { _ = tracker.record(seq) }
        #expect(tracker.missingRanges == [3...4, 7...8])
        #expect(tracker.highestSeen == 9)
    }

    @Test func skippingAGapReleasesHeldEventsInOrder() {
        var tracker = SequenceTracker()
        for seq: UInt64 in [1, 4, 6, 7] { _ = tracker.record(seq) }
        #expect(tracker.skip(through: 4) == [4])
        #expect(tracker.missingRanges == [5...5])
        #expect(tracker.skip(through: 5) == [6, 7])
        #expect(tracker.contiguousThrough == 7)
        #expect(tracker.record(2) == .duplicate)
        #expect(tracker.skip(through: 3).isEmpty)
    }

    @Test func backoffGrowsToItsCeilingAndResets() {
        var backoff = RetryBackoff(initialSeconds: 0.1, maximumSeconds: 1, multiplier: 2)
        let delays = (0..<6).map { _ in backoff.nextDelay(unit: 1) }
        #expect(delays == [0.1, 0.2, 0.4, 0.8, 1, 1])
        #expect(backoff.nextDelay(unit: 0) == 0.5)
        backoff.reset()
        #expect(backoff.nextDelay(unit: 0) == 0.05)
    }
}
