import EventSourcing
import Foundation
import KeaControl
import NetworkTypes

/// Kea DHCPv4 in the services namespace (PostgreSQL lease store, `lease_cmds` hook, Option 82
/// stored with each lease) and its control agent on 127.0.0.1 in the root namespace.
struct KeaService {
    let configuration: HarnessConfiguration
    let secrets: HarnessSecrets
    let postgres: PostgresService

    var directory: String { configuration.stateDirectory + "/kea" }
    var controlSocket: String { directory + "/dhcp4.sock" }
    var dhcpConfigPath: String { directory + "/kea-dhcp4.json" }
    var agentConfigPath: String { directory + "/kea-ctrl-agent.json" }
    /// Kea names pid files `<config base name>.<program>.pid` inside `KEA_PIDFILE_DIR`.
    var dhcpPidPath: String { directory + "/kea-dhcp4.kea-dhcp4.pid" }
    var agentPidPath: String { directory + "/kea-ctrl-agent.kea-ctrl-agent.pid" }

    /// Without systemd `/run/kea` does not exist; these keep Kea's pid and lock files in our state.
    var environment: [String: String] {
        var environment = Spawn.currentEnvironment()
        environment["KEA_PIDFILE_DIR"] = directory
        environment["KEA_LOCKFILE_DIR"] = directory
        return environment
    }

    /// `100.64.<n>.0/24` with giaddr `.1` and pool `.10`–`.250`: first the normal subnets, then
    /// the short-lease ones.
    var subnets: [KeaSubnet] {
        if let chosen = configuration.keaSubnets { return chosen }
        return (0..<(configuration.subscriberSubnetCount + configuration.shortLeaseSubnetCount)).map { index in
            let short = index >= configuration.subscriberSubnetCount
            let lifetime = short ? configuration.shortLeaseLifetime : configuration.leaseLifetime
            let base = IPv4Address(100, 64, UInt8(index), 0)
            return KeaSubnet(id: index + 1, prefix: IPv4Network(containing: base, prefixLength: 24),
                             relayAddress: base.advanced(by: 1), poolStart: base.advanced(by: 10), poolEnd: base.advanced(by: 250),
                             validLifetime: lifetime, renewTimer: short ? lifetime / 6 : lifetime / 4, rebindTimer: lifetime / 2)
        }
    }

    var dhcpProcess: ProcessHandle? { Self.handle(fromPidFile: dhcpPidPath) }
    var agentProcess: ProcessHandle? { Self.handle(fromPidFile: agentPidPath) }

    var dhcpClient: KeaControlClient { KeaControlClient(.unixSocket(path: controlSocket), timeoutSeconds: 3) }
    var agentClient: KeaControlClient {
        KeaControlClient(.controlAgent(host: .loopback, port: UInt16(configuration.keaControlAgentPort)), timeoutSeconds: 3)
    }

    func start() async throws {
        try StateFiles.makeDirectory(directory, mode: 0o700)
        try await initializeSchema()
        let dhcpText = try dhcpConfiguration()
        let changed = StateFiles.read(dhcpConfigPath) != dhcpText
        try StateFiles.write(dhcpText, to: dhcpConfigPath, mode: 0o600)
        try StateFiles.write(agentConfiguration(), to: agentConfigPath, mode: 0o600)

        if changed, await answers(dhcpClient) {
            // A running Kea with another lab's subnets: it re-reads the file and keeps its leases.
            try await namespaceCheck(["kea-dhcp4", "-t", dhcpConfigPath])
            _ = try await dhcpClient.send("config-reload")
        }
        if !(await answers(dhcpClient)) {
            await dhcpProcess?.terminate()
            try await namespaceCheck(["kea-dhcp4", "-t", dhcpConfigPath])
            try await configuration.servicesNamespace.check(["setsid", "-f", "sh", "-c", "exec kea-dhcp4 -c \(dhcpConfigPath) >>\(directory)/kea-dhcp4.out 2>&1"],
                                      environment: environment)
            try await waitUntilReady(dhcpClient, pidPath: dhcpPidPath, name: "kea-dhcp4")
        }
        if !(await answers(agentClient)) {
            await agentProcess?.terminate()
            try await CommandRunner.check(["kea-ctrl-agent", "-t", agentConfigPath], environment: environment)
            try await CommandRunner.check(["setsid", "-f", "sh", "-c",
                                           "exec kea-ctrl-agent -c \(agentConfigPath) >>\(directory)/kea-ctrl-agent.out 2>&1"],
                                          environment: environment)
            try await waitUntilReady(agentClient, pidPath: agentPidPath, name: "kea-ctrl-agent")
        }
    }

    func stop() async {
        await agentProcess?.terminate()
        await dhcpProcess?.terminate()
    }

    /// `-t` checks the configuration (interfaces included, hence inside the namespace).
    private func namespaceCheck(_ arguments: [String]) async throws {
        try await configuration.servicesNamespace.check(arguments, environment: environment)
    }

    private func answers(_ client: KeaControlClient) async -> Bool {
        (try? await client.status()) != nil
    }

