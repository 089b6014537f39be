import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes

/// A private redis-server on a Unix socket in the test's folder (the harness's Redis is shared),
/// with an fsync-always AOF, that drills stop, crash and start again.
struct LabRedis {
    let directory: String
    var endpoint: RedisEndpoint { RedisEndpoint(address: .unixSocket(path: directory + "/redis.sock")) }

    /// Starts it on its socket and, with `tcpPort`, on 127.0.0.1 of `namespace` too.
    func start(_ network: TestNetwork, in namespace: NetworkNamespace, tcpPort: UInt16? = nil, log: String) async throws -> BackgroundProcess {
        let listen = tcpPort.map { ["--port", "\($0)", "--bind", "127.0.0.1"] } ?? ["--port", "0"]
        let process = try network.spawn(["redis-server"] + listen + ["--unixsocket", directory + "/redis.sock", "--unixsocketperm", "700",
                                         "--dir", directory, "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                                        in: namespace, log: log)
        try await Readiness.wait(for: "private redis-server", timeoutSeconds: 20) {
            guard process.isRunning else { throw LabKitError(.daemonExited, "redis-server exited: \(process.log().suffix(1000))") }
            return (try? RedisConnection(endpoint).command(["PING"]))?.string == "PONG"
        }
        return process
    }

    /// kill -9, and the append-only file goes too: the next start is an empty Redis, the worst
    /// case of "Redis lost its last writes".
    func crashLosingEverything(_ process: BackgroundProcess) async throws {
        _ = await process.stop(signal: SIGKILL, withinSeconds: 10)
        try FileManager.default.removeItem(atPath: directory + "/appendonlydir")
    }
}

/// A FreeRADIUS of the drill's own — a copy of the harness's configuration (same SQL database,
/// clients, secret and dictionaries) with its own run and log folders — in the BNG's namespace,
/// where it answers on the BNG's own address; drills kill it without touching the shared one.
struct LabRADIUS {
    let directory: String
    var configuration: String { directory + "/raddb" }

    func start(_ network: TestNetwork, in namespace: NetworkNamespace, endpoints: ServiceEndpoints, log: String) async throws -> BackgroundProcess {
        if !FileManager.default.fileExists(atPath: configuration) {
            try FileManager.default.createDirectory(atPath: directory + "/log/radacct", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/run", withIntermediateDirectories: true)
            try await CommandRunner.check(["cp", "-a", endpoints.radiusDictionaryDirectory, configuration])
            let path = configuration + "/radiusd.conf"
            let text = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("logdir = ") ? "logdir = \(directory)/log" : line.hasPrefix("run_dir = ") ? "run_dir = \(directory)/run" : String(line)
            }.joined(separator: "\n")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let process = try network.spawn(["freeradius", "-f", "-d", configuration], in: namespace, log: log)
        try await Readiness.wait(for: "the drill's FreeRADIUS on UDP 1812", timeoutSeconds: 20) {
            guard process.isRunning else { throw LabKitError(.daemonExited, "freeradius exited: \(process.log().suffix(1500))") }
            let table = (try? String(contentsOfFile: "/proc/\(process.handle.pid)/net/udp", encoding: .utf8)) ?? ""
            return table.split(separator: "\n").dropFirst().contains { $0.split(separator: " ").dropFirst().first?.hasSuffix(":0714") ?? false }
        }
        return process
    }
}

extension BNGLab {
    /// RADIUS users for `circuits` (numbered from 1) of the emulated access node, in the lab's plan.
    func provision(_ node: LoadNode, circuits: ClosedRange<Int>) throws {
        let prefix = "\(bngID)/\(node.remoteID)/\(node.remoteID)/"
        let radius = try PostgresConnection(endpoints.postgres.radius)
        try radius.query("""
            INSERT INTO radcheck (username, attribute, op, value)
            SELECT $1 || g, 'Cleartext-Password', ':=', 'lab' FROM generate_series($2::int, $3::int) g
            """, [prefix, "\(circuits.lowerBound)", "\(circuits.upperBound)"])
        try radius.query("""
            INSERT INTO radusergroup (username, groupname, priority) SELECT $1 || g, $4, 1 FROM generate_series($2::int, $3::int) g
            """, [prefix, "\(circuits.lowerBound)", "\(circuits.upperBound)", "plan-\(network.tag)"])
    }

    /// `aether-sim load` for subscribers `circuits` of `node`, watching this lab's stream; the
    /// JSON report goes to `report`.
    func loadCommand(_ node: LoadNode, circuits: ClosedRange<Int>, rate: Int, report: String, extra: [String] = []) throws -> [String] {
        guard case .unixSocket(let socket) = redis.address else { throw LabKitError(.invalidConfiguration, "the lab's Redis has no socket") }
        var arguments = [try BuiltProducts.executable("aether-sim"), "load",
                         "--namespace", "\(TestServices.configuration.namespacePrefix)-\(network.tag)-load", "--interface", "eth0",
                         "--sessions", "\(circuits.count)", "--first-index", "\(circuits.lowerBound - 1)", "--rate", "\(rate)",
                         "--remote-id", node.remoteID, "--mac-prefix", "\(node.macPrefix)", "--redis-socket", socket, "--stream", stream, "--json", report] + extra
        if let password = redis.password {
            let file = network.directory + "/redis-password"
            try password.write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["--redis-password-file", file]
        }
        return arguments
    }

    /// Runs a load to its end and returns its report; `allowFailures` accepts exit status 3.
    func runLoad(_ node: LoadNode, circuits: ClosedRange<Int>, rate: Int, extra: [String] = [], allowFailures: Bool = false,
                 timeoutSeconds: Double = 180) async throws -> SubscriberLoadReport {
        let report = network.directory + "/load-\(circuits.lowerBound).json"
        let output = try await CommandRunner.run(try loadCommand(node, circuits: circuits, rate: rate, report: report, extra: extra),
                                                 timeoutSeconds: timeoutSeconds)
        guard output.status == 0 || (allowFailures && output.status == 3) else {
            throw LabKitError(.commandFailed, "aether-sim load exited \(output.status): \(output.standardOutput.suffix(1500))\n\(output.standardError.suffix(1500))\n"
                              + "RADIUS rejected: \((try? rejections()) ?? [])\nBNG: \(bng.log().suffix(2000))")
        }
        return try JSONDecoder().decode(SubscriberLoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
    }

    /// radpostauth's Access-Rejects of this BNG's users: "user at time".
    func rejections() throws -> [String] {
        let rows = try PostgresConnection(endpoints.postgres.radius).query(
            "SELECT username || ' at ' || authdate::text AS what FROM radpostauth WHERE username LIKE $1 AND reply = 'Access-Reject' ORDER BY id",
            ["\(bngID)/%"])
        return try rows.rows.indices.compactMap { try rows.value("what", row: $0) }
    }

    /// The same in the background (the fault strikes while it runs); read its report with ``loadReport(_:)``.
    func startLoad(_ node: LoadNode, circuits: ClosedRange<Int>, rate: Int, extra: [String] = []) throws -> BackgroundProcess {
        let report = network.directory + "/load-\(circuits.lowerBound).json"
        let process = try BackgroundProcess(try loadCommand(node, circuits: circuits, rate: rate, report: report, extra: extra),
                                            logPath: network.directory + "/load-\(circuits.lowerBound).log")
        network.onCleanup { await process.terminate() }
        return process
    }

    /// The report of a background load started for `circuits`.
    func loadReport(_ circuits: ClosedRange<Int>) throws -> SubscriberLoadReport {
        try JSONDecoder().decode(SubscriberLoadReport.self,
                                 from: Data(contentsOf: URL(fileURLWithPath: network.directory + "/load-\(circuits.lowerBound).json")))
    }
}

/// What a drill must find in every place a session lives, for the subscribers of one emulated
/// access node: Kea's leases, the BNG's sessions, the kernel's nftables and tc objects, radacct's
/// open rows and the OSS's `sessions_active`.
struct DrillConsistency: CustomStringConvertible {
    var keaLeases: Set<String> = []
    var bngAddresses: Set<String> = []
    var bngSessions: Set<String> = []
    var unauthorized: [String] = []
    /// Sessions of the node the BNG is ending (not in the sets above).
    var stopping = 0
    var nftAddresses: Set<String> = []
    var downloadFilters: Set<String> = []
    var uploadFilters: Set<String> = []
    var radacctOpen: Set<String> = []
    var radacctRows = 0
    var ossActive: Set<String> = []

    /// Every disagreement, named; empty when the six views agree.
    var mismatches: [String] {
        var found: [String] = []
        func compare(_ name: String, _ view: Set<String>, _ reference: Set<String>, _ referenceName: String) {
            guard view != reference else { return }
            found.append("\(name) vs \(referenceName): only in \(name) \(view.subtracting(reference).sorted().prefix(5)), "
                         + "only in \(referenceName) \(reference.subtracting(view).sorted().prefix(5))")
        }
        compare("kea leases", keaLeases, bngAddresses, "BNG sessions")
        compare("nftables", nftAddresses, bngAddresses, "BNG sessions")
        compare("tc download filters", downloadFilters, bngAddresses, "BNG sessions")
        compare("tc upload filters", uploadFilters, bngAddresses, "BNG sessions")
        compare("radacct open rows", radacctOpen, bngSessions, "BNG session ids")
        compare("OSS sessions_active", ossActive, bngSessions, "BNG session ids")
        if radacctRows != radacctOpen.count { found.append("radacct has \(radacctRows) open rows for \(radacctOpen.count) sessions (a duplicate Start)") }
        if !unauthorized.isEmpty { found.append("sessions not authorized: \(unauthorized.prefix(5))") }
        return found
    }

    var description: String {
        "kea \(keaLeases.count) · bng \(bngSessions.count) (+\(stopping) stopping) · nft \(nftAddresses.count) · tc \(downloadFilters.count)/\(uploadFilters.count) · "
            + "radacct \(radacctOpen.count) · oss \(ossActive.count)"
    }

    /// Reads all six views for `node`'s subscribers (MACs `02:<prefix>:…`, circuits `<remote-id>/…`).
    static func read(_ lab: BNGLab, node: BNGLab.LoadNode, oss: PostgresConnectionInfo) async throws -> DrillConsistency {
        var views = DrillConsistency()
        guard let subnet = lab.loadSubnet else { throw LabKitError(.invalidConfiguration, "the lab has no load node") }
        // The node's MAC prefix in the node's subnet: another lab's generator may share the prefix.
        let kea = try PostgresConnection(lab.endpoints.postgres.kea).query("""
            SELECT host(inet '0.0.0.0' + address) AS ip FROM lease4
            WHERE substring(hwaddr from 1 for 2) = decode($1, 'hex') AND state = 0 AND expire > now()
              AND (inet '0.0.0.0' + address) << $2::inet
            """, [String(format: "02%02x", node.macPrefix), "\(subnet.prefix)"])
        views.keaLeases = Set(try kea.rows.indices.compactMap { try kea.value("ip", row: $0) })
        // Sessions ending (`stopping`: kernel objects going, final counters being read) hold no
        // kernel objects any more but still an open radacct row and an OSS row until their stop lands.
        let all = try await lab.sessions().filter { $0["remote_id"] as? String == node.remoteID }
        let sessions = all.filter { $0["phase"] as? String != "stopping" }
        views.stopping = all.count - sessions.count
        views.bngAddresses = Set(sessions.compactMap { $0["address"] as? String })
        views.bngSessions = Set(sessions.compactMap { $0["session_id"] as? String })
        views.unauthorized = sessions.filter { $0["auth_state"] as? String != "AUTHORIZED" }.compactMap { $0["address"] as? String }

        // Only the node's own subnet, less its gateway: the relay's line and the BNG's own addresses stay out.
        func inSubnet(_ text: String) -> Bool {
            IPv4Address(text).map { subnet.prefix.contains($0) && $0 != subnet.relayAddress } ?? false
        }
        let table = "aether_" + lab.bngID.replacingOccurrences(of: "-", with: "_")
        let nft = try await lab.bngNamespace.check(["nft", "list", "table", "inet", table]).standardOutput
        views.nftAddresses = Set(nft.matches(of: /\d+\.\d+\.\d+\.\d+/).map { String($0.output) }.filter(inSubnet))
        views.downloadFilters = try await Self.filteredAddresses(lab, device: "agg0", offset: 16).filter(inSubnet)
        views.uploadFilters = try await Self.filteredAddresses(lab, device: "ifb0", offset: 12).filter(inSubnet)

        let radacct = try PostgresConnection(lab.endpoints.postgres.radius).query(
            "SELECT acctsessionid FROM radacct WHERE username LIKE $1 AND acctstoptime IS NULL",
            ["\(lab.bngID)/\(node.remoteID)/%"])
        let open = try radacct.rows.indices.compactMap { try radacct.value("acctsessionid", row: $0) }
        views.radacctOpen = Set(open)
        views.radacctRows = open.count
        let active = try PostgresConnection(oss).query("SELECT session_id::text AS id FROM sessions_active WHERE bng_id = $1 AND remote_id = $2",
                                                       [lab.bngID, node.remoteID])
        views.ossActive = Set(try active.rows.indices.compactMap { try active.value("id", row: $0) })
        return views
    }

    /// The addresses the u32 filters of `device` match exactly at `offset` (16: destination, 12:
    /// source), over the filters of every qdisc of the device (the shaper hashes them into child
    /// qdiscs), read with one `tc -batch`.
    static func filteredAddresses(_ lab: BNGLab, device: String, offset: Int) async throws -> Set<String> {
        let qdiscs = try await lab.bngNamespace.check(["tc", "qdisc", "show", "dev", device]).standardOutput
        let handles = Set(qdiscs.matches(of: /qdisc \S+ ([0-9a-f]+:)/).map { String($0.output.1) })
        let batch = lab.network.directory + "/tc-filters-\(device).batch"
        try handles.sorted().map { "filter show dev \(device) parent \($0)" }.joined(separator: "\n")
            .appending("\n").write(toFile: batch, atomically: true, encoding: .utf8)
        let text = try await lab.bngNamespace.check(["tc", "-batch", batch]).standardOutput
        return Set(text.matches(of: /match ([0-9a-f]{8})\/ffffffff at (\d+)/).compactMap { match -> String? in
            guard Int(match.output.2) == offset, let value = UInt32(match.output.1, radix: 16) else { return nil }
            return "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
        })
    }
}

/// What the drills of one run found, written as JSON beside the test's logs and printed.
struct DrillReport: Codable {
    struct Fault: Codable {
        var name: String
        var survived: Bool
        var detail: String
    }

    var faults: [Fault] = []
    var eventsIssued: UInt64 = 0
    var eventsLost = 0
    var duplicateSessionEvents = 0
    var duplicateAccountingStarts = 0
    var sessionFlaps = 0
    var republished = 0

    var summary: String {
        "faults survived \(faults.filter(\.survived).count)/\(faults.count) · events issued \(eventsIssued), lost \(eventsLost) · "
            + "duplicates: session_events \(duplicateSessionEvents), radacct \(duplicateAccountingStarts) · flaps \(sessionFlaps)"
            + (republished > 0 ? " · republished after the stream lost them \(republished)" : "")
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}

/// The event-loss and duplicate counts: every event the BNG had issued when `through` was read
/// is in `session_events` exactly once, and nothing stopped that should not have.
enum DrillLedger {
    /// The highest sequence number of `lab`'s BNG in its stream now (what it has issued and published).
    static func issued(_ lab: BNGLab) throws -> UInt64 {
        try lab.events().map(\.seq).max() ?? 0
    }

    /// Waits until the OSS applied every event through `through`, then counts what is missing
    /// and what is there twice (by sequence) for the BNG, and its session stops (the drills end no
    /// session on purpose, so each is a flap).
    static func count(_ lab: BNGLab, through: UInt64, oss: PostgresConnectionInfo, into report: inout DrillReport) async throws {
        // Events that never come leave a hole the counts below name; the wait only gives the rest time.
        try? await Readiness.wait(for: "the OSS to apply events through \(through)", timeoutSeconds: 60) {
            let row = try PostgresConnection(oss).query("SELECT coalesce(max(applied_through), 0)::text AS n FROM event_sources WHERE bng_id = $1", [lab.bngID])
            return UInt64(try row.value("n") ?? "0") ?? 0 >= through
        }
        let counts = try PostgresConnection(oss).query("""
            SELECT count(DISTINCT seq)::text AS distinct_seqs, count(*)::text AS rows,
                   count(*) FILTER (WHERE event_type = 'SESSION_STOP')::text AS stops
            FROM session_events WHERE bng_id = $1 AND seq <= $2::bigint
            """, [lab.bngID, "\(through)"])
        let distinct = Int(try counts.value("distinct_seqs") ?? "0") ?? 0
        let rows = Int(try counts.value("rows") ?? "0") ?? 0
        report.eventsIssued = through
        report.eventsLost = Int(through) - distinct
        report.duplicateSessionEvents = rows - distinct
        report.sessionFlaps = Int(try counts.value("stops") ?? "0") ?? 0
        let radacct = try PostgresConnection(lab.endpoints.postgres.radius).query(
            "SELECT (count(*) - count(DISTINCT acctsessionid))::text AS n FROM radacct WHERE username LIKE $1", ["\(lab.bngID)/%"])
        report.duplicateAccountingStarts = Int(try radacct.value("n") ?? "0") ?? 0
    }
}

extension BNGLab {
    /// `aether-sim load` as the peers' ceiling for `circuits` of `node`: run in the BNG's
    /// namespace (with the BNG stopped: the generator takes its relay port and its NAS address),
    /// DHCP relayed from the node's gateway straight to Kea, then Access-Request and
    /// Accounting-Start straight to FreeRADIUS, as this lab's BNG would send them.
    /// Without `radius` it is DHCP alone, straight to Kea, counted at DHCPACK.
    func ceilingCommand(_ node: LoadNode, circuits: ClosedRange<Int>, rate: Int, report: String, radius: Bool = true,
                        extra: [String] = []) throws -> [String] {
        guard let loadSubnet else { throw LabKitError(.invalidConfiguration, "the lab has no load node") }
        let askRADIUS = ["--radius-auth", "\(endpoints.radius.address):\(endpoints.radius.authenticationPort)",
                         "--radius-acct", "\(endpoints.radius.address):\(endpoints.radius.accountingPort)",
                         "--radius-secret-file", network.directory + "/secrets/radius",
                         "--nas-identifier", bngID, "--nas-ip", "\(services.address)", "--radius-password", "lab"]
        return [try BuiltProducts.executable("aether-sim"), "load",
                "--namespace", bngNamespace.name, "--interface", "agg0",
                "--sessions", "\(circuits.count)", "--first-index", "\(circuits.lowerBound - 1)", "--rate", "\(rate)",
                "--remote-id", node.remoteID, "--mac-prefix", "\(node.macPrefix)", "--json", report,
                "--relay-to", "\(endpoints.servicesAddress)", "--relay-address", "\(loadSubnet.gateway.address)"]
            + (radius ? askRADIUS : ["--no-events"]) + extra
    }

    /// Runs ``ceilingCommand(_:circuits:rate:report:extra:)`` to its end and returns its report.
    func runCeiling(_ node: LoadNode, circuits: ClosedRange<Int>, rate: Int, radius: Bool = true, extra: [String] = [],
                    allowFailures: Bool = false, timeoutSeconds: Double = 180) async throws -> SubscriberLoadReport {
        let report = network.directory + "/ceiling-\(circuits.lowerBound).json"
        let output = try await CommandRunner.run(try ceilingCommand(node, circuits: circuits, rate: rate, report: report, radius: radius, extra: extra),
                                                 timeoutSeconds: timeoutSeconds)
        guard output.status == 0 || (allowFailures && output.status == 3) else {
            throw LabKitError(.commandFailed, "aether-sim load (ceiling) exited \(output.status): \(output.standardOutput.suffix(1500))\n\(output.standardError.suffix(1500))")
        }
        return try JSONDecoder().decode(SubscriberLoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
    }
}
