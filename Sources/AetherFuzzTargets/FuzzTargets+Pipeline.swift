import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import NetworkTypes

extension FuzzTarget {
    /// Event envelopes as consumers read them from the stream's `event` field.
    public static let eventCodec = FuzzTarget(
        name: "event-codec",
        summary: "EventCodec: the hand-written fast reader agrees with JSONDecoder on every input it accepts; decode-encode-decode is stable",
        seeds: FuzzSeeds.events
    ) { bytes throws(FuzzFinding) in
        let name = "event-codec"
        let codec = EventCodec()
        let reference = try? codec.decodeWithFoundation(bytes)
        if let fast = EventFastDecoder.decode(bytes), fast != reference {
            throw FuzzFinding(name, "the fast reader decoded \(fast.key) where JSONDecoder read \(reference.map { "\($0.key)" } ?? "an error")")
        }
        guard let envelope = reference else { return }
        guard let encoded = try? codec.encode(envelope) else { throw FuzzFinding(name, "a decoded event does not encode") }
        guard let again = try? codec.decode(encoded), again == envelope else {
            throw FuzzFinding(name, "encode-then-decode changed \(envelope.key)")
        }
    }

    /// Redis replies to XREADGROUP / XAUTOCLAIM, turned into stream entries, routing keys and envelopes.
    public static let streamEntries = FuzzTarget(
        name: "stream-entries",
        summary: "Redis stream replies (a reply tree built from the bytes) → entries, routing fields, envelopes, ID order",
        seeds: FuzzSeeds.streamReplies
    ) { bytes throws(FuzzFinding) in
        let name = "stream-entries"
        var reader = FuzzReplyReader(bytes)
        let reply = reader.reply()
        // The consumer groups' positions the outbox's committed floor is made of.
        for (group, position) in (try? RedisStreamProducer.groupPositions(reply)) ?? [:] {
            let next = position.lastDelivered.successor
            if next < position.lastDelivered {
                throw FuzzFinding(name, "group \(group): the successor of \(position.lastDelivered) sorts below it")
            }
        }
        for messages in [try? RedisStreamReplies.readReply(reply), try? RedisStreamReplies.entries(reply)] {
            for message in messages ?? [] {
                if message.id < message.id { throw FuzzFinding(name, "stream ID \(message.id) sorts before itself") }
                _ = EventStreamFormat.key(of: message)
                _ = try? EventStreamFormat.envelope(from: message)
            }
        }
    }

    /// Answers of Kea's control channel (socket or control agent) and the leases in them.
    public static let keaAnswer = FuzzTarget(
        name: "kea-answer",
        summary: "KeaControlClient.answer(parsing:) on control-socket and control-agent answers, then every lease in them (Option 82 included)",
        seeds: FuzzSeeds.keaAnswers
    ) { bytes throws(FuzzFinding) in
        for command in ["lease4-get-all", "lease4-get-page", "status-get"] {
            guard let answer = try? KeaControlClient.answer(parsing: bytes, command: command) else { continue }
            guard let leases = try? KeaControlClient.leases(in: answer, command: command) else { continue }
            for lease in leases {
                guard let information = lease.relayAgentInformation else { continue }
                guard let encoded = try? information.encoded(), (try? RelayAgentInformation(parsing: encoded)) == information else {
                    throw FuzzFinding("kea-answer", "a lease's Option 82 does not survive encode-then-parse")
                }
            }
        }
    }
}

/// Builds a RESP reply tree from bytes: each byte picks a node (status, bulk, integer, array,
/// nil, error, or one of the stream's own field names), so mutations reach every shape the
/// stream code reads. Depth and width are bounded.
struct FuzzReplyReader {
    private let bytes: [UInt8]
    private var index = 0
    /// Words the stream code looks for; a "word" node is one of them.
    static let words: [String] = ["event", "bng_id", "bng_instance_id", "seq", "event_type", "v", "1", "0-0", "1732200000123-7", "stream",
                                  "name", "pending", "last-delivered-id", "18446744073709551615-18446744073709551615"]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func chunk() -> [UInt8] {
        let length = Int(next() ?? 0) % 64
        let end = min(bytes.count, index + length)
        defer { index = end }
        return Array(bytes[index..<end])
    }

    mutating func reply(depth: Int = 0) -> RedisReply {
        guard let op = next() else { return .null }
        switch op % 8 {
        case 0: return .status(String(decoding: chunk(), as: UTF8.self))
        case 1: return .bulk(chunk())
        case 2: return .integer(Int64(next() ?? 0) - 64)
        case 3, 4:
            guard depth < 6 else { return .null }
            let count = Int(next() ?? 0) % 9
            return .array((0..<count).map { _ in reply(depth: depth + 1) })
        case 5: return .null
        case 6: return .error(String(decoding: chunk(), as: UTF8.self))
        default: return .bulk(Array(Self.words[Int(next() ?? 0) % Self.words.count].utf8))
        }
    }
}
