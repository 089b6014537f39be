import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import ServiceSupport

/// Slots written by distinct workers of `concurrentPerform` (each index exactly once).
/// Raw storage rather than an array property: concurrent writes to distinct elements of a
/// class-held array would trip Swift's exclusivity checks.
private final class DecodeResults: @unchecked Sendable {
    typealias Slot = Result<EventEnvelope, EventSourcingError>?
    private let slots: UnsafeMutablePointer<Slot>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    func set(_ index: Int, _ value: Result<EventEnvelope, EventSourcingError>) { slots[index] = value }
    var values: [Result<EventEnvelope, EventSourcingError>] {
        (0..<count).map { slots[$0] ?? .failure(EventSourcingError(.malformedEvent, "message \($0) was not decoded")) }
    }
}

/// Consumes a stream into an event store: read a batch, decode, store and project in one
/// transaction, acknowledge only after the commit.
///
/// At-least-once in, exactly-once stored: a crash after commit and before ack redelivers the
/// batch, and the store drops the duplicates by key. On start and after any error it first
/// re-reads its own pending messages; every `claimIntervalMilliseconds` it takes over messages
/// other consumers left pending longer than `claimIdleMilliseconds`.
///
/// A ServiceLifecycle `Service`: ``run()`` ingests on a thread of its own (libpq and hiredis
/// block) until graceful shutdown or cancellation; the batch in progress finishes first (a read
/// blocks at most `blockMilliseconds`), and it returns once that thread is gone.
public final class EventIngestor<Consumer: EventStreamConsumer, Store: EventStore, Projection: EventProjection>: Service, @unchecked Sendable
    where Projection.Context == Store.Context {
    // Consumer, store and projection are used only from the ingesting thread (or one caller at
    // a time through step/process), the prefetcher only from the prefetching thread, and the
    // two threads meet only in a PrefetchSlot; the rest is immutable or Sendable.
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
    /// A second consumer of the same name on a connection of its own: with it, `run()` reads
    /// and decodes the next batch while the current one is stored (see ``ingestLoop(control:)``).
    public let prefetcher: Consumer?
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
    /// Back-off between failed steps.
    public let backoff: RetryBackoff
    /// What the ingestor counts.
    public let metrics: EventConsumerMetrics

    private let control = RunControl()
    private let logger: Logger
    private let codec = EventCodec()
    private var recovering = true
    private var pendingCursor = StreamMessageID.zero
    private var nextClaim: UInt64 = 0

    /// An ingestor; the group is created on the first step when missing.
    public init(consumer: Consumer, prefetcher: Consumer? = nil, store: Store, projection: Projection, deadLetters: any DeadLetterSink,
                configuration: Configuration = Configuration(), backoff: RetryBackoff = RetryBackoff(),
                metrics: EventConsumerMetrics? = nil,
                logger: Logger = Logger(label: "aether.eventsourcing.ingestor")) throws {
        guard configuration.batchSize > 0 else {
            throw EventSourcingError(.invalidConfiguration, "ingestor batchSize must be positive, got \(configuration.batchSize)")
        }
        guard prefetcher.map({ $0.name == consumer.name && $0 !== consumer }) ?? true else {
            throw EventSourcingError(.invalidConfiguration, "the prefetcher must be another consumer object with the name \(consumer.name)")
        }
        self.consumer = consumer
        self.prefetcher = prefetcher
        self.store = store
        self.projection = projection
        self.deadLetters = deadLetters
        self.configuration = configuration
        self.backoff = backoff
        self.metrics = metrics ?? EventConsumerMetrics(consumer: "ingestor")
        self.logger = logger
    }

    private var groupReady = false

    /// Reads and processes one batch: own pending first (after start or an error), then idle
    /// messages of others when due, then new ones. Throws on store or stream failure; the batch
    /// stays pending and is retried by the next step.
    @discardableResult
    public func step() throws -> StepResult {
        try failing {
            var messages = try ownPendingOrIdle()
            if messages.isEmpty {
                messages = try consumer.readNew(count: configuration.batchSize, blockMilliseconds: configuration.blockMilliseconds)
            }
            return try process(messages)
        }
    }

    /// One step with a prefetching reader: own pending and idle messages first, as in
    /// ``step()``, else the batch the reader has ready (waiting up to `blockMilliseconds`).
    @discardableResult
    func pipelinedStep(_ slot: PrefetchSlot) throws -> StepResult {
        try failing {
            let messages = try ownPendingOrIdle()
            if !messages.isEmpty { return try process(messages) }
            guard let batch = slot.take(timeoutSeconds: Double(configuration.blockMilliseconds) / 1000) else { return StepResult() }
            return try commit(batch.messages, batch.decoded)
        }
    }

    /// Runs `body`; after a failure the next step starts with this consumer's pending messages.
    private func failing(_ body: () throws -> StepResult) throws -> StepResult {
        do {
            return try body()
        } catch {
            metrics.failures.increment()
            recovering = true
            pendingCursor = .zero
            // A Redis that came back empty has no group any more (NOGROUP): create it again.
            groupReady = false
            throw error
        }
    }

    /// The group ensured; then this consumer's own pending messages while recovering, else
    /// others' idle ones when a claim is due; empty when neither has any.
    private func ownPendingOrIdle() throws -> [StreamMessage] {
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
            messages = try consumer.claimIdle(minIdleMilliseconds: configuration.claimIdleMilliseconds, count: configuration.batchSize)
            if !messages.isEmpty {
                metrics.claimed.increment(by: messages.count)
                logger.debug("claimed idle messages", metadata: ["count": "\(messages.count)"])
            }
        }
        return messages
    }

    /// Stores, projects and acknowledges `messages` (already pending for this consumer).
    public func process(_ messages: [StreamMessage]) throws -> StepResult {
        guard !messages.isEmpty else { return StepResult() }
        return try commit(messages, Self.decode(messages, codec: codec))
    }

    /// Stores and projects what decoded, dead-letters what did not, then acknowledges all.
    private func commit(_ messages: [StreamMessage], _ decodedMessages: [Result<EventEnvelope, EventSourcingError>]) throws -> StepResult {
        var result = StepResult(messages: messages.count)
        guard !messages.isEmpty else { return result }
        let started = ContinuousClock.now
        var events: [EventEnvelope] = []
        var encoded: [[UInt8]] = []
        events.reserveCapacity(messages.count)
        encoded.reserveCapacity(messages.count)
        for (message, decoded) in zip(messages, decodedMessages) {
            switch decoded {
            case let .success(event):
                events.append(event)
                encoded.append(message.value(EventStreamFormat.eventField) ?? [])
            case let .failure(error):
                logger.warning("dead-lettering message", metadata: ["id": "\(message.id)", "error": "\(error)"])
                try deadLetters.deadLetter(message, reason: error)
                result.deadLettered += 1
            }
        }
        result.outcome = try store.append(events, encoded: encoded, projection: projection)
        if result.outcome.held > 0 {
            logger.debug("events held behind a sequence gap", metadata: ["held": "\(result.outcome.held)"])
        }
        let ids = messages.map(\.id)
        afterCommit?(ids)
        try consumer.acknowledge(ids)
        metrics.ingested.increment(.stored, by: result.outcome.inserted)
        metrics.ingested.increment(.duplicate, by: result.outcome.duplicates)
        metrics.ingested.increment(.deadLettered, by: result.deadLettered)
        metrics.applied.increment(by: result.outcome.applied)
        metrics.held.increment(by: result.outcome.held)
        metrics.batchDuration.record(duration: ContinuousClock.now - started)
        return result
    }

    /// Ingests until graceful shutdown or cancellation.
    public func run() async throws {
        try await BlockingService.run(name: "aether-ingest", stop: { [control] in control.stop() }) { [self] in
            ingestLoop(control: control)
        }
    }

    /// The blocking loop behind ``run()``, for callers with a thread of their own: steps until
    /// `control` is stopped, backing off on errors (PostgreSQL or Redis down) and resuming with
    /// this consumer's pending messages.
    ///
    /// With a ``prefetcher``, a second thread reads and decodes the next batch while this one
    /// stores the current batch, so Redis and JSON time overlaps PostgreSQL time. A prefetched
    /// batch is already pending for this consumer: a failure, a stop or a crash leaves it to
    /// the next recovery (stored once, by key, whoever reads it again).
    public func ingestLoop(control: RunControl) {
        guard prefetcher != nil else {
            serialLoop(control: control)
            return
        }
        let slot = PrefetchSlot()
        let reader: DedicatedThread.Joinable
        do {
            reader = try DedicatedThread.start(name: "aether-prefetch") { [self] in
                if let prefetcher = self.prefetcher { prefetchLoop(prefetcher, into: slot, control: control) }
            }
        } catch {
            logger.warning("no prefetching thread; ingesting one batch at a time", metadata: ["error": "\(error)"])
            serialLoop(control: control)
            return
        }
        var backoff = backoff
        while !control.isStopped {
            do {
                try pipelinedStep(slot)
                backoff.reset()
            } catch {
                let delay = backoff.nextDelay()
                logger.warning("ingest step failed; retrying", metadata: ["error": "\(error)", "delaySeconds": "\(delay)"])
                control.sleep(seconds: delay)
            }
        }
        slot.close()
        reader.join()
    }

    private func serialLoop(control: RunControl) {
        var backoff = backoff
        while !control.isStopped {
            do {
                try step()
                backoff.reset()
            } catch {
                let delay = backoff.nextDelay()
                logger.warning("ingest step failed; retrying", metadata: ["error": "\(error)", "delaySeconds": "\(delay)"])
                control.sleep(seconds: delay)
            }
        }
    }

    /// The reader: new messages, decoded, handed over one batch at a time until stopped.
    private func prefetchLoop(_ reader: Consumer, into slot: PrefetchSlot, control: RunControl) {
        var backoff = backoff
        var groupReady = false
        while !control.isStopped {
            do {
                if !groupReady {
                    try reader.ensureGroup()
                    groupReady = true
                }
                let messages = try reader.readNew(count: configuration.batchSize, blockMilliseconds: configuration.blockMilliseconds)
                backoff.reset()
                guard !messages.isEmpty else { continue }
                guard slot.put(PrefetchSlot.Batch(messages: messages, decoded: Self.decode(messages, codec: codec))) else { return }
            } catch {
                groupReady = false
                let delay = backoff.nextDelay()
                logger.warning("prefetching read failed; retrying", metadata: ["error": "\(error)", "delaySeconds": "\(delay)"])
                control.sleep(seconds: delay)
            }
        }
    }

    /// Decodes every message; large batches are split across the machine's cores, because JSON
    /// decoding is the costliest client-side step of ingest (see Docs/eventsourcing.md, Performance).
    static func decode(_ messages: [StreamMessage], codec: EventCodec) -> [Result<EventEnvelope, EventSourcingError>] {
        let results = DecodeResults(count: messages.count)
        let workers = messages.count >= 64 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        let chunk = (messages.count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in (worker * chunk)..<min((worker + 1) * chunk, messages.count) {
                do {
                    results.set(index, .success(try EventStreamFormat.envelope(from: messages[index], codec: codec)))
                } catch let error as EventSourcingError {
                    results.set(index, .failure(error))
                } catch {
                    results.set(index, .failure(EventSourcingError(.malformedEvent, "\(error)")))
                }
            }
        }
        return results.values
    }

    static func monotonicMilliseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1000 + UInt64(spec.tv_nsec) / 1_000_000
    }
}

/// One decoded batch handed from the prefetching reader to the ingest thread.
/// `@unchecked Sendable`: every field is read and written under `condition`.
final class PrefetchSlot: @unchecked Sendable {
    struct Batch {
        var messages: [StreamMessage]
        var decoded: [Result<EventEnvelope, EventSourcingError>]
    }

    private let condition = NSCondition()
    private var batch: Batch?
    private var closed = false

    /// Waits until the slot is free, then fills it; false once closed.
    func put(_ next: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batch != nil, !closed { condition.wait() }
        guard !closed else { return false }
        batch = next
        condition.broadcast()
        return true
    }

    /// The waiting batch, waiting up to `timeoutSeconds` for one; nil on timeout or once closed.
    func take(timeoutSeconds: Double) -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeoutSeconds)
        while batch == nil, !closed {
            if !condition.wait(until: deadline) { break }
        }
        let taken = batch
        batch = nil
        condition.broadcast()
        return taken
    }

    /// Wakes both sides for good.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