    private func waitUntilReady(_ client: KeaControlClient, pidPath: String, name: String) async throws {
        do {
            try await Readiness.wait(for: "\(name) control channel", timeoutSeconds: 30) {
                if await answers(client) { return true }
                // Fail fast with the daemon's own words when it has already given up.
                if StateFiles.exists(pidPath), Self.handle(fromPidFile: pidPath) == nil {
                    throw LabKitError(.daemonExited, "\(name) exited; see \(directory)/\(name).out")
                }
                return false
            }
        } catch {
            let tail = StateFiles.read("\(directory)/\(name).out")?.split(separator: "\n").suffix(8).joined(separator: "\n") ?? ""
            throw LabKitError(.daemonExited, "\(name) is not answering (\(error)); last output:\n\(tail)")
        }
    }

    /// `kea-admin db-init` once; the schema_version table says whether it has run.
    private func initializeSchema() async throws {
        let kea = postgres.connectionInfo(database: "kea", user: "kea", password: secrets.kea)
        let connection = try PostgresConnection(kea)
        let present = try connection.query("SELECT to_regclass('public.schema_version') IS NOT NULL AS present")
        if try present.value("present") == "t" { return }
        var environment = Spawn.currentEnvironment()
        // kea-admin hands PGPASSWORD to psql; keeps the password off the command line.
        environment["PGPASSWORD"] = secrets.kea
        try await CommandRunner.check(["kea-admin", "db-init", "pgsql", "-h", "127.0.0.1",
                                       "-P", String(configuration.postgresPort), "-u", "kea", "-n", "kea"],
                                      environment: environment)
    }

    private static func handle(fromPidFile path: String) -> ProcessHandle? {
        StateFiles.read(path).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap(ProcessHandle.init(pid:))
    }

    private static var leaseCommandsHook: String {
        get throws {
            for candidate in ["/usr/lib/x86_64-linux-gnu/kea/hooks", "/usr/lib/aarch64-linux-gnu/kea/hooks", "/usr/lib/kea/hooks"]
            where StateFiles.exists(candidate + "/libdhcp_lease_cmds.so") {
                return candidate + "/libdhcp_lease_cmds.so"
            }
            throw LabKitError(.executableNotFound, "Kea's lease_cmds hook (libdhcp_lease_cmds.so) is missing; run `make deps`")
        }
    }

    func dhcpConfiguration() throws -> String {
        let database: [String: Any] = [
            "type": "postgresql", "name": "kea", "user": "kea", "password": secrets.kea,
            "host": postgres.socketDirectory, "port": configuration.postgresPort,
            // Without these Kea exits when PostgreSQL restarts.
            "max-reconnect-tries": 600, "reconnect-wait-time": 1000, "on-fail": "serve-retry-continue",
        ]
        let subnetObjects: [[String: Any]] = subnets.map { subnet in
            [
                "id": subnet.id, "subnet": subnet.prefix.description,
                "pools": [["pool": "\(subnet.poolStart) - \(subnet.poolEnd)"]],
                "relay": ["ip-addresses": [subnet.relayAddress.description]],
                "option-data": [["name": "routers", "data": subnet.relayAddress.description]]
                    + (subnet.dnsServers.map { [["name": "domain-name-servers", "data": $0.map(\.description).joined(separator: ", ")]] } ?? []),
                "valid-lifetime": subnet.validLifetime, "renew-timer": subnet.renewTimer, "rebind-timer": subnet.rebindTimer,
            ]
        }
        let root: [String: Any] = [
            "Dhcp4": [
                "interfaces-config": [
                    "interfaces": ["\(configuration.servicesBridge)/\(configuration.servicesAddress)"],
                    "dhcp-socket-type": "udp", "outbound-interface": "use-routing",
                ] as [String: Any],
                "control-socket": ["socket-type": "unix", "socket-name": controlSocket],
                "lease-database": database,
                "hooks-libraries": [["library": try Self.leaseCommandsHook]],
                // Keeps Option 82 (relay-agent-info) in each lease's user_context.
                "store-extended-info": true,
                "authoritative": true,
                "valid-lifetime": configuration.leaseLifetime,
                "renew-timer": configuration.leaseLifetime / 4,
                "rebind-timer": configuration.leaseLifetime / 2,
                "subnet4": subnetObjects,
                "loggers": [[
                    "name": "kea-dhcp4", "severity": "INFO",
                    "output_options": [["output": directory + "/kea-dhcp4.log"]],
                ] as [String: Any]],
            ] as [String: Any],
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]),
                      as: UTF8.self)
    }

    func agentConfiguration() -> String {
        """
        { "Control-agent": {
            "http-host": "127.0.0.1", "http-port": \(configuration.keaControlAgentPort),
            "control-sockets": { "dhcp4": { "socket-type": "unix", "socket-name": "\(controlSocket)" } },
            "loggers": [ { "name": "kea-ctrl-agent", "severity": "INFO",
                           "output_options": [ { "output": "\(directory)/kea-ctrl-agent.log" } ] } ] } }

        """
    }
}
