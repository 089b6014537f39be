import EventSourcing
import Foundation
import Hummingbird
import OSSKit

extension APIServer {
    func statsRoutes() -> [APIRoute] {
        [
            APIRoute(.get, "/api/stats", "getStats", "Totals for the dashboard's cards, with the 5-minute rolling average.", tag: "Stats",
                     response: .single("Stats")) { [self] _ in
                .data(try await statsCache.value(for: "stats") { [self] in try await stats() })
            },
            APIRoute(.get, "/api/stats/rolling-average", "getRollingAverage",
                     "Σ byte deltas over (now − window, now] × 8 / window, stopped sessions included.", tag: "Stats",
                     parameters: [.query("window_seconds", .integer(minimum: 10, maximum: 3600, default: 300), "Window length."),
                                  .query("bng_id", .string(), "Only this BNG's traffic.")],
                     response: .single("RollingAverage")) { [self] call in
                let window = Int(call.parameters.int("window_seconds") ?? 300)
                let bng = call.parameters.string("bng_id")
                return .data(try await query { connection in
                    let now = EventTimestamp.now
                    return RollingAverage(try OSSTraffic.rollingAverage(at: now, windowSeconds: window, bngID: bng, in: connection), at: now)
                })
            },
            APIRoute(.get, "/api/stats/traffic-series", "getTrafficSeries", "Aggregate traffic in buckets over a range ending now.", tag: "Stats",
                     parameters: [.query("range", .string(allowed: ["15m", "1h", "6h", "24h"], default: "1h"), "How far back."),
                                  .query("bucket_seconds", .integer(minimum: 1, maximum: 3600),
                                         "Bucket length (default 5/10/60/300 s for 15m/1h/6h/24h); beyond the per-second series' retention, a multiple of 60."),
                                  .query("bng_id", .string(), "Only this BNG's traffic.")],
                     response: .single("TrafficSeries")) { [self] call in
                .data(try await trafficSeries(call.parameters))
            },
        ]
    }

    func stats() async throws -> Stats {
        let timeout = settings.heartbeatTimeoutSeconds
        return try await query { connection in
            let row = try connection.preparedQuery("""
                SELECT (SELECT count(*) FROM sessions_active) AS active_sessions,
                       (SELECT count(*) FROM sessions_history) AS history_sessions,
                       (SELECT coalesce(sum(applied_through), 0) FROM event_sources) AS events_ingested,
                       (SELECT count(*) FROM access_routers r WHERE r.is_alive AND EXISTS (
                            SELECT 1 FROM bng_registry b WHERE b.bng_id = r.bng_id AND b.last_seen > now() - make_interval(secs => $1))) AS routers_online,
                       (SELECT count(*) FROM access_routers) AS routers_total,
                       (SELECT count(*) FROM bng_registry WHERE last_seen > now() - make_interval(secs => $1)) AS bngs_online,
                       (SELECT count(*) FROM bng_registry) AS bngs_total,
                       t.*
                FROM (SELECT coalesce(sum(bytes_up), 0) AS bytes_up, coalesce(sum(bytes_down), 0) AS bytes_down,
                             coalesce(sum(packets_up), 0) AS packets_up, coalesce(sum(packets_down), 0) AS packets_down FROM sessions_active) t
                """, bindings: [timeout])
            let now = EventTimestamp.now
            let average = try OSSTraffic.rollingAverage(at: now, windowSeconds: 300, in: connection)
            return Stats(activeSessions: try row.decode("active_sessions"), historySessions: try row.decode("history_sessions"),
                         eventsIngested: try row.decode("events_ingested"), accessNodesOnline: try row.decode("routers_online"),
                         accessNodesTotal: try row.decode("routers_total"), bngsOnline: try row.decode("bngs_online"),
                         bngsTotal: try row.decode("bngs_total"),
                         activeTraffic: .init(bytesUp: try row.decode("bytes_up"), bytesDown: try row.decode("bytes_down"),
                                              packetsUp: try row.decode("packets_up"), packetsDown: try row.decode("packets_down")),
                         rollingAverage: RollingAverage(average, at: now))
        }
    }

