import ArgumentParser
import Foundation
import Glibc
import LabKit
import Logging

/// `aether-lab`: brings the one-machine ISP lab and its services up and down.
@main
struct AetherLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-lab",
        abstract: "Run the Aether ISP lab on this machine: services, namespaces, BNGs, subscribers.",
        subcommands: [Up.self, Status.self, Restart.self, Down.self, Export.self, Services.self])
}

/// Options every subcommand shares.
struct HarnessOptions: ParsableArguments {
    @Option(help: "Harness profile: \"test\" (make test) or \"lab\" (make lab).")
    var profile = "lab"

    @Option(help: "State folder (default: $AETHER_STATE_DIR, else /var/lib/aether/<profile>).")
    var stateDirectory: String?

    @Flag(help: "Log each step.")
    var verbose = false

    func harness() throws -> ServiceHarness {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .info
            return handler
        }
        let configuration = try HarnessConfiguration.named(profile, stateDirectory: stateDirectory)
        return ServiceHarness(configuration: configuration)
    }
}

extension AetherLab {
    /// The topology file: `--topology`, else the default in the checkout.
    struct TopologyOption: ParsableArguments {
        @Option(help: "Topology file (YAML; schema in Docs/lab.md). Default: Examples/lab/topology.yaml.")
        var topology: String?

        func path() throws -> String {
            let path = topology ?? "Examples/lab/topology.yaml"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("topology file \(path) does not exist\(topology == nil ? " (run from the checkout, or give --topology)" : "")")
            }
            return URL(fileURLWithPath: path).standardizedFileURL.path
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the lab up and supervise it in the foreground until Ctrl-C, then remove it.",
            discussion: """
                Starts the services, builds every namespace and link of the topology, generates every \
                configuration, starts the upstream daemons, aether-ingestor, aether-api, one aether-relay \
                per access node and one aether-bng per BNG, each awaited by a real check. A component that \
                exits is restarted and the restart logged. Logs: <state>/lab/logs/.
                """)

        @OptionGroup var options: HarnessOptions
        @OptionGroup var topology: TopologyOption

        @Flag(help: "Return once the lab is up, leaving it running under a background supervisor (stop it with `aether-lab down`).")
        var detach = false

        @Flag(help: "On Ctrl-C keep the services running (faster next `up`); the lab's own parts are removed either way.")
        var keepServices = false

        @Option(help: "Also run aether-sim with this configuration (e.g. Examples/lab/simulator.json) as a supervised component.")
        var simulator: String?

        @Option(help: "aether-sim's --seed.")
        var seed: UInt64 = 1

