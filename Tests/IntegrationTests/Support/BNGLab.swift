import AetherTestSupport
import DHCPKit
import EventSourcing
import Foundation
import LabKit
import NetworkTypes

/// One access node with subscriber hosts behind the real `aether-bng`, with the harness's Kea,
/// FreeRADIUS and Redis, and an upstream "internet" running iperf3:
///
/// ```
/// h1 ─p1┐                                          ┌─ svc0 ── services bridge ── Kea, FreeRADIUS, (Redis by socket)
/// h2 ─p2┼ br0 ── up0 ═══ agg0  bng (aether-bng) ───┤
/// …  ─pN┘  an (aether-relay)                       └─ up1 ── upstream 198.51.100.2 (iperf3)
/// ```
/// Every host's line gets a radcheck user (its User-Name, the lab password) in a radgroupreply
/// plan; the BNG writes its store, control socket and log under the test's folder.
final class BNGLab: @unchecked Sendable {
    /// An access node that `aether-sim load` emulates beside the relay's, on an aggregation
    /// bridge in front of the BNG.
    struct LoadNode: Sendable {
        var remoteID: String
        var macPrefix: UInt8 = 0x5a
    }

    // Immutable after make(); `bng` is replaced only by restart(), which tests call serially.
    let network: TestNetwork
    let endpoints: ServiceEndpoints
    let accessNode: NetworkNamespace
    let bngNamespace: NetworkNamespace
    let upstream: NetworkNamespace
    let hosts: [NetworkNamespace]
    let macs: [MACAddress]
    let services: ServicesAttachment
    let remoteID: String
    let bngID: String
    let stream: String
    /// The Redis the BNG publishes to (the harness's unless the test brought its own).
    let redis: RedisEndpoint
    let configPath: String
    /// The emulated access node's Kea subnet (with `loadNode:`).
    let loadSubnet: KeaSubnet?
    var bng: BackgroundProcess
    private var restarts = 0
    let relay: BackgroundProcess

    static let upstreamAddress = IPv4Address(198, 51, 100, 2)
    static let bngUpstreamAddress = IPv4Address(198, 51, 100, 1)
    /// The lab's plan: 20 Mbit/s down, 5 Mbit/s up (vendor 43242 attributes in radgroupreply).
    static let planDownloadKbps = 20_000
    static let planUploadKbps = 5_000

    var gateway: IPv4InterfaceAddress { services.subnet.gateway }

    /// The User-Name of host `index` (0-based): `{bng}/{remote_id}/{circuit_id}`.
    func userName(_ index: Int) -> String { "\(bngID)/\(remoteID)/\(remoteID)/\(index + 1)" }

    private init(network: TestNetwork, endpoints: ServiceEndpoints, accessNode: NetworkNamespace, bngNamespace: NetworkNamespace,
                 upstream: NetworkNamespace, hosts: [NetworkNamespace], macs: [MACAddress], services: ServicesAttachment,
                 remoteID: String, bngID: String, stream: String, redis: RedisEndpoint, configPath: String, loadSubnet: KeaSubnet?,
                 bng: BackgroundProcess, relay: BackgroundProcess) {
        self.network = network
        self.endpoints = endpoints
        self.accessNode = accessNode
        self.bngNamespace = bngNamespace
        self.upstream = upstream
        self.hosts = hosts
        self.macs = macs
        self.services = services
        self.remoteID = remoteID
        self.bngID = bngID
        self.stream = stream
        self.redis = redis
        self.configPath = configPath
        self.loadSubnet = loadSubnet
        self.bng = bng
        self.relay = relay
    }

