import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import NetworkTypes
import RadiusKit

/// What RADIUS answered an Access-Request.
public enum AuthorizationOutcome: Sendable, Hashable {
    /// Access-Accept.
    case accepted(RADIUSPacket)
    /// Access-Reject.
    case rejected(RADIUSPacket)
    /// No answer (every server timed out) or the request could not be sent.
    case unanswered(String)
}

/// Which session a Disconnect- or CoA-Request means (RFC 5176 §3: Acct-Session-Id, User-Name
/// or Framed-IP-Address; the most specific given wins).
public enum SessionSelector: Sendable, Hashable, CustomStringConvertible {
    /// Acct-Session-Id.
    case sessionID(UUID)
    /// Framed-IP-Address.
    case address(IPv4Address)
    /// User-Name (every session of the line).
    case userName(String)

    /// The selector of a request's attributes, most specific first; `nil` when none is there.
    public init?(packet: RADIUSPacket) {
        if let text = try? packet.attributes(ofType: .acctSessionID).first?.stringValue(), let id = UUID(uuidString: text) {
            self = .sessionID(id)
        } else if let address = try? packet.attributes(ofType: .framedIPAddress).first?.ipv4AddressValue() {
            self = .address(address)
        } else if let name = try? packet.attributes(ofType: .userName).first?.stringValue() {
            self = .userName(name)
        } else if (try? packet.attributes(ofType: .acctSessionID).first?.stringValue()) != nil {
            // An Acct-Session-Id that is not one of ours selects nothing (NAK 503), not everything.
            self = .sessionID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        } else {
            return nil
        }
    }

    /// `session <id>`, `address <ip>`, `user <name>`.
    public var description: String {
        switch self {
        case .sessionID(let id): "session \(id.uuidString.lowercased())"
        case .address(let address): "address \(address)"
        case .userName(let name): "user \(name)"
        }
    }
}

/// Everything that happens to the session engine. Time comes with each call to
/// ``SessionEngine/handle(_:now:)``.
public enum SessionEngineEvent: Sendable {
    /// The relay saw a DHCP message (requests from clients and replies from servers).
    case dhcp(DHCPRelayObservation)
    /// RADIUS answered (or did not answer) the Access-Request of a session.
    case authorization(sessionID: UUID, AuthorizationOutcome)
    /// A reading of the kernel's per-address counters (cumulative, subscriber's side).
    case counters([IPv4Address: SessionCounters])
    /// A session's kernel objects are gone; `finalCounters` is their last reading (`nil` when
    /// they were already gone).
    case removed(sessionID: UUID, finalCounters: SessionCounters?)
    /// A Disconnect-Request (RFC 5176) or an operator's disconnect; answer with `token`.
    case disconnect(SessionSelector, cause: TerminateCause, token: UInt64)
    /// A CoA-Request carrying a new policy; answer with `token`.
    case changePolicy(SessionSelector, RADIUSPacket, token: UInt64)
    /// Kea's leases, for reconciliation (only those relayed by this BNG count).
    case leases([KeaLease4])
    /// Time passed: timers fall due.
    case tick
}

/// What the I/O layer does for the engine. ``SessionEngine/handle(_:now:)`` returns them in the
/// order to carry them out; the store-related ones commit together.
public enum SessionEngineAction: Sendable, Equatable {
    /// Send an Access-Request for the session (User-Name, User-Password and these attributes)
    /// and report the outcome as ``SessionEngineEvent/authorization(sessionID:_:)``.
    case authorize(sessionID: UUID, userName: String, attributes: [RADIUSAttribute])
    /// Create the session's counters in the kernel, forwarding blocked.
    case install(address: IPv4Address)
    /// Allow the session's traffic (from its MAC only) and shape it (`rates` empty: unshaped).
    case allow(address: IPv4Address, mac: MACAddress, rates: RADIUSRateLimits)
    /// Block the session's traffic and remove its shaping (counters stay).
    case block(address: IPv4Address)
    /// Change the session's shaping in place.
    case reshape(address: IPv4Address, rates: RADIUSRateLimits)
    /// Read final counters, remove every kernel object of the address, flush its conntrack
    /// entries; report ``SessionEngineEvent/removed(sessionID:finalCounters:)``.
    case remove(sessionID: UUID, address: IPv4Address)
    /// Queue an accounting request durably (sent, retried until answered).
    case account(RADIUSAccountingRecord)
    /// Publish an event (through the durable outbox).
    case emit(EventPayload)
    /// Store the session as it is now.
    case save(Session)
    /// Delete the stored session.
    case delete(sessionID: UUID)
    /// Store a tombstone (replacing one for the same key).
    case bury(Tombstone)
    /// Delete the tombstone of a key.
    case exhume(SessionKey)
    /// Answer the Disconnect/CoA request `token`.
    case answer(token: UInt64, RADIUSDynamicAuthorizationResponse)
}
