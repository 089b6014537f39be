import EventSourcing
import Foundation

/// Reads of the traffic roll-ups the projection maintains at ingest.
public enum OSSTraffic {
    /// A rolling average over a window that ends now.
    public struct RollingAverage: Hashable, Sendable, Codable {
        /// Bytes counted in the window.
        public var bytesUp: Int64
        public var bytesDown: Int64
        /// The window's length in seconds.
        public var windowSeconds: Int
        /// `bytes × 8 / windowSeconds`.
        public var upBitsPerSecond: Double { Double(bytesUp) * 8 / Double(windowSeconds) }
        public var downBitsPerSecond: Double { Double(bytesDown) * 8 / Double(windowSeconds) }
    }

    /// Σ of the byte deltas of every SESSION_UPDATE and SESSION_STOP in (now − window, now],
    /// × 8 / window: a true rolling average that sessions ending in the window still count in.
    /// It reads `windowSeconds + 1` one-second buckets; the oldest may hold up to a second from
    /// before the window, so the figure is exact to within one second's traffic of the window's.
    public static func rollingAverage(at now: EventTimestamp, windowSeconds: Int = 300, bngID: String? = nil,
                                      in connection: PostgresConnection) throws -> RollingAverage {
        let end = EventTimestamp(rawValue: now.rawValue)
        let start = EventTimestamp(rawValue: now.rawValue - Int64(windowSeconds + 1) * 1_000_000)
        let row = try connection.query("""
            SELECT coalesce(sum(bytes_up), 0) AS up, coalesce(sum(bytes_down), 0) AS down FROM traffic_seconds
            WHERE second > $1::timestamptz AND second <= $2::timestamptz AND ($3::text IS NULL OR bng_id = $3)
            """, bindings: [start, end, bngID])
        return RollingAverage(bytesUp: try row.decode("up"), bytesDown: try row.decode("down"), windowSeconds: windowSeconds)
    }
}
