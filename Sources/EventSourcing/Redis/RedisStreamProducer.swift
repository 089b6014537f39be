import Foundation
import Logging

/// Publishes events to a Redis Stream with pipelined `XADD`s and retention.
///
/// After every (re)connect it reads the stream's tail (`XREVRANGE … COUNT tailScan`) to learn
/// which of its events Redis already holds, so an outage that cut a pipeline short does not
/// publish them twice, and checks (`XRANGE id id`) that the stream still holds the last event
/// published before: when Redis came back without it (AOF `everysec` loses up to a second on
/// kill -9; no persistence loses everything) `publish` throws `streamLostEvents` and the outbox
/// publishes again what no group has committed.
///
/// With ``RedisStreamRetention/untilCommitted(groups:approximate:)`` it reads where each of those
/// consumer groups has committed (`XINFO GROUPS`, `XPENDING`) — the floor the outbox may delete
/// below and `XADD … MINID` trims below, so neither ever drops what a group has not stored.
public final class RedisStreamProducer: EventStreamProducer {
    /// The connection (reopened after failures).
    public let redis: ReconnectingRedis
    /// Stream key (default `bng_events`).
    public let stream: String
    /// Trimming applied by each `XADD`.
    public let retention: RedisStreamRetention
    /// Entries read back after a reconnect to find what was already published.
    public let tailScan: Int
    private var knownInStream: [EventSource: (seq: UInt64, id: StreamMessageID)] = [:]
    private var connectsSeen = -1
    /// The committed floor last read; trimming never goes past it.
    private var floor: StreamMessageID?
    private let codec = EventCodec()
    private let logger: Logger

    /// A producer; `untilCommitted` needs at least one group.
    public init(redis: ReconnectingRedis, stream: String = "bng_events",
                retention: RedisStreamRetention = .maximumLength(1_000_000), tailScan: Int = 1000,
                logger: Logger = Logger(label: "aether.eventsourcing.redis-producer")) throws {
        guard !stream.isEmpty else { throw EventSourcingError(.invalidConfiguration, "stream name is empty") }
        if case let .untilCommitted(groups, _) = retention, groups.isEmpty || groups.contains("") {
            throw EventSourcingError(.invalidConfiguration, "retention untilCommitted needs one or more non-empty consumer group names")
        }
        self.redis = redis
        self.stream = stream
        self.retention = retention
        self.tailScan = tailScan
        self.logger = logger
    }