    /// Builds the lab. `extraYAML` is appended to the BNG's configuration (timers, limits);
    /// `portRequestRate` limits each access-node port (`nil` for tests with many clients on one port).
    /// With `redisPortOnBNG` the BNG reaches `redis` over TCP on 127.0.0.1 of its own namespace
    /// (a private Redis listening there too, ``LabRedis``), everyone else through its socket.
    static func make(_ network: TestNetwork, endpoints: ServiceEndpoints, hosts count: Int,
                     leases: ServicesAttachment.Leases = .normal, provision: Bool = true,
                     timers: String = "interim_interval: 10\n  counters_interval: 2\n  idle_timeout: 600",
                     subscriberYAML: String = "", extraYAML: String = "", redis: RedisEndpoint? = nil,
                     portRequestRate: DHCPRequestRate? = DHCPRequestRate(perSecond: 20, burst: 40),
                     loadNode: LoadNode? = nil, radiusOnBNG: Bool = false, redisPortOnBNG: UInt16? = nil) async throws -> BNGLab {
        let accessNode = try await network.namespace("an")
        let bngNamespace = try await network.namespace("bng")
        let upstream = try await network.namespace("up")
        var hosts: [NetworkNamespace] = []
        for index in 1...count { hosts.append(try await network.namespace("h\(index)")) }
        let services = try await ServicesAttachment.attach(bngNamespace, in: network, endpoints: endpoints, leases: leases)
        let loadSubnet = loadNode == nil ? nil : try await services.addSubnet(in: network)
        let macs = (1...count).map { MACAddress(0x02, 0xbe, UInt8(services.subnet.id), UInt8($0), .random(in: 0...255), .random(in: 0...255)) }
        let tag = network.tag
        let remoteID = "an-\(tag)"
        let bngID = "bng-\(tag)"
        let stream = "bng_events_\(tag)"
        let keaInfo = endpoints.postgres.kea
        let radiusInfo = endpoints.postgres.radius
        let password = "lab"
        network.onCleanup {
            for mac in macs {
                _ = try? PostgresConnection(keaInfo).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')", [Hex.encode(mac.bytes)])
            }
            let radius = try? PostgresConnection(radiusInfo)
            _ = try? radius?.query("DELETE FROM radcheck WHERE username LIKE $1", ["\(bngID)/%"])
            _ = try? radius?.query("DELETE FROM radusergroup WHERE username LIKE $1", ["\(bngID)/%"])
            _ = try? radius?.query("DELETE FROM radgroupreply WHERE groupname = $1", ["plan-\(tag)"])
            _ = try? radius?.query("DELETE FROM radacct WHERE username LIKE $1", ["\(bngID)/%"])
            _ = try? radius?.query("DELETE FROM radpostauth WHERE username LIKE $1", ["\(bngID)/%"])
        }

        // Wiring, as the lab does it.
        for (index, host) in hosts.enumerated() {
            try await host.addVeth("eth0", mac: macs[index], peer: "p\(index + 1)", in: accessNode)
        }
        if let loadNode {
            // An aggregation switch between the BNG and its two access nodes: the relay's, and
            // the load generator's emulated one (which stamps Option 82 itself).
            let aggregation = try await network.namespace("agg")
            let loadNamespace = try await network.namespace("load")
            try await accessNode.addVeth("up0", peer: "a1", in: aggregation)
            try await loadNamespace.addVeth("eth0", peer: "a2", in: aggregation)
            try await aggregation.addVeth("a0", peer: "agg0", in: bngNamespace)
            try await aggregation.ip("link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0")
            try await aggregation.ip("link", "set", "br0", "up")
            for member in ["a0", "a1", "a2"] {
                try await aggregation.attach(member, toBridge: "br0")
                try await aggregation.ip("link", "set", member, "up")
            }
            try await loadNamespace.ip("link", "set", "eth0", "up")
            let kea = keaInfo
            let prefix = loadSubnet.map { "\($0.prefix)" } ?? "0.0.0.0/32"
            network.onCleanup {
                // The generator's MACs in this lab's subnet only: another lab's generator may share the MAC prefix.
                _ = try? PostgresConnection(kea).query("""
                    DELETE FROM lease4 WHERE substring(hwaddr from 1 for 2) = decode($1, 'hex') AND (inet '0.0.0.0' + address) << $2::inet
                    """, [String(format: "02%02x", loadNode.macPrefix), prefix])
            }
        } else {
            try await accessNode.addVeth("up0", peer: "agg0", in: bngNamespace)
        }
        try await bngNamespace.addVeth("up1", peer: "eth0", in: upstream)
        try await AccessNodeBridge(namespace: accessNode, uplink: "up0", ports: (1...count).map { "p\($0)" }).configure()
        try await SubscriberGateway(namespace: bngNamespace, interface: "agg0",
                                    gateways: [services.subnet.gateway] + (loadSubnet.map { [$0.gateway] } ?? [])).configure()
        try await bngNamespace.addAddress(IPv4InterfaceAddress(bngUpstreamAddress, prefixLength: 24), to: "up1")
        try await bngNamespace.ip("link", "set", "lo", "up")
        try await upstream.addAddress(IPv4InterfaceAddress(upstreamAddress, prefixLength: 24), to: "eth0")
        try await upstream.addRoute(services.subnet.prefix, via: bngUpstreamAddress)

        // RADIUS: a plan and one user per line.
        let radius = try PostgresConnection(radiusInfo)
        try radius.query("INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ($1, 'Aether-Download-Rate', ':=', $2), ($1, 'Aether-Upload-Rate', ':=', $3), ($1, 'Class', ':=', $4)",
                         ["plan-\(tag)", "\(planDownloadKbps)", "\(planUploadKbps)", "plan-\(tag)"])
        if provision {
            for index in 0..<count {
                let name = "\(bngID)/\(remoteID)/\(remoteID)/\(index + 1)"
                try radius.query("INSERT INTO radcheck (username, attribute, op, value) VALUES ($1, 'Cleartext-Password', ':=', $2)", [name, password])
                try radius.query("INSERT INTO radusergroup (username, groupname, priority) VALUES ($1, $2, 1)", [name, "plan-\(tag)"])
            }
        }

        // The access node's relay.
        let relayConfig = network.directory + "/relay.json"
        let ports = Dictionary(uniqueKeysWithValues: (1...count).map { ("p\($0)", RelayAgentIdentifier(text: "\(remoteID)/\($0)")) })
        try JSONEncoder().encode(AccessNodeRelayFile(remoteID: RelayAgentIdentifier(text: remoteID), uplink: "up0", ports: ports,
                                                      portRequestRate: portRequestRate))
            .write(to: URL(fileURLWithPath: relayConfig))
        let relay = try network.spawn([try BuiltProducts.executable("aether-relay"), "--config", relayConfig, "--metrics", "127.0.0.1:9102"],
                                      in: accessNode, log: "aether-relay")
        try await Readiness.wait(for: "aether-relay", timeoutSeconds: 15) { relay.log().contains("aether-relay running") }

        // The BNG.
        let secrets = network.directory + "/secrets"
        try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
        try endpoints.radius.secret.write(toFile: secrets + "/radius", atomically: true, encoding: .utf8)
        let redis = redis ?? endpoints.redis
        try (redis.password ?? "").write(toFile: secrets + "/redis", atomically: true, encoding: .utf8)
        guard case .unixSocket(let redisSocket) = redis.address else {
            throw LabKitError(.invalidConfiguration, "the harness's Redis has no Unix socket")
        }
        // With `radiusOnBNG` the test runs a FreeRADIUS of its own in the BNG's namespace (``LabRADIUS``).
        let radiusAddress = radiusOnBNG ? services.address : endpoints.radius.address
        let configPath = network.directory + "/bng.yaml"
        try """
            bng:
              id: \(bngID)
              nas_ip: \(services.address)
              state_dir: \(network.directory)/bng
            subscribers:
              interface: agg0
              access_nodes:
                - remote_id: \(remoteID)
                  gateway: \(services.subnet.gateway)
            \(loadNode.map { "    - remote_id: \($0.remoteID)\n      gateway: \(loadSubnet?.gateway ?? services.subnet.gateway)" } ?? "")
            \(subscriberYAML)
            dhcp:
              servers: [\(endpoints.servicesAddress)]
              server_interface: \(services.interface)
            radius:
              authentication: [{ address: \(radiusAddress), port: \(radiusOnBNG ? 1812 : endpoints.radius.authenticationPort) }]
              accounting: [{ address: \(radiusAddress), port: \(radiusOnBNG ? 1813 : endpoints.radius.accountingPort) }]
              secret: { file: \(secrets)/radius }
              password: \(password)
              timeout: 1
              attempts: 2
            coa:
              clients: [{ network: \(IPv4Network(containing: endpoints.servicesAddress, prefixLength: endpoints.servicesPrefixLength)), secret: { file: \(secrets)/radius } }]
            redis:
            \(redisPortOnBNG.map { "  address: 127.0.0.1\n  port: \($0)" } ?? "  socket: \(redisSocket)")
            \(redis.password == nil ? "" : "  password: { file: \(secrets)/redis }")
              stream: \(stream)
            kea:
              socket: \(endpoints.kea.controlSocket)
            shaping:
              ifb: ifb0
            timers:
              \(timers)
            management:
              metrics: 127.0.0.1:9103
            \(extraYAML)

            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let bng = try Self.startBNG(network: network, in: bngNamespace, config: configPath)
        return BNGLab(network: network, endpoints: endpoints, accessNode: accessNode, bngNamespace: bngNamespace, upstream: upstream,
                      hosts: hosts, macs: macs, services: services, remoteID: remoteID, bngID: bngID, stream: stream, redis: redis,
                      configPath: configPath, loadSubnet: loadSubnet, bng: bng, relay: relay)
    }

    /// Starts aether-bng at log level `$AETHER_BNG_LOG_LEVEL` (debug unless set: tests read its
    /// log; the benchmark runs it at info), under `$AETHER_BNG_WRAP` when set (a profiler:
    /// `heaptrack -o /tmp/bng`, `perf record -g -o /tmp/bng.perf --`).
    static func startBNG(network: TestNetwork, in namespace: NetworkNamespace, config: String, log: String = "aether-bng") throws -> BackgroundProcess {
        let environment = ProcessInfo.processInfo.environment
        let wrapper = environment["AETHER_BNG_WRAP"].map { $0.split(separator: " ").map(String.init) } ?? []
        let process = try network.spawn(wrapper + [try BuiltProducts.executable("aether-bng"), "run", "--config", config,
                                                   "--log-level", environment["AETHER_BNG_LOG_LEVEL"] ?? "debug"],
                                        in: namespace, log: log)
        return process
    }

    /// Stops the BNG with `signal` (SIGKILL: a crash) and starts it again on the same state,
    /// waiting until it answers.
    func restart(signal: Int32) async throws {
        _ = await bng.stop(signal: signal, withinSeconds: 10)
        restarts += 1
        bng = try Self.startBNG(network: network, in: bngNamespace, config: configPath, log: "aether-bng-\(restarts)")
        try await waitForBNG()
    }

    /// Waits until the BNG has adopted the kernel ("BNG starting", logged once adoption is done
    /// and its metrics recorded) and answers on its control socket (which serves from the store
    /// even while adoption runs).
    func waitForBNG() async throws {
        try await Readiness.wait(for: "aether-bng adoption and control socket", timeoutSeconds: 30) {
            guard self.bng.isRunning else { throw LabKitError(.daemonExited, "aether-bng exited:\n\(self.bng.log().suffix(3000))") }
            guard self.bng.log().contains("BNG starting") else { return false }
            return (try? await self.sessions()) != nil
        }
    }

    /// `aether-bng sessions --json`, parsed.
    func sessions() async throws -> [[String: Any]] {
        let output = try await bngNamespace.check([try BuiltProducts.executable("aether-bng"), "sessions", "--config", configPath, "--json"])
        return (try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [[String: Any]]) ?? []
    }

    /// The access node relay's Prometheus metrics.
    func relayMetrics() async throws -> PrometheusText {
        PrometheusText(try await accessNode.check(["curl", "-sf", "http://127.0.0.1:9102/metrics"]).standardOutput)
    }

    /// The BNG's Prometheus metrics.
    func metrics() async throws -> PrometheusText {
        PrometheusText(try await bngNamespace.check(["curl", "-sf", "http://127.0.0.1:9103/metrics"]).standardOutput)
    }

    /// The events of this BNG's stream, decoded, in stream order.
    func events() throws -> [EventEnvelope] {
        let connection = try RedisConnection(redis)
        let entries = try connection.command(["XRANGE", stream, "-", "+"])
        let codec = EventCodec()
        return try (entries.array ?? []).compactMap { entry -> EventEnvelope? in
            guard let fields = entry.array?[1].array, let index = fields.firstIndex(of: .bulk(Array(EventStreamFormat.eventField.utf8))),
                  let bytes = fields[index + 1].bytes else { return nil }
            return try codec.decode(bytes)
        }
    }

    /// radacct rows of this BNG, oldest first.
    func radacct() throws -> [[String: String?]] {
        let rows = try PostgresConnection(endpoints.postgres.radius).query("""
            SELECT acctsessionid, username, nasportid, class, host(framedipaddress) AS ip, acctstarttime::text AS started,
                   acctstoptime::text AS stopped, acctinputoctets::text AS input, acctoutputoctets::text AS output,
                   acctterminatecause AS cause, acctupdatetime::text AS updated
            FROM radacct WHERE username LIKE $1 ORDER BY radacctid
            """, ["\(bngID)/%"])
        return try rows.rows.indices.map { index in
            var row: [String: String?] = [:]
            for column in ["acctsessionid", "username", "nasportid", "class", "ip", "started", "stopped", "input", "output", "cause", "updated"] {
                row[column] = try rows.value(column, row: index)
            }
            return row
        }
    }

    /// Runs `dhclient -1` on host `index` with its own lease file; returns the file's path.
    func dhclient(_ index: Int) async throws -> String {
        let files = DHCPClientFiles(network, host: "h\(index + 1)")
        try await hosts[index].dhclient(files, network: network, timeoutSeconds: 90, context: "bng: \(bng.log().suffix(3000))")
        return files.leases
    }

    /// Releases host `index`'s dhclient lease (RELEASE, unicast to the gateway).
    func release(_ index: Int) async throws {
        let files = DHCPClientFiles(network, host: "h\(index + 1)")
        try await hosts[index].check(["dhclient", "-r", "-lf", files.leases, "-pf", files.pid, "eth0"])
    }

    /// Stops host `index`'s dhclient without a RELEASE: the lease stays, nothing renews it.
    func stopDHCPClient(_ index: Int) async throws {
        let files = DHCPClientFiles(network, host: "h\(index + 1)")
        try await hosts[index].check(["dhclient", "-x", "-lf", files.leases, "-pf", files.pid, "eth0"])
    }

    /// Host `index`'s IPv4 address on eth0.
    func address(of index: Int) async throws -> IPv4Address { try await hosts[index].ipv4Address() }

    /// The session the BNG holds for `address`, when it is authorized (polls the control socket).
    func waitForAuthorizedSession(at address: IPv4Address, timeoutSeconds: Double = 30) async throws -> [String: Any] {
        var found: [String: Any]?
        try await Readiness.wait(for: "an authorized session for \(address)", timeoutSeconds: timeoutSeconds) {
            found = try await self.sessions().first { $0["address"] as? String == "\(address)" && $0["auth_state"] as? String == "AUTHORIZED" }
            return found != nil
        }
        return found ?? [:]
    }
}
