/// How an event is laid out in a stream entry.
///
/// Routing fields (`bng_id`, `bng_instance_id`, `seq`, `event_type`, `v`) are plain text so
/// `XRANGE` is readable and the producer can find its own tail; `event` holds the full JSON
/// envelope, which is what consumers decode.
public enum EventStreamFormat {
    /// Field carrying the JSON envelope.
    public static let eventField = "event"

    /// The fields for `envelope`.
    public static func fields(for envelope: EventEnvelope, codec: EventCodec = EventCodec()) throws -> [StreamField] {
        [
            StreamField("bng_id", envelope.source.bngID),
            StreamField("bng_instance_id", envelope.source.instanceID.uuidString.lowercased()),
            StreamField("seq", String(envelope.seq)),
            StreamField("event_type", envelope.eventType.rawValue),
            StreamField("v", String(envelope.schemaVersion)),
            StreamField(eventField, try codec.encode(envelope)),
        ]
    }

    /// `XADD <stream> [trimming…] * <fields of envelope>`, ready for `RedisConnection.command` or
    /// `pipeline`; `trimming` is e.g. `["MAXLEN", "~", "1000000"]`.
    public static func xadd(_ envelope: EventEnvelope, to stream: String, trimming: [String] = [],
                            codec: EventCodec = EventCodec()) throws -> [[UInt8]] {
        (["XADD", stream] + trimming + ["*"]).map { Array($0.utf8) }
            + (try fields(for: envelope, codec: codec)).flatMap { [Array($0.name.utf8), $0.value] }
    }

    /// Decodes the envelope of `message`; throws `malformedEvent` when the `event` field is absent.
    public static func envelope(from message: StreamMessage, codec: EventCodec = EventCodec()) throws -> EventEnvelope {
        guard let bytes = message.value(eventField) else {
            throw EventSourcingError(.malformedEvent, "stream entry \(message.id) has no \"\(eventField)\" field")
        }
        return try codec.decode(bytes)
    }

    /// The source and sequence named by the routing fields, without decoding the JSON.
    public static func key(of message: StreamMessage) -> (bngID: String, instanceID: String, seq: UInt64)? {
        guard let bng = message.value("bng_id"), let instance = message.value("bng_instance_id"),
              let seqText = message.value("seq"), let seq = UInt64(String(decoding: seqText, as: UTF8.self)) else { return nil }
        return (String(decoding: bng, as: UTF8.self), String(decoding: instance, as: UTF8.self), seq)
    }
}
