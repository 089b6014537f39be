import AetherTestSupport
import EventSourcing
import Foundation
import OSSKit
import Testing

@Suite("OSS retention and the rolling average")
struct OSSRetentionTests {
    /// Three days of a scripted stream: pruning at the shortest windows drops old series rows
    /// and old updates and health events from the log, a replay of the pruned log gives the same
    /// tables, and events ingested after the prune keep agreeing.
    @Test func aReplayOfThePrunedLogRebuildsTheSameTables() async throws {
        let script = ScriptedEventStream(bngs: 2, sessionsPerBNG: 60, updatesPerSession: 10, spacing: 250_000_000)
        let events = script.events()
        let end = events.map(\.timestamp.rawValue).max()!
        let cut = end - 6 * 3_600_000_000  // prune as of six hours before the end, then ingest the rest
        let (before, after) = (events.filter { $0.timestamp.rawValue <= cut }, events.filter { $0.timestamp.rawValue > cut })
        let retention = try OSSRetention(trafficSeconds: .seconds(600), sessionUpdates: .seconds(25 * 3600), healthEvents: .seconds(3600))
        let projection = OSSProjection()
        try await OSSProjectionTests.withOSSSchema { store, info in
            for start in stride(from: 0, to: before.count, by: 500) {
                _ = try store.append(Array(before[start..<min(start + 500, before.count)]), projection: projection)
            }
            let connection = try PostgresConnection(info)
            let firstSeen = try connection.query("SELECT bng_id, first_seen::text AS first FROM bng_registry ORDER BY bng_id").rows
            let pruned = try retention.prune(now: EventTimestamp(rawValue: cut), in: connection)
            #expect(pruned.trafficSeconds > 0 && pruned.trafficMinutes > 0 && pruned.healthRows > 0)
            #expect(pruned.updateEvents > 0 && pruned.healthEvents > 0)
            // Nothing older than a horizon is left, and a prune at the same instant finds nothing more.
            #expect(try connection.query("SELECT count(*) AS n FROM traffic_minutes WHERE minute < $1::timestamptz",
                                         bindings: [EventTimestamp(rawValue: cut - 25 * 3_600_000_000)]).value("n") == "0")
            #expect(try retention.prune(now: EventTimestamp(rawValue: cut), in: connection) == OSSRetention.Pruned())
            #expect(try connection.query("SELECT bng_id, first_seen::text AS first FROM bng_registry ORDER BY bng_id").rows == firstSeen)

            for start in stride(from: 0, to: after.count, by: 500) {
                _ = try store.append(Array(after[start..<min(start + 500, after.count)]), projection: projection)
            }
            let live = try OSSProjectionTests.dump(info)
            #expect(live["traffic_minutes"]?.isEmpty == false && live["sessions_history"]?.isEmpty == false)
            let summary = try store.rebuild(projection)
            #expect(summary.applied == summary.events && summary.events == events.count - pruned.updateEvents - pruned.healthEvents)
            let replayed = try OSSProjectionTests.dump(info)
            for table in live.keys.sorted() {
                #expect(replayed[table] == live[table], "\(table) differs after a replay of the pruned log")
            }
        }
    }

    /// Events stored behind a sequence gap are not projected yet, so retention leaves them: when
    /// the gap closes they are applied and the tables are those of an in-order run.
    @Test func eventsHeldBehindAGapAreNotPruned() async throws {
        let events = ScriptedEventStream(bngs: 1, sessionsPerBNG: 40, updatesPerSession: 10, spacing: 250_000_000).events()
        let end = EventTimestamp(rawValue: events.map(\.timestamp.rawValue).max()!)
        let retention = try OSSRetention(trafficSeconds: .seconds(600), sessionUpdates: .seconds(25 * 3600), healthEvents: .seconds(3600))
        let missing = events[5]
        let reference = try await OSSProjectionTests.withOSSSchema { store, info in
            _ = try store.append(events, projection: OSSProjection())
            try retention.prune(now: end, in: try PostgresConnection(info))
            return try OSSProjectionTests.dump(info)
        }
        try await OSSProjectionTests.withOSSSchema { store, info in
            let outcome = try store.append(events.filter { $0.key != missing.key }, projection: OSSProjection())
            #expect(outcome.held == events.count - 6)
            let pruned = try retention.prune(now: end, in: try PostgresConnection(info))
            #expect(pruned.updateEvents == 0 && pruned.healthEvents == 0, "events behind the gap were pruned: \(pruned)")
            #expect(try store.append([missing], projection: OSSProjection()).applied == events.count - 5)
            try retention.prune(now: end, in: try PostgresConnection(info))
            let dump = try OSSProjectionTests.dump(info)
            for table in reference.keys.sorted() {
                #expect(dump[table] == reference[table], "\(table) differs from the in-order run")
            }
        }
    }

    /// The rolling average equals Σ byte deltas over (now − 300 s, now] × 8 / 300, sessions that
    /// stopped in the window included, within 1 %, at several instants of a scripted stream.
    @Test func theRollingAverageIsTheBytesOfTheLastFiveMinutes() async throws {
        let script = ScriptedEventStream(bngs: 2, sessionsPerBNG: 80, updatesPerSession: 8, spacing: 700_000)
        let events = script.events()
        let first = events.map(\.timestamp.rawValue).min()!, last = events.map(\.timestamp.rawValue).max()!
        #expect(last - first > 600_000_000, "the stream must span more than two windows")
        try await OSSProjectionTests.withOSSSchema { store, info in
            for start in stride(from: 0, to: events.count, by: 300) {
                _ = try store.append(Array(events[start..<min(start + 300, events.count)]), projection: OSSProjection())
            }
            let connection = try PostgresConnection(info)
            for now in [last, last - 123_456_789, first + 301_500_000] {
                let window = (now - 300_000_000 + 1)...now
                let stops = events.filter { if case .sessionStop = $0.payload { window.contains($0.timestamp.rawValue) } else { false } }
                #expect(!stops.isEmpty, "the window should hold stops")
                let expected = ScriptedEventStream.bytesMoved(events, in: window)
                let average = try OSSTraffic.rollingAverage(at: EventTimestamp(rawValue: now), in: connection)
                let expectedDown = Double(expected.down) * 8 / 300, expectedUp = Double(expected.up) * 8 / 300
                print("rolling average at \(now): down \(average.downBitsPerSecond) vs \(expectedDown) b/s, up \(average.upBitsPerSecond) vs \(expectedUp) b/s")
                #expect(abs(average.downBitsPerSecond / expectedDown - 1) <= 0.01)
                #expect(abs(average.upBitsPerSecond / expectedUp - 1) <= 0.01)
                let perBNG = try OSSTraffic.rollingAverage(at: EventTimestamp(rawValue: now), bngID: "bng-01", in: connection)
                #expect(perBNG.bytesDown > 0 && perBNG.bytesDown < average.bytesDown)
            }
        }
    }

    @Test func windowsShorterThanTheAPIReadsAreRefused() {
        #expect(throws: EventSourcingError.self) { try OSSRetention(trafficSeconds: .seconds(299)) }
        #expect(throws: EventSourcingError.self) { try OSSRetention(sessionUpdates: .seconds(3600)) }
        #expect(throws: EventSourcingError.self) { try OSSRetention(healthEvents: .seconds(60)) }
    }
}
