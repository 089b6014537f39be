import Dispatch
import EventSourcing
import Foundation
import Glibc
import Logging
import NetworkTypes

/// Starts, checks and stops the real services Aether runs against: PostgreSQL, Redis,
/// Kea DHCPv4 with its control agent, and FreeRADIUS, all under one state folder.
///
/// - `start()` is idempotent: what already answers is left alone, what is missing is started,
///   and each service is awaited by a real check (a libpq ping, a Redis PING, a Kea
///   `status-get`, FreeRADIUS's UDP socket in the kernel's table).
/// - `stop()` stops exactly the processes recorded in the state folder (PID and start time),
///   deletes every namespace with the profile's prefix (leftovers of crashed tests included)
///   and, with `purge`, removes the state folder.
/// - Calls from several processes are serialized by a lock file in the state folder.
public struct ServiceHarness: Sendable {
    public let configuration: HarnessConfiguration
    private let logger: Logger

    public init(configuration: HarnessConfiguration, logger: Logger = Logger(label: "aether.harness")) {
        self.configuration = configuration
        self.logger = logger
    }

    public var endpointsPath: String { configuration.stateDirectory + "/endpoints.json" }

    /// Brings every service up (or confirms it is up) and returns how to reach them.
    @discardableResult
    public func start() async throws -> ServiceEndpoints {
        try configuration.validate()
        try StateFiles.makeDirectory(configuration.stateDirectory, mode: 0o755)
        return try await withStateLock {
            let secrets = try HarnessSecrets.loadOrCreate(in: configuration.stateDirectory)
            let services = Services(configuration: configuration, secrets: secrets)

            try await timed("postgres") { try await services.postgres.start() }
            try await timed("redis") { try await services.redis.start() }
            try await timed("services namespace") { try await startServicesNamespace() }
            try await timed("kea") { try await services.kea.start() }
            try await timed("freeradius") { try await services.radius.start() }

            let endpoints = services.endpoints
            try StateFiles.writePrivate(try JSONEncoder.pretty.encode(endpoints), to: endpointsPath)
            return endpoints
        }
    }

    /// Stops everything the state folder records, removes the profile's namespaces and,
    /// when `purge` is set, the state folder itself. Safe to call when nothing runs.
    public func stop(purge: Bool = false) async throws {
        guard StateFiles.exists(configuration.stateDirectory) else {
            try await deleteNamespaces()
            return
        }
        try await withStateLock {
            if let secrets = try? HarnessSecrets.loadOrCreate(in: configuration.stateDirectory) {
                let services = Services(configuration: configuration, secrets: secrets)
                await services.radius.stop()
                await services.kea.stop()
                await services.redis.stop()
                await services.postgres.stop()
            }
            try await deleteNamespaces()
        }
        if purge {
            try? FileManager.default.removeItem(atPath: configuration.stateDirectory)
        }
    }

    /// Which services answer right now.
    public func status() async -> [(service: String, running: Bool, detail: String)] {
        guard let secrets = try? HarnessSecrets.loadOrCreate(in: configuration.stateDirectory) else { return [] }
        let services = Services(configuration: configuration, secrets: secrets)
        let keaAnswers = (try? await services.kea.dhcpClient.send("status-get")) != nil
        let agentAnswers = (try? await services.kea.agentClient.send("status-get")) != nil
        let radius = services.radius.process
        return [
            ("postgres", services.postgres.isAccepting, "\(services.postgres.socketDirectory) port \(configuration.postgresPort)"),
            ("redis", services.redis.answersPing, services.redis.socketPath),
            ("kea-dhcp4", keaAnswers, "\(configuration.servicesNamespace) \(configuration.servicesAddress):67"),
            ("kea-ctrl-agent", agentAnswers, "http://127.0.0.1:\(configuration.keaControlAgentPort)/"),
            ("freeradius", radius.map(services.radius.isListening) ?? false,
             "\(configuration.servicesNamespace) \(configuration.servicesAddress):1812"),
        ]
    }

    /// The endpoints of a harness that has been started, without touching any service.
    public func recordedEndpoints() throws -> ServiceEndpoints {
        guard let data = FileManager.default.contents(atPath: endpointsPath) else {
            throw LabKitError(.stateUnreadable, "\(endpointsPath) does not exist; start the services first")
        }
        do {
            return try JSONDecoder().decode(ServiceEndpoints.self, from: data)
        } catch {
            throw LabKitError(.stateUnreadable, "\(endpointsPath) is unreadable: \(error)")
        }
    }

