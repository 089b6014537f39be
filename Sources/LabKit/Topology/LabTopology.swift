import Foundation
import NetworkTypes
import ServiceSupport
import Yams

/// The lab as data: which BNGs, access nodes and subscriber hosts exist, how they are addressed,
/// and what the upstream "internet" offers. One file generates the namespace lab on this machine
/// (`aether-lab up`) and the containerlab topology (`aether-lab export containerlab`).
///
/// The schema is documented in `Docs/lab.md`; `Examples/lab/topology.yaml` is the default (the
/// original's two-BNG lab) and `Examples/lab/small.yaml` the one the end-to-end test runs.
/// Every address in it exists only inside the lab's namespaces: no lab namespace has a route
/// off the machine.
public struct LabTopology: Hashable, Sendable, Codable {
    /// A BNG: one `aether-bng` in its own namespace, gateway of its access nodes' subscribers.
    public struct BNG: Hashable, Sendable, Codable {
        /// Identity in events, RADIUS User-Names and the OSS (`bng-01`).
        public var id: String
        /// The BNG's address on the upstream network.
        public var upstreamAddress: IPv4Address

        public init(id: String, upstreamAddress: IPv4Address) {
            self.id = id
            self.upstreamAddress = upstreamAddress
        }

        enum CodingKeys: String, CodingKey {
            case id
            case upstreamAddress = "upstream_address"
        }
    }

    /// An access node: one `aether-relay` stamping Option 82, its subscriber ports bridged at L2
    /// toward its BNG's aggregation segment.
    public struct AccessNode: Hashable, Sendable, Codable {
        /// Remote-id (Option 82 sub-option 2) and name in the OSS (`an-01`).
        public var id: String
        /// The BNG it hangs off.
        public var bng: String
        /// The subscribers' subnet; its first address is the gateway the BNG holds.
        public var subnet: IPv4Network
        /// Subscriber ports, each with one host `h-<id>-<port>` behind it (ports 1…N).
        public var ports: Int

        public init(id: String, bng: String, subnet: IPv4Network, ports: Int) {
            self.id = id
            self.bng = bng
            self.subnet = subnet
            self.ports = ports
        }

        /// The gateway (Kea's giaddr for this subnet, the subscribers' router).
        public var gateway: IPv4InterfaceAddress { IPv4InterfaceAddress(subnet.address.advanced(by: 1), prefixLength: subnet.prefixLength) }
        /// The addresses Kea hands out: everything after the gateway but the broadcast address.
        public var pool: ClosedRange<IPv4Address> { subnet.address.advanced(by: 2)...subnet.lastAddress.advanced(by: -1) }
    }

    /// The "internet" the subscribers reach through their BNG: an HTTP server, a DNS server and
    /// iperf3 servers, all on one address of one network that joins every BNG's upstream side.
    public struct Upstream: Hashable, Sendable, Codable {
        public var network: IPv4Network
        /// Where HTTP (port 80), DNS (53) and iperf3 listen.
        public var address: IPv4Address
        /// The DNS zone the upstream answers for (`www.<domain>` and `<domain>` → `address`).
        public var domain: String
        /// One iperf3 server per port; the simulator never runs two clients against one.
        public var iperf3Ports: [UInt16]

        public init(network: IPv4Network, address: IPv4Address, domain: String, iperf3Ports: [UInt16]) {
            self.network = network
            self.address = address
            self.domain = domain
            self.iperf3Ports = iperf3Ports
        }

        enum CodingKeys: String, CodingKey {
            case network, address, domain
            case iperf3Ports = "iperf3_ports"
        }
    }

    /// DHCP as Kea serves it to every access node's subnet.
    public struct DHCP: Hashable, Sendable, Codable {
        /// Lease lifetime, seconds (renewal after a quarter, rebinding after half).
        public var leaseTime: Int

        public init(leaseTime: Int) { self.leaseTime = leaseTime }

        enum CodingKeys: String, CodingKey { case leaseTime = "lease_time" }
    }

    /// The lab's name (containerlab's `name`).
    public var name: String
    public var bngs: [BNG]
    public var accessNodes: [AccessNode]
    public var upstream: Upstream
    public var dhcp: DHCP?

    public init(name: String, bngs: [BNG], accessNodes: [AccessNode], upstream: Upstream, dhcp: DHCP? = nil) {
        self.name = name
        self.bngs = bngs
        self.accessNodes = accessNodes
        self.upstream = upstream
        self.dhcp = dhcp
    }

    enum CodingKeys: String, CodingKey {
        case name, bngs, upstream, dhcp
        case accessNodes = "access_nodes"
    }

    /// The lease lifetime in effect.
    public var leaseTime: Int { dhcp?.leaseTime ?? 3600 }
}

// MARK: - Hosts