    func trafficSeries(_ p: APIParameters) async throws -> TrafficSeries {
        let range = p.string("range") ?? "1h"
        let span = TrafficSeries.ranges[range] ?? 3600
        var bucket = p.int("bucket_seconds") ?? TrafficSeries.defaultBuckets[range] ?? 10
        // The per-second series is kept an hour; longer ranges read the per-minute one.
        let perSecond = span <= 3600 && bucket < 60
        if !perSecond && bucket % 60 != 0 {
            throw APIError.invalidParameter("bucket_seconds: \(bucket) must be a multiple of 60 for range \(range)")
        }
        bucket = max(bucket, 1)
        let count = (span + bucket - 1) / bucket
        guard count <= 2000 else { throw APIError.invalidParameter("bucket_seconds: \(bucket) makes \(count) buckets; at most 2000") }
        let nowSeconds = EventTimestamp.now.microsecondsSinceEpoch / 1_000_000
        let end = (nowSeconds / bucket + 1) * bucket
        let start = end - count * bucket
        let table = perSecond ? "traffic_seconds" : "traffic_minutes"
        let column = perSecond ? "second" : "minute"
        let bng = p.string("bng_id")
        let size = bucket
        let sums = try await query { connection in
            var sums = [(Int64, Int64)](repeating: (0, 0), count: Int(count))
            for row in try connection.query("""
                SELECT floor((extract(epoch FROM \(column)) - $1) / $2)::bigint AS i, sum(bytes_up) AS up, sum(bytes_down) AS down FROM \(table)
                WHERE \(column) >= to_timestamp($1) AND \(column) < to_timestamp($3) AND ($4::text IS NULL OR bng_id = $4) GROUP BY 1
                """, bindings: [start, size, end, bng]).typedRows {
                let index: Int64 = try row.decode("i")
                if (0..<count).contains(index) { sums[Int(index)] = (try row.decode("up"), try row.decode("down")) }
            }
            return sums
        }
        let points = sums.enumerated().map { index, sum in
            let up = Double(sum.0) * 8 / Double(bucket), down = Double(sum.1) * 8 / Double(bucket)
            return TrafficSeries.Point(ts: APITimestamp(EventTimestamp(microsecondsSinceEpoch: (start + Int64(index) * bucket) * 1_000_000)),
                                       bytesUp: sum.0, bytesDown: sum.1, upBps: up, downBps: down, totalBps: up + down)
        }
        return TrafficSeries(range: range, bucketSeconds: bucket, bngID: bng, points: points)
    }

    func systemRoutes() -> [APIRoute] {
        [
            APIRoute(.get, "/health", "getHealth", "Whether the API, its database and RADIUS provisioning work.", tag: "System",
                     response: .ref("Health"), errors: [.serviceUnavailable]) { [self] _ in
                let database: String
                do {
                    _ = try await query { try $0.query("SELECT 1") }
                    database = "ok"
                } catch {
                    database = "unreachable"
                }
                let provisioningState: String
                if let provisioning {
                    let health = provisioning.health
                    provisioningState = health.ok ? "ok" : (health.lastSuccess == nil && health.error == nil ? "starting" : "failing")
                } else {
                    provisioningState = "disabled"
                }
                let health = Health(status: database == "ok" ? "ok" : "unavailable", database: database,
                                    radiusProvisioning: provisioningState, streamViewers: Int64(feed.viewers))
                let status: HTTPResponse.Status = database == "ok" ? .ok : .serviceUnavailable
                return APIReply(status: status, response: APIJSON.response(health, status: status))
            },
        ]
    }
}

/// `/health`.
public struct Health: Codable, Sendable, Hashable {
    public var status: String
    public var database: String
    public var radiusProvisioning: String
    public var streamViewers: Int64

    static let schema = JSONSchema.object("Health of the API process.", [
        "status": .string(allowed: ["ok", "unavailable"]), "database": .string(allowed: ["ok", "unreachable"]),
        "radius_provisioning": .string(allowed: ["ok", "starting", "failing", "disabled"]),
        "stream_viewers": .integer("Open /api/stream connections.", minimum: 0),
    ])

    enum CodingKeys: String, CodingKey {
        case status, database, radiusProvisioning = "radius_provisioning", streamViewers = "stream_viewers"
    }
}

extension EventTimestamp {
    /// The system clock.
    static var now: EventTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return EventTimestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }
}
