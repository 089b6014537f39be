import Metrics

/// The swift-metrics a `Shaper` reports, with dimension `interface` (the subscriber interface);
/// its netlink requests are counted by the `RoutingNetlink`'s socket.
///
/// | Metric | Kind | What |
/// |---|---|---|
/// | `aether_netlink_shaped_subscribers` | gauge | subscribers shaped now |
/// | `aether_netlink_shaper_rolled_back_subscribers_total` | counter | subscribers `apply` undid because the kernel refused one of their objects |
/// | `aether_netlink_shaper_removed_orphans_total` | counter | half-made objects `start()` deleted |
struct ShaperMetrics: Sendable {
    let shapedSubscribers: Gauge
    let rolledBack: Counter
    let removedOrphans: Counter

    init(interface: String, factory: any MetricsFactory) {
        let dimensions = [("interface", interface)]
        shapedSubscribers = Gauge(label: "aether_netlink_shaped_subscribers", dimensions: dimensions, factory: factory)
        rolledBack = Counter(label: "aether_netlink_shaper_rolled_back_subscribers_total", dimensions: dimensions, factory: factory)
        removedOrphans = Counter(label: "aether_netlink_shaper_removed_orphans_total", dimensions: dimensions, factory: factory)
    }
}
