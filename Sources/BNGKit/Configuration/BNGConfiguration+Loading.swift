import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import NetlinkShaping
import NetworkTypes
import RadiusKit
import ServiceSupport
import Yams

extension BNGConfiguration {
    /// Reads and checks a YAML file; every error names the file and the key.
    public static func load(path: String) throws -> BNGConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BNGError(.invalidConfiguration, "\(path): cannot be read")
        }
        return try decode(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Decodes and checks YAML text; `source` names it in errors.
    public static func decode(_ yaml: String, source: String) throws -> BNGConfiguration {
        let configuration: BNGConfiguration
        do {
            configuration = try YAMLDecoder().decode(BNGConfiguration.self, from: yaml)
        } catch let error as DecodingError {
            let (key, reason) = error.configurationProblem
            throw BNGError(.invalidConfiguration, "\(source): key \"\(key)\": \(reason)")
        } catch {
            throw BNGError(.invalidConfiguration, "\(source): not valid YAML: \(error)")
        }
        try configuration.validate(source: source)
        return configuration
    }

    func validate(source: String) throws {
        func fail(_ key: String, _ why: String) -> BNGError { BNGError(.invalidConfiguration, "\(source): key \"\(key)\": \(why)") }
        guard !bng.id.isEmpty, bng.id.utf8.count <= 32, bng.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw fail("bng.id", "\"\(bng.id)\" must be 1–32 letters, digits, '-' or '_'")
        }
        guard bng.stateDirectory.hasPrefix("/") else { throw fail("bng.state_dir", "\"\(bng.stateDirectory)\" must be an absolute path") }
        guard !subscribers.accessNodes.isEmpty else { throw fail("subscribers.access_nodes", "at least one access node is needed") }
        var seen: [IPv4Network] = []
        for (index, node) in subscribers.accessNodes.enumerated() {
            if let clash = seen.first(where: { $0.overlaps(node.gateway.network) }) {
                throw fail("subscribers.access_nodes.\(index).gateway", "\(node.gateway.network) overlaps \(clash)")
            }
            seen.append(node.gateway.network)
        }
        guard Set(subscribers.accessNodes.map(\.remoteID)).count == subscribers.accessNodes.count else {
            throw fail("subscribers.access_nodes", "two access nodes share a remote_id")
        }
        guard !dhcp.servers.isEmpty else { throw fail("dhcp.servers", "at least one DHCP server is needed") }
        guard !radius.authentication.isEmpty else { throw fail("radius.authentication", "at least one server is needed") }
        guard !radius.accounting.isEmpty else { throw fail("radius.accounting", "at least one server is needed") }
        if let redis, redis.socket == nil, redis.address == nil {
            throw fail("redis", "give socket, or address and port")
        }
        if let kea, kea.socket == nil, kea.controlAgent == nil { throw fail("kea", "give socket or control_agent") }
    }

    /// The settings with every default applied and every secret read.
    public func resolve(source: String) throws -> BNGSettings {
        do {
            return try resolveSettings(source: source)
        } catch let error as ConfigurationError {
            throw BNGError(.invalidConfiguration, error.message)
        }
    }

    private func resolveSettings(source: String) throws -> BNGSettings {
        let timers = self.timers
        let secret = try radius.secret.resolve(key: "radius.secret", file: source)
        let password = try radius.password?.resolve(key: "radius.password", file: source) ?? "aether"
        let gateways = subscribers.accessNodes
        let defaultGateway = subscribers.defaultGateway ?? gateways[0].gateway.address
        var accessNodeGateways: [RelayAgentIdentifier: IPv4Address] = [:]
        for node in gateways { accessNodeGateways[(try? RelayAgentIdentifier(parsing: node.remoteID)) ?? RelayAgentIdentifier(text: node.remoteID)] = node.gateway.address }
        let relay = GatewayRelayAgent.Configuration(
            relayAddress: defaultGateway, accessNodeGateways: accessNodeGateways, servers: dhcp.servers,
            interfaces: [subscribers.interface: subscribers.trust ?? .trusted], relayID: RelayAgentIdentifier(text: bng.id),
            maximumClientsPerCircuit: subscribers.maximumClientsPerCircuit ?? 4,
            circuitRequestRate: .init(perSecond: subscribers.dhcpRequestsPerSecond ?? 10, burst: subscribers.dhcpBurst ?? 20))
        let idle = timers?.idleTimeout ?? 600
        let engine = SessionEngineConfiguration(
            bngID: bng.id, nasIPAddress: bng.nasIP, nasIdentifier: bng.nasIdentifier, userNameFormat: radius.userNameFormat ?? .standard,
            password: password, interimInterval: timers?.interimInterval ?? 30, idleTimeout: idle > 0 ? idle : nil,
            authRetryInitial: timers?.authRetryInitial ?? 2, authRetryMaximum: timers?.authRetryMaximum ?? 60,
            rejectRetryInitial: timers?.rejectRetryInitial ?? 10, rejectRetryMaximum: timers?.rejectRetryMaximum ?? 300,
            leaseGrace: timers?.leaseGrace ?? 5, tombstoneLifetime: timers?.tombstoneLifetime ?? 600,
            accessNodeStaleAfter: timers?.accessNodeStaleAfter ?? 180,
            profiles: (profiles ?? [:]).mapValues(\.rates), subscriberInterface: subscribers.interface)
        let shaping = self.shaping
        let shaper: ShaperConfiguration? = (shaping?.enabled ?? true) ? ShaperConfiguration(
            subscriberInterface: subscribers.interface,
            upload: shaping?.uploadInterface.map { .interface(name: $0) } ?? .ifb(name: shaping?.ifb ?? String("ifb-\(bng.id)".prefix(15))),
            totalRate: (shaping?.totalMbps ?? 10_000) * 1_000_000) : nil
        let table = "aether_" + bng.id.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined()
        let metricsAddress = management?.metrics ?? "\(bng.nasIP):9103"
        let coaPort = coa?.port ?? 3799
        var managementPorts = [ManagementPort(.udp, coaPort)]
        if let port = metricsAddress.split(separator: ":").last.flatMap({ UInt16($0) }) { managementPorts.append(ManagementPort(.tcp, port)) }
        // Without a known management interface the management ports stay reachable from every
        // non-subscriber interface (subscribers reach none of them in any case).
        let managementInterfaces = management?.interfaces ?? [dhcp.serverInterface].compactMap { $0 }
        if managementInterfaces.isEmpty { managementPorts = [] }
        if let shared = managementInterfaces.first(where: { $0 == subscribers.interface }) {
            throw BNGError(.invalidConfiguration, "\(source): key \"management.interfaces\": \(shared) is the subscriber interface")
        }
        let dataPlane = DataPlaneConfiguration(tableName: table, subscriberInterfaces: [subscribers.interface], shaper: shaper,
                                               managementInterfaces: managementInterfaces, managementPorts: managementPorts,
                                               gatewayAddresses: gateways.map(\.gateway.address) + [defaultGateway])
        let secretValue = try RADIUSSecret(secret)
        let coaClients = try (coa?.clients ?? []).enumerated().map { index, client in
            RADIUSDynamicAuthorizationClient(name: "coa-\(index)", range: RADIUSAddressRange(client.network),
                                             secret: try RADIUSSecret(try client.secret.resolve(key: "coa.clients.\(index).secret", file: source)))
        }
        let kea: KeaControlClient.Transport? = try self.kea.map { kea in
            if let socket = kea.socket { return .unixSocket(path: socket) }
            let parts = (kea.controlAgent ?? "").split(separator: ":")
            guard parts.count == 2, let address = IPv4Address(String(parts[0])), let port = UInt16(parts[1]) else {
                throw BNGError(.invalidConfiguration, "\(source): key \"kea.control_agent\": \"\(kea.controlAgent ?? "")\" is not address:port")
            }
            return .controlAgent(host: address, port: port)
        }
        return BNGSettings(
            engine: engine, relay: relay, serverInterface: dhcp.serverInterface, dataPlane: dataPlane,
            authenticationServers: radius.authentication.map { RADIUSServer(address: $0.address, port: $0.port, secret: secretValue) },
            accountingServers: radius.accounting.map { RADIUSServer(address: $0.address, port: $0.port, secret: secretValue) },
            radiusTimeout: radius.timeout ?? 3, radiusAttempts: radius.attempts ?? 3,
            coaAddress: "\(bng.nasIP):\(coaPort)", coaClients: coaClients,
            redis: try redis.map { redis in
                let groups = redis.consumerGroups ?? ["oss"]
                if let empty = groups.firstIndex(of: "") {
                    throw BNGError(.invalidConfiguration, "\(source): key \"redis.consumer_groups.\(empty)\": a consumer group name must not be empty")
                }
                if let length = redis.maximumLength, length <= 0 {
                    throw BNGError(.invalidConfiguration, "\(source): key \"redis.max_length\": \(length) must be positive")
                }
                return RedisSettings(socket: redis.socket, address: redis.address, port: redis.port ?? 6379,
                                     password: try redis.password?.resolve(key: "redis.password", file: source),
                                     stream: redis.stream ?? "bng_events", consumerGroups: groups,
                                     maximumLength: redis.maximumLength ?? 1_000_000)
            },
            kea: kea, reconcileInterval: self.kea?.reconcileInterval ?? 60,
            countersInterval: timers?.countersInterval ?? 10, healthInterval: timers?.healthInterval ?? 5,
            stateDirectory: bng.stateDirectory,
            metricsAddress: metricsAddress,
            controlSocket: management?.controlSocket ?? bng.stateDirectory + "/control.sock")
    }
}

