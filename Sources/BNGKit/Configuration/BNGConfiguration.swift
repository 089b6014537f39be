import DHCPKit
import Foundation
import ServiceSupport
import NetworkTypes
import RadiusKit

/// `aether-bng`'s configuration file (YAML). Every key but the identity, the subscriber side,
/// the DHCP servers and RADIUS has a default; see Docs/bng.md for the reference.
///
/// Secrets never sit in this file unless you insist: each `secret`/`password` can be given as
/// `{ file: PATH }` (the file's contents) or `{ env: NAME }` (an environment variable).
public struct BNGConfiguration: Hashable, Sendable, Codable {
    /// Who the BNG is.
    public struct Identity: Hashable, Sendable, Codable {
        /// The BNG id (`bng-01`): relay-id, `{bng}`, event source.
        public var id: String
        /// NAS-IP-Address and the management address.
        public var nasIP: IPv4Address
        /// NAS-Identifier (default the id).
        public var nasIdentifier: String?
        /// Where the store and the control socket live.
        public var stateDirectory: String

        enum CodingKeys: String, CodingKey {
            case id, nasIP = "nas_ip", nasIdentifier = "nas_identifier", stateDirectory = "state_dir"
        }
    }

    /// One access node behind the subscriber side.
    public struct AccessNode: Hashable, Sendable, Codable {
        /// Its remote-id (Option 82 sub-option 2).
        public var remoteID: String
        /// Its subscribers' gateway: giaddr, server identifier, and the address the BNG holds.
        public var gateway: IPv4InterfaceAddress

        enum CodingKeys: String, CodingKey { case remoteID = "remote_id", gateway }
    }

    /// The subscriber side.
    public struct SubscriberSide: Hashable, Sendable, Codable {
        /// The interface toward the aggregation segment.
        public var interface: String
        /// Whether Option 82 from it is trusted (access nodes stamp it; default `trusted`).
        public var trust: GatewayRelayAgent.Trust?
        /// The access nodes and their gateways.
        public var accessNodes: [AccessNode]
        /// Gateway for access nodes not listed (default: the first listed).
        public var defaultGateway: IPv4Address?
        /// Most client MACs per circuit (default 4).
        public var maximumClientsPerCircuit: Int?
        /// DHCP requests per second per circuit (default 10), bursts of `dhcpBurst` (default 20).
        public var dhcpRequestsPerSecond: Double?
        /// See ``dhcpRequestsPerSecond``.
        public var dhcpBurst: Int?

        enum CodingKeys: String, CodingKey {
            case interface, trust, accessNodes = "access_nodes", defaultGateway = "default_gateway"
            case maximumClientsPerCircuit = "max_clients_per_circuit", dhcpRequestsPerSecond = "dhcp_requests_per_second"
            case dhcpBurst = "dhcp_burst"
        }
    }

    /// The DHCP servers.
    public struct DHCP: Hashable, Sendable, Codable {
        /// Kea (or any DHCPv4 server) addresses.
        public var servers: [IPv4Address]
        /// The interface toward them (replies are accepted only there); default any.
        public var serverInterface: String?

        enum CodingKeys: String, CodingKey { case servers, serverInterface = "server_interface" }
    }

    /// A RADIUS server.
    public struct RADIUSServerEntry: Hashable, Sendable, Codable {
        /// Its address.
        public var address: IPv4Address
        /// Its port.
        public var port: UInt16
    }

    /// RADIUS.
    public struct RADIUS: Hashable, Sendable, Codable {
        /// Access-Request servers, in order of preference.
        public var authentication: [RADIUSServerEntry]
        /// Accounting servers, in order of preference.
        public var accounting: [RADIUSServerEntry]
        /// The shared secret (prefer `{ file: PATH }` or `{ env: NAME }`).
        public var secret: Secret
        /// The PAP password of every Access-Request (per-service passwords are the server's business).
        public var password: Secret?
        /// User-Name template (default `{bng}/{remote_id}/{circuit_id}`).
        public var userNameFormat: RADIUSUserNameFormat?
        /// Wait before the first retransmission, seconds (default 3).
        public var timeout: Double?
        /// Sends per server before failing over (default 3).
        public var attempts: Int?

        enum CodingKeys: String, CodingKey {
            case authentication, accounting, secret, password, userNameFormat = "user_name_format", timeout, attempts
        }
    }

    /// Who may send Disconnect/CoA.
    public struct CoAClient: Hashable, Sendable, Codable {
        /// Source addresses allowed.
        public var network: IPv4Network
        /// Their shared secret.
        public var secret: Secret
    }

    /// The Disconnect/CoA listener (management side only).
    public struct CoA: Hashable, Sendable, Codable {
        /// Port on the NAS address (default 3799).
        public var port: UInt16?
        /// Allowed clients.
        public var clients: [CoAClient]
    }

    /// Redis, where events go.
    public struct Redis: Hashable, Sendable, Codable {
        /// A Unix socket path (reachable from any namespace).
        public var socket: String?
        /// Or an address and port.
        public var address: IPv4Address?
        /// See ``address``.
        public var port: UInt16?
        /// The password, if Redis wants one.
        public var password: Secret?
        /// The stream (default `bng_events`).
        public var stream: String?
        /// The consumer groups every event must reach (default `[oss]`, the OSS ingestors' group):
        /// the outbox keeps each event until all of them have committed it, and the stream is
        /// trimmed only below what all of them have committed. An empty list trusts the stream
        /// and trims by ``maximumLength`` instead.
        public var consumerGroups: [String]?
        /// With no consumer groups: trim the stream to about this many entries (default 1,000,000).
        public var maximumLength: Int?

