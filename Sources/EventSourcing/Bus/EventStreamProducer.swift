/// Where an outbox publisher sends events: a Redis Stream or the in-memory bus.
public protocol EventStreamProducer: AnyObject, SendableMetatype {
    /// Appends `events` in order. Returns how many of them, from the front, the stream accepted;
    /// throws only when it could not accept the first one (nothing was lost: publish again later).
    func publish(_ events: [EventEnvelope]) throws -> Int
}
