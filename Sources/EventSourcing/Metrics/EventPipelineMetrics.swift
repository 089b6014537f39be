import Metrics
import ServiceSupport

/// The swift-metrics of the event pipeline's producer side (outbox and publisher), labelled
/// `bng=<id>`:
///
/// | metric | labels | what |
/// |---|---|---|
/// | `aether_events_appended_total` | | events numbered and committed to the outbox |
/// | `aether_events_append_seconds` | | one append transaction (timer) |
/// | `aether_events_published_total` | | events the stream accepted |
/// | `aether_events_publish_failures_total` | | publish attempts that failed (stream down); retried with back-off |
/// | `aether_events_publish_seconds` | | one publish batch (timer) |
/// | `aether_events_outbox_backlog` | | events appended but not yet published (gauge) |
/// | `aether_events_outbox_uncommitted` | | events kept until every consumer group the stream waits for has committed them (gauge) |
/// | `aether_events_republished_total` | | events published again because the stream lost them (Redis restarted without its last writes) |
public struct EventProducerMetrics: Sendable {
    /// The `bng` label value.
    public let bng: String
    let appended: Counter
    let appendDuration: Metrics.Timer
    let published: Counter
    let publishFailures: Counter
    let publishDuration: Metrics.Timer
    let backlog: Gauge
    let uncommitted: Gauge
    let republished: Counter

    /// Metrics for the BNG `bng`, made by `factory`.
    public init(bng: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.bng = bng
        let fixed = [("bng", bng)]
        appended = Counter(label: "aether_events_appended_total", dimensions: fixed, factory: factory)
        appendDuration = Metrics.Timer(label: "aether_events_append_seconds", dimensions: fixed, factory: factory)
        published = Counter(label: "aether_events_published_total", dimensions: fixed, factory: factory)
        publishFailures = Counter(label: "aether_events_publish_failures_total", dimensions: fixed, factory: factory)
        publishDuration = Metrics.Timer(label: "aether_events_publish_seconds", dimensions: fixed, factory: factory)
        backlog = Gauge(label: "aether_events_outbox_backlog", dimensions: fixed, factory: factory)
        uncommitted = Gauge(label: "aether_events_outbox_uncommitted", dimensions: fixed, factory: factory)
        republished = Counter(label: "aether_events_republished_total", dimensions: fixed, factory: factory)
    }
}

/// The swift-metrics of the consumer side (an ingestor), labelled `consumer=<name>`:
///
/// | metric | labels | what |
/// |---|---|---|
/// | `aether_events_ingested_total` | `outcome` | messages handled: `stored` (new), `duplicate` (already stored), `dead_lettered` (undecodable) |
/// | `aether_events_applied_total` | | events handed to the projections (held ones once their gap closed) |
/// | `aether_events_held_total` | | new events held behind a sequence gap |
/// | `aether_events_claimed_total` | | pending messages taken over from idle consumers (XAUTOCLAIM) |
/// | `aether_events_ingest_failures_total` | | steps that failed (PostgreSQL or Redis down); retried with back-off |
/// | `aether_events_ingest_batch_seconds` | | decode, store, project and acknowledge one batch (timer) |
public struct EventConsumerMetrics: Sendable {
    /// What happened to one consumed message.
    public enum Outcome: String, Hashable, Sendable, CaseIterable {
        /// Stored for the first time.
        case stored
        /// Already stored: a redelivery.
        case duplicate
        /// Could not be decoded; moved to the dead-letter stream.
        case deadLettered = "dead_lettered"
    }

    /// The `consumer` label value.
    public let consumer: String
    let ingested: LabelledCounters<Outcome>
    let applied: Counter
    let held: Counter
    let claimed: Counter
    let failures: Counter
    let batchDuration: Metrics.Timer

    /// Metrics for the consumer `consumer`, made by `factory`.
    public init(consumer: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.consumer = consumer
        let fixed = [("consumer", consumer)]
        ingested = LabelledCounters(label: "aether_events_ingested_total", dimension: "outcome", fixed: fixed, factory: factory)
        applied = Counter(label: "aether_events_applied_total", dimensions: fixed, factory: factory)
        held = Counter(label: "aether_events_held_total", dimensions: fixed, factory: factory)
        claimed = Counter(label: "aether_events_claimed_total", dimensions: fixed, factory: factory)
        failures = Counter(label: "aether_events_ingest_failures_total", dimensions: fixed, factory: factory)
        batchDuration = Metrics.Timer(label: "aether_events_ingest_batch_seconds", dimensions: fixed, factory: factory)
    }
}
