import CLinuxNet
import Glibc
import Logging
import Metrics
import NetworkTypes
import Prometheus
import ServiceLifecycle
import UnixSignals

/// What every Aether daemon does the same way: logging to standard error at a chosen level,
/// swift-metrics exported to one Prometheus registry, and its services run in one
/// `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT.
public enum Daemon {
    /// The registry every metric of this process lands in once ``bootstrap(label:logLevel:)`` ran.
    public static let registry = PrometheusCollectorRegistry()

    /// Bootstraps logging (standard error, `logLevel`) and metrics (Prometheus) once per process;
    /// returns the daemon's logger.
    public static func bootstrap(label: String, logLevel: Logger.Level) -> Logger {
        limitMallocArenas()
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = logLevel
            return handler
        }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return Logger(label: label)
    }

    /// glibc gives each thread that allocates its own arena, up to 8 per core, and every arena
    /// keeps what was freed in it: a daemon whose dedicated threads and pool threads take turns
    /// with short-lived buffers grows its resident memory by arenas, not by state (aether-bng:
    /// 138 MB instead of 106 MB at 10,000 sessions). Two arenas keep contention low for these few
    /// busy threads. `MALLOC_ARENA_MAX` in the environment still wins.
    static func limitMallocArenas() {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = cln_limit_malloc_arenas(2)
    }

    /// Parses `a.b.c.d:port` for a listening address.
    public static func listenAddress(_ text: String, option: String) throws -> (IPv4Address, UInt16) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])), let port = UInt16(parts[1]) else {
            throw DaemonError(.invalidConfiguration, "\(option) \"\(text)\" is not an IPv4 address and port (a.b.c.d:port)")
        }
        return (address, port)
    }

    /// The `/metrics` endpoint on `text` (`a.b.c.d:port`) with this process's registry, or none
    /// when `text` is nil or empty; `option` names the setting in errors.
    public static func metricsEndpoint(_ text: String?, option: String, logger: Logger) throws -> [any Service] {
        guard let text, !text.isEmpty else { return [] }
        let (address, port) = try listenAddress(text, option: option)
        return [try MetricsEndpoint(address: address, port: port, registry: registry, logger: logger)]
    }

    /// Runs `services` until SIGTERM or SIGINT (graceful shutdown), or until one of them
    /// returns or throws (then the others are shut down too and the error is rethrown).
    public static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
