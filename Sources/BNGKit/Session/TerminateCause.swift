/// Why a session ended: RFC 2866 §5.10 Acct-Terminate-Cause values, with the cause names the
/// events carry.
///
/// The BNG maps its reasons onto the standard values (no private numbers, so every RADIUS
/// server records them): RELEASE → User-Request, lease expired → Lost-Carrier, idle →
/// Idle-Timeout, Session-Timeout → Session-Timeout, Disconnect-Request or operator → Admin-Reset,
/// address change or NAK/DECLINE → Lost-Service, port move → Port-Preempted, BNG shut down for
/// good → NAS-Request.
public struct TerminateCause: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The RFC 2866 number.
    public let rawValue: UInt32
    /// Wraps a number.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 1: the subscriber released the address.
    public static let userRequest = TerminateCause(rawValue: 1)
    /// 2: the lease ran out without a renewal.
    public static let lostCarrier = TerminateCause(rawValue: 2)
    /// 3: the address changed, or the server refused it (NAK, DECLINE).
    public static let lostService = TerminateCause(rawValue: 3)
    /// 4: no traffic for the idle timeout.
    public static let idleTimeout = TerminateCause(rawValue: 4)
    /// 5: the Session-Timeout from the Access-Accept ran out.
    public static let sessionTimeout = TerminateCause(rawValue: 5)
    /// 6: a Disconnect-Request or an operator ended it.
    public static let adminReset = TerminateCause(rawValue: 6)
    /// 10: the BNG ended it for its own reasons.
    public static let nasRequest = TerminateCause(rawValue: 10)
    /// 13: the client showed up on another port.
    public static let portPreempted = TerminateCause(rawValue: 13)

    /// The RFC 2866 name (`User-Request`, `Idle-Timeout`, …).
    public var description: String {
        switch rawValue {
        case 1: "User-Request"
        case 2: "Lost-Carrier"
        case 3: "Lost-Service"
        case 4: "Idle-Timeout"
        case 5: "Session-Timeout"
        case 6: "Admin-Reset"
        case 7: "Admin-Reboot"
        case 8: "Port-Error"
        case 9: "NAS-Error"
        case 10: "NAS-Request"
        case 11: "NAS-Reboot"
        case 12: "Port-Unneeded"
        case 13: "Port-Preempted"
        default: "Cause-\(rawValue)"
        }
    }

    /// Whether the BNG itself ended the session while the subscriber may still hold its lease:
    /// the reconciler must not bring such a session back from Kea's leases (a tombstone).
    public var endedByBNG: Bool {
        [Self.idleTimeout, .sessionTimeout, .adminReset, .nasRequest].contains(self)
    }
}
