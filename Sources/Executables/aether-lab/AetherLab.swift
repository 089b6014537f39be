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
        subcommands: [Up.self, Down.self, Services.self])
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
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the lab in the foreground until Ctrl-C: services first, then the topology (what exists of it so far).")

        @OptionGroup var options: HarnessOptions

        @Flag(help: "Start and return at once, leaving the lab running (stop it with `aether-lab down`).")
        var detach = false

        func run() async throws {
            if !detach { try Supervisor.becomeSubreaper() }
            let harness = try options.harness()
            let endpoints = try await harness.start()
            print(Report.services(endpoints))
            print("""

            Lab components not built yet (each arrives with its own issue):
              - topology file, namespaces for access nodes, BNGs and subscriber hosts
              - aether-relay on the access nodes, aether-bng on the BNGs
              - aether-ingestor, aether-api with the dashboard, aether-sim
            """)
            if detach {
                print("The lab keeps running; stop it with `make lab-down`.")
                return
            }
            print("The lab is running. Press Ctrl-C (or send SIGTERM) to stop it.")
            fflush(nil)
            let signal = await Supervisor.waitForTerminationSignal()
            print("\nreceived signal \(signal), stopping the lab")
            try await harness.stop()
            Supervisor.reapExitedChildren()
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop everything the lab started.")

        @OptionGroup var options: HarnessOptions

        @Flag(help: "Also delete the state folder (databases, logs, secrets).")
        var purge = false

        func run() async throws {
            try await options.harness().stop(purge: purge)
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
