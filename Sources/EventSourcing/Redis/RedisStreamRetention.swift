import Foundation

/// How `XADD` trims the stream so it cannot grow without bound (the original never trimmed).
///
/// Only ``untilCommitted(groups:approximate:)`` guarantees that nothing is trimmed before its
/// consumers have it; with it the producer also tells its outbox what is committed, so the BNG
/// keeps every event until then.
public enum RedisStreamRetention: Hashable, Sendable {
    /// No trimming.
    case unbounded
    /// Keep about the newest `count` entries (`MAXLEN ~ count`; exact with `approximate: false`).
    case maximumLength(Int, approximate: Bool = true)
    /// Drop entries older than `milliseconds` (`MINID ~ <now - milliseconds>`).
    case maximumAge(milliseconds: UInt64, approximate: Bool = true)

    /// Keep every entry some group of `groups` has not acknowledged (`MINID ~ <committed floor>`):
    /// nothing is trimmed before every one of them has stored it, and a group that does not exist
    /// yet holds everything.
    case untilCommitted(groups: [String], approximate: Bool = true)

    /// The arguments to put between the key and the ID of `XADD`; `floor` is the committed floor
    /// last read (for ``untilCommitted(groups:approximate:)``; nil or zero trims nothing).
    func arguments(nowMilliseconds: UInt64, floor: StreamMessageID? = nil) -> [String] {
        switch self {
        case let .untilCommitted(_, approximate):
            guard let floor, floor != .zero else { return [] }
            return ["MINID", approximate ? "~" : "=", floor.rawValue]
        case .unbounded:
            return []
        case let .maximumLength(count, approximate):
            return ["MAXLEN", approximate ? "~" : "=", String(count)]
        case let .maximumAge(milliseconds, approximate):
            return ["MINID", approximate ? "~" : "=", "\(nowMilliseconds > milliseconds ? nowMilliseconds - milliseconds : 0)-0"]
        }
    }
}

/// Parsing of stream replies (`XRANGE`, `XREADGROUP`, `XAUTOCLAIM`) into `StreamMessage`s.
package enum RedisStreamReplies {
    /// An entry list: `[[id, [field, value, …]], …]`. Entries whose data was trimmed away
    /// (`[id, nil]` in a pending read) come back with no fields.
    package static func entries(_ reply: RedisReply) throws -> [StreamMessage] {
        guard let items = reply.array else {
            if reply == .null { return [] }
            throw unexpected("an entry list", reply)
        }
        return try items.map { item in
            guard let pair = item.array, pair.count == 2, let id = pair[0].string else { throw unexpected("[id, fields]", item) }
            guard let flat = pair[1].array else {
                if pair[1] == .null { return StreamMessage(id: StreamMessageID(rawValue: id), fields: []) }
                throw unexpected("a field list", pair[1])
            }
            guard flat.count % 2 == 0 else { throw unexpected("an even field list", pair[1]) }
            var fields: [StreamField] = []
            fields.reserveCapacity(flat.count / 2)
            var index = 0
            while index < flat.count {
                guard let name = flat[index].string, let value = flat[index + 1].bytes else { throw unexpected("field/value strings", pair[1]) }
                fields.append(StreamField(name, value))
                index += 2
            }
            return StreamMessage(id: StreamMessageID(rawValue: id), fields: fields)
        }
    }

    /// `XREADGROUP` / `XREAD`: `[[stream, entries]]` or nil when nothing arrived.
    package static func readReply(_ reply: RedisReply) throws -> [StreamMessage] {
        if reply == .null { return [] }
        guard let streams = reply.array else { throw unexpected("a stream list", reply) }
        return try streams.flatMap { stream -> [StreamMessage] in
            guard let pair = stream.array, pair.count == 2 else { throw unexpected("[stream, entries]", stream) }
            return try entries(pair[1])
        }
    }

    static func unexpected(_ what: String, _ reply: RedisReply) -> EventSourcingError {
        EventSourcingError(.redisUnexpectedReply, "expected \(what), got \(String(describing: reply).prefix(200))")
    }
}
