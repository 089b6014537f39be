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
            let say: @Sendable (String) -> Void = { print($0); fflush(nil) }
            if detach {
                let child = try await Lab.startDetached(arguments: CommandLine.arguments.filter { $0 != "--detach" }, harness: configuration,
                                                        logPath: configuration.stateDirectory + "/lab-supervisor.log", progress: say)
                print(child.log().split(separator: "\n").suffix(2).joined(separator: "\n"))
                print("The lab keeps running; `aether-lab status` shows it, `aether-lab down` removes it.")
                return
            }
            try Supervisor.becomeSubreaper()
            _ = try options.harness()  // logging
            let simulatorPath = simulator.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            let lab = try Lab(topologyPath: path, harness: configuration, simulatorPath: simulatorPath, progress: say)
            _ = try await lab.runInForeground(seed: seed, keepServices: keepServices)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what runs and how many sessions each BNG has.")
        @OptionGroup var options: HarnessOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try HarnessConfiguration.named(options.profile, stateDirectory: options.stateDirectory)
            guard let report = try LabStatusReport.read(harness: configuration) else {
                print(json ? #"{"running": false}"# : "no lab runs under profile \(configuration.profile)")
                throw ExitCode(3)
            }
            print(json ? report.json : report.text)
            if !report.healthy { throw ExitCode(3) }
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
            let restarted = try await Lab.restart(component, signal: kill ? SIGKILL : SIGTERM, harness: configuration) { print($0) }
            print("\(component) runs again (\(restarted.process.map(String.init(describing:)) ?? "?"), restart \(restarted.restarts))")
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

        func run() async throws { print(try await options.harness().start().summary) }
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
            guard let report = await harness.statusReport() else {
                print("no harness state at \(harness.configuration.stateDirectory)")
                throw ExitCode(3)
            }
            print(report.text)
            if !report.allRunning { throw ExitCode(3) }
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
            let status = try await options.harness().runWhileUp(command, purge: purge, output: { print($0) },
                                                                errors: { FileHandleOutput.standardError($0) })
            if status != 0 { throw ExitCode(status) }
        }
    }
}

enum FileHandleOutput {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
