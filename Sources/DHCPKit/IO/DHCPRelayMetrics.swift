import Metrics
import ServiceSupport

/// The swift-metrics a relay service reports, all labelled `relay=<name>`:
///
/// | metric | labels | what |
/// |---|---|---|
/// | `aether_dhcp_relay_received_total` | `side` | DHCP frames/datagrams parsed, per side (`client`, `uplink`, `server`) |
/// | `aether_dhcp_relay_forwarded_total` | `path` | messages sent (`to_server`, `to_client`, `to_uplink`, `to_port`) |
/// | `aether_dhcp_relay_dropped_total` | `reason` | messages dropped, by ``RelayDropReason`` |
/// | `aether_dhcp_relay_malformed_total` | `code` | undecodable frames (also counted as `dropped{reason="malformed"}`), by ``DHCPKitError/Code`` |
/// | `aether_dhcp_relay_errors_total` | `operation` | failed `receive` / `send` system calls |
/// | `aether_dhcp_relay_learned_clients` | | clients in the learned table (gauge) |
/// | `aether_dhcp_relay_processing_seconds` | | time from a message's arrival to its last send (timer) |
///
/// Exporters (Prometheus) belong to executables; inject a factory in tests (`TestMetrics`).
public struct DHCPRelayMetrics: Sendable {
    /// Where a relay received a message.
    public enum Side: String, Hashable, Sendable, CaseIterable {
        /// From a subscriber (a client port or subscriber-side interface).
        case client
        /// From the access node's uplink (replies coming down).
        case uplink
        /// From a DHCP server.
        case server
    }

    /// Where a relay sent a message.
    public enum Path: String, Hashable, Sendable, CaseIterable {
        /// To a DHCP server.
        case toServer = "to_server"
        /// To a client (gateway relay).
        case toClient = "to_client"
        /// Up the access node's uplink.
        case toUplink = "to_uplink"
        /// Down one subscriber port of an access node.
        case toPort = "to_port"
    }

    /// A failed system call.
    public enum Operation: String, Hashable, Sendable, CaseIterable {
        /// `recv`/`recvfrom`.
        case receive
        /// `send`/`sendto`.
        case send
    }

    /// The `relay` label value.
    public let relay: String
    let received: LabelledCounters<Side>
    let forwarded: LabelledCounters<Path>
    let dropped: LabelledCounters<RelayDropReason>
    let malformed: LabelledCounters<DHCPKitError.Code>
    let errors: LabelledCounters<Operation>
    let learnedClients: Gauge
    let processing: Metrics.Timer

    /// Metrics for the relay called `relay` (its remote-id or BNG id), made by `factory`.
    public init(relay: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.relay = relay
        let fixed = [("relay", relay)]
        received = LabelledCounters(label: "aether_dhcp_relay_received_total", dimension: "side", fixed: fixed, factory: factory)
        forwarded = LabelledCounters(label: "aether_dhcp_relay_forwarded_total", dimension: "path", fixed: fixed, factory: factory)
        dropped = LabelledCounters(label: "aether_dhcp_relay_dropped_total", dimension: "reason", fixed: fixed, factory: factory)
        malformed = LabelledCounters(label: "aether_dhcp_relay_malformed_total", dimension: "code", fixed: fixed, factory: factory)
        errors = LabelledCounters(label: "aether_dhcp_relay_errors_total", dimension: "operation", fixed: fixed, factory: factory)
        learnedClients = Gauge(label: "aether_dhcp_relay_learned_clients", dimensions: fixed, factory: factory)
        processing = Metrics.Timer(label: "aether_dhcp_relay_processing_seconds", dimensions: fixed, factory: factory)
    }

    func malformed(_ code: DHCPKitError.Code) {
        dropped.increment(.malformed)
        malformed.increment(code)
    }
}
