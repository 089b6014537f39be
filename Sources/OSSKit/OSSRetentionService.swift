import EventSourcing
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import ServiceSupport

/// Prunes the OSS series every `interval` (``OSSRetention/prune(now:in:)``), on a thread of its
/// own; a failed run is logged, counted and retried at the next interval.
public struct OSSRetentionService: Service {
    public let retention: OSSRetention
    public let interval: Duration
    private let pool: PostgresPool
    private let logger: Logger
    private let control = RunControl()
    private let runs = Counter(label: "aether_oss_retention_runs_total")
    private let failures = Counter(label: "aether_oss_retention_failures_total")
    private let pruned = Counter(label: "aether_oss_retention_pruned_rows_total")

    /// A service pruning through `pool`.
    public init(retention: OSSRetention, interval: Duration, pool: PostgresPool, logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.pool = pool
        self.logger = logger
    }

    public func run() async throws {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        try await BlockingService.run(name: "oss-retention", stop: { [control] in control.stop() }) { [self] in
            repeat {
                do {
                    let now = EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000))
                    let result = try pool.withConnection { try retention.prune(now: now, in: $0) }
                    runs.increment()
                    let rows = result.trafficSeconds + result.trafficMinutes + result.healthRows + result.updateEvents + result.healthEvents
                    pruned.increment(by: rows)
                    if rows > 0 { logger.debug("pruned", metadata: ["rows": "\(rows)"]) }
                } catch {
                    failures.increment()
                    logger.warning("retention run failed", metadata: ["error": "\(error)"])
                }
            } while control.sleep(seconds: seconds)
        }
    }
}
