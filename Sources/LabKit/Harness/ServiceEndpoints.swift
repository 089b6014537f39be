import EventSourcing

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
        public var controlAgentHost: String
        public var controlAgentPort: Int
        /// kea-dhcp4's own control socket (reachable from any namespace).
        public var controlSocket: String
        /// Subscriber subnets, one per relay (giaddr = `relayAddress`).
        public var subnets: [KeaSubnet]
    }

    public struct RADIUS: Hashable, Sendable, Codable {
        /// FreeRADIUS address in the services namespace.
        public var address: String
        public var authenticationPort: Int
        public var accountingPort: Int
        /// Shared secret for every client on the services network and for 127.0.0.1.
        public var secret: String
        /// Networks (CIDR) FreeRADIUS accepts clients from.
        public var clientNetworks: [String]
    }

    public var profile: String
    public var stateDirectory: String
    public var servicesNamespace: NetworkNamespace
    public var servicesBridge: String
    public var servicesAddress: String
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
    public var id: Int
    /// CIDR, e.g. "100.64.3.0/24".
    public var prefix: String
    /// The relay address (giaddr) that selects this subnet; also the clients' router.
    public var relayAddress: String
    public var poolStart: String
    public var poolEnd: String
}
