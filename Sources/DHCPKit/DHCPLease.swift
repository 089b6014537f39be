import NetworkTypes

/// An address lease as a client holds it after a DHCPACK (RFC 2131 §4.4.1, §4.4.5).
///
/// Times are offsets on the caller's clock (the same clock that feeds ``DHCPClientStateMachine``
/// events), so the lease is testable and survives no wall-clock jumps.
public struct DHCPLease: Hashable, Sendable, Codable {
    /// The leased address (`yiaddr` of the ACK).
    public var address: IPv4Address
    /// The server that granted it (option 54), where renewals are unicast.
    public var serverIdentifier: IPv4Address
    /// Option 1, if the server sent it.
    public var subnetMask: IPv4Address?
    /// Option 3.
    public var routers: [IPv4Address]
    /// Option 6.
    public var domainNameServers: [IPv4Address]
    /// When the ACK was received.
    public var acquiredAt: Duration
    /// Lease duration (option 51).
    public var leaseTime: Duration
    /// T1 (option 58), default half the lease (RFC 2131 §4.4.5).
    public var renewalTime: Duration
    /// T2 (option 59), default 0.875 of the lease (RFC 2131 §4.4.5).
    public var rebindingTime: Duration

    /// Creates a lease.
    public init(
        address: IPv4Address, serverIdentifier: IPv4Address, subnetMask: IPv4Address? = nil,
        routers: [IPv4Address] = [], domainNameServers: [IPv4Address] = [], acquiredAt: Duration,
        leaseTime: Duration, renewalTime: Duration? = nil, rebindingTime: Duration? = nil
    ) {
        self.address = address
        self.serverIdentifier = serverIdentifier
        self.subnetMask = subnetMask
        self.routers = routers
        self.domainNameServers = domainNameServers
        self.acquiredAt = acquiredAt
        self.leaseTime = leaseTime
        self.renewalTime = renewalTime ?? leaseTime / 2
        self.rebindingTime = rebindingTime ?? leaseTime * 7 / 8
    }

    /// Builds a lease from a DHCPACK received at `now`; `nil` without `yiaddr`, server
    /// identifier or lease time (RFC 2131 §4.3.1 makes the last two mandatory in an ACK).
    public init?(ack: DHCPMessage, receivedAt now: Duration) {
        guard !ack.yiaddr.isUnspecified, let server = ack.serverIdentifier,
            let seconds = ack.leaseTime
        else { return nil }
        self.init(
            address: ack.yiaddr, serverIdentifier: server, subnetMask: ack.subnetMask,
            routers: ack.routers ?? [], domainNameServers: ack.domainNameServers ?? [],
            acquiredAt: now, leaseTime: .seconds(seconds),
            renewalTime: ack.renewalTime.map { .seconds($0) },
            rebindingTime: ack.rebindingTime.map { .seconds($0) })
    }

    /// When the client starts RENEWING.
    public var renewAt: Duration { acquiredAt + renewalTime }
    /// When the client starts REBINDING.
    public var rebindAt: Duration { acquiredAt + rebindingTime }
    /// When the lease ends.
    public var expiresAt: Duration { acquiredAt + leaseTime }
}