/// Redis, resolved.
public struct RedisSettings: Hashable, Sendable {
    public var socket: String?
    public var address: IPv4Address?
    public var port: UInt16
    public var password: String?
    public var stream: String
    /// Groups every event must reach before the outbox forgets it and the stream may trim it.
    public var consumerGroups: [String]
    /// Trimming when ``consumerGroups`` is empty.
    public var maximumLength: Int

    /// How the stream is trimmed: below the groups' committed floor, or by length without groups.
    public var retention: RedisStreamRetention {
        consumerGroups.isEmpty ? .maximumLength(maximumLength) : .untilCommitted(groups: consumerGroups)
    }
}

/// Everything the BNG runtime needs, defaults applied and secrets read.
public struct BNGSettings: Hashable, Sendable {
    public var engine: SessionEngineConfiguration
    public var relay: GatewayRelayAgent.Configuration
    public var serverInterface: String?
    public var dataPlane: DataPlaneConfiguration
    public var authenticationServers: [RADIUSServer]
    public var accountingServers: [RADIUSServer]
    public var radiusTimeout: Double
    public var radiusAttempts: Int
    public var coaAddress: String
    public var coaClients: [RADIUSDynamicAuthorizationClient]
    public var redis: RedisSettings?
    public var kea: KeaControlClient.Transport?
    public var reconcileInterval: Double
    public var countersInterval: Double
    public var healthInterval: Double
    public var stateDirectory: String
    public var metricsAddress: String
    public var controlSocket: String

    /// The store's file.
    public var storePath: String { stateDirectory + "/bng.sqlite" }
}
