import EventSourcing
import Foundation

/// How long the OSS keeps its time series and the events they are built from, defined so that a
/// replay of the pruned `session_events` still rebuilds exactly the tables the live ingest has.
///
/// | Kept for | Read model pruned | Events pruned from `session_events` |
/// |---|---|---|
/// | `trafficSeconds` (1 h) | `traffic_seconds` | — |
/// | `sessionUpdates` (7 d) | `traffic_minutes` | SESSION_UPDATE, except each session's last one before the horizon |
/// | `healthEvents` (7 d) | `bng_health_events` | BNG_HEALTH_UPDATE, except each BNG's first and last |
///
/// Only events already projected are pruned: one held behind a sequence gap stays until the gap
/// closes and it has been applied.
///
/// Why replay still agrees: a series' horizon is recorded in `oss_retention` and the projection
/// never writes a bucket or row older than it, live or in a replay; the kept last update before
/// the horizon is the base the next update's byte delta is measured from; a BNG's first health
/// event keeps `bng_registry.first_seen`, its last one the latest figures. Sessions, their starts,
/// policies and stops are never pruned (`sessions_history` is the record). A BNG whose clock
/// steps backwards across a horizon, or a redelivery of an event older than the horizon, can
/// make a replay differ in buckets around the horizon; neither is reachable while the Redis
/// stream is trimmed far below a horizon.
public struct OSSRetention: Hashable, Sendable {
    /// The series with a retention horizon (their `oss_retention.series`).
    public enum Series: String, CaseIterable, Sendable {
        case trafficSeconds = "traffic_seconds"
        case trafficMinutes = "traffic_minutes"
        case healthEvents = "bng_health_events"
    }

    /// Each series' horizon in microseconds since the epoch; nothing older is written.
    public struct Horizons: Hashable, Sendable {
        public var microseconds: [Series: Int64]

        /// Horizons (`nil` or absent: the series is not pruned).
        public init(_ microseconds: [Series: Int64] = [:]) {
            self.microseconds = microseconds
        }

        /// Whether a row of `series` at `at` (µs) is inside the retention window.
        public func allows(_ series: Series, _ at: Int64) -> Bool {
            at >= microseconds[series, default: .min]
        }
    }

    /// What one `prune` removed.
    public struct Pruned: Hashable, Sendable {
        public var trafficSeconds = 0
        public var trafficMinutes = 0
        public var healthRows = 0
        public var updateEvents = 0
        public var healthEvents = 0

        /// Nothing pruned.
        public init() {}
    }

    /// `traffic_seconds` rows (the 5-minute rolling average needs 5 minutes).
    public var trafficSeconds: Duration
    /// SESSION_UPDATE events and the `traffic_minutes` built from them (the 24 h series needs a day).
    public var sessionUpdates: Duration
    /// BNG_HEALTH_UPDATE events and `bng_health_events`.
    public var healthEvents: Duration

    /// The shortest windows the API's reads need.
    public static let minimums: (trafficSeconds: Duration, sessionUpdates: Duration, healthEvents: Duration) =
        (.seconds(600), .seconds(25 * 3600), .seconds(3600))

    /// Retention; throws `invalidConfiguration` for a window shorter than ``minimums``.
    public init(trafficSeconds: Duration = .seconds(3600), sessionUpdates: Duration = .seconds(7 * 86_400),
                healthEvents: Duration = .seconds(7 * 86_400)) throws {
        for (name, value, minimum) in [("traffic_seconds", trafficSeconds, Self.minimums.trafficSeconds),
                                       ("session_updates", sessionUpdates, Self.minimums.sessionUpdates),
                                       ("health_events", healthEvents, Self.minimums.healthEvents)] where value < minimum {
            throw EventSourcingError(.invalidConfiguration, "retention.\(name) is \(value), shorter than the \(minimum) the API reads")
        }
        self.trafficSeconds = trafficSeconds
        self.sessionUpdates = sessionUpdates
        self.healthEvents = healthEvents
    }

