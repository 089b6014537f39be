import Metrics
import ServiceSupport

/// The swift-metrics a ``RADIUSClient`` reports, all labelled `client=<name>`:
///
/// | metric | labels | what |
/// |---|---|---|
/// | `aether_radius_client_requests_total` | `code` | requests submitted (`Access-Request`, `Accounting-Request`, …) |
/// | `aether_radius_client_responses_total` | `code` | verified replies (`Access-Accept`, `Accounting-Response`, …) |
/// | `aether_radius_client_datagrams_sent_total` | `purpose` | datagrams handed to the kernel: `request`, `retransmission`, `failover`, `status_server` |
/// | `aether_radius_client_datagrams_unsent_total` | | datagrams the kernel would not take (retransmission covers them) |
/// | `aether_radius_client_failures_total` | `reason` | requests that failed for good, by ``RADIUSError/Code`` (`requestTimedOut`, `clientShutDown`, …) |
/// | `aether_radius_client_replies_discarded_total` | `reason` | received datagrams dropped, by ``RADIUSError/Code`` (`badResponseAuthenticator`, `unknownSource`, …) |
/// | `aether_radius_client_server_state_changes_total` | `server`, `state` | a server marked `down` or `up` (RFC 5997 §4) |
/// | `aether_radius_client_server_alive` | `server` | 1 while the server takes requests, 0 while it is probed |
/// | `aether_radius_client_outstanding_requests` | | requests waiting for a reply or an identifier (gauge) |
/// | `aether_radius_client_response_seconds` | `code` | time from submission to the verified reply, per request code (timer) |
public struct RADIUSClientMetrics: Sendable {
    /// The `client` label value.
    public let client: String
    let requests: LabelledCounters<RADIUSCode>
    let responses: LabelledCounters<RADIUSCode>
    let datagrams: LabelledCounters<RADIUSClient.Machine.SendPurpose>
    let unsent: Counter
    let failures: LabelledCounters<RADIUSError.Code>
    let discarded: LabelledCounters<RADIUSError.Code>
    let serverDown: [Counter]
    let serverUp: [Counter]
    let serverAlive: [Gauge]
    let outstanding: Gauge
    let latency: [RADIUSCode: Metrics.Timer]

    static let requestCodes: [RADIUSCode] = [.accessRequest, .accountingRequest, .coaRequest, .disconnectRequest, .statusServer]
    static let responseCodes: [RADIUSCode] = [.accessAccept, .accessReject, .accessChallenge, .accountingResponse,
                                              .coaACK, .coaNAK, .disconnectACK, .disconnectNAK]

    /// Metrics for the client called `client` talking to `servers`, made by `factory`.
    public init(client: String, servers: [RADIUSServer], factory: any MetricsFactory = MetricsSystem.factory) {
        self.client = client
        let fixed = [("client", client)]
        requests = LabelledCounters(label: "aether_radius_client_requests_total", dimension: "code", keys: Self.requestCodes,
                                    value: \.description, fixed: fixed, other: "other", factory: factory)
        responses = LabelledCounters(label: "aether_radius_client_responses_total", dimension: "code", keys: Self.responseCodes,
                                     value: \.description, fixed: fixed, other: "other", factory: factory)
        datagrams = LabelledCounters(label: "aether_radius_client_datagrams_sent_total", dimension: "purpose", fixed: fixed, factory: factory)
        unsent = Counter(label: "aether_radius_client_datagrams_unsent_total", dimensions: fixed, factory: factory)
        failures = LabelledCounters(label: "aether_radius_client_failures_total", dimension: "reason", fixed: fixed, factory: factory)
        discarded = LabelledCounters(label: "aether_radius_client_replies_discarded_total", dimension: "reason", fixed: fixed, factory: factory)
        serverDown = servers.map {
            Counter(label: "aether_radius_client_server_state_changes_total", dimensions: fixed + [("server", $0.name), ("state", "down")], factory: factory)
        }
        serverUp = servers.map {
            Counter(label: "aether_radius_client_server_state_changes_total", dimensions: fixed + [("server", $0.name), ("state", "up")], factory: factory)
        }
        serverAlive = servers.map {
            Gauge(label: "aether_radius_client_server_alive", dimensions: fixed + [("server", $0.name)], factory: factory)
        }
        outstanding = Gauge(label: "aether_radius_client_outstanding_requests", dimensions: fixed, factory: factory)
        var latency: [RADIUSCode: Metrics.Timer] = [:]
        for code in Self.requestCodes {
            latency[code] = Metrics.Timer(label: "aether_radius_client_response_seconds", dimensions: fixed + [("code", code.description)],
                                          factory: factory)
        }
        self.latency = latency
        for gauge in serverAlive { gauge.record(1) }
    }
}
