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
public final class AccountingSender: Service, Sendable {
    private struct State {
        var inFlight: Set<Int64> = []
        var sessionsInFlight: Set<String> = []
        var retryAt: [Int64: ContinuousClock.Instant] = [:]
    }

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
        let queued: [QueuedAccounting]
        do {
            queued = try await DedicatedThread.run(name: "aether-acctread") { [store] in try store.queuedAccounting(limit: 4096) }
            backlog.record(queued.count)
        } catch {
            logger.error("cannot read the accounting queue", metadata: ["error": "\(error)"])
            return
        }
        let now = ContinuousClock.now
        let chosen = state.withLock { state -> [QueuedAccounting] in
            var chosen: [QueuedAccounting] = []
            var blocked = state.sessionsInFlight
            for item in queued {
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
            _ = try? await DedicatedThread.run(name: "aether-acctack") { [store] in try store.acknowledgeAccounting([item.id]) }
        } else {
            retries.increment()
            _ = try? await DedicatedThread.run(name: "aether-acctack") { [store] in try store.countAttempts([item.id]) }
        }
        state.withLock { state in
            state.inFlight.remove(item.id)
            state.sessionsInFlight.remove(item.record.sessionID)
            if answered {
                state.retryAt[item.id] = nil
            } else {
                // The client already retried within its timeouts; wait a little before the next round.
                state.retryAt[item.id] = .now + .seconds(min(30, 1 << min(item.attempts + 1, 5)))
            }
        }
        notify()
    }
}
