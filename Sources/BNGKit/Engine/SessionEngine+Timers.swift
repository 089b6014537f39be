import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import NetworkTypes

extension SessionEngine {
    // MARK: - Time

    /// Due work: lease expiry, Session-Timeout, RADIUS retries, tombstones, stale access nodes.
    mutating func tick(now: EventTimestamp) -> [SessionEngineAction] {
        var actions: [SessionEngineAction] = []
        for id in Array(sessions.keys) {
            guard var session = sessions[id], session.phase == .active else { continue }
            if now.seconds(since: session.leaseExpiresAt) > configuration.leaseGrace {
                actions += stop(id, cause: .lostCarrier, now: now)
                continue
            }
            if session.authState == .authorized, let timeout = session.policy?.sessionTimeout,
               now.seconds(since: session.startedAt) >= Double(timeout) {
                actions += stop(id, cause: .sessionTimeout, now: now)
                continue
            }
            if session.authState != .authorized, let due = session.nextAuthAt, due <= now {
                // In flight until the outcome arrives (nil means "asked, waiting").
                session.nextAuthAt = nil
                sessions[id] = session
                actions.append(authorize(session, now: now))
            }
        }
        for (key, tombstone) in tombstones where tombstone.expiresAt <= now {
            tombstones[key] = nil
            actions.append(.exhume(key))
        }
        actions += staleAccessNodes(now: now)
        return actions
    }

    // MARK: - Access nodes

    mutating func seen(accessNode name: String, now: EventTimestamp) -> [SessionEngineAction] {
        let wasAlive = accessNodes[name]?.isAlive ?? false
        accessNodes[name] = AccessNode(lastSeen: now, isAlive: true)
        guard !wasAlive else { return [] }
        return [.emit(.routerUpdate(RouterUpdatePayload(routerName: name, isAlive: true, lastSeen: now)))]
    }

    /// An access node is stale once it sent nothing for the configured time and carries no
    /// session (quiet subscribers with long leases keep their node alive).
    mutating func staleAccessNodes(now: EventTimestamp) -> [SessionEngineAction] {
        let overdue = accessNodes.filter { $0.value.isAlive && now.seconds(since: $0.value.lastSeen) > configuration.accessNodeStaleAfter }
        guard !overdue.isEmpty else { return [] }
        let carrying = Set(sessions.values.filter { $0.phase == .active }.map(\.key.line.remoteID))
        var actions: [SessionEngineAction] = []
        for (name, node) in overdue.sorted(by: { $0.key < $1.key }) where !carrying.contains(name) {
            accessNodes[name]?.isAlive = false
            actions.append(.emit(.routerUpdate(RouterUpdatePayload(routerName: name, isAlive: false, lastSeen: node.lastSeen))))
        }
        return actions
    }

    // MARK: - Reconciliation with Kea

    /// Brings the table in line with Kea's leases after a restart (or periodically): a lease
    /// relayed by this BNG (relay-id = BNG id), in use and not expired, without a session and
    /// without a tombstone becomes a session; one whose address moved replaces the old session.
    /// Declined, expired and reclaimed leases, and other BNGs' leases, are skipped. Sessions are
    /// not ended here: a lease that is gone ends its session when it expires.
    mutating func reconcile(_ leases: [KeaLease4], now: EventTimestamp) -> [SessionEngineAction] {
        var actions: [SessionEngineAction] = []
        let nowSeconds = Int64(now.unixSeconds)
        for lease in leases where lease.isActive(at: nowSeconds) {
            guard let information = lease.relayAgentInformation, information.relayID?.description == configuration.bngID,
                  let line = SubscriberLine(information), let mac = lease.hardwareAddress else { continue }
            let key = SessionKey(line: line, mac: mac)
            let expiry = EventTimestamp(microsecondsSinceEpoch: lease.expiry * 1_000_000)
            if let session = session(for: key), session.address == lease.address {
                if expiry > session.leaseExpiresAt {
                    var renewed = session
                    renewed.leaseExpiresAt = expiry
                    actions.append(update(renewed))
                }
                continue
            }
            if let tombstone = tombstones[key], tombstone.address == lease.address { continue }
            let remaining = Double(lease.expiry - nowSeconds)
            actions += acknowledged(key, address: lease.address, lease: remaining,
                                    interface: session(for: key)?.interface ?? configuration.subscriberInterface, now: now)
        }
        return actions
    }
}
