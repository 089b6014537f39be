import Foundation
import ServiceSupport

/// What `aether-sim` does with a lab's hosts (`Examples/lab/simulator.json`; schema in Docs/lab.md).
///
/// Command texts may use `{upstream}` (the upstream address), `{domain}` (its DNS zone),
/// `{iperf3_port}` (a port of the upstream's iperf3 pool, held by this host alone while the
/// command runs), `{iperf3_rate}` and `{interface}` (the host's `eth0`).
public struct SimulatorConfiguration: Hashable, Sendable, Codable {
    public struct Command: Hashable, Sendable, Codable {
        public var command: String
        public var description: String
    }

    /// A weighted group of commands, like the original's `traffic_commands` entries.
    public struct Group: Hashable, Sendable, Codable {
        public var description: String
        /// Relative chance of being picked in automated runs (0: never).
        public var weight: Double
        /// Seconds to wait after a command of this group, uniform in [min, max].
        public var sleepRange: [Double]
        /// The dashboard's demo panel may run it.
        public var allowForDemo: Bool?
        /// Only the demo panel runs it (the automated loop never does).
        public var demoOnly: Bool?
        public var commands: [Command]

        enum CodingKeys: String, CodingKey {
            case description, weight, commands
            case sleepRange = "sleep_range"
            case allowForDemo = "allow_for_demo"
            case demoOnly = "demo_only"
        }
    }

    /// Share of hosts given a service through the API (0…1).
    public var provisionFraction: Double
    /// Hosts brought online without a service: their sessions must be rejected and blocked.
    public var unprovisionedHosts: Int
    /// Relative share of each DHCP client (`dhclient`, `udhcpc`).
    public var dhcpClientMix: [String: Double]
    /// DHCP tries per bring-up before the host gives up for this cycle.
    public var dhcpAttempts: Int
    /// How long a host stays online, then offline, seconds ([min, max]); an empty offline range
    /// keeps hosts online for good.
    public var onlineSeconds: [Double]
    public var offlineSeconds: [Double]
    /// iperf3's `-b` cap, so every concurrent test fits the lab's two cores.
    public var iperf3Rate: String
    public var trafficCommands: [String: Group]

    enum CodingKeys: String, CodingKey {
        case provisionFraction = "provision_fraction"
        case unprovisionedHosts = "unprovisioned_hosts"
        case dhcpClientMix = "dhcp_client_mix"
        case dhcpAttempts = "dhcp_attempts"
        case onlineSeconds = "online_seconds"
        case offlineSeconds = "offline_seconds"
        case iperf3Rate = "iperf3_rate"
        case trafficCommands = "traffic_commands"
    }

    /// Reads and checks a file; errors name the file and the key.
    public static func load(path: String) throws -> SimulatorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabKitError(.invalidConfiguration, "\(path): cannot be read")
        }
        return try decode(data, source: path)
    }

    /// Decodes and checks JSON; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> SimulatorConfiguration {
        let configuration: SimulatorConfiguration
        do {
            configuration = try JSONDecoder().decode(SimulatorConfiguration.self, from: data)
        } catch let error as DecodingError {
            let (key, reason) = error.configurationProblem
            throw LabKitError(.invalidConfiguration, "\(source): \(key): \(reason)")
        } catch {
            throw LabKitError(.invalidConfiguration, "\(source): not valid JSON: \(error)")
        }
        try configuration.validate(source: source)
        return configuration
    }

    public func validate(source: String) throws {
        func fail(_ key: String, _ why: String) -> LabKitError { LabKitError(.invalidConfiguration, "\(source): \(key): \(why)") }
        guard (0...1).contains(provisionFraction) else { throw fail("provision_fraction", "\(provisionFraction) must be 0…1") }
        guard unprovisionedHosts >= 0 else { throw fail("unprovisioned_hosts", "must not be negative") }
        guard !dhcpClientMix.isEmpty, dhcpClientMix.values.allSatisfy({ $0 >= 0 }), dhcpClientMix.values.reduce(0, +) > 0 else {
            throw fail("dhcp_client_mix", "give dhclient and/or udhcpc with weights ≥ 0, not all 0")
        }
        for client in dhcpClientMix.keys where !["dhclient", "udhcpc"].contains(client) {
            throw fail("dhcp_client_mix.\(client)", "is not a DHCP client this simulator runs (dhclient, udhcpc)")
        }
        guard (1...20).contains(dhcpAttempts) else { throw fail("dhcp_attempts", "\(dhcpAttempts) must be 1…20") }
        for (key, range) in [("online_seconds", onlineSeconds), ("offline_seconds", offlineSeconds)] where !range.isEmpty {
            guard range.count == 2, range[0] >= 0, range[0] <= range[1] else { throw fail(key, "give [min, max] with 0 ≤ min ≤ max") }
        }
        guard onlineSeconds.count == 2 else { throw fail("online_seconds", "give [min, max]") }
        for (name, group) in trafficCommands {
            guard group.sleepRange.count == 2, group.sleepRange[0] >= 0, group.sleepRange[0] <= group.sleepRange[1] else {
                throw fail("traffic_commands.\(name).sleep_range", "give [min, max] with 0 ≤ min ≤ max")
            }
            guard group.weight >= 0 else { throw fail("traffic_commands.\(name).weight", "must not be negative") }
            guard !group.commands.isEmpty else { throw fail("traffic_commands.\(name).commands", "at least one command is needed") }
        }
        guard trafficCommands.values.contains(where: { $0.weight > 0 && $0.demoOnly != true }) else {
            throw fail("traffic_commands", "no group has a weight above 0 for automated runs")
        }
    }

    /// The groups the automated loop draws from, by name.
    var automatedGroups: [(name: String, group: Group)] {
        trafficCommands.filter { $0.value.weight > 0 && $0.value.demoOnly != true }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
