import NetworkTypes

/// The data path of an access node: its subscriber ports and its uplink in one Linux bridge,
/// subscriber ports isolated from each other (`bridge link set … isolated on`), and DHCP kept
/// out of bridge forwarding by an nftables bridge-family rule, so the only DHCP that crosses the
/// node is what `aether-relay` carries (with Option 82) and every other subscriber packet goes to
/// the BNG on the uplink.
///
/// ```
/// p1 ─┐ (isolated)
/// p2 ─┼─ br0 ─ up0 ── BNG
/// p3 ─┘ (isolated)      nft bridge: udp dport {67,68} drop in forward
/// ```
/// Set-up code, run once per node; nothing here is on a packet path.
public struct AccessNodeBridge: Sendable, Hashable {
    /// The node's namespace.
    public var namespace: NetworkNamespace
    /// The bridge's name (default `br0`).
    public var bridge: String
    /// The uplink toward the BNG's aggregation segment.
    public var uplink: String
    /// The subscriber ports.
    public var ports: [String]
    /// The nftables bridge-family table that keeps DHCP out of forwarding.
    public static let tableName = "aether_access"

    /// Describes a node's bridge; `configure()` builds it.
    public init(namespace: NetworkNamespace, bridge: String = "br0", uplink: String, ports: [String]) {
        self.namespace = namespace
        self.bridge = bridge
        self.uplink = uplink
        self.ports = ports
    }

    /// Creates the bridge (no STP, no forwarding delay), enslaves the uplink and the ports,
    /// isolates the ports, and loads the DHCP filter. The interfaces must exist. Idempotent.
    public func configure() async throws {
        try NetworkNamespace.validateInterfaceName(bridge)
        let existing = try await namespace.run(["ip", "link", "show", bridge])
        if !existing.succeeded {
            try await namespace.ip("link", "add", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0")
        }
        try await namespace.ip("link", "set", bridge, "up")
        for member in [uplink] + ports {
            try await namespace.attach(member, toBridge: bridge)
            try await namespace.ip("link", "set", member, "up")
        }
        for port in ports {
            try await namespace.ip("link", "set", "dev", port, "type", "bridge_slave", "isolated", "on")
        }
        try await namespace.loadNftables(Self.dhcpFilter)
    }

    /// The ruleset: DHCP (UDP 67/68 over IPv4) is never bridged.
    static let dhcpFilter = """
        table bridge \(tableName)
        delete table bridge \(tableName)
        table bridge \(tableName) {
            chain forward {
                type filter hook forward priority filter; policy accept;
                ether type ip udp dport { 67, 68 } counter drop comment "DHCP crosses the node only through aether-relay"
            }
        }

        """
}

/// The subscriber-facing side of a BNG in the lab: the gateway addresses of its access nodes'
/// subnets on the aggregation interface, forwarding on, and proxy ARP within each subnet
/// (`proxy_arp_pvlan`), so that hosts on isolated access ports reach each other only through
/// the BNG, where every packet is counted and shaped. ICMP redirects are off: they would tell
/// a host to go around the BNG.
public struct SubscriberGateway: Sendable, Hashable {
    /// The BNG's namespace.
    public var namespace: NetworkNamespace
    /// The interface toward the aggregation segment.
    public var interface: String
    /// One gateway address per access-node subnet (e.g. 100.64.1.1/26).
    public var gateways: [IPv4InterfaceAddress]

    /// Describes a gateway side; `configure()` applies it.
    public init(namespace: NetworkNamespace, interface: String, gateways: [IPv4InterfaceAddress]) {
        self.namespace = namespace
        self.interface = interface
        self.gateways = gateways
    }

    /// Adds the addresses and sets the sysctls. Idempotent.
    public func configure() async throws {
        for gateway in gateways {
            try await namespace.addAddress(gateway, to: interface)
        }
        try await namespace.sysctl("net.ipv4.ip_forward=1")
        try await namespace.sysctl("net.ipv4.conf.all.send_redirects=0")
        try await namespace.sysctl("net.ipv4.conf.\(interface).send_redirects=0")
        try await namespace.sysctl("net.ipv4.conf.\(interface).proxy_arp_pvlan=1")
    }
}