    /// The recorded horizons, share-locked until the transaction ends so a concurrent `prune`
    /// waits for this batch (and the next batch waits for the prune).
    static func horizonsLockedForWriting(_ connection: PostgresConnection) throws -> Horizons {
        var horizons = Horizons()
        for row in try connection.query("""
            SELECT series, CASE WHEN isfinite(horizon) THEN (extract(epoch FROM horizon) * 1000000)::bigint END AS horizon
            FROM oss_retention ORDER BY series FOR SHARE
            """).typedRows {
            if let series = Series(rawValue: try row.decode("series")), let value: Int64 = try row.decodeIfPresent("horizon") {
                horizons.microseconds[series] = value
            }
        }
        return horizons
    }

    /// The recorded horizons.
    public static func horizons(_ connection: PostgresConnection) throws -> Horizons {
        try connection.transaction { try horizonsLockedForWriting($0) }
    }

    /// Moves every horizon to `now` minus its window (never back) and deletes what fell behind,
    /// in one transaction.
    @discardableResult
    public func prune(now: EventTimestamp, in connection: PostgresConnection) throws -> Pruned {
        func horizon(_ window: Duration) -> EventTimestamp {
            let (seconds, attoseconds) = window.components
            return EventTimestamp(rawValue: now.rawValue - seconds * 1_000_000 - attoseconds / 1_000_000_000_000)
        }
        return try connection.transaction { tx in
            for (series, window) in [(Series.trafficSeconds, trafficSeconds), (.trafficMinutes, sessionUpdates), (.healthEvents, healthEvents)] {
                _ = try tx.query("UPDATE oss_retention SET horizon = greatest(horizon, $2::timestamptz) WHERE series = $1",
                                 bindings: [series.rawValue, horizon(window)])
            }
            let recorded = try Self.horizonsLockedForWriting(tx)
            func at(_ series: Series) -> String { recorded.microseconds[series].map { EventTimestamp(rawValue: $0).postgresText } ?? "-infinity" }
            var pruned = Pruned()
            pruned.trafficSeconds = try tx.query("DELETE FROM traffic_seconds WHERE second < $1::timestamptz", bindings: [at(.trafficSeconds)]).affectedRows
            pruned.trafficMinutes = try tx.query("DELETE FROM traffic_minutes WHERE minute < $1::timestamptz", bindings: [at(.trafficMinutes)]).affectedRows
            pruned.healthRows = try tx.query("DELETE FROM bng_health_events WHERE ts < $1::timestamptz", bindings: [at(.healthEvents)]).affectedRows
            pruned.updateEvents = try tx.query("""
                DELETE FROM session_events e USING event_sources source
                WHERE e.event_type = 'SESSION_UPDATE' AND e.ts < $1::timestamptz
                  AND source.bng_id = e.bng_id AND source.bng_instance_id = e.bng_instance_id
                  AND EXISTS (SELECT 1 FROM session_events later
                              WHERE later.session_id = e.session_id AND later.bng_id = e.bng_id AND later.bng_instance_id = e.bng_instance_id
                                AND later.event_type IN ('SESSION_UPDATE', 'SESSION_STOP') AND later.seq > e.seq
                                AND later.seq <= source.applied_through AND later.ts < $1::timestamptz)
                """, bindings: [at(.trafficMinutes)]).affectedRows
            pruned.healthEvents = try tx.query("""
                DELETE FROM session_events e USING event_sources source
                WHERE e.event_type = 'BNG_HEALTH_UPDATE' AND e.ts < $1::timestamptz
                  AND source.bng_id = e.bng_id AND source.bng_instance_id = e.bng_instance_id AND e.seq <= source.applied_through
                  AND EXISTS (SELECT 1 FROM session_events o WHERE o.event_type = 'BNG_HEALTH_UPDATE' AND o.bng_id = e.bng_id AND o.ts < e.ts)
                  AND EXISTS (SELECT 1 FROM session_events o WHERE o.event_type = 'BNG_HEALTH_UPDATE' AND o.bng_id = e.bng_id AND o.ts > e.ts)
                """, bindings: [at(.healthEvents)]).affectedRows
            return pruned
        }
    }
}
