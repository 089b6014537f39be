import NetworkTypes

/// The BNG's DHCP relay (RFC 2131 §4.1, RFC 1542 §4.1, RFC 3046), by default in relay-proxy
/// mode as BNGs run IPoE.
///
/// Toward the servers it sets `giaddr` to the subscriber's gateway (chosen per access node from
/// the Option 82 remote-id), increments `hops`, applies Option 82 trust per interface and adds
/// relay-id (RFC 6925) and server-identifier-override (RFC 5107, the gateway). Toward the
/// client it rewrites option 54 (server identifier) to that gateway, so unicast renewals and
/// RELEASE come back to the relay instead of going around it, removes what it added to Option
/// 82 and delivers as RFC 2131 §4.1 says. Kea 2.2 implements only the accepting half of RFC
/// 5107 (it takes a REQUEST whose option 54 equals sub-option 11 but answers with its own
/// address), which is why the rewrite is the relay's job. Replies are accepted only from the
/// configured servers. Every relayed message is reported as a ``DHCPRelayObservation``.
///
/// Pure: `handle(_:now:)` returns actions; sockets and clocks belong to the caller.
public struct GatewayRelayAgent: Sendable {
    /// Trust of option 82 arriving on an interface (RFC 3046 §2.1).
    public enum Trust: String, Hashable, Sendable, Codable {
        /// Option 82 from downstream (access nodes) is kept.
        case trusted
        /// Option 82 from a client with `giaddr` 0 is dropped and counted.
        case untrusted
    }

    /// How to treat a relay-owned sub-option that downstream already put in option 82.
    public enum SubOptionPolicy: String, Hashable, Sendable, Codable {
        /// Leave the downstream value; add ours only when absent.
        case keep
        /// Replace the downstream value with ours.
        case replace
        /// Add ours after the downstream one.
        case append
    }

    /// Configuration of the relay.
    public struct Configuration: Hashable, Sendable, Codable {
        /// Gateway (and `giaddr`) for subscribers whose access node has no entry in
        /// ``accessNodeGateways``, and for requests without a remote-id.
        public var relayAddress: IPv4Address
        /// Gateway per access node, keyed by its Option 82 remote-id: the `giaddr` of its
        /// subscribers' requests (which selects their subnet at the server) and the server
        /// identifier they are told to renew with.
        public var accessNodeGateways: [RelayAgentIdentifier: IPv4Address]
        /// DHCP servers requests go to; replies from any other source are dropped.
        public var servers: [IPv4Address]
        /// Trust per subscriber-side interface name; others are unknown and dropped.
        public var interfaces: [String: Trust]
        /// Requests with `hops` at this value are dropped (RFC 1542 §4.1.1 suggests 16).
        public var maximumHops: UInt8
        /// Sub-option 12 to add (RFC 6925), e.g. the BNG id.
        public var relayID: RelayAgentIdentifier?
        /// Relay-proxy mode: add sub-option 11 (RFC 5107) with the gateway to requests and
        /// rewrite option 54 in every OFFER/ACK/NAK to the gateway (default on).
        public var proxyServerIdentifier: Bool
        /// Sub-option 5 to add (RFC 3527).
        public var linkSelection: IPv4Address?
        /// Policy for the relay-owned sub-options when already present.
        public var subOptionPolicy: SubOptionPolicy
        /// Largest message after insertion, bytes (RFC 3046 §2.1).
        public var maximumMessageLength: Int
        /// Most clients remembered to deliver replies (default 65,536).
        public var maximumLearnedClients: Int
        /// How long a learned client is remembered after its last request (default 1 hour:
        /// longer than any renewal interval a lab uses, short enough to forget departed MACs).
        public var learnedClientLifetime: Duration
        /// Most client MACs one circuit (Option 82 remote-id + circuit-id) may have within
        /// ``learnedClientLifetime``; requests from more are dropped (`tooManyClients`). `nil`:
        /// no limit.
        public var maximumClientsPerCircuit: Int?
        /// Requests one circuit may send: a token bucket of `burst` refilled at `perSecond`;
        /// beyond it requests are dropped (`rateLimited`). `nil`: no limit.
        public var circuitRequestRate: RequestRate?

