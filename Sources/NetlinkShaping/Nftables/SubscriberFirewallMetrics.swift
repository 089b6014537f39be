import Metrics

/// The swift-metrics a `SubscriberFirewall` reports, with dimension `table` (the nft table name).
///
/// | Metric | Kind | What |
/// |---|---|---|
/// | `aether_netlink_nft_counter_read_duration_seconds` | timer | one `counters()` call: the listing and its parsing |
/// | `aether_netlink_nft_command_failures_total` | counter | batches libnftables refused, by `operation` (`add`, `remove`, …) |
/// | `aether_netlink_nft_counted_subscribers` | gauge | addresses with counters now |
struct SubscriberFirewallMetrics: Sendable {
    /// What a failed batch was for: the `operation` dimension.
    enum Operation: String, CaseIterable, Sendable {
        case start, add, authorize, deauthorize, remove
        case readCounters = "read_counters"
        case tearDown = "tear_down"
    }

    let counterReadDuration: Metrics.Timer
    let countedSubscribers: Gauge
    private let failures: [Operation: Counter]

    init(table: String, factory: any MetricsFactory) {
        counterReadDuration = Metrics.Timer(label: "aether_netlink_nft_counter_read_duration_seconds", dimensions: [("table", table)],
                                            preferredDisplayUnit: .seconds, factory: factory)
        countedSubscribers = Gauge(label: "aether_netlink_nft_counted_subscribers", dimensions: [("table", table)], factory: factory)
        failures = Dictionary(uniqueKeysWithValues: Operation.allCases.map {
            ($0, Counter(label: "aether_netlink_nft_command_failures_total", dimensions: [("table", table), ("operation", $0.rawValue)],
                         factory: factory))
        })
    }

    /// Runs `body`, counting a libnftables refusal against `operation`.
    func counting<T>(_ operation: Operation, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NetlinkShapingError where error.code == .nftablesCommandFailed {
            failures[operation]?.increment()
            throw error
        }
    }
}
