import AetherDaemon
import ArgumentParser
import EventSourcing
import Foundation
import Logging
import OSSKit
import ServiceLifecycle

/// `aether-ingestor`: BNG events from the Redis stream into the `oss` database, exactly once,
/// with every read model projected in the same transaction. Run several: they share the
/// consumer group, and the event store keeps each BNG's history in order whoever reads it.
@main
struct AetherIngestor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-ingestor",
        abstract: "Ingest BNG events into the OSS database; rebuild, prune and seed it.",
        subcommands: [Run.self, Replay.self, Prune.self, Migrate.self, Seed.self],
        defaultSubcommand: Run.self)
}

struct ConfigurationOption: ParsableArguments {
    @Option(help: "YAML configuration file (see Docs/oss.md).")
    var config: String

    func load() throws -> OSSSettings {
        do {
            return try OSSConfiguration.load(path: config).resolve(source: config)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The event store and the OSS tables, migrated.
    func open(_ settings: OSSSettings, connections: Int) throws -> (PostgresPool, PostgresEventStore) {
        let pool = try PostgresPool(settings.postgres, maximumConnections: connections)
        let store = try PostgresEventStore(pool: pool)
        try store.migrate()
        _ = try pool.withConnection { try OSSSchema.migrate($0) }
        return (pool, store)
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Ingest in the foreground until SIGTERM or SIGINT.")
    @OptionGroup var options: ConfigurationOption
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = Daemon.bootstrap(label: "aether-ingestor", logLevel: logLevel)
        let settings = try options.load()
        guard let endpoint = settings.redis else { throw ValidationError("\(options.config): key \"redis\": the ingestor needs the stream") }
        let (pool, store) = try options.open(settings, connections: 2)
        let redis = ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 5000)
        var tuning = EventIngestor<RedisStreamConsumer, PostgresEventStore, OSSProjection>.Configuration()
        tuning.batchSize = settings.batchSize
        tuning.claimIdleMilliseconds = Int(settings.claimIdle.components.seconds * 1000)
        // A second connection reads and decodes the next batch while this one's transaction runs.
        let prefetcher = try RedisStreamConsumer(redis: ReconnectingRedis(endpoint, commandTimeoutMilliseconds: 5000), stream: settings.stream,
                                                 group: settings.group, name: settings.consumerName)
        let ingestor = try EventIngestor(
            consumer: RedisStreamConsumer(redis: redis, stream: settings.stream, group: settings.group, name: settings.consumerName),
            prefetcher: prefetcher, store: store, projection: OSSProjection(),
            deadLetters: RedisDeadLetterStream(redis: redis, stream: settings.stream + ":dead"), configuration: tuning,
            logger: logger)
        let services: [any Service] = [ingestor, OSSRetentionService(retention: settings.retention, interval: settings.retentionInterval,
                                                                     pool: pool, logger: logger)]
            + (try Daemon.metricsEndpoint(settings.metricsAddress, option: "ingestor.metrics", logger: logger))
        logger.info("aether-ingestor running", metadata: [
            "stream": "\(settings.stream)", "group": "\(settings.group)", "consumer": "\(settings.consumerName)",
            "postgres": "\(settings.postgres)", "redis": "\(endpoint)",
        ])
        try await Daemon.run(services, logger: logger)
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild every read model from session_events in one transaction (readers see the old tables until it commits).")
    @OptionGroup var options: ConfigurationOption

    func run() throws {
        let settings = try options.load()
        let (_, store) = try options.open(settings, connections: 1)
        let started = Date()
        let summary = try store.rebuild(OSSProjection())
        let seconds = Date().timeIntervalSince(started)
        print("replayed \(summary.applied) of \(summary.events) stored events from \(summary.sources) source(s) in "
              + String(format: "%.2f s (%.0f events/s)", seconds, Double(summary.applied) / max(seconds, 1e-6)))
        if summary.applied < summary.events {
            print("\(summary.events - summary.applied) event(s) wait behind a sequence gap and were not applied")
        }
    }
}

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the retention windows once, now.")
    @OptionGroup var options: ConfigurationOption

    func run() throws {
        let settings = try options.load()
        let (pool, _) = try options.open(settings, connections: 1)
        let now = EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let pruned = try pool.withConnection { try settings.retention.prune(now: now, in: $0) }
        print("pruned traffic_seconds \(pruned.trafficSeconds), traffic_minutes \(pruned.trafficMinutes), "
              + "bng_health_events \(pruned.healthRows) rows; session_events \(pruned.updateEvents) updates, \(pruned.healthEvents) health events")
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the event store's and the OSS tables, then exit.")
    @OptionGroup var options: ConfigurationOption

    func run() throws {
        let settings = try options.load()
        _ = try options.open(settings, connections: 1)
        print("schema up to date: eventsourcing v\(PostgresEventStore.migrations.last?.version ?? 0), oss v\(OSSSchema.migrations.last?.version ?? 0)")
    }
}

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Load the demo plans and customers (idempotent: a second run adds nothing).")
    @OptionGroup var options: ConfigurationOption

    func run() throws {
        let settings = try options.load()
        let (pool, _) = try options.open(settings, connections: 1)
        let loaded = try pool.withConnection { try OSSSeed.load(into: $0) }
        print("loaded \(loaded.plans) plan(s) and \(loaded.customers) customer(s)")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
