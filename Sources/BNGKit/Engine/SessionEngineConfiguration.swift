import NetworkTypes
import RadiusKit

/// The session engine's policy: identity toward RADIUS, timers and their defaults.
public struct SessionEngineConfiguration: Hashable, Sendable {
    /// The BNG's id (`bng-01`): relay-id toward Kea, `{bng}` in User-Names, the event source.
    public var bngID: String
    /// NAS-IP-Address (RFC 2865 §5.4): the BNG's management address.
    public var nasIPAddress: IPv4Address
    /// NAS-Identifier (RFC 2865 §5.32); default the BNG id.
    public var nasIdentifier: String
    /// How User-Name is built from a line.
    public var userNameFormat: RADIUSUserNameFormat
    /// The PAP password sent with every Access-Request (per-service passwords live in RADIUS).
    public var password: String
    /// Acct-Interim-Interval when RADIUS names none, seconds (default 30). Each session's
    /// interims are spread by up to ``interimJitter`` of it so they do not all fall together.
    public var interimInterval: Double
    /// Fraction of the interval each interim may move (default 0.1).
    public var interimJitter: Double
    /// Idle timeout when RADIUS names none, seconds (default 600); `nil` turns it off.
    public var idleTimeout: Double?
    /// First wait before asking RADIUS again after no answer, seconds (default 2); it doubles
    /// up to ``authRetryMaximum``.
    public var authRetryInitial: Double
    /// Longest wait between Access-Requests of an unanswered session, seconds (default 60).
    public var authRetryMaximum: Double
    /// First wait before asking again after an Access-Reject, seconds (default 10); it doubles
    /// up to ``rejectRetryMaximum``.
    public var rejectRetryInitial: Double
    /// Longest wait between Access-Requests of a rejected session, seconds (default 300).
    public var rejectRetryMaximum: Double
    /// How long after its lease ran out a session without a renewal is ended, seconds (default 5).
    public var leaseGrace: Double
    /// How long a tombstone keeps the reconciler from resurrecting a session, seconds (default 600).
    public var tombstoneLifetime: Double
    /// An access node without DHCP traffic or sessions for this long is stale, seconds (default 180).
    public var accessNodeStaleAfter: Double
    /// Rates for Filter-Id names (RADIUS may name a profile instead of sending rates).
    public var profiles: [String: RADIUSRateLimits]
    /// The subscriber-side interface of sessions the reconciler creates from Kea's leases (the
    /// relay learns the real one at the next DHCP exchange).
    public var subscriberInterface: String

    /// A configuration; only the identity is required.
    public init(bngID: String, nasIPAddress: IPv4Address, nasIdentifier: String? = nil,
                userNameFormat: RADIUSUserNameFormat = .standard, password: String,
                interimInterval: Double = 30, interimJitter: Double = 0.1, idleTimeout: Double? = 600,
                authRetryInitial: Double = 2, authRetryMaximum: Double = 60,
                rejectRetryInitial: Double = 10, rejectRetryMaximum: Double = 300,
                leaseGrace: Double = 5, tombstoneLifetime: Double = 600, accessNodeStaleAfter: Double = 180,
                profiles: [String: RADIUSRateLimits] = [:], subscriberInterface: String = "") {
        self.bngID = bngID
        self.nasIPAddress = nasIPAddress
        self.nasIdentifier = nasIdentifier ?? bngID
        self.userNameFormat = userNameFormat
        self.password = password
        self.interimInterval = interimInterval
        self.interimJitter = interimJitter
        self.idleTimeout = idleTimeout
        self.authRetryInitial = authRetryInitial
        self.authRetryMaximum = authRetryMaximum
        self.rejectRetryInitial = rejectRetryInitial
        self.rejectRetryMaximum = rejectRetryMaximum
        self.leaseGrace = leaseGrace
        self.tombstoneLifetime = tombstoneLifetime
        self.accessNodeStaleAfter = accessNodeStaleAfter
        self.profiles = profiles
        self.subscriberInterface = subscriberInterface
    }
}