    /// Appends `events` in one pipeline; returns how many, from the front, Redis accepted.
    public func publish(_ events: [EventEnvelope], confirming: StreamMessageID?) throws -> PublishReceipt {
        guard !events.isEmpty else { return PublishReceipt(accepted: 0, position: nil) }
        return try redis.withConnection { connection in
            if redis.connectCount != connectsSeen {
                try learnTail(connection)
                if let confirming, let source = events.first?.source, try !holds(confirming, of: source, connection) {
                    throw EventSourcingError(.streamLostEvents,
                                             "stream \(stream) no longer holds \(confirming), the last event published before; Redis restarted without its last writes")
                }
                // A floor read from the Redis before this connection may not hold for this one.
                floor = nil
                connectsSeen = redis.connectCount
            }
            let already = events.prefix { $0.seq <= knownInStream[$0.source]?.seq ?? 0 }.count
            var position = events.first.flatMap { knownInStream[$0.source]?.id }
            let remaining = events.dropFirst(already)
            guard !remaining.isEmpty else { return PublishReceipt(accepted: already, position: position) }
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            let trimming = retention.arguments(nowMilliseconds: now, floor: floor)
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
                guard let id = reply.string else { throw RedisStreamReplies.unexpected("an entry ID", reply) }
                knownInStream[event.source] = (event.seq, StreamMessageID(rawValue: id))
                position = StreamMessageID(rawValue: id)
                accepted += 1
            }
            return PublishReceipt(accepted: accepted, position: position)
        }
    }

    /// True with `untilCommitted` retention.
    public var waitsForConsumerGroups: Bool {
        if case .untilCommitted = retention { return true }
        return false
    }

    /// With `untilCommitted`: the lowest, over its groups, of the oldest entry a group still has
    /// pending, or the entry after the last one it was delivered. A group (or stream) that does not
    /// exist has committed nothing (`0-0`). Nil for the other retentions.
    public func committedFloor() throws -> StreamMessageID? {
        guard case let .untilCommitted(groups, _) = retention else { return nil }
        let current = try redis.withConnection { connection in try Self.committedFloor(of: groups, in: stream, connection) }
        floor = current
        return current
    }

    static func committedFloor(of groups: [String], in stream: String, _ connection: RedisConnection) throws -> StreamMessageID {
        let reply: RedisReply
        do {
            reply = try connection.command(["XINFO", "GROUPS", stream])
        } catch let error as EventSourcingError where error.code == .redisCommandFailed && error.message.contains("no such key") {
            return .zero
        }
        let positions = try groupPositions(reply)
        var lowest: StreamMessageID?
        for group in groups {
            guard let position = positions[group] else { return .zero }
            var committed = position.lastDelivered.successor
            if position.pending > 0 {
                let summary = try connection.command(["XPENDING", stream, group])
                guard let parts = summary.array, parts.count >= 2 else { throw RedisStreamReplies.unexpected("an XPENDING summary", summary) }
                if let oldest = parts[1].string { committed = min(committed, StreamMessageID(rawValue: oldest)) }
            }
            lowest = min(lowest ?? committed, committed)
        }
        return lowest ?? .zero
    }

    /// `XINFO GROUPS`: each group's name → its pending count and last delivered ID.
    package static func groupPositions(_ reply: RedisReply) throws -> [String: (pending: Int64, lastDelivered: StreamMessageID)] {
        guard let items = reply.array else { throw RedisStreamReplies.unexpected("a group list", reply) }
        var positions: [String: (pending: Int64, lastDelivered: StreamMessageID)] = [:]
        for item in items {
            guard let flat = item.array, flat.count % 2 == 0 else { throw RedisStreamReplies.unexpected("a group's fields", item) }
            var fields: [String: RedisReply] = [:]
            for index in stride(from: 0, to: flat.count, by: 2) { if let key = flat[index].string { fields[key] = flat[index + 1] } }
            guard let name = fields["name"]?.string, let pending = fields["pending"]?.integer,
                  let last = fields["last-delivered-id"]?.string else { throw RedisStreamReplies.unexpected("name, pending, last-delivered-id", item) }
            positions[name] = (pending, StreamMessageID(rawValue: last))
        }
        return positions
    }

    /// Whether the entry `id` is still in the stream: what the tail scan found for `source` at or
    /// after it, or an `XRANGE` of exactly that ID; a position below the committed floor counts
    /// as held (trimmed once committed, not lost).
    private func holds(_ id: StreamMessageID, of source: EventSource, _ connection: RedisConnection) throws -> Bool {
        if let known = knownInStream[source], id <= known.id { return true }
        if let floor, id < floor { return true }
        return !(try RedisStreamReplies.entries(try connection.command(["XRANGE", stream, id.rawValue, id.rawValue]))).isEmpty
    }

    /// Reads the newest `tailScan` entries and records the highest sequence per source found.
    private func learnTail(_ connection: RedisConnection) throws {
        let entries = try RedisStreamReplies.entries(try connection.command(["XREVRANGE", stream, "+", "-", "COUNT", String(tailScan)]))
        knownInStream = [:]
        for entry in entries {
            guard let key = EventStreamFormat.key(of: entry), let instance = UUID(uuidString: key.instanceID) else { continue }
            let source = EventSource(bngID: key.bngID, instanceID: instance)
            if key.seq > knownInStream[source]?.seq ?? 0 { knownInStream[source] = (key.seq, entry.id) }
        }
        logger.debug("read stream tail after connect", metadata: ["entries": "\(entries.count)", "sources": "\(knownInStream.count)"])
    }
}
