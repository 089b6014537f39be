import EventSourcing
import Metrics
import Synchronization

/// The session engine's single input: events from every source in four priority lanes, taken
/// by the one writer that owns the session table. DHCP goes first, then results (RADIUS,
/// kernel), then CoA/Disconnect, then periodic work, so a slow RADIUS server or a burst of
/// interims never holds up DHCP (SPEC §3).
public final class EngineInbox: Sendable {
    /// A priority lane, highest first.
    public enum Lane: Int, Sendable, CaseIterable {
        /// DHCP observations from the relay.
        case dhcp
        /// RADIUS answers, data-plane reports.
        case results
        /// Disconnect and CoA requests (RADIUS DM/CoA, operator).
        case control
        /// Ticks, counter readings for interims, reconciliation.
        case periodic

        var label: String { ["dhcp", "results", "control", "periodic"][rawValue] }
    }

    private struct State {
        var lanes: [[SessionEngineEvent]] = Array(repeating: [], count: Lane.allCases.count)
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    private let depth: [Gauge]
    private let received: [Counter]

    /// An empty inbox.
    public init(metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        depth = Lane.allCases.map { Gauge(label: "aether_bng_inbox_depth", dimensions: [("lane", $0.label)], factory: metricsFactory) }
        received = Lane.allCases.map { Counter(label: "aether_bng_inbox_events_total", dimensions: [("lane", $0.label)], factory: metricsFactory) }
    }

    /// Queues `event` in `lane`; never blocks. Returns `false` (and drops it) once closed.
    @discardableResult
    public func push(_ event: SessionEngineEvent, lane: Lane) -> Bool {
        let (accepted, waiter, count) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?, Int) in
            guard !state.closed else { return (false, nil, 0) }
            state.lanes[lane.rawValue].append(event)
            defer { state.waiter = nil }
            return (true, state.waiter, state.lanes[lane.rawValue].count)
        }
        guard accepted else { return false }
        received[lane.rawValue].increment()
        depth[lane.rawValue].record(count)
        waiter?.resume()
        return true
    }

    /// Up to `limit` events, higher lanes first, waiting while there are none; `nil` once
    /// ``close()`` was called and everything was taken.
    public func next(limit: Int = 1024) async -> [SessionEngineEvent]? {
        while true {
            let taken = state.withLock { state -> [SessionEngineEvent]? in
                var batch: [SessionEngineEvent] = []
                for lane in state.lanes.indices where batch.count < limit {
                    let count = min(limit - batch.count, state.lanes[lane].count)
                    batch += state.lanes[lane].prefix(count)
                    state.lanes[lane].removeFirst(count)
                }
                if batch.isEmpty, state.closed { return nil }
                return batch
            }
            guard let taken else { return nil }
            if !taken.isEmpty {
                let counts = state.withLock { $0.lanes.map(\.count) }
                for (lane, count) in counts.enumerated() { depth[lane].record(count) }
                return taken
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || state.lanes.contains(where: { !$0.isEmpty }) { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Ends ``next(limit:)`` once the queued events are taken; later pushes are dropped.
    public func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
