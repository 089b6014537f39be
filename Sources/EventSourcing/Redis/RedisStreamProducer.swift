import Foundation
import Logging

/// Publishes events to a Redis Stream with pipelined `XADD`s and retention.
///
/// After every (re)connect it reads the stream's tail (`XREVRANGE … COUNT tailScan`) to learn
/// which of its events Redis already holds, so an outage that cut a pipeline short does not
/// publish them twice. Redis's own durability (AOF `appendfsync`) decides whether accepted
/// events survive a Redis crash.
public final class RedisStreamProducer: EventStreamProducer {
    /// The connection (reopened after failures).
    public let redis: ReconnectingRedis
    /// Stream key (default `bng_events`).
    public let stream: String
    /// Trimming applied by each `XADD`.
    public let retention: RedisStreamRetention
    /// Entries read back after a reconnect to find what was already published.
    public let tailScan: Int
    private var knownInStream: [EventSource: UInt64] = [:]
    private var connectsSeen = -1
    private let codec = EventCodec()
    private let logger: Logger

    /// A producer.
    public init(redis: ReconnectingRedis, stream: String = "bng_events",
                retention: RedisStreamRetention = .maximumLength(1_000_000), tailScan: Int = 1000,
                logger: Logger = Logger(label: "aether.eventsourcing.redis-producer")) throws {
        guard !stream.isEmpty else { throw EventSourcingError(.invalidConfiguration, "stream name is empty") }
        self.redis = redis
        self.stream = stream
        self.retention = retention
        self.tailScan = tailScan
        self.logger = logger
    }

    /// Appends `events` in one pipeline; returns how many, from the front, Redis accepted.
    public func publish(_ events: [EventEnvelope]) throws -> Int {
        guard !events.isEmpty else { return 0 }
        return try redis.withConnection { connection in
            if redis.connectCount != connectsSeen {
                try learnTail(connection)
                connectsSeen = redis.connectCount
            }
            let already = events.prefix { $0.seq <= knownInStream[$0.source] ?? 0 }.count
            let remaining = events.dropFirst(already)
            guard !remaining.isEmpty else { return already }
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            let trimming = retention.arguments(nowMilliseconds: now)
            let commands = try remaining.map { try EventStreamFormat.xadd($0, to: stream, trimming: trimming, codec: codec) }
            let replies: [RedisReply]
            do {
                replies = try connection.pipeline(commands)
            } catch {
                // Some XADDs may have landed; the next connect's tail read tells which.
                redis.disconnect()
                throw error
            }
            var accepted = already
            for (event, reply) in zip(remaining, replies) {
                if case let .error(text) = reply {
                    guard accepted > 0 else { throw EventSourcingError(.redisCommandFailed, "XADD \(stream): \(text)") }
                    logger.debug("XADD refused; stopping this batch", metadata: ["error": "\(text)"])
                    break
                }
                guard reply.string != nil else { throw RedisStreamReplies.unexpected("an entry ID", reply) }
                knownInStream[event.source] = event.seq
                accepted += 1
            }
            return accepted
        }
    }

    /// Reads the newest `tailScan` entries and records the highest sequence per source found.
    private func learnTail(_ connection: RedisConnection) throws {
        let entries = try RedisStreamReplies.entries(try connection.command(["XREVRANGE", stream, "+", "-", "COUNT", String(tailScan)]))
        knownInStream = [:]
        for entry in entries {
            guard let key = EventStreamFormat.key(of: entry), let instance = UUID(uuidString: key.instanceID) else { continue }
            let source = EventSource(bngID: key.bngID, instanceID: instance)
            knownInStream[source] = max(knownInStream[source] ?? 0, key.seq)
        }
        logger.debug("read stream tail after connect", metadata: ["entries": "\(entries.count)", "sources": "\(knownInStream.count)"])
    }
}
