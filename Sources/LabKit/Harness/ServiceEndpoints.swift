import EventSourcing
import KeaControl
import NetworkTypes

/// How to reach every service a running harness provides: what tests, the lab and tools read.
///
/// Written to `<state>/endpoints.json` (mode 0600, it holds the generated passwords).
public struct ServiceEndpoints: Hashable, Sendable, Codable {
    public struct Postgres: Hashable, Sendable, Codable {
        /// Directory holding the Unix socket; pass it as libpq's `host`.
        public var socketDirectory: String
        public var port: Int
        /// Superuser, for administration and test assertions.
        public var superuser: PostgresConnectionInfo
        /// Owner of the `oss` database.
        public var oss: PostgresConnectionInfo
        /// Owner of the `kea` database (Kea's lease store).
        public var kea: PostgresConnectionInfo
        /// Owner of the `radius` database (FreeRADIUS schema).
        public var radius: PostgresConnectionInfo
    }

    public struct Kea: Hashable, Sendable, Codable {
        /// Kea control agent, `http://127.0.0.1:<port>/` in the root namespace.
        public var controlAgentHost: IPv4Address
        public var controlAgentPort: UInt16
        /// kea-dhcp4's own control socket (reachable from any namespace).
        public var controlSocket: String
        /// Subscriber subnets, one per relay (giaddr = `relayAddress`).
        public var subnets: [KeaSubnet]

        /// A client for the control agent (root namespace).
        public var controlAgent: KeaControlClient {
            KeaControlClient(.controlAgent(host: controlAgentHost, port: controlAgentPort))
        }
    }

    public struct RADIUS: Hashable, Sendable, Codable {
        /// FreeRADIUS address in the services namespace.
        public var address: IPv4Address
        public var authenticationPort: Int
        public var accountingPort: Int
        /// Shared secret for every client on the services network and for 127.0.0.1.
        public var secret: String
        /// Networks FreeRADIUS accepts clients from.
        public var clientNetworks: [IPv4Network]
    }

    public var profile: String
    public var stateDirectory: String
    public var servicesNamespace: NetworkNamespace
    public var servicesBridge: String
    public var servicesAddress: IPv4Address
    public var servicesPrefixLength: Int
    public var postgres: Postgres
    /// Unix socket endpoint, reachable from every namespace.
    public var redis: RedisEndpoint
    /// TCP endpoint on 127.0.0.1, root namespace only.
    public var redisTCP: RedisEndpoint
    public var kea: Kea
    public var radius: RADIUS
}

/// One Kea subnet as the harness configured it.
public struct KeaSubnet: Hashable, Sendable, Codable {
    /// Kea's `subnet-id`.
    public var id: Int
    /// The subnet, e.g. 100.64.3.0/24.
    public var prefix: IPv4Network
    /// The relay address (giaddr) that selects this subnet; also the clients' router.
    public var relayAddress: IPv4Address
    /// First and last address Kea hands out.
    public var poolStart: IPv4Address
    public var poolEnd: IPv4Address
    /// Lease lifetime, seconds; Kea's renew timer (T1) is a quarter of it for normal subnets
    /// and a sixth for short-lease ones, the rebind timer (T2) half of it.
    public var validLifetime: Int
    /// T1, seconds.
    public var renewTimer: Int
    /// T2, seconds.
    public var rebindTimer: Int
    /// DNS servers handed to clients (option 6); none when `nil`.
    public var dnsServers: [IPv4Address]? = nil

    /// The relay address with the subnet's prefix length, as a gateway interface holds it.
    public var gateway: IPv4InterfaceAddress { IPv4InterfaceAddress(relayAddress, prefixLength: prefix.prefixLength) }
}
