/// An event before it has a sequence number: what a producer hands to an outbox.
public struct EventDraft: Hashable, Sendable {
    /// When the event happened.
    public var timestamp: EventTimestamp
    /// The typed body.
    public var payload: EventPayload

    /// A draft stamped `timestamp`.
    public init(timestamp: EventTimestamp, payload: EventPayload) {
        self.timestamp = timestamp
        self.payload = payload
    }

    /// Gives the draft its identity; only sequencers call this.
    public func sequenced(source: EventSource, seq: UInt64) -> EventEnvelope {
        EventEnvelope(source: source, seq: seq, timestamp: timestamp, payload: payload)
    }
}
