import EventSourcing
import Foundation
import Glibc
import NetworkTypes
import OSSKit
import Synchronization

/// What a running lab records in `lab.json`: enough for `status` and for `down` to find every
/// process, also after the supervising `aether-lab` itself was killed.
public struct LabState: Sendable, Codable {
    public var name: String
    public var profile: String
    public var topologyPath: String
    public var supervisor: ProcessHandle?
    public var ready: Bool
    public var apiURL: String
    public var tokenPath: String
    public var components: [LabSupervisor.Entry]

    enum CodingKeys: String, CodingKey {
        case name, profile, supervisor, ready, components
        case topologyPath = "topology"
        case apiURL = "api_url"
        case tokenPath = "token_file"
    }

    public static func read(_ path: String) -> LabState? {
        FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(LabState.self, from: $0) }
    }
}

/// Builds, runs and removes a lab: the harness's services, the namespaces and links of the
/// topology, and every component (upstream daemons, aether-ingestor, aether-api, one
/// aether-relay per access node, one aether-bng per BNG), each awaited by a real check.
public final class Lab: Sendable {
    public let layout: LabLayout
    public let topologyPath: String
    /// The simulator file aether-sim runs and the dashboard's demo panel offers (nil: neither).
    public let simulatorPath: String?
    let supervisor: LabSupervisor
    let progress: @Sendable (String) -> Void

    public init(topologyPath: String, harness: HarnessConfiguration, simulatorPath: String? = nil,
                progress: @escaping @Sendable (String) -> Void) throws {
        let topology = try LabTopology.load(path: topologyPath)
        if let simulatorPath { _ = try SimulatorConfiguration.load(path: simulatorPath) }
        let layout = LabLayout(topology: topology, harness: harness)
        self.layout = layout
        self.topologyPath = topologyPath
        self.simulatorPath = simulatorPath
        self.progress = progress
        let statePath = layout.statePath
        let state = LabState(name: topology.name, profile: harness.profile, topologyPath: topologyPath,
                             supervisor: ProcessHandle(pid: getpid()), ready: false, apiURL: layout.apiURL,
                             tokenPath: layout.tokenPath, components: [])
        let recorder = LabStateRecorder(state: state, path: statePath)
        supervisor = LabSupervisor(log: { progress($0) }, onChange: { recorder.update(components: $0) })
        self.recorder = recorder
    }

    let recorder: LabStateRecorder

    var harness: ServiceHarness { ServiceHarness(configuration: layout.harnessForLab) }

    // MARK: up

    /// Brings the whole lab up; returns once every component answers. Throws (after removing
    /// what it built) when a step fails, with the step and the component's own words.
    public func up() async throws {
        if let running = LabState.read(layout.statePath), let supervisor = running.supervisor, supervisor.isAlive,
           supervisor.pid != getpid() {
            throw LabKitError(.invalidConfiguration,
                              "a lab (\(running.name)) is already running under \(supervisor); stop it with `aether-lab down --profile \(layout.harness.profile)`")
        }
        let started = MonotonicClock.now
        do {
            let endpoints = try await step("services (PostgreSQL, Redis, Kea, FreeRADIUS)") { try await harness.start() }
            let configurations = LabConfigurations(layout: layout, endpoints: endpoints, topologyPath: topologyPath, simulatorPath: simulatorPath)
            try await step("configurations from \(topologyPath)") { try writeConfigurations(configurations) }
            try await step("OSS schema and seed") { try seedOSS(configurations, endpoints: endpoints) }
            try await step("network: \(layout.namespaces.count) namespaces") { try await buildNetwork(endpoints) }
            try await step("upstream: HTTP, DNS, \(layout.topology.upstream.iperf3Ports.count) iperf3") { try await startUpstream(configurations) }
            try await step("aether-ingestor and aether-api") { try await startOSS() }
            try await step("\(layout.topology.accessNodes.count) aether-relay") { try await startRelays() }
            try await step("\(layout.topology.bngs.count) aether-bng") { try await startBNGs() }
        } catch {
            progress("lab failed to come up: \(error)")
            progress("removing what was built (logs stay in \(layout.logDirectory); the services keep running, `aether-lab down` stops them)")
            await teardown(stopServices: false)
            throw error
        }
        progress(String(format: "lab %@ is up in %.1f s: %d BNGs, %d access nodes, %d hosts", layout.topology.name,
                        MonotonicClock.now - started, layout.topology.bngs.count, layout.topology.accessNodes.count,
                        layout.topology.hosts.count))
        progress("dashboard: \(layout.apiURL)/   API token (for changes): \(layout.tokenPath)")
    }

