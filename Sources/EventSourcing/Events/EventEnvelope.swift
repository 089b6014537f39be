import Foundation

/// One event as it travels and is stored: identity, kind, time, schema version and typed payload.
///
/// JSON form (schema version 1):
/// `{"v":1,"bng_id":"bng-01","bng_instance_id":"…","seq":42,"event_type":"SESSION_START","ts":1732200000123456,"payload":{…}}`.
/// `ts` is UTC microseconds. Decoding checks `v` before anything else, so a newer producer's
/// event is refused with `unsupportedSchemaVersion` instead of being half-read.
public struct EventEnvelope: Hashable, Sendable, Codable {
    /// The schema version this build writes.
    public static let currentSchemaVersion = 1
    /// Versions this build can read.
    public static let supportedSchemaVersions: ClosedRange<Int> = 1...1
    /// Largest sequence number: PostgreSQL stores `seq` as signed `bigint`.
    public static let maximumSequence = UInt64(Int64.max)

    /// The BNG and instance that produced the event.
    public var source: EventSource
    /// Position in the source's sequence: 1, 2, 3, … with no gaps and no reuse.
    public var seq: UInt64
    /// When the event happened (UTC, microseconds).
    public var timestamp: EventTimestamp
    /// Schema version of this event's encoding.
    public var schemaVersion: Int
    /// The typed body.
    public var payload: EventPayload

    /// An envelope at the current schema version.
    public init(source: EventSource, seq: UInt64, timestamp: EventTimestamp, payload: EventPayload,
                schemaVersion: Int = EventEnvelope.currentSchemaVersion) {
        self.source = source
        self.seq = seq
        self.timestamp = timestamp
        self.payload = payload
        self.schemaVersion = schemaVersion
    }

    /// The `event_type`, fixed by the payload.
    public var eventType: EventType { payload.eventType }

    /// `(bng_id, bng_instance_id, seq)`: unique across every event ever produced.
    public var key: EventKey { EventKey(source: source, seq: seq) }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "v", bngID = "bng_id", instanceID = "bng_instance_id", seq
        case eventType = "event_type", timestamp = "ts", payload
    }

    /// Reads `v` first and refuses versions outside `supportedSchemaVersions`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .schemaVersion)
        guard Self.supportedSchemaVersions.contains(version) else {
            throw EventSourcingError(.unsupportedSchemaVersion,
                                     "event schema version \(version) is not supported (this build reads \(Self.supportedSchemaVersions)); upgrade the consumer")
        }
        schemaVersion = version
        source = EventSource(bngID: try container.decode(String.self, forKey: .bngID),
                             instanceID: try container.decode(UUID.self, forKey: .instanceID))
        guard !source.bngID.isEmpty else {
            throw EventSourcingError(.malformedEvent, "bng_id is empty")
        }
        seq = try container.decode(UInt64.self, forKey: .seq)
        guard (1...Self.maximumSequence).contains(seq) else {
            throw EventSourcingError(.malformedEvent, "seq \(seq) is outside 1…\(Self.maximumSequence)")
        }
        timestamp = try container.decode(EventTimestamp.self, forKey: .timestamp)
        let type = try container.decode(EventType.self, forKey: .eventType)
        payload = try EventPayload.decode(type, from: container, forKey: .payload)
    }

    /// Writes the JSON form above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(source.bngID, forKey: .bngID)
        try container.encode(source.instanceID, forKey: .instanceID)
        try container.encode(seq, forKey: .seq)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(timestamp, forKey: .timestamp)
        try payload.encode(into: &container, forKey: .payload)
    }
}

/// The identity of one event.
public struct EventKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The producing BNG instance.
    public var source: EventSource
    /// Its sequence number.
    public var seq: UInt64

    /// A key.
    public init(source: EventSource, seq: UInt64) {
        self.source = source
        self.seq = seq
    }

    /// By source, then sequence.
    public static func < (lhs: EventKey, rhs: EventKey) -> Bool {
        lhs.source == rhs.source ? lhs.seq < rhs.seq : lhs.source < rhs.source
    }

    /// `bng-01/<uuid>#42`.
    public var description: String { "\(source)#\(seq)" }
}
