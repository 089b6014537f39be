import AetherDaemon
import ArgumentParser
import DHCPKit
import Logging
import ServiceLifecycle

/// `aether-relay`: the access-node DHCP agent. Stamps Option 82 (circuit-id = port,
/// remote-id = node) on subscriber requests, forwards them on the uplink, and delivers each
/// reply only to the port its circuit-id names, with Option 82 removed. SIGTERM or SIGINT stops
/// it gracefully.
@main
struct AetherRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-relay",
        abstract: "Access-node DHCP Option 82 agent (RFC 3046).",
        discussion: "Run it inside the access node's network namespace; it needs CAP_NET_RAW.")

    @Option(help: "JSON configuration file (remoteID, uplink, ports: {interface: circuit-id}).")
    var config: String

    @Option(help: "Serve Prometheus metrics on this address:port (e.g. 127.0.0.1:9102); none when absent.")
    var metrics: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = Daemon.bootstrap(label: "aether-relay", logLevel: logLevel)
        let file: AccessNodeRelayFile
        var services: [any Service] = []
        do {
            file = try AccessNodeRelayFile.load(path: config)
            services.append(try AccessNodeRelayService(configuration: file.agentConfiguration, uplink: file.uplink, logger: logger))
            services += try Daemon.metricsEndpoint(metrics, option: "--metrics", logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        logger.info("aether-relay running", metadata: [
            "remote-id": "\(file.remoteID)", "uplink": "\(file.uplink)", "ports": "\(file.ports.keys.sorted().joined(separator: ","))",
        ])
        try await Daemon.run(services, logger: logger)
        logger.info("aether-relay stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