extension LabTopology {
    /// A subscriber host: a namespace behind one access-node port, running a real DHCP client.
    public struct Host: Hashable, Sendable, Codable {
        /// `h-<access node>-<port>`.
        public var name: String
        public var accessNode: String
        public var bng: String
        /// 1-based port on the access node; the circuit-id is `<access node>/<port>`.
        public var port: Int
        /// Deterministic: the same topology gives every host the same MAC on every run.
        public var mac: MACAddress

        /// Option 82 circuit-id the access node stamps for this host's port.
        public var circuitID: String { "\(accessNode)/\(port)" }
    }

    /// Every host, access node by access node, port by port.
    public var hosts: [Host] {
        accessNodes.flatMap { node in
            (0..<node.ports).map { $0 + 1 }.map { port in
                Host(name: "h-\(node.id)-\(port)", accessNode: node.id, bng: node.bng, port: port,
                     mac: Self.mac(bng: node.bng, accessNode: node.id, port: port))
            }
        }
    }

    /// A locally administered unicast MAC from a 64-bit FNV-1a hash of `bng/access node/port`
    /// (the original hashed the same triple with MD5).
    public static func mac(bng: String, accessNode: String, port: Int) -> MACAddress {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(bng)/\(accessNode)/\(port)".utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let bytes = (0..<5).map { UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0))) }
        return MACAddress(0x02, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4])
    }

    /// The access nodes of one BNG, in file order.
    public func accessNodes(of bng: String) -> [AccessNode] { accessNodes.filter { $0.bng == bng } }
}

// MARK: - Loading and validation

extension LabTopology {
    /// Reads and validates a topology file; every error names the file and the path in it.
    public static func load(path: String) throws -> LabTopology {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LabKitError(.invalidConfiguration, "\(path): cannot be read")
        }
        return try decode(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Decodes and validates YAML (or JSON) text; `source` names it in errors. Keys the schema
    /// does not know are errors too: a misspelt `port:` must not silently mean the default.
    public static func decode(_ text: String, source: String) throws -> LabTopology {
        let topology: LabTopology
        do {
            topology = try YAMLDecoder().decode(LabTopology.self, from: text)
        } catch let error as DecodingError {
            let (key, reason) = error.configurationProblem
            throw LabKitError(.invalidConfiguration, "\(source): \(key): \(reason)")
        } catch {
            throw LabKitError(.invalidConfiguration, "\(source): not valid YAML: \(error)")
        }
        if let given = try? Yams.compose(yaml: text), let known = try? Yams.compose(yaml: YAMLEncoder().encode(topology)),
           let unknown = Self.firstUnknownKey(given, known, path: []) {
            throw LabKitError(.invalidConfiguration, "\(source): \(unknown): is not a key of the topology schema (see Docs/lab.md)")
        }
        try topology.validate(source: source)
        return topology
    }

    /// The first key path in `given` that the re-encoded model (`known`) lacks.
    private static func firstUnknownKey(_ given: Node, _ known: Node, path: [String]) -> String? {
        switch (given, known) {
        case (.mapping(let mapping), .mapping(let knownMapping)):
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                guard let knownValue = knownMapping[Node(name)] else { return (path + [name]).joined(separator: ".") }
                if let found = firstUnknownKey(value, knownValue, path: path + [name]) { return found }
            }
        case (.sequence(let items), .sequence(let knownItems)):
            for (index, (item, knownItem)) in zip(items, knownItems).enumerated() {
                if let found = firstUnknownKey(item, knownItem, path: path + ["\(index)"]) { return found }
            }
        default: break
        }
        return nil
    }

    /// The services network the harness puts Kea, FreeRADIUS and the BNGs' service side on.
    public static let reservedServicesNetwork = IPv4Network(containing: IPv4Address(198, 18, 0, 0), prefixLength: 24)

