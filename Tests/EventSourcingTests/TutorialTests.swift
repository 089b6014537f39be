import AetherTestSupport
import EventSourcing
import Foundation
import Testing
import NetworkTypes

// The code of Docs/eventsourcing.md. Each `tutorial:` region below appears verbatim in the
// page (checked by `pageShowsExactlyTheTestedCode`), so the tutorial cannot drift from code that runs.

// tutorial:begin projection
/// Keeps the latest counters of each session in `session_bytes`.
struct SessionBytesProjection: EventProjection {
    func reset(in db: PostgresConnection) throws {
        try db.query("DELETE FROM session_bytes")
    }

    func apply(_ event: EventEnvelope, in db: PostgresConnection) throws {
        switch event.payload {
        case let .sessionStart(start):
            try db.query("INSERT INTO session_bytes (session_id, bytes_down) VALUES ($1, 0)",
                         bindings: [start.line.sessionID])
        case let .sessionUpdate(update):
            try db.query("UPDATE session_bytes SET bytes_down = $2 WHERE session_id = $1",
                         bindings: [update.line.sessionID, update.counters.bytesDown])
        default:
            break
        }
    }
}
// tutorial:end

@Suite("Docs/eventsourcing.md tutorial")
struct TutorialTests {
    @Test func publishConsumeCrashRecover() async throws {
        let endpoints = try await TestServices.endpoints()
        let scratch = try ScratchDirectory("tutorial")
        defer { scratch.remove() }
        let stream = Unique.name("tutorial:bng_events")
        defer { _ = try? RedisConnection(endpoints.redis).command(["DEL", stream]) }
        try await withScratchSchema { postgres in
            let redisEndpoint = endpoints.redis
            let directory = scratch.path
            try PostgresConnection(postgres).execute(script: "CREATE TABLE session_bytes (session_id uuid PRIMARY KEY, bytes_down bigint NOT NULL)")

            // tutorial:begin publish
            let outbox = try SQLiteOutbox(path: directory + "/bng-01.outbox", bngID: "bng-01")
            let line = SessionLine(sessionID: UUID(), nasIP: IPv4Address(198, 18, 0, 1), remoteID: "an-01",
                                   circuitID: "eth3", macAddress: MACAddress(0x02, 0, 0, 0, 0, 0x03))
            let now = EventTimestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
            try outbox.append(EventDraft(timestamp: now, payload: .sessionStart(
                SessionStartPayload(line: line, startedAt: now))))
            for minute in 1...3 {
                try outbox.append(EventDraft(timestamp: now, payload: .sessionUpdate(
                    SessionUpdatePayload(line: line, counters: SessionCounters(bytesDown: UInt64(minute) * 1_000_000)))))
            }

            let producer = try RedisStreamProducer(redis: ReconnectingRedis(redisEndpoint), stream: stream,
                                                   retention: .maximumLength(1_000_000))
            let publisher = try OutboxPublisher(outbox: outbox, producer: producer)
            let published = try publisher.drain()          // 4: seq 1…4 are in the stream
            // tutorial:end
            #expect(published == 4)

            // tutorial:begin consume
            let store = try PostgresEventStore(pool: PostgresPool(postgres))
            try store.migrate()

            // Consumer "a" reads a batch, commits it, and crashes before XACK.
            let a = try RedisStreamConsumer(redis: ReconnectingRedis(redisEndpoint), stream: stream,
                                            group: "bng_ingestors", name: "a")
            try a.ensureGroup()
            let batch = try a.readNew(count: 2, blockMilliseconds: 0)
            _ = try store.append(batch.map { try EventStreamFormat.envelope(from: $0) },
                                 projection: SessionBytesProjection())
            // (crash: no a.acknowledge(...))
            // tutorial:end
            #expect(batch.count == 2)

            // tutorial:begin recover
            var settings = EventIngestor<RedisStreamConsumer, PostgresEventStore, SessionBytesProjection>.Configuration()
            settings.claimIdleMilliseconds = 0           // production: 30 000
            let b = try RedisStreamConsumer(redis: ReconnectingRedis(redisEndpoint), stream: stream,
                                            group: "bng_ingestors", name: "b")
            let ingestor = try EventIngestor(consumer: b, store: store, projection: SessionBytesProjection(),
                                             deadLetters: InMemoryDeadLetters(), configuration: settings)
            let claimed = try ingestor.step()                // XAUTOCLAIM takes a's two messages
            let rest = try ingestor.step()                   // then the two never delivered
            // claimed.outcome.duplicates == 2, rest.outcome.inserted == 2
            // tutorial:end
            #expect(claimed.outcome.duplicates == 2)
            #expect(rest.outcome.inserted == 2)

            // tutorial:begin check
            let bytes = try PostgresConnection(postgres)
                .query("SELECT bytes_down FROM session_bytes WHERE session_id = $1", bindings: [line.sessionID])
                .decode("bytes_down", as: Int64.self)        // 3 000 000: each event applied once
            let gaps = try store.gaps()                      // []: seq 1…4 all stored
            let rebuilt = try store.rebuild(SessionBytesProjection())  // replays the log into session_bytes
            // tutorial:end
            #expect(bytes == 3_000_000)
            #expect(gaps.isEmpty)
            #expect(rebuilt.applied == 4)
            #expect(try b.pendingCount() == 0)
        }
    }

    @Test func pageShowsExactlyTheTestedCode() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let page = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Docs/eventsourcing.md").standardized.path, encoding: .utf8)
        var regions: [String: String] = [:]
        var current: (name: String, lines: [String])?
        var indent = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("// tutorial:begin ") {
                current = (String(trimmed.dropFirst("// tutorial:begin ".count)), [])
                indent = line.prefix { $0 == " " }.count
            } else if trimmed == "// tutorial:end", let region = current {
                regions[region.name] = region.lines.joined(separator: "\n")
                current = nil
            } else if current != nil {
                current!.lines.append(String(line.dropFirst(min(indent, line.prefix { $0 == " " }.count))))
            }
        }
        #expect(regions.keys.sorted() == ["check", "consume", "projection", "publish", "recover"])
        for (name, code) in regions {
            #expect(page.contains(code), "Docs/eventsourcing.md does not show the tested \"\(name)\" code verbatim")
        }
    }
}
