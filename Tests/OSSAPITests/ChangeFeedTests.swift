import EventSourcing
import Foundation
@testable import OSSAPI
import Testing

/// The change feed wakes on the ingestor's NOTIFY, tells viewers what changed, and resumes a
/// reconnecting viewer from its Last-Event-ID.
@Suite("aether-api change feed")
struct ChangeFeedTests {
    /// The next message named `event`, or nil when the stream ends first or `seconds` pass.
    static func next(_ event: String, in iterator: inout AsyncStream<ChangeFeed.Message>.Iterator, seconds: Double = 20) async -> ChangeFeed.Message? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            guard let message = await iterator.next() else { return nil }
            if message.event == event { return message }
        }
        return nil
    }

    @Test func ingestedSessionsReachViewersAndResumeReplaysExactlyWhatWasMissed() async throws {
        try await APITestBed.run { bed in
            let feed = bed.server.feed
            let watched = APIScript.line(1).sessionID.lowercasedText
            var first = feed.subscribe(lastEventID: nil, watch: [watched]).stream.makeAsyncIterator()
            #expect(await first.next()?.event == "reset", "a new viewer starts from the current state")
            // The feed has seen the empty tables once before the events arrive.
            _ = await Self.next("stats", in: &first)

            var events = APIScript.events()
            let stop = Array(events.suffix(2))
            events.removeLast(2)
            try bed.ingest(events)
            let started = try #require(await Self.next("sessions", in: &first), "the ingest's NOTIFY woke the feed")
            #expect(started.sessions?.started.count == 3)
            let resumeAfter = "\(feed.identifier)-\(started.sequence)"

            try bed.ingest(stop)
            let stopped = try #require(await Self.next("sessions", in: &first))
            #expect(stopped.sessions?.stopped == [APIScript.line(3).sessionID.lowercasedText])
            let frame = ChangeFeed.frame(stopped, feed: feed.identifier, watch: [watched])
            #expect(frame.hasPrefix("id: \(feed.identifier)-\(stopped.sequence)\nevent: sessions\ndata: {"))

            // Replay starts right after the id the viewer had, with the first message kept after it
            // (heartbeats take a sequence number but are not kept: the 15 s one can fall between
            // when this test runs slowly), and goes on to the stop the viewer missed.
            var resumed = feed.subscribe(lastEventID: resumeAfter, watch: []).stream.makeAsyncIterator()
            let replayed = try #require(await resumed.next())
            #expect(replayed.sequence > started.sequence && replayed.sequence <= stopped.sequence)
            #expect(replayed.event != "reset" && replayed.event != "heartbeat")
            var message: ChangeFeed.Message? = replayed
            while let current = message, current.sequence < stopped.sequence { message = await resumed.next() }
            #expect(message?.sequence == stopped.sequence && message?.sessions?.stopped == stopped.sessions?.stopped,
                    "the replay reaches the stop the viewer missed")

            var stranger = feed.subscribe(lastEventID: "someone-else-7", watch: []).stream.makeAsyncIterator()
            #expect(await stranger.next()?.event == "reset", "an id from another process means start over")
            #expect(feed.viewers == 3)
        }
    }

    @Test func aHundredViewersCostTheDatabaseNoMoreThanOne() async throws {
        try await APITestBed.run { bed in
            let feed = bed.server.feed
            var viewers = (0..<100).map { _ in feed.subscribe(lastEventID: nil, watch: [APIScript.line(1).sessionID.lowercasedText]).stream.makeAsyncIterator() }
            #expect(feed.viewers == 100)
            try bed.ingest(APIScript.events())
            // Two consecutive ticks as the first viewer sees them; every viewer gets the second.
            let first = try #require(await Self.next("stats", in: &viewers[0]))
            let before = bed.server.database.jobsStarted
            let second = try #require(await Self.next("stats", in: &viewers[0]))
            let work = bed.server.database.jobsStarted - before
            #expect(second.sequence > first.sequence)
            #expect(work <= 6, "one tick ran \(work) database jobs for 100 viewers: it must not grow with them")
            for index in 1..<100 {
                var found = false
                while let message = await viewers[index].next() { if message.sequence == second.sequence { found = true; break } }
                #expect(found, "viewer \(index) got the tick")
            }
        }
    }
}
