import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import NetworkTypes
import RadiusKit

/// The BNG's session state machine, without I/O: it owns the session table and turns DHCP
/// observations, RADIUS answers, kernel counter readings, CoA requests, Kea's leases and the
/// passing of time into actions (RADIUS requests, kernel changes, accounting, events, store
/// writes) — SPEC §3.
///
/// Life of a session (one per line and client MAC):
/// ```
///   DHCP ACK (new address) ──► active/PENDING_AUTH ──Access-Accept──► active/AUTHORIZED ──┐
///        SESSION_START            │  ▲  Access-Reject: REJECTED, blocked,                  │ Interim-Update,
///        Access-Request           │  └─ retried with back-off (no client action needed)    │ SESSION_UPDATE
///                                 ▼                                                        ▼
///   RELEASE · lease expired · idle · Session-Timeout · Disconnect · address change · port move
///                                 │
///                                 ▼
///                        stopping (final counters read, kernel objects removed, conntrack flushed)
///                                 │
///                                 ▼
///                        Acct-Stop, SESSION_STOP, deleted (tombstone when the BNG ended it)
/// ```
/// Authorization follows the ACK, as the original does: the subscriber has its address at once
/// and its traffic is blocked until RADIUS accepts. Authorizing on DISCOVER instead would keep
/// rejected subscribers from consuming leases, but would put RADIUS latency (and outages) into
/// every DORA; here a RADIUS outage never delays DHCP.
///
/// Pure: `handle(_:now:)` returns actions; the clock and the randomness of interim jitter come in.
public struct SessionEngine: Sendable {
    /// An access node's liveness, as seen from DHCP (ROUTER_UPDATE on change).
    public struct AccessNode: Hashable, Sendable {
        /// Last DHCP message through it.
        public var lastSeen: EventTimestamp
        /// Whether it counts as alive.
        public var isAlive: Bool
    }

    /// The policy.
    public let configuration: SessionEngineConfiguration
    /// The sessions, by id.
    public internal(set) var sessions: [UUID: Session] = [:]
    /// Tombstones, by key.
    public internal(set) var tombstones: [SessionKey: Tombstone] = [:]
    /// Access nodes discovered from Option 82 remote-ids.
    public internal(set) var accessNodes: [String: AccessNode] = [:]
    var byKey: [SessionKey: UUID] = [:]
    var byAddress: [IPv4Address: UUID] = [:]
    var byMAC: [MACAddress: UUID] = [:]
    var random: SplitMix64

    /// An engine resuming `sessions` and `tombstones` (from the store; empty on a cold start).
    /// Sessions that were waiting for RADIUS ask again at the first tick.
    public init(configuration: SessionEngineConfiguration, sessions: [Session] = [], tombstones: [Tombstone] = [],
                seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        self.configuration = configuration
        random = SplitMix64(seed: seed)
        for var session in sessions {
            if session.authState != .authorized, session.nextAuthAt == nil, session.phase == .active {
                session.nextAuthAt = session.startedAt
            }
            index(session)
        }
        for tombstone in tombstones { self.tombstones[tombstone.key] = tombstone }
        for session in sessions {
            accessNodes[session.key.line.remoteID] = AccessNode(lastSeen: session.startedAt, isAlive: true)
        }
    }

    /// The session of `key`, if any.
    public func session(for key: SessionKey) -> Session? { byKey[key].flatMap { sessions[$0] } }

    /// The session holding `address`, if any.
    public func session(at address: IPv4Address) -> Session? { byAddress[address].flatMap { sessions[$0] } }

    /// Applies one event at `now`.
    public mutating func handle(_ event: SessionEngineEvent, now: EventTimestamp) -> [SessionEngineAction] {
        switch event {
        case .dhcp(let observation): dhcp(observation, now: now)
        case .authorization(let id, let outcome): authorization(id, outcome, now: now)
        case .counters(let readings): counters(readings, now: now)
        case .removed(let id, let final): removed(id, final: final, now: now)
        case .disconnect(let selector, let cause, let token): disconnect(selector, cause: cause, token: token, now: now)
        case .changePolicy(let selector, let packet, let token): changePolicy(selector, packet, token: token, now: now)
        case .leases(let leases): reconcile(leases, now: now)
        case .tick: tick(now: now)
        }
    }

    // MARK: - Table

    mutating func index(_ session: Session) {
        sessions[session.id] = session
        byKey[session.key] = session.id
        byAddress[session.address] = session.id
        byMAC[session.key.mac] = session.id
    }

    mutating func unindex(_ session: Session) {
        sessions[session.id] = nil
        if byKey[session.key] == session.id { byKey[session.key] = nil }
        if byAddress[session.address] == session.id { byAddress[session.address] = nil }
        if byMAC[session.key.mac] == session.id { byMAC[session.key.mac] = nil }
    }

    /// Stores a changed session in the table and says so to the store.
    mutating func update(_ session: Session) -> SessionEngineAction {
        sessions[session.id] = session
        return .save(session)
    }

    func interimInterval(of session: Session) -> Double {
        max(5, session.policy?.interimInterval.map(Double.init) ?? configuration.interimInterval)
    }

    func idleTimeout(of session: Session) -> Double? {
        session.policy?.idleTimeout.map(Double.init) ?? configuration.idleTimeout
    }

    /// `interval` moved by up to the configured jitter, either way.
    mutating func jittered(_ interval: Double) -> Double {
        let spread = interval * min(max(configuration.interimJitter, 0), 0.5)
        return interval - spread + 2 * spread * random.nextUnit()
    }
}

/// SplitMix64: a small, fast, seedable generator (for interim jitter; reproducible in tests).
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<1.
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
