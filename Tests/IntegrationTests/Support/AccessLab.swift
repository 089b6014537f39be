import AetherTestSupport
import DHCPKit
import EventSourcing
import Foundation
import LabKit
import MetricsTestKit
import NetworkTypes

/// One access node with subscriber hosts, a BNG running the gateway relay in relay-proxy mode,
/// the harness's Kea behind it and an upstream "internet":
///
/// ```
/// h1 ─p1┐                                  ┌─ svc0 ── services bridge ── Kea
/// h2 ─p2┼ br0 ── up0 ═══ agg0  BNG (gateway ┤
/// …  ─pN┘  an (aether-relay)   relay-proxy)  └─ up1 ── upstream 198.51.100.2 (iperf3)
/// ```
/// The access node bridges data traffic with isolated ports and relays only DHCP (LabKit's
/// ``AccessNodeBridge``); the BNG is every host's gateway (``SubscriberGateway``).
struct AccessLab {
    let network: TestNetwork
    let endpoints: ServiceEndpoints
    let accessNode: NetworkNamespace
    let bng: NetworkNamespace
    let upstream: NetworkNamespace
    let hosts: [NetworkNamespace]
    let macs: [MACAddress]
    let services: ServicesAttachment
    let remoteID: String
    let relayID: String
    let relay: BackgroundProcess
    let relayMetricsPort = 9102
    let gatewayMetrics: TestMetrics

    static let upstreamAddress = IPv4Address(198, 51, 100, 2)
    static let bngUpstreamAddress = IPv4Address(198, 51, 100, 1)

    /// The subscribers' gateway (Kea's giaddr for this subnet).
    var gateway: IPv4InterfaceAddress { services.subnet.gateway }

    static func make(_ network: TestNetwork, endpoints: ServiceEndpoints, hosts count: Int,
                     leases: ServicesAttachment.Leases = .normal) async throws -> AccessLab {
        let accessNode = try await network.namespace("an")
        let bng = try await network.namespace("bng")
        let upstream = try await network.namespace("up")
        var hosts: [NetworkNamespace] = []
        for index in 1...count { hosts.append(try await network.namespace("h\(index)")) }
        let services = try await ServicesAttachment.attach(bng, in: network, endpoints: endpoints, leases: leases)
        let macs = (1...count).map { MACAddress(0x02, 0xae, UInt8(services.subnet.id), UInt8($0), .random(in: 0...255), .random(in: 0...255)) }
        let keaInfo = endpoints.postgres.kea
        network.onCleanup {
            for mac in macs {
                _ = try? PostgresConnection(keaInfo).query("DELETE FROM lease4 WHERE hwaddr = decode($1, 'hex')", [Hex.encode(mac.bytes)])
            }
        }

        // Wiring: hosts to ports, the node's uplink to the BNG, the BNG to the upstream.
        for (index, host) in hosts.enumerated() {
            try await host.addVeth("eth0", mac: macs[index], peer: "p\(index + 1)", in: accessNode)
        }
        try await accessNode.addVeth("up0", peer: "agg0", in: bng)
        try await bng.addVeth("up1", peer: "eth0", in: upstream)
        try await AccessNodeBridge(namespace: accessNode, uplink: "up0", ports: (1...count).map { "p\($0)" }).configure()
        try await SubscriberGateway(namespace: bng, interface: "agg0", gateways: [services.subnet.gateway]).configure()
        try await bng.addAddress(IPv4InterfaceAddress(bngUpstreamAddress, prefixLength: 24), to: "up1")
        try await upstream.addAddress(IPv4InterfaceAddress(upstreamAddress, prefixLength: 24), to: "eth0")
        try await upstream.addRoute(services.subnet.prefix, via: bngUpstreamAddress)

        // The access node's relay: the real executable, metrics on its loopback.
        let remoteID = "an-\(network.tag)"
        let relayID = "bng-\(network.tag)"
        let config = network.directory + "/relay.json"
        let ports = Dictionary(uniqueKeysWithValues: (1...count).map { ("p\($0)", RelayAgentIdentifier(text: "\(remoteID)/\($0)")) })
        try JSONEncoder().encode(AccessNodeRelayFile(remoteID: RelayAgentIdentifier(text: remoteID), uplink: "up0", ports: ports))
            .write(to: URL(fileURLWithPath: config))
        try await accessNode.ip("link", "set", "lo", "up")
        let relay = try network.spawn([try BuiltProducts.executable("aether-relay"), "--config", config,
                                       "--metrics", "127.0.0.1:9102"], in: accessNode, log: "aether-relay")
        try await Readiness.wait(for: "aether-relay sockets", timeoutSeconds: 15) { relay.log().contains("aether-relay running") }

        // The BNG's relay: in-process, sockets opened inside the BNG namespace.
        let gatewayMetrics = TestMetrics()
        let gateway = services.subnet.relayAddress
        let relayService = try await bng.perform {
            try GatewayRelayService(
                configuration: .init(relayAddress: gateway, accessNodeGateways: [RelayAgentIdentifier(text: remoteID): gateway],
                                     servers: [endpoints.servicesAddress], interfaces: ["agg0": .trusted],
                                     relayID: RelayAgentIdentifier(text: relayID)),
                serverDevice: services.interface, metrics: DHCPRelayMetrics(relay: relayID, factory: gatewayMetrics))
        }
        network.run(relayService)
        return AccessLab(network: network, endpoints: endpoints, accessNode: accessNode, bng: bng, upstream: upstream,
                         hosts: hosts, macs: macs, services: services, remoteID: remoteID, relayID: relayID, relay: relay,
                         gatewayMetrics: gatewayMetrics)
    }

    /// Runs `dhclient -1` on host `index` (0-based) with its own lease file; returns the file's path.
    func dhclient(_ index: Int, extraArguments: [String] = []) async throws -> String {
        let files = DHCPClientFiles(network, host: "h\(index + 1)")
        try await hosts[index].dhclient(files, network: network, extraArguments: extraArguments, timeoutSeconds: 60,
                                        context: "relay: \(relay.log())")
        return files.leases
    }

    /// Starts busybox udhcpc on host `index` (see ``UdhcpcClient``).
    func udhcpc(_ index: Int) async throws -> (process: BackgroundProcess, events: String) {
        let client = try await UdhcpcClient.start(hosts[index], network: network, name: "h\(index + 1)", discoverAttempts: 10)
        return (client.process, client.events)
    }

    /// The host's IPv4 address on eth0.
    func address(of index: Int) async throws -> IPv4Address { try await hosts[index].ipv4Address() }

    /// aether-relay's Prometheus metrics, scraped over HTTP inside the access node.
    func relayMetrics() async throws -> PrometheusText {
        let output = try await accessNode.check(["curl", "-sf", "http://127.0.0.1:\(relayMetricsPort)/metrics"])
        return PrometheusText(output.standardOutput)
    }
}

