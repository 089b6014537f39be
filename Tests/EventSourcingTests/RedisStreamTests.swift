import AetherTestSupport
@testable import EventSourcing
import Foundation
import LabKit
import Testing

@Suite("Redis Streams producer and consumer groups (real Redis)")
struct RedisStreamTests {
    func producer(_ endpoint: RedisEndpoint, _ stream: String, retention: RedisStreamRetention = .maximumLength(10_000)) throws -> RedisStreamProducer {
        try RedisStreamProducer(redis: ReconnectingRedis(endpoint), stream: stream, retention: retention)
    }

    func consumer(_ endpoint: RedisEndpoint, _ stream: String, _ name: String) throws -> RedisStreamConsumer {
        try RedisStreamConsumer(redis: ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 5000), stream: stream, group: "g", name: name)
    }

    func cleanup(_ endpoint: RedisEndpoint, _ stream: String) {
        _ = try? RedisConnection(endpoint).command(["DEL", stream])
    }

    @Test func pipelinedPublishAppendsInOrderWithAuth() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:stream")
        defer { cleanup(endpoint, stream) }
        let events = SampleEvents.envelopes(count: 50)
        #expect(try producer(endpoint, stream).publish(events) == 50)
        let entries = try RedisStreamReplies.entries(try RedisConnection(endpoint).command(["XRANGE", stream, "-", "+"]))
        #expect(try entries.map { try EventStreamFormat.envelope(from: $0) } == events)
        #expect(entries.first?.value("event_type").map { String(decoding: $0, as: UTF8.self) } == "SESSION_START")
    }

    @Test func exactMaxLengthTrimsTheStream() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:trim")
        defer { cleanup(endpoint, stream) }
        #expect(try producer(endpoint, stream, retention: .maximumLength(5, approximate: false)).publish(SampleEvents.envelopes(count: 12)) == 12)
        let left = try RedisStreamReplies.entries(try RedisConnection(endpoint).command(["XRANGE", stream, "-", "+"]))
        #expect(try left.map { try EventStreamFormat.envelope(from: $0).seq } == [8, 9, 10, 11, 12])
    }

    @Test func minimumIDRetentionDropsEntriesOlderThanTheAge() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:minid")
        defer { cleanup(endpoint, stream) }
        let events = SampleEvents.envelopes(count: 2)
        _ = try producer(endpoint, stream, retention: .unbounded).publish([events[0]])
        let first = Date()
        try await Readiness.wait(for: "20 ms to pass") { Date().timeIntervalSince(first) > 0.02 }
        _ = try producer(endpoint, stream, retention: .maximumAge(milliseconds: 10, approximate: false)).publish([events[1]])
        #expect(try RedisConnection(endpoint).command(["XLEN", stream]).integer == 1)
    }

    @Test func consumersInAGroupShareWorkAndAcknowledge() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:group")
        defer { cleanup(endpoint, stream) }
        _ = try producer(endpoint, stream).publish(SampleEvents.envelopes(count: 10))
        let a = try consumer(endpoint, stream, "a"), b = try consumer(endpoint, stream, "b")
        try a.ensureGroup()
        try b.ensureGroup() // BUSYGROUP is fine
        let first = try a.readNew(count: 6, blockMilliseconds: 0)
        let second = try b.readNew(count: 6, blockMilliseconds: 100)
        #expect(first.count == 6 && second.count == 4)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(try a.pendingCount() == 10)
        try a.acknowledge(first.map(\.id))
        try b.acknowledge(second.map(\.id))
        #expect(try a.pendingCount() == 0)
        #expect(try a.readNew(count: 10, blockMilliseconds: 50).isEmpty)
    }

    @Test func deadConsumersMessagesAreAutoclaimedAndRestartedConsumerSeesItsPending() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:claim")
        defer { cleanup(endpoint, stream) }
        _ = try producer(endpoint, stream).publish(SampleEvents.envelopes(count: 5))
        let dead = try consumer(endpoint, stream, "dead")
        try dead.ensureGroup()
        let taken = try dead.readNew(count: 3, blockMilliseconds: 0)
        // Same name again (a restart): its own pending entries come back first.
        let restarted = try consumer(endpoint, stream, "dead")
        #expect(try restarted.readPending(after: .zero, count: 10).map(\.id) == taken.map(\.id))
        #expect(try restarted.readPending(after: taken[1].id, count: 10).map(\.id) == [taken[2].id])
        // Another consumer takes them over once idle long enough (0 ms here).
        let survivor = try consumer(endpoint, stream, "survivor")
        #expect(try survivor.claimIdle(minIdleMilliseconds: 60_000, count: 10).isEmpty)
        let claimed = try survivor.claimIdle(minIdleMilliseconds: 0, count: 10)
        #expect(claimed.map(\.id) == taken.map(\.id))
        #expect(try survivor.readPending(after: .zero, count: 10).count == 3)
        #expect(try restarted.readPending(after: .zero, count: 10).isEmpty)
    }

    @Test func blockLongerThanTheCommandTimeoutIsRefused() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let c = try RedisStreamConsumer(redis: ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 1000), stream: "s", group: "g", name: "c")
        let error = try #require(throws: EventSourcingError.self) { try c.readNew(count: 1, blockMilliseconds: 1000) }
        #expect(error.code == .invalidConfiguration)
        #expect(throws: EventSourcingError.self) { try RedisStreamConsumer(redis: ReconnectingRedis(endpoint), name: "") }
    }

    @Test func pipelineReportsErrorRepliesInPlace() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let key = Unique.name("es:pipe")
        let connection = try RedisConnection(endpoint)
        defer { _ = try? connection.command(["DEL", key]) }
        let replies = try connection.pipeline([["SET", key, "v"], ["XADD", key, "*", "f", "v"], ["GET", key]].map { $0.map { Array($0.utf8) } })
        #expect(replies[0] == .status("OK"))
        guard case let .error(text) = replies[1] else { Issue.record("expected an error reply, got \(replies[1])"); return }
        #expect(text.contains("WRONGTYPE"))
        #expect(replies[2] == .bulk(Array("v".utf8)))
    }

    @Test func malformedStreamRepliesAreReportedAsUnexpected() throws {
        for reply: RedisReply in [.integer(1), .array([.integer(1)]), .array([.array([.bulk(Array("1-0".utf8)), .array([.bulk([65])])])])] {
            let error = try #require(throws: EventSourcingError.self) { try RedisStreamReplies.entries(reply) }
            #expect(error.code == .redisUnexpectedReply)
        }
        #expect(try RedisStreamReplies.readReply(.null).isEmpty)
    }

    @Test func reconnectsAfterRedisRestartsAndGivesUpWhenToldTo() async throws {
        try await withPrivateRedis { redis in
        let client = ReconnectingRedis(redis.endpoint)
        #expect(try client.withConnection { try $0.command(["PING"]) } == .status("PONG"))
        await redis.stop()
        let down = try #require(throws: EventSourcingError.self) { try client.withConnection { try $0.command(["PING"]) } }
        #expect(down.isConnectionLoss)
        let exhausted = try #require(throws: EventSourcingError.self) {
            try client.withRetries(maxAttempts: 2, sleep: { _ in }) { try $0.command(["PING"]) }
        }
        #expect(exhausted.code == .retriesExhausted)
        try await redis.start()
        #expect(try client.withConnection { try $0.command(["PING"]) } == .status("PONG"))
        #expect(client.connectCount == 2)
        }
    }

    @Test func republishingAfterReconnectSkipsWhatTheStreamAlreadyHolds() async throws {
        let endpoint = try await TestServices.endpoints().redis
        let stream = Unique.name("es:dedup")
        defer { cleanup(endpoint, stream) }
        let events = SampleEvents.envelopes(count: 8)
        #expect(try producer(endpoint, stream).publish(Array(events[0..<5])) == 5)
        // A new producer (a restart that lost its "published" marks) is handed all eight.
        #expect(try producer(endpoint, stream).publish(events) == 8)
        let entries = try RedisStreamReplies.entries(try RedisConnection(endpoint).command(["XRANGE", stream, "-", "+"]))
        #expect(try entries.map { try EventStreamFormat.envelope(from: $0).seq } == Array(1...8))
    }
}
