import AetherTestSupport
import EventSourcing
import Testing

@Suite("Redis through hiredis (real server from the harness)")
struct RedisConnectionTests {
    @Test func pingAnswersPongOverTheUnixSocket() async throws {
        let endpoints = try await TestServices.endpoints()
        let redis = try RedisConnection(endpoints.redis)
        #expect(try redis.command(["PING"]) == .status("PONG"))
    }

    @Test func xaddAppendsEntriesThatReadBackInOrder() async throws {
        let endpoints = try await TestServices.endpoints()
        let redis = try RedisConnection(endpoints.redisTCP)
        let stream = "test:xadd:\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? redis.command(["DEL", stream]) }
        let first = try redis.command(["XADD", stream, "*", "seq", "1", "event", "SESSION_START"])
        let second = try redis.command(["XADD", stream, "*", "seq", "2", "event", "SESSION_STOP"])
        #expect(first.string != nil && second.string != nil && first != second)
        #expect(try redis.command(["XLEN", stream]).integer == 2)
        let entries = try #require(try redis.command(["XRANGE", stream, "-", "+"]).array)
        let sequences = entries.compactMap { $0.array?[1].array?[1].string }
        #expect(sequences == ["1", "2"])
    }

    @Test func binaryValuesSurviveUnchanged() async throws {
        let endpoints = try await TestServices.endpoints()
        let redis = try RedisConnection(endpoints.redis)
        let key = Array("test:binary:\(UInt32.random(in: 0...UInt32.max))".utf8)
        let value: [UInt8] = [0, 255, 13, 10, 0, 128]
        defer { _ = try? redis.command([Array("DEL".utf8), key]) }
        try redis.command([Array("SET".utf8), key, value])
        #expect(try redis.command([Array("GET".utf8), key]) == .bulk(value))
    }

    @Test func errorReplyIsThrownNotReturned() async throws {
        let endpoints = try await TestServices.endpoints()
        let redis = try RedisConnection(endpoints.redis)
        let error = try #require(throws: EventSourcingError.self) { try redis.command(["NOSUCHCOMMAND"]) }
        #expect(error.code == .redisCommandFailed)
        #expect(error.message.contains("unknown command"))
    }

    @Test func wrongPasswordIsRefused() async throws {
        let endpoints = try await TestServices.endpoints()
        var endpoint = endpoints.redis
        endpoint.password = "not-it"
        let error = try #require(throws: EventSourcingError.self) { try RedisConnection(endpoint) }
        #expect(error.code == .redisConnectionFailed)
        #expect(!error.description.contains("not-it"))
    }

    @Test func closedPortIsAConnectionError() throws {
        let error = try #require(throws: EventSourcingError.self) {
            try RedisConnection(RedisEndpoint(address: .tcp(host: "127.0.0.1", port: 1)))
        }
        #expect(error.code == .redisConnectionFailed)
        #expect(error.message.contains("refused"))
    }
}
