/// Where an outbox publisher sends events: a Redis Stream or the in-memory bus.
public protocol EventStreamProducer: AnyObject, SendableMetatype {
    /// Appends `events` in order and says how many of them, from the front, the stream accepted
    /// and where the last one landed; throws only when it could not accept the first one (nothing
    /// was lost: publish again later).
    ///
    /// `confirming` is the stream position of the last event published before (nil for none or
    /// unknown). After a reconnect the producer checks that the stream still holds it and throws
    /// `streamLostEvents` when it does not — Redis restarted without its last writes — so the
    /// caller can publish again what no consumer has committed.
    func publish(_ events: [EventEnvelope], confirming: StreamMessageID?) throws -> PublishReceipt

    /// Whether events must reach consumer groups before they count as done; when false an
    /// accepted event is done and the publisher records no stream position for it.
    var waitsForConsumerGroups: Bool { get }

    /// The position below which every consumer group this producer waits for has acknowledged
    /// every entry (acknowledged = stored by its consumer), or nil when it waits for no group.
    func committedFloor() throws -> StreamMessageID?
}

extension EventStreamProducer {
    /// Appends `events` with nothing to confirm; returns how many the stream accepted.
    public func publish(_ events: [EventEnvelope]) throws -> Int {
        try publish(events, confirming: nil).accepted
    }

    /// Waits for no consumer group.
    public var waitsForConsumerGroups: Bool { false }

    /// Waits for no consumer group.
    public func committedFloor() throws -> StreamMessageID? { nil }
}

/// What one publish call achieved.
public struct PublishReceipt: Hashable, Sendable {
    /// How many events, from the front, the stream accepted.
    public var accepted: Int
    /// The stream ID of the last accepted event — or of a later entry of the same source, which
    /// is all a producer knows for events it found already in the stream; nil when none was accepted.
    public var position: StreamMessageID?

    /// A receipt.
    public init(accepted: Int, position: StreamMessageID?) {
        self.accepted = accepted
        self.position = position
    }
}