    private func startServicesNamespace() async throws {
        let namespace = try await NetworkNamespace.create(configuration.servicesNamespace.name)
        try await namespace.addBridge(configuration.servicesBridge)
        // A bridge takes the lowest MAC of its ports and changes it as test namespaces come and
        // go, cutting off peers that cached the old one for ~30 s. Pin it to the MAC of a port
        // that never leaves: every port's own MAC is a local FDB entry, so frames to it are
        // delivered to the bridge (an arbitrary MAC set on the bridge is not, on this kernel).
        let anchor = "svcanchor"
        if !(try await CommandRunner.run(["ip", "-n", namespace.name, "link", "show", anchor]).succeeded) {
            try await namespace.ip("link", "add", anchor, "type", "veth", "peer", "name", anchor + "p")
        }
        try await namespace.attach(anchor, toBridge: configuration.servicesBridge)
        try await namespace.ip("link", "set", anchor, "up")
        try await namespace.ip("link", "set", anchor + "p", "up")
        // `ip netns exec` mounts the namespace's own /sys.
        let anchorMAC = try await namespace.check(["cat", "/sys/class/net/\(anchor)/address"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try await namespace.ip("link", "set", configuration.servicesBridge, "address", anchorMAC)
        try await namespace.addAddress(IPv4InterfaceAddress(configuration.servicesAddress, prefixLength: configuration.servicesPrefixLength),
                                       to: configuration.servicesBridge)
    }

    /// Deletes every namespace named `aet-<profile>-…`, killing what still runs inside.
    private func deleteNamespaces() async throws {
        let prefix = configuration.namespacePrefix + "-"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
            .filter { $0.hasPrefix(prefix) }
        for name in names {
            try await NetworkNamespace(name).delete()
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(name)")
        }
    }

    private func timed<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        let started = MonotonicClock.now
        let result = try await body()
        logger.info("ready", metadata: ["service": "\(what)",
                                        "seconds": "\(String(format: "%.2f", MonotonicClock.now - started))"])
        return result
    }

    /// Serializes start/stop across processes with `flock` on `<state>/harness.lock`.
    private func withStateLock<T>(_ body: () async throws -> T) async throws -> T {
        let path = configuration.stateDirectory + "/harness.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LabKitError.errno("open \(path)") }
        defer { close(fd) }
        // flock blocks; wait for it on a Dispatch thread, not on the cooperative pool.
        let locked: Bool = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32
                repeat { status = flock(fd, LOCK_EX) } while status != 0 && errno == EINTR
                continuation.resume(returning: status == 0)
            }
        }
        guard locked else { throw LabKitError.errno("flock \(path)") }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}

/// The four services of one harness, sharing configuration and secrets.
struct Services {
    let postgres: PostgresService
    let redis: RedisService
    let kea: KeaService
    let radius: FreeRADIUSService
    let configuration: HarnessConfiguration
    let secrets: HarnessSecrets

    init(configuration: HarnessConfiguration, secrets: HarnessSecrets) {
        self.configuration = configuration
        self.secrets = secrets
        postgres = PostgresService(configuration: configuration, secrets: secrets)
        redis = RedisService(configuration: configuration, secrets: secrets)
        kea = KeaService(configuration: configuration, secrets: secrets, postgres: postgres)
        radius = FreeRADIUSService(configuration: configuration, secrets: secrets, postgres: postgres)
    }

    var endpoints: ServiceEndpoints {
        ServiceEndpoints(
            profile: configuration.profile,
            stateDirectory: configuration.stateDirectory,
            servicesNamespace: configuration.servicesNamespace,
            servicesBridge: configuration.servicesBridge,
            servicesAddress: configuration.servicesAddress,
            servicesPrefixLength: configuration.servicesPrefixLength,
            postgres: .init(socketDirectory: postgres.socketDirectory, port: configuration.postgresPort,
                            superuser: postgres.superuser,
                            oss: postgres.connectionInfo(database: "oss", user: "oss", password: secrets.oss),
                            kea: postgres.connectionInfo(database: "kea", user: "kea", password: secrets.kea),
                            radius: postgres.connectionInfo(database: "radius", user: "radius",
                                                            password: secrets.radiusDatabase)),
            redis: redis.endpoint,
            redisTCP: redis.tcpEndpoint,
            kea: .init(controlAgentHost: .loopback, controlAgentPort: UInt16(configuration.keaControlAgentPort),
                       controlSocket: kea.controlSocket, subnets: kea.subnets),
            radius: .init(address: configuration.servicesAddress, authenticationPort: 1812, accountingPort: 1813,
                          secret: secrets.radiusShared, clientNetworks: radius.clientNetworks))
    }
}

extension JSONEncoder {
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