        /// Creates a configuration.
        public init(
            relayAddress: IPv4Address, accessNodeGateways: [RelayAgentIdentifier: IPv4Address] = [:],
            servers: [IPv4Address], interfaces: [String: Trust],
            maximumHops: UInt8 = 16, relayID: RelayAgentIdentifier? = nil, proxyServerIdentifier: Bool = true,
            linkSelection: IPv4Address? = nil, subOptionPolicy: SubOptionPolicy = .replace,
            maximumMessageLength: Int = 1500, maximumLearnedClients: Int = 65_536,
            learnedClientLifetime: Duration = .seconds(3600), maximumClientsPerCircuit: Int? = nil,
            circuitRequestRate: RequestRate? = nil
        ) {
            self.relayAddress = relayAddress
            self.accessNodeGateways = accessNodeGateways
            self.servers = servers
            self.interfaces = interfaces
            self.maximumHops = maximumHops
            self.relayID = relayID
            self.proxyServerIdentifier = proxyServerIdentifier
            self.linkSelection = linkSelection
            self.subOptionPolicy = subOptionPolicy
            self.maximumMessageLength = maximumMessageLength
            self.maximumLearnedClients = maximumLearnedClients
            self.learnedClientLifetime = learnedClientLifetime
            self.maximumClientsPerCircuit = maximumClientsPerCircuit
            self.circuitRequestRate = circuitRequestRate
        }

        /// Every address this relay uses as a gateway.
        public var gatewayAddresses: Set<IPv4Address> {
            Set(accessNodeGateways.values).union([relayAddress])
        }
    }

    /// A request rate limit (see ``DHCPRequestRate``).
    public typealias RequestRate = DHCPRequestRate

    /// One circuit's admission state.
    struct CircuitState: Sendable {
        var clients: LearnedTable<MACAddress, Bool>
        var bucket: TokenBucket
    }

    /// A circuit: the access node's remote-id and the port's circuit-id.
    struct CircuitKey: Hashable, Sendable {
        var remoteID: [UInt8]
        var circuitID: [UInt8]
    }

    /// How a reply reaches the client (RFC 2131 §4.1).
    public enum Delivery: Hashable, Sendable {
        /// IP and Ethernet broadcast (NAK, or BROADCAST flag set).
        case broadcast
        /// Unicast to this IP address at this MAC address (no ARP: the client may not answer).
        case unicast(IPv4Address, MACAddress)
    }

    /// Inputs.
    public enum Event: Hashable, Sendable {
        /// A message from the subscriber side on `interface`.
        case fromClient(DHCPMessage, interface: String)
        /// A message from the server side, sent from `source`.
        case fromServer(DHCPMessage, source: IPv4Address)
    }

    /// Outputs.
    public enum Action: Hashable, Sendable {
        /// Send to every server (UDP 67, source port 67).
        case forwardToServers(DHCPMessage, servers: [IPv4Address])
        /// Send to the client on `interface` as `delivery` says (UDP 67 → 68), from `gateway`.
        case forwardToClient(DHCPMessage, interface: String, delivery: Delivery, gateway: IPv4Address)
        /// Report what was relayed.
        case observe(DHCPRelayObservation)
        /// Drop and count.
        case drop(RelayDropReason)
    }

    /// The configuration.
    public let configuration: Configuration
    /// Interface of each client MAC seen in a request.
    public internal(set) var learnedInterfaces: LearnedTable<MACAddress, String>
    /// Admission state of circuits that sent requests (bounded like the learned clients).
    var circuits: LearnedTable<CircuitKey, CircuitState>
    let servers: Set<IPv4Address>
    let gateways: Set<IPv4Address>
    /// When false, requests that begin a binding are dropped as
    /// ``RelayDropReason/newClientsRefused`` (set from a ``RelayAdmissionGate``).
    public var admitsNewClients = true

    /// Creates a relay.
    public init(configuration: Configuration) {
        self.configuration = configuration
        learnedInterfaces = LearnedTable(capacity: configuration.maximumLearnedClients,
                                         lifetime: configuration.learnedClientLifetime)
        circuits = LearnedTable(capacity: configuration.maximumLearnedClients, lifetime: configuration.learnedClientLifetime)
        servers = Set(configuration.servers)
        gateways = configuration.gatewayAddresses
    }

    /// Applies one event at `now`.
    public mutating func handle(_ event: Event, now: ContinuousClock.Instant) -> [Action] {
        switch event {
        case .fromClient(let message, let interface):
            return fromClient(message, interface: interface, now: now)
        case .fromServer(let message, let source):
            return fromServer(message, source: source, now: now)
        }
    }

    /// Remembers clients known from elsewhere (a BNG's sessions after a restart), so replies to
    /// their next unicast renewal find their interface.
    public mutating func seed(_ clients: some Sequence<(MACAddress, String)>, now: ContinuousClock.Instant) {
        learnedInterfaces.seed(clients, now: now)
    }
}
