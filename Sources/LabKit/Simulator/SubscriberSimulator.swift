import Foundation
import ServiceSupport
import Synchronization

/// `aether-sim`'s engine: provisions a share of the lab's hosts through the API, brings hosts
/// online with their real DHCP client, and runs weighted random traffic commands on each one
/// against the lab's upstream, with online and offline periods.
///
/// Every random choice of a host comes from a generator seeded by `seed` and the host's name,
/// so one seed repeats the same plan (which hosts, which client, which commands in which order)
/// whatever the timing of the others.
public final class SubscriberSimulator: Sendable {
    /// Counters for the summary line and the status file.
    public struct Stats: Sendable, Codable, Hashable {
        public var hosts = 0
        public var provisioned = 0
        public var unprovisioned = 0
        public var online = 0
        public var dhcpBound = 0
        public var dhcpFailures = 0
        public var releases = 0
        public var commandsSucceeded = 0
        public var commandsFailed = 0
        /// Commands of unprovisioned hosts that failed, as they must: the BNG blocks them.
        public var commandsBlocked = 0
        /// Commands of unprovisioned hosts that got through: each one is a bug.
        public var commandsLeaked = 0
        public var iperf3Running = 0
        public var byGroup: [String: Int] = [:]

        enum CodingKeys: String, CodingKey {
            case hosts, provisioned, unprovisioned, online, releases
            case dhcpBound = "dhcp_bound"
            case dhcpFailures = "dhcp_failures"
            case commandsSucceeded = "commands_succeeded"
            case commandsFailed = "commands_failed"
            case commandsBlocked = "commands_blocked"
            case commandsLeaked = "commands_leaked"
            case iperf3Running = "iperf3_running"
            case byGroup = "by_group"
        }

        public var line: String {
            "online \(online)/\(hosts) · provisioned \(provisioned), unprovisioned \(unprovisioned) · DHCP bound \(dhcpBound), failed \(dhcpFailures), released \(releases) · commands ok \(commandsSucceeded), failed \(commandsFailed), blocked \(commandsBlocked), leaked \(commandsLeaked) · iperf3 running \(iperf3Running)"
        }
    }

    /// One host the simulator drives.
    public struct Plan: Sendable, Hashable {
        public var host: LabTopology.Host
        public var provisioned: Bool
        public var client: HostDHCPClient.Kind
    }

    public let layout: LabLayout
    public let configuration: SimulatorConfiguration
    public let seed: UInt64
    let api: LabAPIClient
    let directory: String
    let log: @Sendable (String) -> Void
    private let stats = Mutex(Stats())
    let commands: LabCommands

    public init(layout: LabLayout, configuration: SimulatorConfiguration, api: LabAPIClient, seed: UInt64,
                directory: String, log: @escaping @Sendable (String) -> Void) {
        self.layout = layout
        self.configuration = configuration
        self.api = api
        self.seed = seed
        self.directory = directory
        self.log = log
        commands = LabCommands(layout: layout, iperf3Rate: configuration.iperf3Rate)
    }

    public var currentStats: Stats { stats.withLock { $0 } }

    func generator(for name: String) -> SeededGenerator {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return SeededGenerator(seed: seed ^ hash)
    }

    // MARK: Provisioning

    /// Chooses which hosts take part and gives the provisioned ones a service through the API
    /// (a line that already has a live service keeps it). Returns every host's plan.
    public func provision() async throws -> [Plan] {
        var random = generator(for: "provision")
        let hosts = layout.topology.hosts
        let provisionedCount = Int((Double(hosts.count) * configuration.provisionFraction).rounded())
        let shuffled = hosts.shuffled(using: &random)
        let provisioned = Set(shuffled.prefix(provisionedCount).map(\.name))
        let unprovisioned = Set(shuffled.dropFirst(provisionedCount).prefix(configuration.unprovisionedHosts).map(\.name))

        let plans = try await api.list("/api/plans").filter { $0["active"] as? Bool == true }.compactMap { $0["plan_id"] as? Int }
        let customers = try await api.list("/api/customers").compactMap { $0["customer_id"] as? Int }
        guard !plans.isEmpty, !customers.isEmpty else {
            throw LabKitError(.controlRequestFailed, "the OSS has no active plan or no customer to provision with (run `aether-ingestor seed`)")
        }
        let existing = Set(try await api.list("/api/services").filter { $0["status"] as? String != "TERMINATED" }.compactMap { service -> String? in
            guard let bng = service["bng_id"] as? String, let remote = service["remote_id"] as? String, let circuit = service["circuit_id"] as? String
            else { return nil }
            return "\(bng)|\(remote)|\(circuit)"
        })
        var result: [Plan] = []
        var created = 0
        for (index, host) in hosts.enumerated() where provisioned.contains(host.name) || unprovisioned.contains(host.name) {
            var hostRandom = generator(for: host.name)
            let client = Self.pick(configuration.dhcpClientMix, using: &hostRandom) ?? .dhclient
            let isProvisioned = provisioned.contains(host.name)
            if isProvisioned, !existing.contains("\(host.bng)|\(host.accessNode)|\(host.circuitID)") {
                try await api.request("POST", "/api/services", body: [
                    "customer_id": customers[index % customers.count], "plan_id": plans[Int.random(in: 0..<plans.count, using: &hostRandom)],
                    "bng_id": host.bng, "remote_id": host.accessNode, "circuit_id": host.circuitID,
                ])
                created += 1
            }
            result.append(Plan(host: host, provisioned: isProvisioned, client: client))
        }
        stats.withLock {
            $0.hosts = result.count
            $0.provisioned = result.filter(\.provisioned).count
            $0.unprovisioned = result.count - $0.provisioned
        }
        log("provisioned \(provisioned.count) hosts (\(created) new services), \(unprovisioned.count) more start without one")
        return result
    }

