import EventSourcing
import Foundation
import Hummingbird

/// The lab an API serves, when it serves one: its nodes (for the topology page) and the demo
/// commands the dashboard may run on a subscriber host. aether-api builds it from the lab's
/// topology and simulator files; the commands run through `run`.
public struct LabDirectory: Sendable {
    public struct Node: Codable, Sendable, Hashable {
        public var id: String
        /// `upstream`, `services`, `bng`, `access_node` or `host`.
        public var kind: String
        /// The node it hangs off (a host's access node, an access node's BNG).
        public var parent: String?
        public var address: String?
        /// Hosts: the line they sit on.
        public var remoteID: String?
        public var circuitID: String?
        public var mac: String?

        public init(id: String, kind: String, parent: String? = nil, address: String? = nil, remoteID: String? = nil,
                    circuitID: String? = nil, mac: String? = nil) {
            self.id = id
            self.kind = kind
            self.parent = parent
            self.address = address
            self.remoteID = remoteID
            self.circuitID = circuitID
            self.mac = mac
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, parent, address, mac
            case remoteID = "remote_id", circuitID = "circuit_id"
        }
    }

    public struct DemoCommand: Codable, Sendable, Hashable {
        public var index: Int
        public var command: String
        public var description: String

        public init(index: Int, command: String, description: String) {
            self.index = index
            self.command = command
            self.description = description
        }
    }

    public struct DemoGroup: Codable, Sendable, Hashable {
        public var name: String
        public var description: String
        public var commands: [DemoCommand]

        public init(name: String, description: String, commands: [DemoCommand]) {
            self.name = name
            self.description = description
            self.commands = commands
        }
    }

    /// What a demo command did.
    public struct DemoOutcome: Sendable, Hashable {
        public var command: String
        public var exitCode: Int32
        public var output: String
        public var seconds: Double

        public init(command: String, exitCode: Int32, output: String, seconds: Double) {
            self.command = command
            self.exitCode = exitCode
            self.output = output
            self.seconds = seconds
        }
    }

    public var name: String
    public var nodes: [Node]
    /// The groups the simulator file allows for demos.
    public var demoGroups: [DemoGroup]
    /// Groups of the simulator file that are not allowed for demos (asked for: 403, not 400).
    public var refusedGroups: Set<String>
    /// Runs `command` of `group` on the host named `host`; nil when it cannot start now (every
    /// iperf3 server of the pool busy).
    public var run: @Sendable (_ host: String, _ group: String, _ command: Int) async -> DemoOutcome?

    public init(name: String, nodes: [Node], demoGroups: [DemoGroup], refusedGroups: Set<String>,
                run: @escaping @Sendable (_ host: String, _ group: String, _ command: Int) async -> DemoOutcome?) {
        self.name = name
        self.nodes = nodes
        self.demoGroups = demoGroups
        self.refusedGroups = refusedGroups
        self.run = run
    }
}

/// `GET /api/lab`: the nodes with their live state.
struct LabView: Encodable, Sendable {
    /// A node of the file with its state, flat (as the schema below lists it).
    struct NodeView: Encodable, Sendable {
        var id: String
        var kind: String
        var parent: String?
        var address: String?
        var remoteID: String?
        var circuitID: String?
        var mac: String?
        var status: String
        var sessionID: String?
        var ipAddress: String?
        var bytesDown: Int64?
        var bytesUp: Int64?

        init(_ node: LabDirectory.Node, status: String, sessionID: String? = nil, ipAddress: String? = nil,
             bytesDown: Int64? = nil, bytesUp: Int64? = nil) {
            id = node.id
            kind = node.kind
            parent = node.parent
            address = node.address
            remoteID = node.remoteID
            circuitID = node.circuitID
            mac = node.mac
            self.status = status
            self.sessionID = sessionID
            self.ipAddress = ipAddress
            self.bytesDown = bytesDown
            self.bytesUp = bytesUp
        }

        enum CodingKeys: String, CodingKey {
            case id, kind, parent, address, mac, status
            case remoteID = "remote_id", circuitID = "circuit_id", sessionID = "session_id", ipAddress = "ip_address"
            case bytesDown = "bytes_down", bytesUp = "bytes_up"
        }
    }

    var name: String
    var nodes: [NodeView]
    var demoGroups: [LabDirectory.DemoGroup]

    enum CodingKeys: String, CodingKey { case name, nodes, demoGroups = "demo_groups" }

    static let schema = JSONSchema.object("The lab this API serves: every node with its live state, and the demo commands.", [
        "name": .string(),
        "nodes": .array(.object([
            "id": .string(), "kind": .string(allowed: ["upstream", "services", "bng", "access_node", "host"]),
            "parent": JSONSchema.string().orNull, "address": JSONSchema.string().orNull,
            "remote_id": JSONSchema.string().orNull, "circuit_id": JSONSchema.string().orNull, "mac": JSONSchema.string().orNull,
            "status": .string("online/offline for BNGs and access nodes; a host's session state (AUTHORIZED, REJECTED, …) or offline; configured for the rest."),
            "session_id": JSONSchema.string().orNull, "ip_address": JSONSchema.string().orNull,
            "bytes_down": JSONSchema.integer().orNull, "bytes_up": JSONSchema.integer().orNull,
        ])),
        "demo_groups": .array(.object([
            "name": .string(), "description": .string(),
            "commands": .array(.object(["index": .integer(minimum: 0), "command": .string(maxLength: nil), "description": .string()])),
        ])),
    ])
}

/// `POST /api/lab/demo`.
struct LabDemoInput: Decodable {
    var host: String
    var group: String
    var command: Int

