import NetworkTypes

/// Where and how a `SubscriberFirewall` programs nftables.
public struct SubscriberFirewallConfiguration: Hashable, Sendable {
    /// The `inet` table that holds everything; one per BNG (e.g. `aether_bng_01`).
    public var tableName: String
    /// Interfaces subscribers are reached through; traffic in or out of them is subscriber traffic.
    public var subscriberInterfaces: [String]
    /// Most elements per set (nft `size`), default 65,536.
    public var setSize: Int
    /// Priority of the forward and input chains (nft `priority filter` is 0).
    public var chainPriority: Int
    /// Interfaces the management ports answer on (with `lo`); empty: no management rules.
    public var managementInterfaces: [String]
    /// Local ports (CoA, metrics, …) dropped when they arrive on any interface but `lo` and
    /// `managementInterfaces`. Subscriber interfaces reach none of them in any case.
    public var managementPorts: [ManagementPort]
    /// The subscribers' gateway addresses: the only ones they may ping (empty: any address of
    /// the BNG).
    public var gatewayAddresses: [IPv4Address]

    /// Creates a configuration.
    public init(tableName: String, subscriberInterfaces: [String], setSize: Int = 65_536, chainPriority: Int = 0,
                managementInterfaces: [String] = [], managementPorts: [ManagementPort] = [], gatewayAddresses: [IPv4Address] = []) {
        self.tableName = tableName
        self.subscriberInterfaces = subscriberInterfaces
        self.setSize = setSize
        self.chainPriority = chainPriority
        self.managementInterfaces = managementInterfaces
        self.managementPorts = managementPorts
        self.gatewayAddresses = gatewayAddresses
    }

    /// Set counting bytes from each subscriber (lookup on `ip saddr`).
    public static let uploadSet = "sub_up"
    /// Set counting bytes to each subscriber (lookup on `ip daddr`).
    public static let downloadSet = "sub_down"
    /// Set of subscriber addresses traffic is forwarded to.
    public static let authorizedSet = "authorized"
    /// Set of the (MAC, address) pairs traffic is forwarded from (`ether_addr . ipv4_addr`).
    public static let authorizedPairSet = "authorized_mac"
    /// The forward-hook chain.
    public static let chainName = "subscriber_forward"
    /// The input-hook chain: what subscribers and other interfaces may send to the BNG itself.
    public static let inputChainName = "subscriber_input"

    func validate() throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard !tableName.isEmpty, tableName.count <= 64, tableName.allSatisfy(allowed.contains), tableName.first?.isLetter == true else {
            throw NetlinkShapingError(.invalidArgument, "table name \"\(tableName)\" must start with a letter and hold only letters, digits and '_'")
        }
        guard !subscriberInterfaces.isEmpty else {
            throw NetlinkShapingError(.invalidArgument, "at least one subscriber interface is needed to tell subscriber traffic apart")
        }
        for name in subscriberInterfaces { try LinkRequests.validate(name: name) }
        guard setSize > 0 else { throw NetlinkShapingError(.invalidArgument, "setSize must be positive (got \(setSize))") }
        for name in managementInterfaces { try LinkRequests.validate(name: name) }
        if let shared = managementInterfaces.first(where: subscriberInterfaces.contains) {
            throw NetlinkShapingError(.invalidArgument, "\(shared) cannot be both a subscriber and a management interface")
        }
        guard managementPorts.isEmpty || !managementInterfaces.isEmpty else {
            throw NetlinkShapingError(.invalidArgument, "management ports need at least one management interface to answer on")
        }
    }
}

/// A local port only management interfaces (and `lo`) may reach, e.g. CoA on UDP 3799.
public struct ManagementPort: Hashable, Sendable, CustomStringConvertible {
    /// The transport.
    public enum Transport: String, Hashable, Sendable { case udp, tcp }
    /// The transport.
    public var transport: Transport
    /// The port.
    public var port: UInt16

    /// A port.
    public init(_ transport: Transport, _ port: UInt16) {
        self.transport = transport
        self.port = port
    }

    /// `udp/3799`.
    public var description: String { "\(transport.rawValue)/\(port)" }
}
