import AetherDaemon
import ArgumentParser
import EventSourcing
import Foundation
import Hummingbird
import Logging
import OSSAPI
import OSSKit
import RadiusKit
import ServiceLifecycle

/// `aether-api`: the OSS's REST API, change stream, RADIUS provisioning and dashboard.
@main
struct AetherAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-api",
        abstract: "Serve the OSS API and dashboard; keep RADIUS provisioned.",
        subcommands: [Run.self, Check.self, OpenAPI.self],
        defaultSubcommand: Run.self)
}

struct ConfigurationOption: ParsableArguments {
    @Option(help: "YAML configuration file (see Docs/oss.md).")
    var config: String

    func load(readSecrets: Bool = true) throws -> OSSAPIOptions {
        do {
            return try OSSConfiguration.load(path: config).resolveAPI(source: config, readSecrets: readSecrets)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The server and the services it needs.
    func build(_ options: OSSAPIOptions, logger: Logger) throws -> (APIServer, [any Service]) {
        let userNameFormat: RADIUSUserNameFormat
        do {
            userNameFormat = try RADIUSUserNameFormat(options.provisioning?.userNameTemplate ?? RADIUSUserNameFormat.standard.template)
        } catch {
            throw ValidationError("\(config): key \"provisioning.user_name\": \(error.context)")
        }
        var info = options.oss.postgres
        info.applicationName = "aether-api"
        let database = PostgresExecutor(info, threads: options.databaseThreads, name: "api-db", logger: logger)
        var services: [any Service] = [database]
        var provisioning: RADIUSProvisioning?
        if let settings = options.provisioning {
            let syncer = RADIUSProvisioning(.init(oss: info, radius: settings.radius, userNameFormat: userNameFormat, password: settings.password,
                                                  groupPrefix: settings.groupPrefix, owner: settings.owner, interval: settings.interval),
                                            logger: logger)
            provisioning = syncer
            services.append(syncer)
        }
        var coa: DynamicAuthorizationSender?
        if let settings = options.coa {
            do {
                coa = DynamicAuthorizationSender(secret: try RADIUSSecret(settings.secret), port: settings.port, targets: settings.targets,
                                                 timeout: settings.timeout, networkNamespace: settings.networkNamespace, logger: logger)
            } catch {
                throw ValidationError("\(config): key \"coa.secret\": \(error.context)")
            }
        }
        let feed = ChangeFeed(listen: info, interval: options.streamInterval, logger: logger)
        services.append(feed)
        var lab: LabDirectory?
        if let settings = options.lab {
            do {
                lab = try LabDirectory.make(settings)
            } catch {
                throw ValidationError("\(config): key \"lab\": \(error)")
            }
        }
        let server = APIServer(settings: APISettings(token: options.token, heartbeatTimeoutSeconds: options.heartbeatTimeoutSeconds,
                                                     userNameFormat: userNameFormat, groupPrefix: options.provisioning?.groupPrefix ?? "aether-plan-",
                                                     dashboardDirectory: options.dashboardDirectory, chartJSDirectory: options.chartJSDirectory,
                                                     cacheTTL: options.cacheTTL),
                               database: database, provisioning: provisioning, coa: coa, feed: feed, lab: lab, logger: logger)
        return (server, services)
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve in the foreground until SIGTERM or SIGINT.")
    @OptionGroup var options: ConfigurationOption
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = Daemon.bootstrap(label: "aether-api", logLevel: logLevel)
        let settings = try options.load()
        // The API reads the tables the ingestor projects: make sure they exist (safe alongside ingestors).
        do {
            let pool = try PostgresPool(settings.oss.postgres, maximumConnections: 1)
            defer { pool.close() }
            _ = try PostgresEventStore(pool: pool).migrate()
            _ = try pool.withConnection { try OSSSchema.migrate($0) }
        } catch {
            throw ValidationError("cannot prepare the oss database at \(settings.oss.postgres): \(error)")
        }
        let (server, services) = try options.build(settings, logger: logger)
        let router = server.router(metrics: {
            var buffer = [UInt8]()
            Daemon.registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        })
        let host = settings.host, port = settings.port
        let application = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "aether-api"),
                                      onServerRunning: { channel in
                                          logger.info("aether-api running", metadata: [
                                              "url": "http://\(host):\(channel.localAddress?.port ?? port)/",
                                              "postgres": "\(settings.oss.postgres)",
                                              "provisioning": "\(settings.provisioning.map { "\($0.radius)" } ?? "off")",
                                          ])
                                      }, logger: logger)
        try await Daemon.run(services + [application], logger: logger)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check the configuration and print what the API would use (never secrets).")
    @OptionGroup var options: ConfigurationOption

    func run() throws {
        let settings = try options.load(readSecrets: false)
        print("listen: \(settings.host):\(settings.port)")
        print("oss database: \(settings.oss.postgres)")
        print("provisioning: \(settings.provisioning.map { "\($0.radius), groups \($0.groupPrefix)<plan id>, owner \($0.owner), every \($0.interval)" } ?? "off")")
        print("coa: \(settings.coa.map { "port \($0.port), timeout \($0.timeout), targets \($0.targets.count)" } ?? "off")")
        print("heartbeat timeout: \(settings.heartbeatTimeoutSeconds) s")
    }
}

struct OpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openapi", abstract: "Print the OpenAPI 3.1 document.")

    func run() throws {
        let server = APIServer(settings: APISettings(token: "unused"), database: PostgresExecutor(PostgresConnectionInfo(host: "unused", database: "unused", user: "unused")),
                               provisioning: nil, coa: nil, feed: ChangeFeed(listen: nil))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(server.openAPIDocument), as: UTF8.self))
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
