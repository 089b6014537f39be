import EventSourcing
import Foundation
import Logging
import Metrics
import RadiusKit
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// Sends the durable accounting queue to RADIUS: oldest first, one request per session at a
/// time (Start before Interim before Stop), many sessions in parallel, each request retried
/// until a server answers, with Acct-Delay-Time saying how long it waited (RFC 2866 §5.2).
/// An Accounting-On (no session) goes alone, before anything queued after it.
///
/// A ServiceLifecycle `Service`: ``run()`` sends until graceful shutdown; what is still queued
/// stays in the store for the next start.
///
/// The queue is read from the store once per request (rows after the last one read, decoded
/// once, at most ``window`` held in memory), and answers are written back in one transaction per
/// round, not one per request: with a full queue every answer used to re-read and re-decode the
/// 4,096 oldest rows, a third of the BNG's CPU at 5,000 sessions. An answered request whose
/// deletion a crash cuts short is sent again after the restart (accounting is at least once).
public final class AccountingSender: Service, Sendable {
    private struct State {
        var inFlight: Set<Int64> = []
        var sessionsInFlight: Set<String> = []
        var retryAt: [Int64: ContinuousClock.Instant] = [:]
        /// Requests read from the store and not yet answered, in queue order.
        var queue: [QueuedAccounting] = []
        /// The highest row id read so far.
        var readThrough: Int64 = 0
        /// Answered since the last round (deleted from the store then).
        var answered: [Int64] = []
        /// Sent without an answer since the last round (their attempts counted then).
        var unanswered: [Int64] = []
    }

    /// Queued requests held in memory at most; later ones are read as these are answered.
    public static let window = 4096

    /// Requests sent at once, at most (default 256).
    public let concurrency: Int
    private let store: BNGStore
    private let client: RADIUSClient
    private let state = Mutex(State())
    private let doorbell = Doorbell()
    private let stopped = Atomic<Bool>(false)
    private let sent: LabelledCounters<String>
    private let retries: Counter
    private let backlog: Gauge
    private let logger: Logger

    /// A sender of `store`'s queue through `client`.
    public init(store: BNGStore, client: RADIUSClient, concurrency: Int = 256, metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger = Logger(label: "aether.bng.accounting")) {
        self.store = store
        self.client = client
        self.concurrency = max(1, concurrency)
        self.logger = logger
        sent = LabelledCounters(label: "aether_bng_accounting_sent_total", dimension: "status",
                                keys: ["Start", "Interim-Update", "Stop", "Accounting-On"], value: { $0 }, other: "other", factory: metricsFactory)
        retries = Counter(label: "aether_bng_accounting_retries_total", factory: metricsFactory)
        backlog = Gauge(label: "aether_bng_accounting_backlog", factory: metricsFactory)
    }

    /// Says new requests were committed (wakes the sender at once).
    public func notify() { doorbell.ring() }

    /// Sends until graceful shutdown or cancellation; requests in flight finish first.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { senders in
                while !Task.isCancelled, !stopped.load(ordering: .acquiring) {
                    await sendDue(into: &senders)
                    // A commit rings the doorbell; timed retries need the second.
                    await doorbell.wait(atMost: .seconds(1))
                }
            }
        } onGracefulShutdown: { [self] in
            stopped.store(true, ordering: .releasing)
            doorbell.ring()
        }
    }

    private func sendDue(into senders: inout DiscardingTaskGroup) async {
        let (answered, unanswered, readThrough, room) = state.withLock { state in
            defer { state.answered.removeAll(); state.unanswered.removeAll() }
            return (state.answered, state.unanswered, state.readThrough, Self.window - state.queue.count)
        }
        do {
            let fresh = try await DedicatedThread.run(name: "aether-acctread") { [store] in
                try store.settleAccounting(answered: answered, unanswered: unanswered)
                return room > 0 ? try store.queuedAccounting(after: readThrough, limit: room) : []
            }
            state.withLock { state in
                state.queue += fresh
                state.readThrough = fresh.last?.id ?? state.readThrough
            }
        } catch {
            state.withLock { state in
                state.answered += answered
                state.unanswered += unanswered
            }
            logger.error("cannot read or update the accounting queue", metadata: ["error": "\(error)"])
            return
        }
        let now = ContinuousClock.now
        let chosen = state.withLock { state -> [QueuedAccounting] in
            backlog.record(state.queue.count)
            var chosen: [QueuedAccounting] = []
            var blocked = state.sessionsInFlight
            for item in state.queue {
                // Accounting-On (no session) goes alone and first.
                if item.record.statusType == .accountingOn {
                    if chosen.isEmpty, state.inFlight.isEmpty, state.retryAt[item.id].map({ $0 <= now }) ?? true {
                        chosen = [item]
                    }
                    break
                }
                guard state.inFlight.count + chosen.count < concurrency else { break }
                if state.inFlight.contains(item.id) || blocked.contains(item.record.sessionID) {
                    blocked.insert(item.record.sessionID)
                    continue
                }
                blocked.insert(item.record.sessionID)
                if let retry = state.retryAt[item.id], retry > now { continue }
                chosen.append(item)
            }
            for item in chosen {
                state.inFlight.insert(item.id)
                state.sessionsInFlight.insert(item.record.sessionID)
            }
            return chosen
        }
        for item in chosen {
            senders.addTask { [self] in await send(item) }
        }
    }

    private func send(_ item: QueuedAccounting) async {
        var packet = item.record.packet
        let delay = max(0, EventTimestamp.now.seconds(since: item.queuedAt))
        if delay >= 1 { packet.attributes.append(.integer(.acctDelayTime, UInt32(delay))) }
        let answered: Bool
        do {
            answered = try await client.send(packet).code == .accountingResponse
        } catch {
            answered = false
            logger.debug("accounting request unanswered", metadata: ["session": "\(item.record.sessionID)", "error": "\(error)"])
        }
        if answered {
            sent.increment(item.record.statusType.description)
        } else {
            retries.increment()
        }
        state.withLock { state in
            state.inFlight.remove(item.id)
            state.sessionsInFlight.remove(item.record.sessionID)
            // Ids only grow, so the queue is sorted by them.
            let index = Self.position(of: item.id, in: state.queue)
            if answered {
                state.retryAt[item.id] = nil
                state.answered.append(item.id)
                if let index { state.queue.remove(at: index) }
            } else {
                state.unanswered.append(item.id)
                if let index { state.queue[index].attempts += 1 }
                // The client already retried within its timeouts; wait a little before the next round.
                state.retryAt[item.id] = .now + .seconds(min(30, 1 << min(item.attempts + 1, 5)))
            }
        }
        notify()
    }

    /// Where request `id` is in `queue` (sorted by id), by binary search.
    static func position(of id: Int64, in queue: [QueuedAccounting]) -> Int? {
        var low = 0, high = queue.count
        while low < high {
            let middle = (low + high) / 2
            if queue[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < queue.count && queue[low].id == id ? low : nil
    }
}
