import Foundation
import NetworkTypes

/// Where every part of a lab lives: namespace and interface names, addresses, folders and
/// ports, derived from the topology and the harness profile alone, so `up`, `status`, `down`
/// and the end-to-end test agree without asking each other.
///
/// ```
/// h-an-01-1 ─eth0══p1┐                          ┌─ svc0 ══ lb1 ─ svcbr (services: Kea, FreeRADIUS)
/// h-an-01-2 ─eth0══p2┼ br0 ─ up0 ══ an1┐        │
///              an-01 (aether-relay)    ├ br0 ══ agg0  bng-01 (aether-bng)
///              an-02 … up0 ══════ an2 ─┘ agg-bng-01   └─ up0 ══ b1 ─ wan  upstream 192.0.2.2
///                                                                          (HTTP, DNS, iperf3)
/// ```
/// Namespaces are `<profile prefix>-<node>` (`aet-lab-bng-01`, `aet-lab-h-an-01-1`), so the
/// harness's sweep of its prefix removes a crashed lab's leftovers too.
public struct LabLayout: Sendable {
    public let topology: LabTopology
    public let harness: HarnessConfiguration

    public init(topology: LabTopology, harness: HarnessConfiguration) {
        self.topology = topology
        self.harness = harness
    }

    // MARK: Folders

    /// Everything the lab itself writes (configs, logs, secrets, state of the BNGs).
    public var directory: String { harness.stateDirectory + "/lab" }
    public var logDirectory: String { directory + "/logs" }
    public var secretsDirectory: String { directory + "/secrets" }
    /// `lab.json`: what runs, for `status` and `down`.
    public var statePath: String { directory + "/lab.json" }
    /// The API token the operator types into the dashboard (and the simulator uses).
    public var tokenPath: String { secretsDirectory + "/api-token" }
    public var ossConfigPath: String { directory + "/oss.yaml" }
    public func bngConfigPath(_ bng: String) -> String { directory + "/\(bng)/bng.yaml" }
    public func relayConfigPath(_ node: String) -> String { directory + "/\(node)/relay.json" }
    public func logPath(_ component: String) -> String { logDirectory + "/\(component).log" }
    public var webRoot: String { directory + "/www" }
    /// aether-sim's counters while it runs under the lab.
    public var simulatorStatusPath: String { directory + "/sim/status.json" }

    // MARK: Namespaces

    public func namespace(_ node: String) -> NetworkNamespace { NetworkNamespace("\(harness.namespacePrefix)-\(node)") }
    public var upstreamNamespace: NetworkNamespace { namespace("upstream") }
    public func aggregationNode(_ bng: String) -> String { "agg-\(bng)" }
    public func hostNamespace(_ host: LabTopology.Host) -> NetworkNamespace { namespace(host.name) }

    /// Every namespace the lab creates (the services namespace belongs to the harness).
    public var namespaces: [NetworkNamespace] {
        [upstreamNamespace] + topology.bngs.flatMap { [namespace($0.id), namespace(aggregationNode($0.id))] }
            + topology.accessNodes.map { namespace($0.id) } + topology.hosts.map(hostNamespace)
    }

    // MARK: Interfaces and addresses

    /// 1-based position of a BNG in the file: names its links on shared segments.
    public func bngNumber(_ bng: String) -> Int { (topology.bngs.firstIndex { $0.id == bng } ?? 0) + 1 }
    /// 1-based position of an access node among its BNG's.
    public func accessNodeNumber(_ node: LabTopology.AccessNode) -> Int {
        (topology.accessNodes(of: node.bng).firstIndex { $0.id == node.id } ?? 0) + 1
    }

    /// The BNG's address on the services network: its NAS-IP-Address, where Kea, FreeRADIUS and
    /// the API's CoA reach it (`.101` upward, clear of the test harness's slots).
    public func servicesAddress(ofBNG bng: String) -> IPv4Address { harness.servicesAddress.advanced(by: 100 + bngNumber(bng)) }
    /// The BNG's port on the services bridge.
    public func servicesPort(ofBNG bng: String) -> String { "lb\(bngNumber(bng))" }

    /// The Kea subnet of each access node, ids in file order, DNS from the upstream.
    public var keaSubnets: [KeaSubnet] {
        topology.accessNodes.enumerated().map { index, node in
            KeaSubnet(id: index + 1, prefix: node.subnet, relayAddress: node.gateway.address,
                      poolStart: node.pool.lowerBound, poolEnd: node.pool.upperBound, validLifetime: topology.leaseTime,
                      renewTimer: topology.leaseTime / 4, rebindTimer: topology.leaseTime / 2, dnsServers: [topology.upstream.address])
        }
    }

    /// The harness configuration with Kea serving exactly this topology's subnets.
    public var harnessForLab: HarnessConfiguration {
        var configuration = harness
        configuration.keaSubnets = keaSubnets
        return configuration
    }

    /// Where the dashboard and API answer, from this machine.
    public var apiURL: String { "http://127.0.0.1:\(harness.apiPort)" }
    /// aether-ingestor's metrics, on the machine's loopback.
    public var ingestorMetrics: String { "127.0.0.1:\(harness.apiPort + 1)" }
}
