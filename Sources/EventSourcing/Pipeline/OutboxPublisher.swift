import Logging

/// Drains an outbox into a stream, oldest first, marking what the stream accepted.
///
/// Survives stream outages: a failed publish leaves the events in the outbox and the loop
/// retries with back-off, so nothing is lost and order is kept. After a crash between "stream
/// accepted" and "marked", the same events are published again; consumers drop them by key.
public final class OutboxPublisher<Outbox: EventOutbox, Producer: EventStreamProducer>: @unchecked Sendable {
    /// The outbox being drained.
    public let outbox: Outbox
    /// The stream written to.
    public let producer: Producer
    /// Events per publish call (default 256).
    public let batchSize: Int
    private let logger: Logger

    /// A publisher; `batchSize` must be positive.
    public init(outbox: Outbox, producer: Producer, batchSize: Int = 256,
                logger: Logger = Logger(label: "aether.eventsourcing.publisher")) throws {
        guard batchSize > 0 else { throw EventSourcingError(.invalidConfiguration, "publisher batchSize must be positive, got \(batchSize)") }
        self.outbox = outbox
        self.producer = producer
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Publishes one batch of unpublished events; returns how many were accepted (0 = outbox empty).
    @discardableResult
    public func publishBatch() throws -> Int {
        let events = try outbox.unpublished(limit: batchSize)
        guard !events.isEmpty else { return 0 }
        let accepted = try producer.publish(events)
        guard accepted > 0 else { return 0 }
        try outbox.markPublished(through: events[accepted - 1].seq)
        logger.trace("published", metadata: ["count": "\(accepted)", "through": "\(events[accepted - 1].seq)"])
        return accepted
    }

    /// Publishes until the outbox is empty; returns the number published.
    @discardableResult
    public func drain() throws -> Int {
        var total = 0
        while true {
            let count = try publishBatch()
            if count == 0 { return total }
            total += count
        }
    }

    /// Publishes until `control` is stopped: drains, then sleeps until the next append; on errors
    /// backs off (`backoff`) and retries. Blocking: from async code, wrap it in `BlockingThread.run(name:onCancel:)`.
    public func run(control: RunControl, backoff: RetryBackoff = RetryBackoff(), idleWaitSeconds: Double = 1) {
        var backoff = backoff
        while !control.isStopped {
            let seen = outbox.signal.current
            do {
                try drain()
                backoff.reset()
                outbox.signal.wait(after: seen, timeoutSeconds: idleWaitSeconds)
            } catch {
                let delay = backoff.nextDelay()
                logger.debug("publish failed; retrying", metadata: ["error": "\(error)", "delaySeconds": "\(delay)"])
                control.sleep(seconds: delay)
            }
        }
    }
}
