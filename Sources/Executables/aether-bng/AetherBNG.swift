import AetherDaemon
import ArgumentParser
import BNGKit
import Foundation
import Logging
import ServiceLifecycle

/// `aether-bng`: the broadband network gateway. `run` serves subscribers; `sessions` and
/// `disconnect` talk to a running BNG through its control socket.
@main
struct AetherBNG: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-bng",
        abstract: "Broadband network gateway: DHCP relay-proxy, RADIUS AAA/CoA, nftables and tc data plane, durable events.",
        subcommands: [Run.self, Check.self, Sessions.self, Disconnect.self],
        defaultSubcommand: Run.self)
}

struct ConfigurationOption: ParsableArguments {
    @Option(help: "YAML configuration file (see Docs/bng.md).")
    var config: String

    func load() throws -> (BNGConfiguration, BNGSettings) {
        do {
            let configuration = try BNGConfiguration.load(path: config)
            return (configuration, try configuration.resolve(source: config))
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the BNG in the foreground until SIGTERM or SIGINT.")
    @OptionGroup var options: ConfigurationOption
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = Daemon.bootstrap(label: "aether-bng", logLevel: logLevel)
        let (_, settings) = try options.load()
        let runtime = try BNGRuntime(settings: settings, logger: logger)
        let services: [any Service] = [runtime, try runtime.controlServer(logger: logger)]
            + (try Daemon.metricsEndpoint(settings.metricsAddress, option: "management.metrics", logger: logger))
        logger.info("aether-bng running", metadata: ["bng": "\(settings.engine.bngID)", "control": "\(settings.controlSocket)"])
        try await Daemon.run(services, logger: logger)
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a configuration file and print what the BNG would use (secrets are read, never printed).")
    @OptionGroup var options: ConfigurationOption

    func run() throws {
        let (_, settings) = try options.load()
        let engine = settings.engine
        let plane = settings.dataPlane
        print("bng \(engine.bngID): NAS-IP-Address \(engine.nasIPAddress), User-Name \(engine.userNameFormat)")
        print("subscribers on \(plane.subscriberInterfaces.joined(separator: ", ")): nft table inet \(plane.tableName)" +
              (plane.shaper.map { shaper in
                switch shaper.upload {
                case .ifb(let name): ", download shaped on its egress, upload on IFB \(name)"
                case .interface(let name): ", download shaped on its egress, upload on \(name)"
                }
              } ?? ", not shaped"))
        for (remoteID, gateway) in settings.relay.accessNodeGateways.sorted(by: { $0.key.description < $1.key.description }) {
            print("access node \(remoteID): gateway \(gateway)")
        }
        print("DHCP servers \(settings.relay.servers.map(\.description).joined(separator: ", "))" +
              (settings.serverInterface.map { " on \($0)" } ?? ""))
        let authentication = settings.authenticationServers.map(\.name).joined(separator: ", ")
        let accounting = settings.accountingServers.map(\.name).joined(separator: ", ")
        print("RADIUS authentication \(authentication), accounting \(accounting)")
        print("CoA on \(settings.coaAddress) from \(settings.coaClients.count) client network(s)")
        print("management ports \(plane.managementPorts.map(\.description).joined(separator: ", ")) only on lo" +
              plane.managementInterfaces.map { ", \($0)" }.joined())
        print("events \(settings.redis.map { "to Redis stream \($0.stream)" } ?? "kept in the outbox (no redis)"); " +
              "store \(settings.storePath); control \(settings.controlSocket)")
        print("configuration OK")
    }
}

struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the sessions of a running BNG.")
    @OptionGroup var options: ConfigurationOption
    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let (_, settings) = try options.load()
        let response = try ControlServer.send(ControlRequest(command: "sessions"), to: settings.controlSocket)
        let sessions = response.sessions ?? []
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(sessions), as: UTF8.self))
            return
        }
        print(pad("SESSION", 36), pad("ADDRESS", 15), pad("MAC", 17), pad("STATE", 12), pad("LINE", 28), pad("DOWN/UP kbit/s", 15), "BYTES DOWN/UP")
        for session in sessions {
            let rates = session.downloadKbps.map { "\($0)/\(session.uploadKbps ?? 0)" } ?? "-"
            print(pad(session.sessionID, 36), pad("\(session.address)", 15), pad("\(session.mac)", 17),
                  pad(session.phase == "active" ? session.authState : session.phase, 12), pad("\(session.remoteID)/\(session.circuitID)", 28),
                  pad(rates, 15), "\(session.bytesDown)/\(session.bytesUp)")
        }
        print("\(sessions.count) session(s)")
    }

    func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
}

struct Disconnect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End a session of a running BNG (Acct-Stop, SESSION_STOP, Admin-Reset).")
    @OptionGroup var options: ConfigurationOption
    @Argument(help: "A session id, the subscriber's IPv4 address, or a User-Name.")
    var target: String

    func run() async throws {
        let (_, settings) = try options.load()
        let response = try ControlServer.send(ControlRequest(command: "disconnect", target: target), to: settings.controlSocket)
        switch response.result {
        case "ok": print("disconnected \(target)")
        default:
            FileHandle.standardError.write(Data("\(response.reason ?? response.result)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