        func run() async throws {
            let path = try topology.path()
            let configuration = try HarnessConfiguration.named(options.profile, stateDirectory: options.stateDirectory)
            if detach {
                try await Detached.start(arguments: CommandLine.arguments.filter { $0 != "--detach" },
                                         statePath: configuration.stateDirectory + "/lab/lab.json",
                                         logPath: configuration.stateDirectory + "/lab-supervisor.log")
                return
            }
            try Supervisor.becomeSubreaper()
            _ = try options.harness()  // logging
            let simulatorPath = simulator.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let lab = try Lab(topologyPath: path, harness: configuration, simulatorPath: simulatorPath) { line in
                print(line)
                fflush(nil)
            }
            // From here on Ctrl-C no longer kills this process half-way: the lab comes up, then goes.
            let termination = Task { await Supervisor.waitForTerminationSignal() }
            do {
                try await lab.up()
                try await lab.startSimulator(seed: seed)
            } catch {
                await lab.teardown(stopServices: false)
                throw error
            }
            lab.markReady()
            print("The lab is running. Press Ctrl-C (or send SIGTERM, or run `aether-lab down`) to stop it.")
            fflush(nil)
            let signal = await lab.runUntilSignal(termination)
            print("\nreceived signal \(signal), removing the lab")
            await lab.teardown(stopServices: !keepServices)
            Supervisor.reapExitedChildren()
            print("lab removed")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what runs and how many sessions each BNG has.")
        @OptionGroup var options: HarnessOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try HarnessConfiguration.named(options.profile, stateDirectory: options.stateDirectory)
            let path = configuration.stateDirectory + "/lab/lab.json"
            guard let state = LabState.read(path) else {
                if json { print(#"{"running": false}"#) } else { print("no lab runs under profile \(configuration.profile)") }
                throw ExitCode(3)
            }
            let topology = try LabTopology.load(path: state.topologyPath)
            let layout = LabLayout(topology: topology, harness: configuration)
            let sessions = (try? LabStatus.sessions(layout: layout)) ?? [:]
            let running = state.supervisor?.isAlive == true
            if json {
                let report = LabStatusReport(state: state, running: running, sessions: sessions)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print("lab \(state.name) (\(state.profile)): \(running ? (state.ready ? "up" : "coming up") : "supervisor gone; run `aether-lab down`")")
                print("dashboard \(state.apiURL)/   token \(state.tokenPath)")
                for bng in topology.bngs { print("  \(bng.id): \(sessions[bng.id] ?? 0) active sessions") }
                for entry in state.components {
                    let alive = entry.process?.isAlive == true
                    let restarts = entry.restarts == 0 ? "" : "  restarts \(entry.restarts)"
                    print("  \(alive ? "up  " : "down") \(entry.component.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(entry.process.map(String.init(describing:)) ?? "-")\(restarts)")
                }
            }
            if !running || state.components.contains(where: { $0.process?.isAlive != true }) { throw ExitCode(3) }
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop one component of a running lab (SIGTERM, or SIGKILL with --kill) and wait until its supervisor has started it again.",
            discussion: "Names as `aether-lab status` lists them: aether-bng@bng-01, aether-relay@an-03, aether-ingestor, aether-api, …")

        @OptionGroup var options: HarnessOptions

        @Argument(help: "The component.")
        var component: String

        @Flag(help: "Kill it (SIGKILL), as a crash would, instead of asking it to stop.")
        var kill = false

        func run() async throws {
            let configuration = try HarnessConfiguration.named(options.profile, stateDirectory: options.stateDirectory)
            let path = configuration.stateDirectory + "/lab/lab.json"
            guard let state = LabState.read(path), state.supervisor?.isAlive == true else {
                throw ValidationError("no lab runs under profile \(configuration.profile)")
            }
            guard let entry = state.components.first(where: { $0.component.name == component }), let process = entry.process else {
                throw ValidationError("no component \(component); the lab has \(state.components.map(\.component.name).joined(separator: ", "))")
            }
            let signal = kill ? SIGKILL : SIGTERM
            Glibc.kill(process.pid, signal)
            print("sent \(kill ? "SIGKILL" : "SIGTERM") to \(component) (\(process)); waiting for the supervisor to start it again")
            try await Readiness.wait(for: "\(component) restarted", timeoutSeconds: 60) {
                guard let now = LabState.read(path)?.components.first(where: { $0.component.name == component })?.process else { return false }
                return now != process && now.isAlive
            }
            let restarted = LabState.read(path)?.components.first { $0.component.name == component }
            print("\(component) runs again (\(restarted?.process.map(String.init(describing:)) ?? "?"), restart \(restarted?.restarts ?? 0))")
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove the lab and stop its services: processes, namespaces, /etc/netns entries, runtime state (also after a crash).")

        @OptionGroup var options: HarnessOptions

        @Option(help: "Topology file, when the lab's state is gone (default: the one the lab recorded).")
        var topology: String?

        @Flag(help: "Also delete the state folder (databases, logs, secrets).")
        var purge = false

        func run() async throws {
            let configuration = try HarnessConfiguration.named(options.profile, stateDirectory: options.stateDirectory)
            _ = try options.harness()  // logging
            try await Lab.down(harness: configuration, topologyPath: topology, progress: { print($0) }, purge: purge)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the lab in another form.", subcommands: [Containerlab.self])
    }

    struct Containerlab: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "containerlab",
            abstract: "Write the topology as a containerlab lab: topology.clab.yml, Dockerfiles, configurations, start scripts, README.",
            discussion: "Examples/containerlab/ is this command's output for Examples/lab/topology.yaml (a test keeps it so).")

        @OptionGroup var topology: TopologyOption

        @Option(help: "Output folder (created; files of a previous export are replaced).")
        var out: String

        func run() async throws {
            let path = try topology.path()
            let export = ContainerlabExport(topology: try LabTopology.load(path: path), sourceName: (path as NSString).lastPathComponent)
            try export.write(to: out)
            let count = try export.files().count
            print("wrote \(count) files to \(out); deploy with the steps in \(out)/README.md")
        }
    }

    struct Services: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start, stop or inspect only the service harness.",
            subcommands: [ServicesUp.self, ServicesDown.self, ServicesStatus.self, ServicesRun.self])
    }

    struct ServicesUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "up", abstract: "Start the services (idempotent).")
        @OptionGroup var options: HarnessOptions

        func run() async throws {
            let endpoints = try await options.harness().start()
            print(Report.services(endpoints))
        }
    }

    struct ServicesDown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "down", abstract: "Stop the services.")
        @OptionGroup var options: HarnessOptions
        @Flag(help: "Also delete the state folder.")
        var purge = false

        func run() async throws {
            try await options.harness().stop(purge: purge)
        }
    }

    struct ServicesStatus: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show which services answer.")
        @OptionGroup var options: HarnessOptions

        func run() async throws {
            let harness = try options.harness()
            let rows = await harness.status()
            if rows.isEmpty {
                print("no harness state at \(harness.configuration.stateDirectory)")
                throw ExitCode(3)
            }
            for row in rows {
                print("\(row.running ? "up  " : "down") \(row.service.padding(toLength: 15, withPad: " ", startingAt: 0)) \(row.detail)")
            }
            if rows.contains(where: { !$0.running }) { throw ExitCode(3) }
        }
    }
}

