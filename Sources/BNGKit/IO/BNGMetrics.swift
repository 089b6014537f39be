import EventSourcing
import Metrics
import ServiceSupport

/// The BNG's own swift-metrics (the kits add theirs: relay, RADIUS, netlink, events):
///
/// | metric | labels | what |
/// |---|---|---|
/// | `aether_bng_sessions` | `state` | sessions now: `pending`, `authorized`, `rejected`, `stopping` (gauge) |
/// | `aether_bng_sessions_started_total` | | SESSION_STARTs |
/// | `aether_bng_sessions_stopped_total` | `cause` | SESSION_STOPs by RFC 2866 cause |
/// | `aether_bng_authorizations_total` | `outcome` | Access-Request outcomes: `accepted`, `rejected`, `unanswered` |
/// | `aether_bng_engine_batch_seconds` | | one pass of the loop over a batch of events (timer) |
/// | `aether_bng_store_commit_seconds` | | one grouped commit (timer) |
/// | `aether_bng_store_failures_total` | | commits that failed and were retried |
/// | `aether_bng_admitting_subscribers` | | 1 while new subscribers are admitted, 0 while the store cannot write (gauge) |
/// | `aether_bng_adoption_changes` | | kernel changes the last start needed (0: everything was adopted) |
public struct BNGMetrics: Sendable {
    let sessions: [String: Gauge]
    let started: Counter
    let stopped: LabelledCounters<String>
    let authorizations: LabelledCounters<String>
    let batch: Metrics.Timer
    let commit: Metrics.Timer
    let storeFailures: Counter
    let admitting: Gauge
    let adoptionChanges: Gauge

    /// Metrics made by `factory`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        var sessions: [String: Gauge] = [:]
        for state in ["pending", "authorized", "rejected", "stopping"] {
            sessions[state] = Gauge(label: "aether_bng_sessions", dimensions: [("state", state)], factory: factory)
        }
        self.sessions = sessions
        started = Counter(label: "aether_bng_sessions_started_total", factory: factory)
        stopped = LabelledCounters(label: "aether_bng_sessions_stopped_total", dimension: "cause",
                                   keys: ["User-Request", "Lost-Carrier", "Lost-Service", "Idle-Timeout", "Session-Timeout",
                                          "Admin-Reset", "NAS-Request", "Port-Preempted"],
                                   value: { $0 }, other: "other", factory: factory)
        authorizations = LabelledCounters(label: "aether_bng_authorizations_total", dimension: "outcome",
                                          keys: ["accepted", "rejected", "unanswered"], value: { $0 }, factory: factory)
        batch = Metrics.Timer(label: "aether_bng_engine_batch_seconds", factory: factory)
        commit = Metrics.Timer(label: "aether_bng_store_commit_seconds", factory: factory)
        storeFailures = Counter(label: "aether_bng_store_failures_total", factory: factory)
        admitting = Gauge(label: "aether_bng_admitting_subscribers", factory: factory)
        admitting.record(1)
        adoptionChanges = Gauge(label: "aether_bng_adoption_changes", factory: factory)
    }

    func event(_ payload: EventPayload) {
        switch payload {
        case .sessionStart: started.increment()
        case .sessionStop(let stop): stopped.increment(stop.terminateCause)
        default: break
        }
    }

    func authorization(_ outcome: AuthorizationOutcome) {
        switch outcome {
        case .accepted: authorizations.increment("accepted")
        case .rejected: authorizations.increment("rejected")
        case .unanswered: authorizations.increment("unanswered")
        }
    }

    func record(_ states: [(Session.Phase, SessionAuthState)]) {
        var counts = ["pending": 0, "authorized": 0, "rejected": 0, "stopping": 0]
        for (phase, auth) in states {
            let key = phase == .stopping ? "stopping" : auth == .authorized ? "authorized" : auth == .rejected ? "rejected" : "pending"
            counts[key, default: 0] += 1
        }
        for (state, count) in counts { sessions[state]?.record(count) }
    }
}
