import LabKit
import OSSAPI
import OSSKit

extension LabDirectory {
    /// The lab described by `lab` (the topology, the simulator's demo commands, where its hosts'
    /// namespaces are), with demo commands run through LabKit's `LabCommands` (the iperf3 pool
    /// shared with the simulator).
    static func make(_ lab: OSSConfiguration.Lab) throws -> LabDirectory {
        let harness = try HarnessConfiguration.named(lab.profile, stateDirectory: lab.stateDirectory)
        let topology = try LabTopology.load(path: lab.topology)
        let layout = LabLayout(topology: topology, harness: harness)
        let simulator = try lab.simulator.map(SimulatorConfiguration.load(path:))
        var nodes: [Node] = [
            Node(id: "upstream", kind: "upstream", address: topology.upstream.address.description),
            Node(id: "services", kind: "services", address: harness.servicesAddress.description),
        ]
        for bng in topology.bngs {
            nodes.append(Node(id: bng.id, kind: "bng", parent: "upstream", address: layout.servicesAddress(ofBNG: bng.id).description))
        }
        for node in topology.accessNodes {
            nodes.append(Node(id: node.id, kind: "access_node", parent: node.bng, address: node.gateway.description))
        }
        let hosts = topology.hosts
        for host in hosts {
            nodes.append(Node(id: host.name, kind: "host", parent: host.accessNode, remoteID: host.accessNode, circuitID: host.circuitID,
                              mac: host.mac.description))
        }
        let groups = (simulator?.trafficCommands ?? [:]).sorted { $0.key < $1.key }
        let allowed = groups.filter { $0.value.allowForDemo == true }
        let demoGroups = allowed.map { name, group in
            DemoGroup(name: name, description: group.description,
                      commands: group.commands.enumerated().map { DemoCommand(index: $0.offset, command: $0.element.command, description: $0.element.description) })
        }
        let commands = LabCommands(layout: layout, iperf3Rate: simulator?.iperf3Rate ?? "4M")
        let byName = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0) })
        let texts = Dictionary(uniqueKeysWithValues: allowed.map { ($0.key, $0.value.commands.map(\.command)) })
        return LabDirectory(name: topology.name, nodes: nodes, demoGroups: demoGroups,
                            refusedGroups: Set(groups.filter { $0.value.allowForDemo != true }.map(\.key))) { host, group, index in
            guard let host = byName[host], let text = texts[group]?[index],
                  let outcome = await commands.run(text, on: host, timeoutSeconds: 30) else { return nil }
            return DemoOutcome(command: outcome.command, exitCode: outcome.status, output: outcome.output, seconds: outcome.seconds)
        }
    }
}