    /// Checks what decoding cannot: unique ids, known references, subnets that do not overlap,
    /// addresses inside their networks, sizes that fit. Errors read `<file>: <path>: <why>`.
    public func validate(source: String) throws {
        func fail(_ path: String, _ why: String) -> LabKitError { LabKitError(.invalidConfiguration, "\(source): \(path): \(why)") }
        func checkID(_ id: String, _ path: String) throws {
            guard (1...24).contains(id.utf8.count), id.first?.isLetter == true,
                  id.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }) else {
                throw fail(path, "\"\(id)\" must be 1–24 ASCII letters, digits or '-', starting with a letter")
            }
            // Node names share one namespace prefix with the lab's own nodes.
            guard !["upstream", "svc"].contains(id), !id.hasPrefix("h-"), !id.hasPrefix("agg-") else {
                throw fail(path, "\"\(id)\" is reserved (upstream, svc, h-…, agg-… name the lab's own nodes)")
            }
        }
        guard !name.isEmpty, name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "_" }) else {
            throw fail("name", "\"\(name)\" must be ASCII letters, digits, '-' or '_'")
        }
        guard !bngs.isEmpty else { throw fail("bngs", "at least one BNG is needed") }
        guard !accessNodes.isEmpty else { throw fail("access_nodes", "at least one access node is needed") }

        guard upstream.network.overlaps(Self.reservedServicesNetwork) == false else {
            throw fail("upstream.network", "\(upstream.network) overlaps the services network \(Self.reservedServicesNetwork)")
        }
        guard (8...30).contains(upstream.network.prefixLength) else { throw fail("upstream.network", "\(upstream.network) must be a /8 to /30") }
        guard upstream.network.contains(upstream.address), upstream.address != upstream.network.address,
              upstream.address != upstream.network.lastAddress else {
            throw fail("upstream.address", "\(upstream.address) is not a host address of upstream.network \(upstream.network)")
        }
        var ids: [String: String] = [:]
        for (index, bng) in bngs.enumerated() {
            let path = "bngs.\(index)"
            try checkID(bng.id, path + ".id")
            if let other = ids[bng.id] { throw fail(path + ".id", "duplicate id \"\(bng.id)\" (also \(other))") }
            ids[bng.id] = path + ".id"
            guard upstream.network.contains(bng.upstreamAddress), bng.upstreamAddress != upstream.network.address,
                  bng.upstreamAddress != upstream.network.lastAddress else {
                throw fail(path + ".upstream_address", "\(bng.upstreamAddress) is not a host address of upstream.network \(upstream.network)")
            }
            guard bng.upstreamAddress != upstream.address else {
                throw fail(path + ".upstream_address", "\(bng.upstreamAddress) is upstream.address")
            }
            if let clash = bngs[..<index].firstIndex(where: { $0.upstreamAddress == bng.upstreamAddress }) {
                throw fail(path + ".upstream_address", "\(bng.upstreamAddress) is also bngs.\(clash).upstream_address")
            }
        }
        for (index, node) in accessNodes.enumerated() {
            let path = "access_nodes.\(index)"
            try checkID(node.id, path + ".id")
            if let other = ids[node.id] { throw fail(path + ".id", "duplicate id \"\(node.id)\" (also \(other))") }
            ids[node.id] = path + ".id"
            guard bngs.contains(where: { $0.id == node.bng }) else {
                throw fail(path + ".bng", "\"\(node.bng)\" is not the id of any BNG in bngs (\(bngs.map(\.id).joined(separator: ", ")))")
            }
            guard (16...29).contains(node.subnet.prefixLength) else {
                throw fail(path + ".subnet", "\(node.subnet) must be a /16 to /29")
            }
            guard (1...250).contains(node.ports) else { throw fail(path + ".ports", "\(node.ports) must be 1…250") }
            let poolSize = Int(node.subnet.addressCount) - 3
            guard node.ports <= poolSize else {
                throw fail(path + ".ports", "\(node.ports) hosts do not fit the \(poolSize) addresses of \(node.subnet)")
            }
            for (otherIndex, other) in accessNodes[..<index].enumerated() where other.subnet.overlaps(node.subnet) {
                throw fail(path + ".subnet", "\(node.subnet) overlaps access_nodes.\(otherIndex).subnet \(other.subnet)")
            }
            for (name, network) in [("upstream.network", upstream.network), ("the services network", Self.reservedServicesNetwork)]
            where network.overlaps(node.subnet) {
                throw fail(path + ".subnet", "\(node.subnet) overlaps \(name) \(network)")
            }
        }
        for (index, bng) in bngs.enumerated() where !accessNodes.contains(where: { $0.bng == bng.id }) {
            throw fail("bngs.\(index)", "BNG \"\(bng.id)\" has no access node (give one access_nodes entry bng: \(bng.id))")
        }
        let labels = upstream.domain.split(separator: ".", omittingEmptySubsequences: false)
        guard !labels.isEmpty, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 && $0.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" } }) else {
            throw fail("upstream.domain", "\"\(upstream.domain)\" is not a DNS name")
        }
        guard !upstream.iperf3Ports.isEmpty else { throw fail("upstream.iperf3_ports", "at least one port is needed") }
        for (index, port) in upstream.iperf3Ports.enumerated() {
            guard port >= 1024, ![53, 80].contains(port) else { throw fail("upstream.iperf3_ports.\(index)", "\(port) must be 1024–65535") }
            if upstream.iperf3Ports[..<index].contains(port) { throw fail("upstream.iperf3_ports.\(index)", "\(port) is listed twice") }
        }
        if let dhcp, !(60...86_400).contains(dhcp.leaseTime) {
            throw fail("dhcp.lease_time", "\(dhcp.leaseTime) must be 60…86400 seconds")
        }
        let hostCount = accessNodes.reduce(0) { $0 + $1.ports }
        guard hostCount <= 1000 else { throw fail("access_nodes", "\(hostCount) hosts; a namespace lab holds at most 1000") }
        guard bngs.count <= 40 else { throw fail("bngs", "\(bngs.count) BNGs; the services network holds at most 40") }
    }
}
