import ArgumentParser
import Foundation
import Glibc
import LabKit

/// `aether-sim`: realistic subscribers for a running lab.
@main
struct AetherSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-sim",
        abstract: "Drive a running Aether lab with subscribers: provisioning, real DHCP clients, traffic.",
        subcommands: [Run.self, Load.self], defaultSubcommand: Run.self)
}

extension AetherSim {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Provision a share of the hosts, bring hosts online, run weighted random traffic until Ctrl-C.",
            discussion: """
                Every host's choices (provisioned or not, dhclient or udhcpc, which commands in which order) \\
                come from --seed and the host's name, so a seed repeats a run. A summary line is printed \\
                every --summary-interval seconds and once more at the end.
                """)

        @Option(help: "Harness profile of the running lab (lab, labtest): where its API, token and namespaces are.")
        var profile = "lab"

        @Option(help: "State folder of that profile (default: $AETHER_STATE_DIR, else /var/lib/aether/<profile>).")
        var stateDirectory: String?

        @Option(help: "Topology file of the running lab.")
        var topology = "Examples/lab/topology.yaml"

        @Option(help: "Simulator configuration (JSON; schema in Docs/lab.md).")
        var config = "Examples/lab/simulator.json"

        @Option(help: "aether-api base URL (default: the profile's dashboard URL).")
        var api: String?

        @Option(help: "File holding the API token (default: the lab's secrets/api-token).")
        var tokenFile: String?

        @Option(help: "Seed for every random choice.")
        var seed: UInt64 = 1

        @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
        var duration: Double?

        @Option(help: "Seconds between summary lines.")
        var summaryInterval: Double = 15

        @Option(help: "Write the counters as JSON here at every summary.")
        var statusFile: String?

        func run() async throws {
            let harness = try HarnessConfiguration.named(profile, stateDirectory: stateDirectory)
            let layout = LabLayout(topology: try LabTopology.load(path: topology), harness: harness)
            let configuration = try SimulatorConfiguration.load(path: config)
            let tokenPath = tokenFile ?? layout.tokenPath
            guard let token = try? String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  !token.isEmpty else {
                throw ValidationError("no API token in \(tokenPath); is the lab up (`aether-lab up`)?")
            }
            let client = LabAPIClient(baseURL: api ?? layout.apiURL, token: token)
            try await client.waitForHealth()
            let simulator = SubscriberSimulator(layout: layout, configuration: configuration, api: client, seed: seed,
                                                directory: layout.directory + "/sim") { print("aether-sim: \($0)"); fflush(nil) }
            let plans = try await simulator.provision()
            print("aether-sim: driving \(plans.count) hosts (seed \(seed)): "
                  + HostDHCPClient.Kind.allCases.map { kind in "\(plans.filter { $0.client == kind }.count) \(kind.rawValue)" }.joined(separator: ", "))
            fflush(nil)
            let work = Task { await simulator.run(plans) }
            let report = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(summaryInterval))
                    if Task.isCancelled { break }
                    emit(simulator.currentStats)
                }
            }
            let stop = Task { () -> String in
                if let duration {
                    try? await Task.sleep(for: .seconds(duration))
                    return "after \(duration) s"
                }
                return "on signal \(await Supervisor.waitForTerminationSignal())"
            }
            let reason = await stop.value
            report.cancel()
            work.cancel()
            await work.value
            print("aether-sim: stopped \(reason); every lease released")
            emit(simulator.currentStats, final: true)
        }

        func emit(_ stats: SubscriberSimulator.Stats, final: Bool = false) {
            print("aether-sim: \(final ? "final: " : "")\(stats.line)")
            fflush(nil)
            if let statusFile, let data = try? JSONEncoder().encode(stats) {
                try? data.write(to: URL(fileURLWithPath: statusFile), options: .atomic)
            }
        }
    }
}
