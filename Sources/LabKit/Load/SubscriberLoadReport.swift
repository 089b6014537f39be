import Foundation
import Histogram

/// What a load run measured; `aether-sim load --json` prints it, the benchmark reads it.
public struct SubscriberLoadReport: Sendable, Codable {
    /// Frame and session counts.
    public struct Counters: Sendable, Codable, Hashable {
        public var attempts = 0
        public var bound = 0
        public var established = 0
        public var releases = 0
        public var renewals = 0
        public var naks = 0
        /// SESSION_STOP for a session the generator still held (a flap, in a drill).
        public var unexpectedStops = 0
        public var framesSent = 0
        public var framesReceived = 0
        /// Frames on the link that were not DHCP replies for one of our subscribers.
        public var framesIgnored = 0
        /// Replies for an earlier exchange (old xid) or a failed subscriber.
        public var staleReplies = 0
        public var sendErrors = 0
        /// Frames the kernel dropped before we read them (receive buffer full).
        public var kernelDrops = 0
        /// The most attempts that were in progress at once.
        public var peakInFlight = 0
    }

    /// Percentiles of a latency, milliseconds.
    public struct Latency: Sendable, Codable, Hashable {
        public var count: UInt64
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
        public var mean: Double

        init(_ histogram: Histogram<UInt64>) {
            func ms(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }
            count = histogram.totalCount
            p50 = count == 0 ? 0 : ms(histogram.valueAtPercentile(50))
            p90 = count == 0 ? 0 : ms(histogram.valueAtPercentile(90))
            p99 = count == 0 ? 0 : ms(histogram.valueAtPercentile(99))
            p999 = count == 0 ? 0 : ms(histogram.valueAtPercentile(99.9))
            max = count == 0 ? 0 : ms(histogram.max)
            mean = count == 0 ? 0 : histogram.mean / 1000
        }
    }

    public var configuration: SubscriberLoadConfiguration
    /// Whether "established" meant SESSION_START + POLICY_APPLY read from the stream (else DHCPACK).
    public var waitedForEvents: Bool
    public var elapsedSeconds: Double
    public var counters: Counters
    /// Failed attempts by reason (`no_offer`, `no_ack`, `no_session_start`, `no_policy_apply`, `rejected`).
    public var failures: [String: Int]
    /// Established sessions per second, from the first DISCOVER to the last establishment.
    public var establishedPerSecond: Double
    /// First DISCOVER → established.
    public var setupLatency: Latency
    /// First DISCOVER → DHCPACK.
    public var boundLatency: Latency
    /// The last error reading the event stream, if there was one.
    public var eventStreamError: String?
    /// Whether "established" meant Access-Accept + Accounting-Response straight from RADIUS
    /// (``DirectRADIUS``, the peers' ceiling) instead of the BNG's events.
    public var establishedByRADIUS: Bool?
    /// CPU seconds (user + system) the generator's process used until the report.
    public var cpuSeconds: Double?

    /// The report as people read it.
    public var summary: String {
        func latency(_ l: Latency) -> String {
            String(format: "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", l.p50, l.p90, l.p99, l.max)
        }
        var lines = [
            "load: \(counters.established) of \(counters.attempts) attempts established"
                + (establishedByRADIUS == true ? " (Access-Accept + Accounting-Response straight from RADIUS)"
                   : waitedForEvents ? " (SESSION_START + POLICY_APPLY read from the stream)" : " (at DHCPACK)")
                + (configuration.relay.map { ", DHCP relayed from \($0.agentAddress) to \($0.server)" } ?? "")
                + String(format: " — %.1f sessions/s over %.1f s", establishedPerSecond, elapsedSeconds),
            "  setup:  " + latency(setupLatency),
            "  DORA:   " + latency(boundLatency),
        ]
        let failed = failures.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        lines.append("  failed: " + (failed.isEmpty ? "none" : failed.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        lines.append("  frames: \(counters.framesSent) sent, \(counters.framesReceived) received, \(counters.kernelDrops) dropped by the kernel;"
                     + " \(counters.naks) NAKs, \(counters.renewals) renewals, \(counters.releases) releases, \(counters.unexpectedStops) unexpected stops")
        if let eventStreamError { lines.append("  event stream error: \(eventStreamError)") }
        return lines.joined(separator: "\n")
    }

    /// Writes the report as pretty, key-sorted JSON to `path` (atomically).
    public func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