extension AetherLab {
    /// `make test`'s core: services up, one command, services down, whatever the command did.
    struct ServicesRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Start the services, run a command, stop the services; exit with the command's status.",
            discussion: "Example: aether-lab services run --profile test --purge -- swift test")

        @OptionGroup var options: HarnessOptions

        @Flag(help: "Delete the state folder afterwards.")
        var purge = false

        @Argument(parsing: .postTerminator, help: "The command to run while the services are up.")
        var command: [String]

        func run() async throws {
            guard !command.isEmpty else { throw ValidationError("give the command after --") }
            try Supervisor.becomeSubreaper()
            let harness = try options.harness()
            var status: Int32 = 1
            do {
                let endpoints = try await harness.start()
                print(Report.services(endpoints))
                status = try await Supervisor.runForeground(command)
            } catch {
                FileHandleOutput.standardError("aether-lab: \(error)")
            }
            do {
                try await harness.stop(purge: purge)
            } catch {
                FileHandleOutput.standardError("aether-lab: stopping services failed: \(error)")
                if status == 0 { status = 1 }
            }
            Supervisor.reapExitedChildren()
            if status != 0 { throw ExitCode(status) }
        }
    }
}

enum FileHandleOutput {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

enum Report {
    static func services(_ endpoints: ServiceEndpoints) -> String {
        """
        Aether services (\(endpoints.profile)), state in \(endpoints.stateDirectory):
          PostgreSQL  \(endpoints.postgres.socketDirectory) and 127.0.0.1:\(endpoints.postgres.port) (databases oss, kea, radius)
          Redis       \(endpoints.redis) and \(endpoints.redisTCP)
          Kea DHCPv4  \(endpoints.servicesAddress):67 in namespace \(endpoints.servicesNamespace), \(endpoints.kea.subnets.count) subnets
          Kea agent   http://\(endpoints.kea.controlAgentHost):\(endpoints.kea.controlAgentPort)/
          FreeRADIUS  \(endpoints.radius.address):\(endpoints.radius.authenticationPort)/\(endpoints.radius.accountingPort) in namespace \(endpoints.servicesNamespace)
          Passwords and secrets: \(endpoints.stateDirectory)/endpoints.json (mode 0600)
        """
    }
}

/// `aether-lab status --json`.
struct LabStatusReport: Encodable {
    let state: LabState
    let running: Bool
    let sessions: [String: Int]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state.name, forKey: .name)
        try container.encode(state.profile, forKey: .profile)
        try container.encode(running, forKey: .running)
        try container.encode(state.ready, forKey: .ready)
        try container.encode(state.apiURL, forKey: .apiURL)
        try container.encode(state.tokenPath, forKey: .tokenPath)
        try container.encode(sessions, forKey: .sessions)
        try container.encode(state.components.map {
            Component(name: $0.component.name, namespace: $0.component.namespace, pid: $0.process?.pid,
                      running: $0.process?.isAlive == true, restarts: $0.restarts, log: $0.component.logPath)
        }, forKey: .components)
    }

    struct Component: Encodable {
        let name: String
        let namespace: String?
        let pid: Int32?
        let running: Bool
        let restarts: Int
        let log: String
    }

    enum CodingKeys: String, CodingKey {
        case name, profile, running, ready, sessions, components
        case apiURL = "api_url"
        case tokenPath = "token_file"
    }
}

/// `up --detach`: the same `up` in its own session, output to a log, awaited until it records
/// that the lab is ready (or exits, whose log then says why).
enum Detached {
    static func start(arguments: [String], statePath: String, logPath: String) async throws {
        try? FileManager.default.createDirectory(atPath: (logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: logPath)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
        let child = try BackgroundProcess(["setsid", executable] + arguments.dropFirst(), logPath: logPath)
        print("lab supervisor started (\(child.handle)); progress in \(logPath)")
        fflush(nil)
        try await Readiness.wait(for: "the lab", timeoutSeconds: 600) {
            if LabState.read(statePath)?.ready == true { return true }
            guard child.isRunning else {
                throw LabKitError(.daemonExited, "the lab did not come up:\n\(child.log().split(separator: "\n").suffix(20).joined(separator: "\n"))")
            }
            return false
        }
        print(child.log().split(separator: "\n").suffix(2).joined(separator: "\n"))
        print("The lab keeps running; `aether-lab status` shows it, `aether-lab down` removes it.")
    }
}
