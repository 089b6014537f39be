import NetworkTypes

/// The BNG's DHCP relay (RFC 2131 §4.1, RFC 1542 §4.1, RFC 3046): sets `giaddr` and `hops`,
/// applies option 82 trust per interface, adds relay-id (RFC 6925) and
/// server-identifier-override (RFC 5107) so unicast renewals also come through the relay,
/// delivers replies per RFC 2131 §4.1, removes what it added toward the client, and reports
/// every message it relays as a ``DHCPRelayObservation``.
///
/// Pure: `handle(_:)` returns actions; sockets belong to the caller.
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
        /// This relay's address on the subscriber side, used as `giaddr`.
        public var relayAddress: IPv4Address
        /// DHCP servers to forward requests to.
        public var servers: [IPv4Address]
        /// Trust per subscriber-side interface name; others are unknown and dropped.
        public var interfaces: [String: Trust]
        /// Requests with `hops` at this value are dropped (RFC 1542 §4.1.1 suggests 16).
        public var maximumHops: UInt8
        /// Sub-option 12 to add (RFC 6925), e.g. the BNG id.
        public var relayID: RelayAgentIdentifier?
        /// Sub-option 11 to add (RFC 5107), normally ``relayAddress``.
        public var serverIdentifierOverride: IPv4Address?
        /// Sub-option 5 to add (RFC 3527).
        public var linkSelection: IPv4Address?
        /// Policy for the three sub-options above when already present.
        public var subOptionPolicy: SubOptionPolicy
        /// Largest message after insertion, bytes (RFC 3046 §2.1).
        public var maximumMessageLength: Int

        /// Creates a configuration.
        public init(
            relayAddress: IPv4Address, servers: [IPv4Address], interfaces: [String: Trust],
            maximumHops: UInt8 = 16, relayID: RelayAgentIdentifier? = nil,
            serverIdentifierOverride: IPv4Address? = nil, linkSelection: IPv4Address? = nil,
            subOptionPolicy: SubOptionPolicy = .replace, maximumMessageLength: Int = 1500
        ) {
            self.relayAddress = relayAddress
            self.servers = servers
            self.interfaces = interfaces
            self.maximumHops = maximumHops
            self.relayID = relayID
            self.serverIdentifierOverride = serverIdentifierOverride
            self.linkSelection = linkSelection
            self.subOptionPolicy = subOptionPolicy
            self.maximumMessageLength = maximumMessageLength
        }
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
        /// A message from a server.
        case fromServer(DHCPMessage)
    }

    /// Outputs.
    public enum Action: Hashable, Sendable {
        /// Send to every server (UDP 67, source port 67).
        case forwardToServers(DHCPMessage, servers: [IPv4Address])
        /// Send to the client on `interface` as `delivery` says (UDP 67 → 68).
        case forwardToClient(DHCPMessage, interface: String, delivery: Delivery)
        /// Report what was relayed.
        case observe(DHCPRelayObservation)
        /// Drop and count.
        case drop(RelayDropReason)
    }

    /// Most clients remembered to find the interface of a reply.
    public static let maximumLearnedClients = 65_536

    /// The configuration.
    public var configuration: Configuration
    /// Interface of each client MAC seen in a request.
    public internal(set) var learnedInterfaces: [MACAddress: String] = [:]

    /// Creates a relay.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Applies one event.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .fromClient(let message, let interface):
            return fromClient(message, interface: interface)
        case .fromServer(let message):
            return fromServer(message)
        }
    }
}