    static let schema = JSONSchema.object("A demo command to run on a subscriber host.", [
        "host": .string("A host of the topology, e.g. h-an-01-1."), "group": .string("A demo group of the simulator file."),
        "command": .integer("Index of the command in its group.", minimum: 0, maximum: 1000),
    ])
}

struct LabDemoResult: Encodable, Sendable {
    var host: String
    var group: String
    var command: String
    var exitCode: Int32
    var output: String
    var durationSeconds: Double

    enum CodingKeys: String, CodingKey {
        case host, group, command, output, exitCode = "exit_code", durationSeconds = "duration_seconds"
    }

    static let schema = JSONSchema.object("What a demo command printed, and its exit code.", [
        "host": .string(), "group": .string(), "command": .string("The command as run (placeholders filled in).", maxLength: nil),
        "exit_code": .integer(), "output": .string("Standard output and error, at most 64 KiB.", maxLength: nil),
        "duration_seconds": .number(),
    ])
}

extension APIServer {
    func labRoutes() -> [APIRoute] {
        [
            APIRoute(.get, "/api/lab", "getLab", "The lab's nodes with their live state, and its demo commands.", tag: "Lab",
                     response: .single("Lab"), errors: [.notFound]) { [self] _ in
                .data(try await labView())
            },
            APIRoute(.post, "/api/lab/demo", "runLabDemo", "Runs one of the simulator file's demo commands on a subscriber host.",
                     tag: "Lab", body: LabDemoInput.schema, response: .single("LabDemoResult"),
                     errors: [.notFound, .forbidden, .serviceUnavailable]) { [self] call in
                let lab = try configuredLab()
                let input = try call.decode(LabDemoInput.self)
                guard lab.nodes.contains(where: { $0.kind == "host" && $0.id == input.host }) else {
                    throw APIError.notFound("host \(JSONSchema.clip(input.host))")
                }
                if lab.refusedGroups.contains(input.group) {
                    throw APIError(.forbidden, "not_allowed", "the simulator file does not allow group \(input.group) for demos")
                }
                guard let group = lab.demoGroups.first(where: { $0.name == input.group }) else {
                    throw APIError.invalidBody("group \(JSONSchema.clip(input.group)) is not a demo group (\(lab.demoGroups.map(\.name).joined(separator: ", ")))")
                }
                guard group.commands.indices.contains(input.command) else {
                    throw APIError.invalidBody("group \(group.name) has commands 0…\(group.commands.count - 1)")
                }
                logger.info("demo command", metadata: ["host": "\(input.host)", "group": "\(group.name)", "command": "\(input.command)"])
                guard let outcome = await lab.run(input.host, group.name, input.command) else {
                    throw APIError(.serviceUnavailable, "busy", "every iperf3 server of the lab is in use; try again in a few seconds")
                }
                let output = outcome.output.utf8.count > 65_536 ? String(decoding: outcome.output.utf8.suffix(65_536), as: UTF8.self) : outcome.output
                return .data(LabDemoResult(host: input.host, group: group.name, command: outcome.command, exitCode: outcome.exitCode,
                                           output: output, durationSeconds: outcome.seconds))
            },
        ]
    }

    func configuredLab() throws -> LabDirectory {
        guard let lab else {
            throw APIError.notFound("a lab (this API serves one when its configuration has a lab section, as aether-lab writes it)")
        }
        return lab
    }

    /// Every node with its state: BNGs and access nodes as the dashboard counts them online,
    /// hosts by the session on their line.
    func labView() async throws -> LabView {
        let lab = try configuredLab()
        let timeout = settings.heartbeatTimeoutSeconds
        let (bngs, routers, sessions) = try await query { connection in
            var bngs: [String: Bool] = [:]
            for row in try connection.query("SELECT bng_id, last_seen > now() - make_interval(secs => $1) AS alive FROM bng_registry",
                                            bindings: [timeout]).typedRows {
                bngs[try row.decode("bng_id")] = try row.decode("alive")
            }
            var routers: [String: Bool] = [:]
            for row in try connection.query("SELECT \(AccessRouter.columns(timeout: timeout)) FROM access_routers r").typedRows {
                let router = try AccessRouter(row: row)
                routers[router.routerName] = router.isAlive
            }
            var sessions: [String: (state: String, id: String, ip: String?, down: Int64, up: Int64)] = [:]
            for row in try connection.query("""
                SELECT session_id::text AS session_id, remote_id, circuit_id, auth_state, host(ip_address) AS ip, bytes_down, bytes_up
                FROM sessions_active
                """).typedRows {
                let line: String = "\(try row.decode("remote_id") as String)|\(try row.decode("circuit_id") as String)"
                sessions[line] = (try row.decode("auth_state"), try row.decode("session_id"), try row.decodeIfPresent("ip"),
                                  try row.decode("bytes_down"), try row.decode("bytes_up"))
            }
            return (bngs, routers, sessions)
        }
        let nodes = lab.nodes.map { node -> LabView.NodeView in
            switch node.kind {
            case "bng": return LabView.NodeView(node, status: bngs[node.id] == true ? "online" : "offline")
            case "access_node": return LabView.NodeView(node, status: routers[node.id] == true ? "online" : "offline")
            case "host":
                guard let session = sessions["\(node.remoteID ?? "")|\(node.circuitID ?? "")"] else { return LabView.NodeView(node, status: "offline") }
                return LabView.NodeView(node, status: session.state, sessionID: session.id, ipAddress: session.ip,
                                        bytesDown: session.down, bytesUp: session.up)
            default: return LabView.NodeView(node, status: "configured")
            }
        }
        return LabView(name: lab.name, nodes: nodes, demoGroups: lab.demoGroups)
    }
}