    static func pick(_ mix: [String: Double], using random: inout SeededGenerator) -> HostDHCPClient.Kind? {
        let entries = mix.sorted { $0.key < $1.key }.filter { $0.value > 0 }
        let total = entries.reduce(0) { $0 + $1.value }
        var draw = Double.random(in: 0..<total, using: &random)
        for (name, weight) in entries {
            if draw < weight { return HostDHCPClient.Kind(rawValue: name) }
            draw -= weight
        }
        return entries.last.flatMap { HostDHCPClient.Kind(rawValue: $0.key) }
    }

    // MARK: Running

    /// Drives every host until the task is cancelled, then releases every lease.
    public func run(_ plans: [Plan]) async {
        await withTaskGroup(of: Void.self) { group in
            for plan in plans {
                group.addTask { await self.drive(plan) }
            }
        }
    }

    private func drive(_ plan: Plan) async {
        var random = generator(for: plan.host.name + "/run")
        let client = HostDHCPClient(kind: plan.client, host: plan.host.name, namespace: layout.hostNamespace(plan.host),
                                    directory: directory + "/hosts")
        // Spread the first DISCOVERs over a few seconds, as subscribers' modems would.
        try? await Task.sleep(for: .seconds(Double.random(in: 0...3, using: &random)))
        while !Task.isCancelled {
            guard await bringOnline(client) else {
                try? await Task.sleep(for: .seconds(Self.uniform(configuration.offlineSeconds, default: 30, using: &random)))
                continue
            }
            let online = MonotonicClock.now
            let stay = Self.uniform(configuration.onlineSeconds, default: 120, using: &random)
            while !Task.isCancelled, configuration.offlineSeconds.isEmpty || MonotonicClock.now - online < stay {
                let pause = await runOneCommand(on: plan, random: &random)
                try? await Task.sleep(for: .seconds(pause))
            }
            await client.release()
            stats.withLock {
                $0.online -= 1
                $0.releases += 1
            }
            if Task.isCancelled { break }
            try? await Task.sleep(for: .seconds(Self.uniform(configuration.offlineSeconds, default: 30, using: &random)))
        }
    }

    private func bringOnline(_ client: HostDHCPClient) async -> Bool {
        for attempt in 1...configuration.dhcpAttempts where !Task.isCancelled {
            if (try? await client.acquire()) == true {
                stats.withLock {
                    $0.online += 1
                    $0.dhcpBound += 1
                }
                return true
            }
            log("\(client.host): no lease with \(client.kind.rawValue) (attempt \(attempt) of \(configuration.dhcpAttempts))")
            try? await Task.sleep(for: .seconds(2))
        }
        stats.withLock { $0.dhcpFailures += 1 }
        return false
    }

    /// Runs one weighted random command; returns the seconds to wait before the next.
    private func runOneCommand(on plan: Plan, random: inout SeededGenerator) async -> Double {
        let groups = configuration.automatedGroups
        let total = groups.reduce(0) { $0 + $1.group.weight }
        var draw = Double.random(in: 0..<total, using: &random)
        var chosen = groups[groups.count - 1]
        for entry in groups {
            if draw < entry.group.weight { chosen = entry; break }
            draw -= entry.group.weight
        }
        let command = chosen.group.commands[Int.random(in: 0..<chosen.group.commands.count, using: &random)].command
        let pause = Self.uniform(chosen.group.sleepRange, default: 10, using: &random)
        _ = await execute(command, group: chosen.name, on: plan.host, provisioned: plan.provisioned)
        return pause
    }

    /// Runs `command` on `host`; nil when it needs an iperf3 port and the pool is busy (then it
    /// counts as neither success nor failure). `provisioned` false counts the outcome as blocked
    /// (failed) or leaked (succeeded).
    @discardableResult
    public func execute(_ command: String, group: String, on host: LabTopology.Host, provisioned: Bool = true,
                        timeoutSeconds: Double = 60) async -> LabCommands.Outcome? {
        let iperf = command.contains("{iperf3_port}")
        if iperf { stats.withLock { $0.iperf3Running += 1 } }
        defer { if iperf { stats.withLock { $0.iperf3Running -= 1 } } }
        guard let outcome = await commands.run(command, on: host, timeoutSeconds: timeoutSeconds) else { return nil }
        let succeeded = outcome.status == 0
        stats.withLock {
            switch (provisioned, succeeded) {
            case (true, true): $0.commandsSucceeded += 1
            case (true, false): $0.commandsFailed += 1
            case (false, false): $0.commandsBlocked += 1
            case (false, true): $0.commandsLeaked += 1
            }
            $0.byGroup[group, default: 0] += 1
        }
        if provisioned != succeeded {
            let last = outcome.output.split(separator: "\n").last.map(String.init) ?? ""
            log("\(host.name) (\(provisioned ? "provisioned" : "unprovisioned")): `\(outcome.command)` \(succeeded ? "got through" : "failed with status \(outcome.status)"): \(last)")
        }
        return outcome
    }

    static func uniform(_ range: [Double], default value: Double, using random: inout SeededGenerator) -> Double {
        guard range.count == 2 else { return value }
        return range[0] == range[1] ? range[0] : Double.random(in: range[0]...range[1], using: &random)
    }
}
