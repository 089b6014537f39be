import Logging
import ServiceLifecycle
import ServiceSupport

/// Drains an outbox into a stream, oldest first, marking what the stream accepted and, at least
/// every `commitSyncSeconds`, what the stream's consumer groups have committed.
///
/// Survives stream outages: a failed publish leaves the events in the outbox and the loop
/// retries with back-off, so nothing is lost and order is kept. After a crash between "stream
/// accepted" and "marked", the same events are published again; consumers drop them by key.
/// When the stream lost events it had accepted (`streamLostEvents`: Redis came back without its
/// last writes), every event no group has committed is published again.
///
/// A ServiceLifecycle `Service`: ``run()`` publishes on a thread of its own (hiredis and SQLite
/// block) until graceful shutdown or cancellation, and returns once that thread is gone.
public final class OutboxPublisher<Outbox: EventOutbox, Producer: EventStreamProducer>: Service, @unchecked Sendable {
    // Outbox and producer are used only from the publishing thread (or one caller at a time
    // through publishBatch/drain); the rest is immutable or Sendable.

    /// The outbox being drained.
    public let outbox: Outbox
    /// The stream written to.
    public let producer: Producer
    /// Events per publish call (default 256).
    public let batchSize: Int
    /// Back-off between failed attempts.
    public let backoff: RetryBackoff
    /// Longest sleep while the outbox is empty, seconds (appends wake it at once).
    public let idleWaitSeconds: Double
    /// How often, at most, the committed floor is read while publishing, seconds (and after every drain).
    public let commitSyncSeconds: Double
    /// What the publisher counts.
    public let metrics: EventProducerMetrics
    private let control = RunControl()
    private var lastCommitSync: ContinuousClock.Instant?
    private var lastFloor: StreamMessageID?
    /// The outbox's published position as this publisher last set it (`nil`: not read yet), so
    /// a batch costs no extra read; only the publisher moves it.
    private var position: StreamMessageID??
    private let logger: Logger

    /// A publisher; `batchSize` must be positive.
    public init(outbox: Outbox, producer: Producer, batchSize: Int = 256, backoff: RetryBackoff = RetryBackoff(),
                idleWaitSeconds: Double = 1, commitSyncSeconds: Double = 1, metrics: EventProducerMetrics? = nil,
                logger: Logger = Logger(label: "aether.eventsourcing.publisher")) throws {
        guard batchSize > 0 else { throw EventSourcingError(.invalidConfiguration, "publisher batchSize must be positive, got \(batchSize)") }
        self.outbox = outbox
        self.producer = producer
        self.batchSize = batchSize
        self.backoff = backoff
        self.idleWaitSeconds = idleWaitSeconds
        self.commitSyncSeconds = commitSyncSeconds
        self.metrics = metrics ?? EventProducerMetrics(bng: outbox.source.bngID)
        self.logger = logger
    }

    /// Publishes one batch of unpublished events; returns how many were accepted (0 = outbox empty).
    @discardableResult
    public func publishBatch() throws -> Int {
        let events = try outbox.unpublished(limit: batchSize)
        guard !events.isEmpty else { return 0 }
        let started = ContinuousClock.now
        let receipt: PublishReceipt
        do {
            receipt = try producer.publish(events, confirming: try lastPosition())
        } catch let error as EventSourcingError where error.code == .streamLostEvents {
            let again = try outbox.republishUncommitted()
            position = .some(nil)
            let from = try outbox.committedThrough() + 1
            metrics.republished.increment(by: again)
            // Nothing uncommitted: the entry went with trimming after every group had it (a
            // restart's first check cannot tell the two apart), not with a Redis crash.
            logger.log(level: again > 0 ? .warning : .debug,
                       "the stream lost published events; publishing again every event no consumer group has committed",
                       metadata: ["events": "\(again)", "from": "\(from)", "reason": "\(error.message)"])
            return try publishBatch()
        } catch {
            metrics.publishFailures.increment()
            throw error
        }
        guard receipt.accepted > 0 else { return 0 }
        let through = events[receipt.accepted - 1].seq
        let recorded = producer.waitsForConsumerGroups ? receipt.position : nil
        try outbox.markPublished(through: through, position: recorded)
        position = .some(recorded)
        metrics.published.increment(by: receipt.accepted)
        metrics.publishDuration.record(duration: ContinuousClock.now - started)
        logger.trace("published", metadata: ["count": "\(receipt.accepted)", "through": "\(through)"])
        return receipt.accepted
    }

    private func lastPosition() throws -> StreamMessageID? {
        if let position { return position }
        let stored = try outbox.publishedPosition()
        position = .some(stored)
        return stored
    }

    /// Reads the stream's committed floor and moves the outbox's committed mark to it (nothing
    /// when the stream waits for no consumer group).
    public func syncCommitted() throws {
        lastCommitSync = .now
        guard producer.waitsForConsumerGroups, let floor = try producer.committedFloor() else { return }
        // An idle stream's floor stands still: no write (and no fsync) for it.
        guard floor != lastFloor else { return }
        try outbox.markCommitted(below: floor)
        lastFloor = floor
    }

    /// Publishes until the outbox is empty, syncing the committed mark whenever `commitSyncSeconds`
    /// have passed since the last sync; returns the number published.
    @discardableResult
    public func drain() throws -> Int {
        var total = 0
        while true {
            let count = try publishBatch()
            total += count
            if lastCommitSync.map({ ContinuousClock.now - $0 >= .seconds(commitSyncSeconds) }) ?? true {
                try syncCommitted()
            }
            if count == 0 { return total }
        }
    }

    /// Publishes until graceful shutdown or cancellation.
    public func run() async throws {
        // Waking the outbox's signal ends an idle wait at once.
        try await BlockingService.run(name: "aether-publish", stop: { [control, outbox] in
            control.stop()
            outbox.signal.notify()
        }) { [self] in
            publishLoop(control: control)
        }
    }

    /// The blocking loop behind ``run()``, for callers with a thread of their own: drains, then
    /// sleeps until the next append; on errors backs off and retries; returns once `control` is
    /// stopped (call `outbox.signal.notify()` after stopping to end an idle wait at once).
    public func publishLoop(control: RunControl) {
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