    /// Records in `lab.json` that the lab is up (what `up --detach` waits for); call it once
    /// everything the caller starts, the simulator included, runs.
    public func markReady() { recorder.markReady() }

    private func step<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        let started = MonotonicClock.now
        progress("… \(what)")
        let result = try await body()
        progress(String(format: "✓ %@ (%.1f s)", what, MonotonicClock.now - started))
        return result
    }

    private func writeConfigurations(_ configurations: LabConfigurations) throws {
        try StateFiles.makeDirectory(layout.directory, mode: 0o755)
        try StateFiles.makeDirectory(layout.logDirectory, mode: 0o755)
        try configurations.writeSecrets()
        try StateFiles.write(try configurations.ossConfiguration(), to: layout.ossConfigPath, mode: 0o600)
        for bng in layout.topology.bngs {
            try StateFiles.makeDirectory(layout.directory + "/\(bng.id)", mode: 0o700)
            try StateFiles.write(try configurations.bngConfiguration(bng), to: layout.bngConfigPath(bng.id), mode: 0o600)
        }
        for node in layout.topology.accessNodes {
            try StateFiles.makeDirectory(layout.directory + "/\(node.id)", mode: 0o755)
            try StateFiles.write(try configurations.relayConfiguration(node), to: layout.relayConfigPath(node.id), mode: 0o644)
        }
        try configurations.writeWebRoot()
    }

    private func seedOSS(_ configurations: LabConfigurations, endpoints: ServiceEndpoints) throws {
        let connection = try PostgresConnection(endpoints.postgres.oss)
        _ = try OSSSchema.migrate(connection)
        try OSSSeed.load(into: connection)
        try configurations.seedAccessRouters(connection)
    }

    // MARK: Network

    private func buildNetwork(_ endpoints: ServiceEndpoints) async throws {
        // Leftovers of a lab that crashed under this profile go first.
        try await removeNetwork(servicesNamespace: endpoints.servicesNamespace)
        let topology = layout.topology
        for namespace in layout.namespaces { try await NetworkNamespace.create(namespace.name) }
        let upstream = layout.upstreamNamespace
        try await upstream.addBridge("wan")
        try await upstream.addAddress(IPv4InterfaceAddress(topology.upstream.address, prefixLength: topology.upstream.network.prefixLength),
                                      to: "wan")
        let services = endpoints.servicesNamespace
        for bng in topology.bngs {
            let number = layout.bngNumber(bng.id)
            let namespace = layout.namespace(bng.id)
            let aggregation = layout.namespace(layout.aggregationNode(bng.id))
            try await aggregation.addBridge("br0")
            try await namespace.addVeth("agg0", peer: "bng", in: aggregation)
            try await aggregation.attach("bng", toBridge: "br0")
            try await namespace.addVeth("up0", peer: "b\(number)", in: upstream)
            try await upstream.attach("b\(number)", toBridge: "wan")
            try await namespace.addAddress(IPv4InterfaceAddress(bng.upstreamAddress, prefixLength: topology.upstream.network.prefixLength),
                                           to: "up0")
            let servicesPort = layout.servicesPort(ofBNG: bng.id)
            try await namespace.addVeth("svc0", peer: servicesPort, in: services)
            try await services.attach(servicesPort, toBridge: endpoints.servicesBridge)
            try await namespace.addAddress(IPv4InterfaceAddress(layout.servicesAddress(ofBNG: bng.id), prefixLength: endpoints.servicesPrefixLength),
                                           to: "svc0")
            let nodes = topology.accessNodes(of: bng.id)
            try await SubscriberGateway(namespace: namespace, interface: "agg0", gateways: nodes.map(\.gateway)).configure()
            for node in nodes {
                try await services.addRoute(node.subnet, via: layout.servicesAddress(ofBNG: bng.id))
                try await upstream.addRoute(node.subnet, via: bng.upstreamAddress)
            }
        }
        for node in topology.accessNodes {
            let namespace = layout.namespace(node.id)
            let aggregation = layout.namespace(layout.aggregationNode(node.bng))
            let port = "an\(layout.accessNodeNumber(node))"
            try await namespace.addVeth("up0", peer: port, in: aggregation)
            try await aggregation.attach(port, toBridge: "br0")
            for host in topology.hosts where host.accessNode == node.id {
                let hostNamespace = layout.hostNamespace(host)
                try await hostNamespace.addVeth("eth0", mac: host.mac, peer: "p\(host.port)", in: namespace)
                // `ip netns exec` bind-mounts this over /etc/resolv.conf: dhclient-script writes the
                // host's DNS here, never into the machine's own file.
                try StateFiles.makeDirectory("/etc/netns/\(hostNamespace.name)", mode: 0o755)
                try StateFiles.write("nameserver \(topology.upstream.address)\n", to: "/etc/netns/\(hostNamespace.name)/resolv.conf", mode: 0o644)
            }
            try await AccessNodeBridge(namespace: namespace, uplink: "up0", ports: (1...node.ports).map { "p\($0)" }).configure()
        }
    }

    /// Deletes the lab's namespaces (killing what runs inside), their `/etc/netns` folders and
    /// the services namespace's routes toward the lab's subnets. Harmless when nothing is there.
    func removeNetwork(servicesNamespace: NetworkNamespace) async throws {
        if servicesNamespace.exists {
            for node in layout.topology.accessNodes { try await servicesNamespace.deleteRoute(node.subnet) }
        }
        for namespace in layout.namespaces {
            try await namespace.delete()
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(namespace.name)")
        }
    }

    // MARK: Components

    private func startUpstream(_ configurations: LabConfigurations) async throws {
        let upstream = layout.upstreamNamespace
        let address = layout.topology.upstream.address
        for (name, arguments) in configurations.upstreamCommands {
            let component = LabComponent(name: name, namespace: upstream, arguments: arguments, logPath: layout.logPath(name))
            try await supervisor.start(component, timeoutSeconds: 20) { _ in
                if name == "upstream-http" {
                    return try await upstream.run(["curl", "-sf", "-o", "/dev/null", "--max-time", "2", "http://\(address)/"]).succeeded
                }
                if name == "upstream-dns" {
                    let answer = try await upstream.run(["dig", "+short", "+time=1", "+tries=1", "@\(address)", "www.\(self.layout.topology.upstream.domain)"])
                    return answer.standardOutput.contains(address.description)
                }
                return try await Self.listens(in: upstream, tcpPort: UInt16(arguments.last.flatMap(Int.init) ?? 0))
            }
        }
    }

    private func startOSS() async throws {
        let config = layout.ossConfigPath
        let ingestor = LabComponent(name: "aether-ingestor", namespace: nil,
                                    arguments: [try LabExecutables.path("aether-ingestor"), "run", "--config", config],
                                    logPath: layout.logPath("aether-ingestor"))
        let metrics = layout.ingestorMetrics
        try await supervisor.start(ingestor) { _ in
            try await CommandRunner.run(["curl", "-sf", "-o", "/dev/null", "--max-time", "2", "http://\(metrics)/metrics"]).succeeded
        }
        let api = LabComponent(name: "aether-api", namespace: nil,
                               arguments: [try LabExecutables.path("aether-api"), "run", "--config", config],
                               logPath: layout.logPath("aether-api"))
        let url = layout.apiURL
        try await supervisor.start(api) { _ in
            try await CommandRunner.run(["curl", "-sf", "-o", "/dev/null", "--max-time", "2", "\(url)/health"]).succeeded
        }
    }

    private func startRelays() async throws {
        let relay = try LabExecutables.path("aether-relay")
        for node in layout.topology.accessNodes {
            let component = LabComponent(name: "aether-relay@\(node.id)", namespace: layout.namespace(node.id),
                                         arguments: [relay, "--config", layout.relayConfigPath(node.id), "--metrics", "127.0.0.1:9102"],
                                         logPath: layout.logPath("aether-relay@\(node.id)"))
            try await supervisor.start(component) { process in process.log().contains("aether-relay running") }
        }
    }

    private func startBNGs() async throws {
        let bng = try LabExecutables.path("aether-bng")
        for entry in layout.topology.bngs {
            let component = LabComponent(name: "aether-bng@\(entry.id)", namespace: layout.namespace(entry.id),
                                         arguments: [bng, "run", "--config", layout.bngConfigPath(entry.id)],
                                         logPath: layout.logPath("aether-bng@\(entry.id)"))
            // "BNG starting" is logged once the kernel state is adopted and the sockets are open.
            try await supervisor.start(component, timeoutSeconds: 90) { process in process.log().contains("BNG starting") }
        }
    }

    /// Starts aether-sim against this lab as a supervised component (its counters in
    /// `sim/status.json`, shown in the lab's status line).
    public func startSimulator(seed: UInt64) async throws {
        guard let configuration = simulatorPath else { return }
        let statusPath = layout.simulatorStatusPath
        try? FileManager.default.removeItem(atPath: statusPath)
        try StateFiles.makeDirectory(layout.directory + "/sim", mode: 0o755)
        let component = LabComponent(
            name: "aether-sim", namespace: nil,
            arguments: [try LabExecutables.path("aether-sim"), "run", "--profile", layout.harness.profile,
                        "--state-directory", layout.harness.stateDirectory, "--topology", topologyPath, "--config", configuration,
                        "--seed", "\(seed)", "--status-file", statusPath, "--summary-interval", "10"],
            logPath: layout.logPath("aether-sim"))
        try await step("aether-sim (\(configuration))") {
            try await supervisor.start(component) { process in process.log().contains("driving") }
        }
    }

    static func listens(in namespace: NetworkNamespace, tcpPort: UInt16) async throws -> Bool {
        let output = try await namespace.run(["ss", "-Htln", "sport = :\(tcpPort)"])
        return !output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    // MARK: Running

    /// Supervises until `signal` (a task waiting for SIGINT or SIGTERM, started before `up()` so
    /// that a Ctrl-C during start-up lets the lab come up whole and then go) yields, printing a
    /// status line every `statusInterval` seconds; returns the signal's number.
    public func runUntilSignal(_ signal: Task<Int32, Never>, statusInterval: Double = 30) async -> Int32 {
        let loop = Task {
            var lastStatus = MonotonicClock.now
            while !Task.isCancelled {
                await supervisor.superviseOnce()
                if MonotonicClock.now - lastStatus >= statusInterval {
                    lastStatus = MonotonicClock.now
                    if let line = try? await statusLine() { progress(line) }
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        let number = await signal.value
        loop.cancel()
        _ = await loop.value
        return number
    }

    /// `sessions bng-01 12 · bng-02 30 (authorized 40) · restarts 0`.
    func statusLine() async throws -> String {
        let counts = try LabStatus.sessions(layout: layout)
        let restarts = await supervisor.snapshot().reduce(0) { $0 + $1.restarts }
        let perBNG = layout.topology.bngs.map { "\($0.id) \(counts[$0.id] ?? 0)" }.joined(separator: " · ")
        let simulator = FileManager.default.contents(atPath: layout.simulatorStatusPath)
            .flatMap { try? JSONDecoder().decode(SubscriberSimulator.Stats.self, from: $0) }
        return "sessions \(perBNG) · component restarts \(restarts)" + (simulator.map { " · sim: \($0.line)" } ?? "")
    }

    /// Stops every component, removes the network and (with `stopServices`) the services.
    public func teardown(stopServices: Bool, purge: Bool = false) async {
        await supervisor.stopAll()
        try? await removeNetwork(servicesNamespace: layout.harness.servicesNamespace)
        if stopServices {
            try? await harness.stop(purge: purge)
        }
        try? FileManager.default.removeItem(atPath: layout.statePath)
    }

    /// Removes a lab of this profile whatever state it is in: asks a live supervisor to stop
    /// (SIGTERM) and waits; then kills every recorded component still alive, deletes the network,
    /// stops the services and removes the runtime state (`purge`: the whole state folder).
    public static func down(harness: HarnessConfiguration, topologyPath: String?, progress: @escaping @Sendable (String) -> Void,
                            purge: Bool) async throws {
        let statePath = harness.stateDirectory + "/lab/lab.json"
        let state = LabState.read(statePath)
        if let supervisor = state?.supervisor, supervisor.isAlive, supervisor.pid != getpid() {
            progress("stopping the lab's supervisor (\(supervisor))")
            await supervisor.terminate(timeoutSeconds: 60)
        }
        for entry in state?.components ?? [] {
            if let process = entry.process, process.isAlive {
                progress("stopping \(entry.component.name) (\(process))")
                await process.terminate(timeoutSeconds: 10)
            }
        }
        if let path = topologyPath ?? state?.topologyPath, let lab = try? Lab(topologyPath: path, harness: harness, progress: progress) {
            try await lab.removeNetwork(servicesNamespace: harness.servicesNamespace)
        }
        try await ServiceHarness(configuration: harness).stop(purge: purge)
        try? FileManager.default.removeItem(atPath: statePath)
        progress(purge ? "lab and its state removed" : "lab removed (databases and logs kept in \(harness.stateDirectory); --purge removes them)")
    }
}

/// Writes `lab.json` whenever what runs changes.
final class LabStateRecorder: Sendable {
    private let state: Mutex<LabState>
    let path: String

    init(state: LabState, path: String) {
        self.state = Mutex(state)
        self.path = path
    }

    func update(components: [LabSupervisor.Entry]) {
        write { $0.components = components }
    }

    func markReady() { write { $0.ready = true } }

    private func write(_ change: (inout LabState) -> Void) {
        let snapshot = state.withLock { state -> LabState in
            change(&state)
            return state
        }
        guard let data = try? JSONEncoder.pretty.encode(snapshot) else { return }
        try? StateFiles.makeDirectory((path as NSString).deletingLastPathComponent, mode: 0o755)
        try? StateFiles.writePrivate(data, to: path)
    }
}

/// Executables of this package: next to the running `aether-lab`, else on `PATH`.
public enum LabExecutables {
    public static func path(_ name: String) throws -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let sibling = ((own as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: sibling) { return sibling }
        return try ExecutableLookup.path(of: name)
    }
}

/// What `aether-lab status` reports.
public enum LabStatus {
    /// Active sessions per BNG, from the OSS (what the dashboard shows).
    public static func sessions(layout: LabLayout) throws -> [String: Int] {
        let endpoints = try ServiceHarness(configuration: layout.harness).recordedEndpoints()
        let result = try PostgresConnection(endpoints.postgres.oss).query(
            "SELECT bng_id, count(*)::int AS sessions FROM sessions_active GROUP BY bng_id")
        var counts: [String: Int] = [:]
        for row in result.rows.indices {
            if let bng = try result.value("bng_id", row: row), let count = try result.value("sessions", row: row).flatMap({ Int($0) }) {
                counts[bng] = count
            }
        }
        return counts
    }
}
