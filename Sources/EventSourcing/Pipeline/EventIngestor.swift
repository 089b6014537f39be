import Foundation
import Logging

/// Consumes a stream into an event store: read a batch, decode, store and project in one
/// transaction, acknowledge only after the commit.
///
/// At-least-once in, exactly-once stored: a crash after commit and before ack redelivers the
/// batch, and the store drops the duplicates by key. On start and after any error it first
/// re-reads its own pending messages; every `claimIntervalMilliseconds` it takes over messages
/// other consumers left pending longer than `claimIdleMilliseconds`.
public final class EventIngestor<Consumer: EventStreamConsumer, Store: EventStore, Projection: EventProjection>: @unchecked Sendable
    where Projection.Context == Store.Context {
    /// Tuning knobs.
    public struct Configuration: Sendable {
        /// Messages per read and per transaction (default 256).
        public var batchSize: Int = 256
        /// How long a read waits for new messages, ms (default 1000).
        public var blockMilliseconds: Int = 1000
        /// Pending messages idle this long belong to a dead consumer and are claimed, ms (default 30 000).
        public var claimIdleMilliseconds: Int = 30_000
        /// How often to look for such messages, ms (default 5000).
        public var claimIntervalMilliseconds: Int = 5000
        /// A configuration with the defaults.
        public init() {}
    }

    /// What one `step` did.
    public struct StepResult: Hashable, Sendable {
        /// Messages handled (stored, duplicate or dead-lettered).
        public var messages: Int = 0
        /// The store's account of the batch.
        public var outcome = AppendOutcome()
        /// Messages that went to the dead-letter sink.
        public var deadLettered: Int = 0
    }

    /// The stream consumer.
    public let consumer: Consumer
    /// The store written to.
    public let store: Store
    /// The read models maintained.
    public let projection: Projection
    /// Where undecodable messages go.
    public let deadLetters: any DeadLetterSink
    /// Tuning.
    public let configuration: Configuration
    /// Called after the store committed a batch and before it is acknowledged (tests crash here).
    public var afterCommit: (@Sendable ([StreamMessageID]) -> Void)?

    private let logger: Logger
    private let codec = EventCodec()
    private var recovering = true
    private var pendingCursor = StreamMessageID.zero
    private var nextClaim: UInt64 = 0

    /// An ingestor; the group is created on the first step when missing.
    public init(consumer: Consumer, store: Store, projection: Projection, deadLetters: any DeadLetterSink,
                configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "aether.eventsourcing.ingestor")) throws {
        guard configuration.batchSize > 0 else {
            throw EventSourcingError(.invalidConfiguration, "ingestor batchSize must be positive, got \(configuration.batchSize)")
        }
        self.consumer = consumer
        self.store = store
        self.projection = projection
        self.deadLetters = deadLetters
        self.configuration = configuration
        self.logger = logger
    }

    private var groupReady = false

    /// Reads and processes one batch: own pending first (after start or an error), then idle
    /// messages of others when due, then new ones. Throws on store or stream failure; the batch
    /// stays pending and is retried by the next step.
    @discardableResult
    public func step() throws -> StepResult {
        do {
            if !groupReady {
                try consumer.ensureGroup()
                groupReady = true
            }
            var messages: [StreamMessage] = []
            if recovering {
                messages = try consumer.readPending(after: pendingCursor, count: configuration.batchSize)
                if let last = messages.last { pendingCursor = last.id } else { recovering = false; pendingCursor = .zero }
            }
            let now = Self.monotonicMilliseconds()
            if messages.isEmpty, now >= nextClaim {
                nextClaim = now + UInt64(configuration.claimIntervalMilliseconds)
                messages = try consumer.claimIdle(minIdleMilliseconds: configuration.claimIdleMilliseconds,
                                                  count: configuration.batchSize)
                if !messages.isEmpty { logger.debug("claimed idle messages", metadata: ["count": "\(messages.count)"]) }
            }
            if messages.isEmpty {
                messages = try consumer.readNew(count: configuration.batchSize, blockMilliseconds: configuration.blockMilliseconds)
            }
            return try process(messages)
        } catch {
            recovering = true
            pendingCursor = .zero
            throw error
        }
    }

    /// Stores, projects and acknowledges `messages` (already pending for this consumer).
    public func process(_ messages: [StreamMessage]) throws -> StepResult {
        var result = StepResult(messages: messages.count)
        guard !messages.isEmpty else { return result }
        var events: [EventEnvelope] = []
        events.reserveCapacity(messages.count)
        for message in messages {
            do {
                events.append(try EventStreamFormat.envelope(from: message, codec: codec))
            } catch let error as EventSourcingError {
                logger.debug("dead-lettering message", metadata: ["id": "\(message.id)", "error": "\(error)"])
                try deadLetters.deadLetter(message, reason: error)
                result.deadLettered += 1
            }
        }
        result.outcome = try store.append(events, projection: projection)
        if result.outcome.held > 0 {
            logger.debug("events held behind a sequence gap", metadata: ["held": "\(result.outcome.held)"])
        }
        let ids = messages.map(\.id)
        afterCommit?(ids)
        try consumer.acknowledge(ids)
        return result
    }

    /// Steps until `control` is stopped, backing off on errors (PostgreSQL or Redis down) and
    /// resuming with this consumer's pending messages. Blocking: from async code, wrap it in `BlockingThread.run(name:onCancel:)`.
    public func run(control: RunControl, backoff: RetryBackoff = RetryBackoff()) {
        var backoff = backoff
        while !control.isStopped {
            do {
                try step()
                backoff.reset()
            } catch {
                let delay = backoff.nextDelay()
                logger.debug("ingest step failed; retrying", metadata: ["error": "\(error)", "delaySeconds": "\(delay)"])
                control.sleep(seconds: delay)
            }
        }
    }

    static func monotonicMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}
