import NetworkTypes

/// The DHCP client of RFC 2131 §4.4 (figure 5) as a pure state machine: feed it events with
/// the current time, and it returns the messages to send and the timer to arm.
///
/// It owns no socket and reads no clock, so the simulator can run thousands of them on one
/// event loop and tests can drive every transition. Retransmission follows RFC 2131 §4.1
/// (4 s doubling to 64 s, without the ±1 s jitter, which the caller may add); renewal and
/// rebinding retransmit at half the remaining time, at least 60 s (RFC 2131 §4.4.5).
public struct DHCPClientStateMachine: Sendable {
    /// The client states of RFC 2131 figure 5.
    public enum State: String, Hashable, Sendable, Codable {
        /// INIT: no address; also the state after RELEASE or DECLINE.
        case initial
        /// SELECTING: DISCOVER sent, waiting for an OFFER.
        case selecting
        /// REQUESTING: REQUEST for an offer sent, waiting for ACK/NAK.
        case requesting
        /// BOUND: lease held.
        case bound
        /// RENEWING: T1 passed, REQUEST unicast to the leasing server.
        case renewing
        /// REBINDING: T2 passed, REQUEST broadcast to any server.
        case rebinding
        /// INIT-REBOOT: restarting with a remembered address.
        case initReboot
        /// REBOOTING: REQUEST for the remembered address sent.
        case rebooting
    }

    /// Inputs.
    public enum Event: Hashable, Sendable {
        /// Begin acquiring an address (from INIT).
        case start(now: Duration)
        /// Begin from INIT-REBOOT with a previously leased address (RFC 2131 §3.2).
        case reboot(previousAddress: IPv4Address, now: Duration)
        /// A DHCP message arrived for this client.
        case received(DHCPMessage, now: Duration)
        /// The timer armed by the last ``Action/scheduleTimer(at:)`` fired.
        case timerFired(now: Duration)
        /// The bound address is in use by another host (e.g. ARP probe answered): DECLINE it
        /// (RFC 2131 §3.1.5).
        case addressConflict(now: Duration)
        /// Give the lease back (RFC 2131 §3.1.6, §4.4.6).
        case release(now: Duration)
    }

    /// Outputs, to be performed in order.
    public enum Action: Hashable, Sendable {
        /// Send `message` to `destination` (255.255.255.255 or the server), UDP 68 → 67.
        case send(DHCPMessage, destination: IPv4Address)
        /// Arm (or re-arm) the single timer.
        case scheduleTimer(at: Duration)
        /// Disarm the timer.
        case cancelTimer
        /// Configure the leased address and parameters (new lease or extended one).
        case bind(DHCPLease)
        /// Remove the address: the lease was lost, released or declined.
        case unbind(IPv4Address)
    }

    /// What the client sends about itself.
    public struct Configuration: Hashable, Sendable, Codable {
        /// The client's hardware address (`chaddr`).
        public var macAddress: MACAddress
        /// Option 61, if any (type byte + identifier).
        public var clientIdentifier: [UInt8]?
        /// Option 12, if any.
        public var hostName: String?
        /// Option 55.
        public var parameterRequestList: [DHCPOptionCode]
        /// Whether to set the BROADCAST flag (clients that cannot receive unicast before
        /// configuration, RFC 2131 §4.1).
        public var requestsBroadcast: Bool
        /// REQUEST attempts in REQUESTING/REBOOTING before falling back to INIT.
        public var maximumRequestAttempts: Int

        /// Creates a configuration with the usual parameter request list (1, 3, 6, 51, 58, 59).
        public init(
            macAddress: MACAddress, clientIdentifier: [UInt8]? = nil, hostName: String? = nil,
            parameterRequestList: [DHCPOptionCode] = [
                .subnetMask, .routers, .domainNameServers, .leaseTime, .renewalTime, .rebindingTime,
            ],
            requestsBroadcast: Bool = true, maximumRequestAttempts: Int = 4
        ) {
            self.macAddress = macAddress
            self.clientIdentifier = clientIdentifier
            self.hostName = hostName
            self.parameterRequestList = parameterRequestList
            self.requestsBroadcast = requestsBroadcast
            self.maximumRequestAttempts = maximumRequestAttempts
        }
    }

    /// First retransmission delay (RFC 2131 §4.1).
    public static let initialRetransmissionDelay = Duration.seconds(4)
    /// Largest retransmission delay (RFC 2131 §4.1).
    public static let maximumRetransmissionDelay = Duration.seconds(64)
    /// Shortest retransmission delay in RENEWING/REBINDING (RFC 2131 §4.4.5).
    public static let minimumRenewalRetransmissionDelay = Duration.seconds(60)
    /// Wait after a DECLINE before restarting (RFC 2131 §3.1.5).
    public static let declineBackoff = Duration.seconds(10)

    /// The configuration.
    public let configuration: Configuration
    /// Current state.
    public internal(set) var state: State = .initial
    /// The lease, in BOUND, RENEWING and REBINDING.
    public internal(set) var lease: DHCPLease?
    /// Transaction ID of the current exchange.
    public internal(set) var transactionID: UInt32

    /// The offer being requested (REQUESTING) or the address being confirmed (REBOOTING).
    var requestedAddress: IPv4Address?
    var requestedServer: IPv4Address?
    /// When the current exchange started (for `secs`).
    var exchangeStartedAt: Duration = .zero
    /// Current retransmission delay and attempts in this state.
    var retransmissionDelay = DHCPClientStateMachine.initialRetransmissionDelay
    var attempts = 0
    /// Set after a DECLINE: the next timer restarts discovery (RFC 2131 §3.1.5).
    var isBackingOffAfterDecline = false

    /// Creates a client in INIT. `transactionID` is the first `xid`; later exchanges
    /// increment it, so the caller supplies the randomness (RFC 2131 §4.1 wants it random).
    public init(configuration: Configuration, transactionID: UInt32) {
        self.configuration = configuration
        self.transactionID = transactionID
    }
}
