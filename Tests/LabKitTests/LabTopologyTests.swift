import BNGKit
import DHCPKit
import Foundation
@testable import LabKit
import NetworkTypes
import OSSKit
import Testing

@Suite("Lab topology files")
struct LabTopologyTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let small = """
        name: t
        bngs:
          - { id: bng-01, upstream_address: 192.0.2.11 }
        access_nodes:
          - { id: an-01, bng: bng-01, subnet: 100.64.1.0/26, ports: 2 }
        upstream: { network: 192.0.2.0/24, address: 192.0.2.2, domain: aether.lab, iperf3_ports: [5201] }
        """

    @Test func theDefaultMirrorsTheOriginalAndTheSmallOneIsSmall() throws {
        let topology = try LabTopology.load(path: Self.repository + "/Examples/lab/topology.yaml")
        #expect(topology.bngs.map(\.id) == ["bng-01", "bng-02"])
        #expect(topology.accessNodes(of: "bng-01").count == 2)
        #expect(topology.accessNodes(of: "bng-02").count == 5)
        #expect(topology.hosts.count == 43)
        #expect(Set(topology.hosts.map(\.mac)).count == 43)
        #expect(topology.hosts.first?.name == "h-an-01-1")
        #expect(topology.hosts.first?.circuitID == "an-01/1")
        let small = try LabTopology.load(path: Self.repository + "/Examples/lab/small.yaml")
        #expect(small.bngs.count == 1 && small.hosts.count == 4)
    }

    @Test func macsAreDeterministicUnicastAndLocallyAdministered() throws {
        let one = LabTopology.mac(bng: "bng-01", accessNode: "an-01", port: 1)
        #expect(one == LabTopology.mac(bng: "bng-01", accessNode: "an-01", port: 1))
        #expect(one != LabTopology.mac(bng: "bng-01", accessNode: "an-01", port: 2))
        #expect(one != LabTopology.mac(bng: "bng-02", accessNode: "an-01", port: 1))
        #expect(one.bytes[0] == 0x02)
    }

    /// Each mistake is named by the file and the path in it.
    @Test(arguments: [
        ("bngs:\n  - { id: bng-01, upstream_address: 192.0.2.11 }\n  - { id: bng-01, upstream_address: 192.0.2.12 }",
         "f.yaml: bngs.1.id: duplicate id \"bng-01\" (also bngs.0.id)"),
        ("access_nodes:\n  - { id: an-01, bng: bng-09, subnet: 100.64.1.0/26, ports: 2 }",
         "f.yaml: access_nodes.0.bng: \"bng-09\" is not the id of any BNG in bngs (bng-01)"),
        ("access_nodes:\n  - { id: an-01, bng: bng-01, subnet: 100.64.1.0/26, ports: 2 }\n  - { id: an-02, bng: bng-01, subnet: 100.64.1.32/27, ports: 2 }",
         "f.yaml: access_nodes.1.subnet: 100.64.1.32/27 overlaps access_nodes.0.subnet 100.64.1.0/26"),
        ("access_nodes:\n  - { id: an-01, bng: bng-01, subnet: 192.0.2.128/26, ports: 2 }",
         "f.yaml: access_nodes.0.subnet: 192.0.2.128/26 overlaps upstream.network 192.0.2.0/24"),
        ("access_nodes:\n  - { id: an-01, bng: bng-01, subnet: 100.64.1.0/29, ports: 6 }",
         "f.yaml: access_nodes.0.ports: 6 hosts do not fit the 5 addresses of 100.64.1.0/29"),
        ("access_nodes:\n  - { id: an-01, bng: bng-01, subnet: 100.64.1.5/26, ports: 2 }",
         "f.yaml: access_nodes.0.subnet:"),
        ("access_nodes:\n  - { id: an-01, bng: bng-01, subnet: 100.64.1.0/26, port: 2 }",
         "f.yaml: access_nodes.0.ports: is missing"),
        ("access_nodes:\n  - { id: an-01, bng: bng-01, subnet: 100.64.1.0/26, ports: 2, vlan: 7 }",
         "f.yaml: access_nodes.0.vlan: is not a key of the topology schema"),
        ("access_nodes:\n  - { id: upstream, bng: bng-01, subnet: 100.64.1.0/26, ports: 2 }",
         "f.yaml: access_nodes.0.id: \"upstream\" is reserved"),
        ("bngs:\n  - { id: bng-01, upstream_address: 192.0.2.11 }\n  - { id: bng-02, upstream_address: 192.0.2.12 }",
         "f.yaml: bngs.1: BNG \"bng-02\" has no access node"),
        ("bngs:\n  - { id: bng-01, upstream_address: 10.9.9.9 }",
         "f.yaml: bngs.0.upstream_address: 10.9.9.9 is not a host address of upstream.network 192.0.2.0/24"),
        ("upstream: { network: 192.0.2.0/24, address: 192.0.2.2, domain: aether.lab, iperf3_ports: [5201, 5201] }",
         "f.yaml: upstream.iperf3_ports.1: 5201 is listed twice"),
        ("upstream: { network: 198.18.0.0/16, address: 198.18.9.2, domain: aether.lab, iperf3_ports: [5201] }",
         "f.yaml: upstream.network: 198.18.0.0/16 overlaps the services network 198.18.0.0/24"),
    ])
    func mistakesAreRefusedWithTheirPath(change: String, message: String) throws {
        // Replace the section the case rewrites, keep the rest of the small topology.
        let key = String(change.prefix { $0 != ":" })
        var lines = Self.small.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let start = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) {
            var end = start + 1
            while end < lines.count, lines[end].hasPrefix("  ") { end += 1 }
            lines.replaceSubrange(start..<end, with: change.split(separator: "\n").map(String.init))
        }
        let error = #expect(throws: LabKitError.self) { try LabTopology.decode(lines.joined(separator: "\n"), source: "f.yaml") }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no error")")
    }

    /// Every generated file passes its daemon's own loader (the generators call it too; this
    /// keeps a generator change from slipping past when the lab is not run).
    @Test func everyGeneratedConfigurationLoadsInItsDaemon() throws {
        let topology = try LabTopology.load(path: Self.repository + "/Examples/lab/topology.yaml")
        let layout = LabLayout(topology: topology, harness: .lab(stateDirectory: "/var/lib/aether/lab"))
        let endpoints = ServiceEndpoints.example(layout.harnessForLab)
        let configurations = LabConfigurations(layout: layout, endpoints: endpoints, topologyPath: "/lab/topology.yaml",
                                               simulatorPath: Self.repository + "/Examples/lab/simulator.json")
        for bng in topology.bngs {
            let settings = try BNGConfiguration.decode(try configurations.bngConfiguration(bng), source: "bng.yaml")
            #expect(settings.subscribers.accessNodes.map(\.remoteID) == topology.accessNodes(of: bng.id).map(\.id))
            #expect(settings.bng.nasIP == layout.servicesAddress(ofBNG: bng.id))
        }
        let relay = try AccessNodeRelayFile.decode(try configurations.relayConfiguration(topology.accessNodes[2]), source: "relay.json")
        #expect(relay.remoteID == RelayAgentIdentifier(text: "an-03"))
        #expect(relay.ports.count == 7 && relay.ports["p7"] == RelayAgentIdentifier(text: "an-03/7"))
        let oss = try OSSConfiguration.decode(try configurations.ossConfiguration(), source: "oss.yaml")
        #expect(oss.coa?.networkNamespace == "aet-lab-svc")
        #expect(oss.lab?.topology == "/lab/topology.yaml" && oss.lab?.profile == "lab")
        // Kea: one subnet per access node, its gateway as relay address, DNS from the upstream.
        #expect(layout.keaSubnets.count == 7)
        #expect(layout.keaSubnets[1].relayAddress == IPv4Address(100, 64, 1, 65))
        #expect(layout.keaSubnets[1].poolStart == IPv4Address(100, 64, 1, 66))
        #expect(layout.keaSubnets[1].poolEnd == IPv4Address(100, 64, 1, 126))
        #expect(layout.keaSubnets[1].dnsServers == [IPv4Address(192, 0, 2, 2)])
        // Namespace and interface names fit the kernel's limits.
        #expect(Set(layout.namespaces).count == 55)
        #expect(layout.namespaces.allSatisfy { $0.name.hasPrefix("aet-lab-") })
    }
}

extension ServiceEndpoints {
    /// Endpoints as a started harness of `configuration` would record them, for generator tests.
    static func example(_ configuration: HarnessConfiguration) -> ServiceEndpoints {
        Services(configuration: configuration, secrets: .generate()).endpoints
    }
}
