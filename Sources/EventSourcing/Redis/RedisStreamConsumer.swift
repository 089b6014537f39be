import Foundation

/// A consumer in a Redis Streams consumer group: `XGROUP CREATE … MKSTREAM`, `XREADGROUP`,
/// `XACK`, `XAUTOCLAIM`. Several consumers (processes) with different names share the work.
public final class RedisStreamConsumer: EventStreamConsumer {
    /// The connection (reopened after failures); its command timeout must exceed `BLOCK` times.
    public let redis: ReconnectingRedis
    /// Stream key (default `bng_events`).
    public let stream: String
    /// Consumer group (default `bng_ingestors`).
    public let group: String
    /// This consumer's name, unique within the group (host + pid is a good choice).
    public let name: String
    /// Where a newly created group starts (`0` = everything in the stream, `$` = only new entries).
    public let startID: String
    private var claimCursor = StreamMessageID.zero

    /// A consumer; throws `invalidConfiguration` for empty names.
    public init(redis: ReconnectingRedis, stream: String = "bng_events", group: String = "bng_ingestors",
                name: String, startID: String = "0") throws {
        guard !stream.isEmpty, !group.isEmpty, !name.isEmpty else {
            throw EventSourcingError(.invalidConfiguration, "stream, group and consumer names must not be empty")
        }
        self.redis = redis
        self.stream = stream
        self.group = group
        self.name = name
        self.startID = startID
    }

    /// `XGROUP CREATE stream group startID MKSTREAM`; an existing group is fine.
    public func ensureGroup() throws {
        try redis.withConnection { connection in
            do {
                try connection.command(["XGROUP", "CREATE", stream, group, startID, "MKSTREAM"])
            } catch let error as EventSourcingError where error.code == .redisCommandFailed && error.message.contains("BUSYGROUP") {
                return
            }
        }
    }

    /// `XREADGROUP … STREAMS stream >`, blocking up to `blockMilliseconds` (0 = return at once).
    public func readNew(count: Int, blockMilliseconds: Int) throws -> [StreamMessage] {
        if let timeout = redis.commandTimeoutMilliseconds, blockMilliseconds >= timeout {
            throw EventSourcingError(.invalidConfiguration, "BLOCK \(blockMilliseconds) ms must be shorter than the connection's \(timeout) ms command timeout")
        }
        var arguments = ["XREADGROUP", "GROUP", group, name, "COUNT", String(count)]
        if blockMilliseconds > 0 { arguments += ["BLOCK", String(blockMilliseconds)] }
        arguments += ["STREAMS", stream, ">"]
        return try redis.withConnection { try RedisStreamReplies.readReply(try $0.command(arguments)) }
    }

    /// `XREADGROUP … STREAMS stream <after>`: this consumer's pending entries above `after`.
    public func readPending(after: StreamMessageID, count: Int) throws -> [StreamMessage] {
        try redis.withConnection {
            try RedisStreamReplies.readReply(try $0.command(["XREADGROUP", "GROUP", group, name, "COUNT", String(count),
                                                             "STREAMS", stream, after.rawValue]))
        }
    }

    /// `XAUTOCLAIM stream group name minIdle cursor COUNT count`, continuing from the last cursor.
    public func claimIdle(minIdleMilliseconds: Int, count: Int) throws -> [StreamMessage] {
        try redis.withConnection { connection in
            let reply = try connection.command(["XAUTOCLAIM", stream, group, name, String(minIdleMilliseconds),
                                                claimCursor.rawValue, "COUNT", String(count)])
            guard let parts = reply.array, parts.count >= 2, let cursor = parts[0].string else {
                throw RedisStreamReplies.unexpected("[cursor, entries, deleted]", reply)
            }
            claimCursor = StreamMessageID(rawValue: cursor)
            return try RedisStreamReplies.entries(parts[1])
        }
    }

    /// `XACK stream group id…`.
    public func acknowledge(_ ids: [StreamMessageID]) throws {
        guard !ids.isEmpty else { return }
        _ = try redis.withConnection { try $0.command(["XACK", stream, group] + ids.map(\.rawValue)) }
    }

    /// Messages delivered to the group and not acknowledged yet (`XPENDING` summary count).
    public func pendingCount() throws -> Int {
        try redis.withConnection { connection in
            let reply = try connection.command(["XPENDING", stream, group])
            guard let count = reply.array?.first?.integer else { throw RedisStreamReplies.unexpected("an XPENDING summary", reply) }
            return Int(count)
        }
    }
}

/// Keeps unprocessable entries in a side stream (`<stream>:dead` by default) with the reason.
public final class RedisDeadLetterStream: DeadLetterSink {
    /// The connection.
    public let redis: ReconnectingRedis
    /// The side stream's key.
    public let stream: String
    /// Trimming of the side stream.
    public let retention: RedisStreamRetention

    /// A sink writing to `stream`.
    public init(redis: ReconnectingRedis, stream: String, retention: RedisStreamRetention = .maximumLength(100_000)) {
        self.redis = redis
        self.stream = stream
        self.retention = retention
    }

    /// `XADD` of the original fields plus `dead_reason`, `dead_code` and `original_id`.
    public func deadLetter(_ message: StreamMessage, reason: EventSourcingError) throws {
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        let head = ["XADD", stream] + retention.arguments(nowMilliseconds: now) + ["*"]
        let extra = [StreamField("original_id", message.id.rawValue), StreamField("dead_code", reason.code.rawValue),
                     StreamField("dead_reason", reason.message)]
        let arguments = head.map { Array($0.utf8) } + (message.fields + extra).flatMap { [Array($0.name.utf8), $0.value] }
        _ = try redis.withConnection { try $0.command(arguments) }
    }
}
