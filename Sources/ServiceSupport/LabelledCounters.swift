import Metrics

/// One swift-metrics counter per value of a label (a drop reason, an error code), created up
/// front so the hot path only increments: `aether_dhcp_relay_dropped_total{reason="unknownClient"}`.
public struct LabelledCounters<Key: Hashable & Sendable>: Sendable {
    private let counters: [Key: Counter]
    private let fallback: Counter?

    /// Counters named `label` with the dimensions `fixed` plus `dimension` = `value(key)` for
    /// every key in `keys`; `other`, when given, is the label value for keys not listed.
    public init(label: String, dimension: String, keys: some Sequence<Key>, value: (Key) -> String,
                fixed: [(String, String)] = [], other: String? = nil, factory: any MetricsFactory) {
        var counters: [Key: Counter] = [:]
        for key in keys {
            counters[key] = Counter(label: label, dimensions: fixed + [(dimension, value(key))], factory: factory)
        }
        self.counters = counters
        fallback = other.map { Counter(label: label, dimensions: fixed + [(dimension, $0)], factory: factory) }
    }

    /// Adds `amount` to the counter of `key` (or to the `other` counter).
    public func increment(_ key: Key, by amount: Int = 1) {
        (counters[key] ?? fallback)?.increment(by: Int64(amount))
    }
}

extension LabelledCounters where Key: CaseIterable & RawRepresentable, Key.RawValue == String {
    /// One counter per case, labelled with its raw value.
    public init(label: String, dimension: String, fixed: [(String, String)] = [], factory: any MetricsFactory) {
        self.init(label: label, dimension: dimension, keys: Key.allCases, value: \.rawValue, fixed: fixed, factory: factory)
    }
}