        enum CodingKeys: String, CodingKey {
            case socket, address, port, password, stream, consumerGroups = "consumer_groups", maximumLength = "max_length"
        }
    }

    /// Kea's control channel, for reconciliation.
    public struct Kea: Hashable, Sendable, Codable {
        /// kea-dhcp4's control socket (crosses namespaces).
        public var socket: String?
        /// Or the control agent, `address:port` reachable from the BNG.
        public var controlAgent: String?
        /// Seconds between reconciliations (default 60; 0 only at start).
        public var reconcileInterval: Double?

        enum CodingKeys: String, CodingKey { case socket, controlAgent = "control_agent", reconcileInterval = "reconcile_interval" }
    }

    /// Shaping.
    public struct Shaping: Hashable, Sendable, Codable {
        /// `false` counts and authorizes but does not shape (default `true`).
        public var enabled: Bool?
        /// Upload is shaped on this IFB (default `ifb-<id>`), made if missing…
        public var ifb: String?
        /// …or on this interface's egress instead.
        public var uploadInterface: String?
        /// Capacity of the subscriber side, Mbit/s (default 10,000).
        public var totalMbps: UInt64?

        enum CodingKeys: String, CodingKey { case enabled, ifb, uploadInterface = "upload_interface", totalMbps = "total_mbps" }
    }

    /// Timers, seconds.
    public struct Timers: Hashable, Sendable, Codable {
        /// Interim interval when RADIUS names none (default 30).
        public var interimInterval: Double?
        /// Idle timeout when RADIUS names none (default 600; 0 turns it off).
        public var idleTimeout: Double?
        /// Counter readings (default 10).
        public var countersInterval: Double?
        /// BNG_HEALTH_UPDATE (default 5).
        public var healthInterval: Double?
        /// Grace after a lease ran out (default 5).
        public var leaseGrace: Double?
        /// Tombstone lifetime (default 600).
        public var tombstoneLifetime: Double?
        /// Access nodes go stale after (default 180).
        public var accessNodeStaleAfter: Double?
        /// First wait before asking RADIUS again when it did not answer (default 2), doubling…
        public var authRetryInitial: Double?
        /// …up to (default 60).
        public var authRetryMaximum: Double?
        /// First wait before asking again after an Access-Reject (default 10), doubling…
        public var rejectRetryInitial: Double?
        /// …up to (default 300).
        public var rejectRetryMaximum: Double?

        enum CodingKeys: String, CodingKey {
            case interimInterval = "interim_interval", idleTimeout = "idle_timeout", countersInterval = "counters_interval"
            case healthInterval = "health_interval", leaseGrace = "lease_grace", tombstoneLifetime = "tombstone_lifetime"
            case accessNodeStaleAfter = "access_node_stale_after"
            case authRetryInitial = "auth_retry_initial", authRetryMaximum = "auth_retry_maximum"
            case rejectRetryInitial = "reject_retry_initial", rejectRetryMaximum = "reject_retry_maximum"
        }
    }

    /// A named rate profile, for Filter-Id.
    public struct Profile: Hashable, Sendable, Codable {
        public var downloadKbps: UInt32
        public var uploadKbps: UInt32
        public var downloadBurstKbit: UInt32?
        public var uploadBurstKbit: UInt32?

        enum CodingKeys: String, CodingKey {
            case downloadKbps = "download_kbps", uploadKbps = "upload_kbps"
            case downloadBurstKbit = "download_burst_kbit", uploadBurstKbit = "upload_burst_kbit"
        }

        /// As RADIUS rates.
        public var rates: RADIUSRateLimits {
            RADIUSRateLimits(downloadKbps: downloadKbps, uploadKbps: uploadKbps, downloadBurstKbit: downloadBurstKbit, uploadBurstKbit: uploadBurstKbit)
        }
    }

    /// The management side.
    public struct Management: Hashable, Sendable, Codable {
        /// Prometheus `/metrics`, `address:port` (default `<nas_ip>:9103`; `""` turns it off).
        public var metrics: String?
        /// The operator's control socket (default `<state_dir>/control.sock`).
        public var controlSocket: String?
        /// Interfaces CoA and metrics answer on, besides `lo` (default: `dhcp.server_interface`).
        public var interfaces: [String]?

        enum CodingKeys: String, CodingKey { case metrics, controlSocket = "control_socket", interfaces }
    }

    public var bng: Identity
    public var subscribers: SubscriberSide
    public var dhcp: DHCP
    public var radius: RADIUS
    public var coa: CoA?
    public var redis: Redis?
    public var kea: Kea?
    public var shaping: Shaping?
    public var timers: Timers?
    public var profiles: [String: Profile]?
    public var management: Management?
}

/// A secret: inline, `{file: path}` or `{env: NAME}` (ServiceSupport's, shared by every daemon's configuration).
public typealias Secret = ServiceSupport.Secret
