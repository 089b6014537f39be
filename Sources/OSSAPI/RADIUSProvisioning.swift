import EventSourcing
import Foundation
import Logging
import Metrics
import RadiusKit
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// Keeps FreeRADIUS's tables in step with the OSS's services and plans, treating RADIUS as a
/// projection of the OSS.
///
/// The OSS transaction records a change; this syncer then computes what RADIUS should hold —
/// for every ACTIVE service a `radcheck` password row and a `radusergroup` row for its plan's
/// group, for every plan a group of `radgroupreply` rate attributes — and rewrites exactly the
/// users and groups that differ, in one RADIUS transaction. It runs after each change and every
/// `interval`, so a failure in the middle (RADIUS database away, process killed) is repaired by
/// the next pass: the two databases never disagree for longer than that.
///
/// It touches only names it owns: `aether_provisioned` in the RADIUS database lists them per
/// `owner`, so rows written by hand or by another OSS stay alone. An advisory lock serialises
/// syncers of one owner, and the OSS is read while it is held, so an older state never
/// overwrites a newer one.
public final class RADIUSProvisioning: Service, Sendable {
    /// What the syncer needs to know.
    public struct Settings: Sendable, Hashable {
        /// The `oss` database.
        public var oss: PostgresConnectionInfo
        /// FreeRADIUS's database.
        public var radius: PostgresConnectionInfo
        /// How the BNGs build User-Name.
        public var userNameFormat: RADIUSUserNameFormat
        /// The Cleartext-Password every line's radcheck row holds (the BNG's subscriber password).
        public var password: String
        /// Prefix of plan groups: plan 3 is group `<prefix>3` (default `aether-plan-`).
        public var groupPrefix: String
        /// Name of this OSS in `aether_provisioned` (default `oss`).
        public var owner: String
        /// Time between repair passes (default 60 s).
        public var interval: Duration

        public init(oss: PostgresConnectionInfo, radius: PostgresConnectionInfo, userNameFormat: RADIUSUserNameFormat = .standard,
                    password: String, groupPrefix: String = "aether-plan-", owner: String = "oss", interval: Duration = .seconds(60)) {
            self.oss = oss
            self.radius = radius
            self.userNameFormat = userNameFormat
            self.password = password
            self.groupPrefix = groupPrefix
            self.owner = owner
            self.interval = interval
        }
    }

    /// What one pass changed.
    public struct Report: Sendable, Hashable {
        /// Users and groups whose rows were rewritten or removed.
        public var usersWritten = 0, usersRemoved = 0, groupsWritten = 0, groupsRemoved = 0
        /// Users and groups RADIUS holds for this owner afterwards.
        public var users = 0, groups = 0
        public var changed: Bool { usersWritten + usersRemoved + groupsWritten + groupsRemoved > 0 }
    }

    public let settings: Settings
    private let doorbell = Doorbell()
    private let state = Mutex(State())
    private let connections: SyncConnections
    private let logger: Logger
    private let passes: Counter
    private let failures: Counter
    private let repairs: Counter

    private struct State {
        var requested: UInt64 = 0
        var completed: UInt64 = 0
        var lastError: String?
        var lastSuccess: ContinuousClock.Instant?
        var waiters: [UInt64: (target: UInt64, continuation: CheckedContinuation<Result<Report, any Error>?, Never>)] = [:]
        var nextWaiter: UInt64 = 0
    }

    public init(_ settings: Settings, logger: Logger = Logger(label: "aether.api.provisioning")) {
        self.settings = settings
        self.logger = logger
        connections = SyncConnections(settings: settings)
        passes = Counter(label: "aether_api_radius_sync_passes_total")
        failures = Counter(label: "aether_api_radius_sync_failures_total")
        repairs = Counter(label: "aether_api_radius_sync_rows_rewritten_total")
    }

    /// The group of plan `planID`.
    public static func groupName(planID: Int64, prefix: String) -> String { "\(prefix)\(planID)" }

    /// Asks for a pass and waits for one that started after the call, up to `timeout`;
    /// nil when none finished in time (the pass still happens).
    public func sync(timeout: Duration = .seconds(5)) async -> Result<Report, any Error>? {
        let (id, target) = state.withLock { state -> (UInt64, UInt64) in
            state.requested += 1
            state.nextWaiter += 1
            return (state.nextWaiter, state.requested)
        }
        doorbell.ring()
        return await withCheckedContinuation { continuation in
            state.withLock { $0.waiters[id] = (target, continuation) }
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: nil)
            }
        }
    }

    /// Whether the last pass succeeded, and when one last did.
    public var health: (ok: Bool, error: String?, lastSuccess: ContinuousClock.Instant?) {
        state.withLock { ($0.lastError == nil && $0.lastSuccess != nil, $0.lastError, $0.lastSuccess) }
    }

    /// Passes on request and every `interval` until shutdown.
    public func run() async throws {
        let worker = connections.executor
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            var delay = settings.interval
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let generation = state.withLock { $0.requested }
                let result: Result<Report, any Error>
                do {
                    result = .success(try await pass())
                } catch {
                    result = .failure(error)
                }
                passes.increment()
                let waiters = state.withLock { state -> [CheckedContinuation<Result<Report, any Error>?, Never>] in
                    state.completed = generation
                    switch result {
                    case .success: state.lastError = nil; state.lastSuccess = .now
                    case .failure(let error): state.lastError = "\(error)"
                    }
                    let done = state.waiters.filter { $0.value.target <= generation }
                    for key in done.keys { state.waiters.removeValue(forKey: key) }
                    return done.values.map(\.continuation)
                }
                for waiter in waiters { waiter.resume(returning: result) }
                switch result {
                case .success(let report):
                    delay = settings.interval
                    if report.changed {
                        repairs.increment(by: report.usersWritten + report.usersRemoved + report.groupsWritten + report.groupsRemoved)
                        logger.info("RADIUS provisioning synced", metadata: [
                            "usersWritten": "\(report.usersWritten)", "usersRemoved": "\(report.usersRemoved)",
                            "groupsWritten": "\(report.groupsWritten)", "groupsRemoved": "\(report.groupsRemoved)"])
                    }
                case .failure(let error):
                    failures.increment()
                    delay = min(settings.interval, .seconds(2))
                    logger.warning("RADIUS provisioning sync failed; retrying", metadata: ["error": "\(error)"])
                }
                let pause = delay
                await cancelWhenGracefulShutdown { [doorbell] in await doorbell.wait(atMost: pause) }
            }
            worker.shutdown()
            try await group.waitForAll()
        }
    }

    /// One pass: read the OSS and rewrite what differs, holding the owner's lock.
    public func pass() async throws -> Report {
        let connections = self.connections
        return try await connections.executor.run { radius in try connections.pass(radius: radius) }
    }
}

/// The syncer's two connections, used only from its executor's single thread.
// @unchecked Sendable: `oss` is touched only inside jobs of `executor`, which has one thread.
private final class SyncConnections: @unchecked Sendable {
    let settings: RADIUSProvisioning.Settings
    let executor: PostgresExecutor
    private var oss: PostgresConnection?
    private var migrated = false

    init(settings: RADIUSProvisioning.Settings) {
        self.settings = settings
        executor = PostgresExecutor(settings.radius, threads: 1, name: "radius-sync")
    }

    typealias Row = [String]

    func pass(radius: PostgresConnection) throws -> RADIUSProvisioning.Report {
        if !migrated {
            try radius.execute(script: """
                CREATE TABLE IF NOT EXISTS aether_provisioned (
                    owner text NOT NULL, kind text NOT NULL CHECK (kind IN ('user', 'group')), name text NOT NULL,
                    PRIMARY KEY (owner, kind, name)
                )
                """)
            migrated = true
        }
        if oss?.isHealthy != true { oss = try PostgresConnection(settings.oss) }
        guard let oss else { return .init() }
        do {
            return try radius.transaction { radius in
                try radius.query("SELECT pg_advisory_xact_lock(hashtext($1))", ["aether_provisioned:" + settings.owner])
                let (users, groups) = try desired(oss)
                return try apply(users: users, groups: groups, radius)
            }
        } catch let error as EventSourcingError where error.isConnectionLoss {
            self.oss = nil
            throw error
        }
    }

    /// radcheck + radusergroup rows per user, radgroupreply rows per group, from the OSS.
    private func desired(_ oss: PostgresConnection) throws -> (users: [String: Set<Row>], groups: [String: Set<Row>]) {
        var groups: [String: Set<Row>] = [:]
        for row in try oss.query("SELECT plan_id, download_kbps, upload_kbps, download_burst_kbit, upload_burst_kbit FROM plans").typedRows {
            let group = RADIUSProvisioning.groupName(planID: try row.decode("plan_id"), prefix: settings.groupPrefix)
            var rows: Set<Row> = [["Aether-Download-Rate", String(try row.decode("download_kbps", as: Int64.self))],
                                  ["Aether-Upload-Rate", String(try row.decode("upload_kbps", as: Int64.self))]]
            if let burst: Int64 = try row.decodeIfPresent("download_burst_kbit") { rows.insert(["Aether-Download-Burst", String(burst)]) }
            if let burst: Int64 = try row.decodeIfPresent("upload_burst_kbit") { rows.insert(["Aether-Upload-Burst", String(burst)]) }
            groups[group] = rows
        }
        var users: [String: Set<Row>] = [:]
        for row in try oss.query("SELECT bng_id, remote_id, circuit_id, plan_id FROM services WHERE status = 'ACTIVE'").typedRows {
            let name = settings.userNameFormat.userName(bng: try row.decode("bng_id"), remoteID: try row.decode("remote_id"),
                                                        circuitID: try row.decode("circuit_id"))
            let group = RADIUSProvisioning.groupName(planID: try row.decode("plan_id"), prefix: settings.groupPrefix)
            users[name] = [["check", "Cleartext-Password", settings.password], ["group", group]]
        }
        return (users, groups)
    }

    private func apply(users: [String: Set<Row>], groups: [String: Set<Row>], _ radius: PostgresConnection) throws -> RADIUSProvisioning.Report {
        var report = RADIUSProvisioning.Report()
        var ownedUsers: Set<String> = [], ownedGroups: Set<String> = []
        for row in try radius.query("SELECT kind, name FROM aether_provisioned WHERE owner = $1", [settings.owner]).typedRows {
            let name: String = try row.decode("name")
            if try row.decode("kind", as: String.self) == "user" { ownedUsers.insert(name) } else { ownedGroups.insert(name) }
        }
        let userNames = Array(ownedUsers.union(users.keys)).sorted()
        let groupNames = Array(ownedGroups.union(groups.keys)).sorted()

        var currentUsers: [String: Set<Row>] = [:]
        for row in try radius.query("SELECT username, attribute, value FROM radcheck WHERE username = ANY($1::text[]) AND op = ':='",
                                    bindings: [PostgresArray(texts: userNames)]).typedRows {
            currentUsers[try row.decode("username"), default: []].insert(["check", try row.decode("attribute"), try row.decode("value")])
        }
        for row in try radius.query("SELECT username, groupname FROM radusergroup WHERE username = ANY($1::text[])",
                                    bindings: [PostgresArray(texts: userNames)]).typedRows {
            currentUsers[try row.decode("username"), default: []].insert(["group", try row.decode("groupname")])
        }
        var currentGroups: [String: Set<Row>] = [:]
        for row in try radius.query("SELECT groupname, attribute, value FROM radgroupreply WHERE groupname = ANY($1::text[]) AND op = ':='",
                                    bindings: [PostgresArray(texts: groupNames)]).typedRows {
            currentGroups[try row.decode("groupname"), default: []].insert([try row.decode("attribute"), try row.decode("value")])
        }

        let staleUsers = userNames.filter { currentUsers[$0] != users[$0] }
        let staleGroups = groupNames.filter { currentGroups[$0] != groups[$0] }
        if !staleUsers.isEmpty {
            let names = PostgresArray(texts: staleUsers)
            try radius.query("DELETE FROM radcheck WHERE username = ANY($1::text[])", bindings: [names])
            try radius.query("DELETE FROM radusergroup WHERE username = ANY($1::text[])", bindings: [names])
            var checkNames: [String] = [], attributes: [String] = [], values: [String] = []
            var groupUsers: [String] = [], groupOfUser: [String] = []
            for name in staleUsers {
                guard let rows = users[name] else { report.usersRemoved += 1; continue }
                report.usersWritten += 1
                for row in rows.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                    if row[0] == "check" {
                        checkNames.append(name); attributes.append(row[1]); values.append(row[2])
                    } else {
                        groupUsers.append(name); groupOfUser.append(row[1])
                    }
                }
            }
            try radius.query("INSERT INTO radcheck (username, attribute, op, value) SELECT u, a, ':=', v FROM unnest($1::text[], $2::text[], $3::text[]) AS t(u, a, v)",
                             bindings: [PostgresArray(texts: checkNames), PostgresArray(texts: attributes), PostgresArray(texts: values)])
            try radius.query("INSERT INTO radusergroup (username, groupname, priority) SELECT u, g, 1 FROM unnest($1::text[], $2::text[]) AS t(u, g)",
                             bindings: [PostgresArray(texts: groupUsers), PostgresArray(texts: groupOfUser)])
        }
        if !staleGroups.isEmpty {
            try radius.query("DELETE FROM radgroupreply WHERE groupname = ANY($1::text[])", bindings: [PostgresArray(texts: staleGroups)])
            var names: [String] = [], attributes: [String] = [], values: [String] = []
            for name in staleGroups {
                guard let rows = groups[name] else { report.groupsRemoved += 1; continue }
                report.groupsWritten += 1
                for row in rows.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                    names.append(name); attributes.append(row[0]); values.append(row[1])
                }
            }
            try radius.query("INSERT INTO radgroupreply (groupname, attribute, op, value) SELECT g, a, ':=', v FROM unnest($1::text[], $2::text[], $3::text[]) AS t(g, a, v)",
                             bindings: [PostgresArray(texts: names), PostgresArray(texts: attributes), PostgresArray(texts: values)])
        }
        if !staleUsers.isEmpty || !staleGroups.isEmpty || ownedUsers != Set(users.keys) || ownedGroups != Set(groups.keys) {
            try radius.query("DELETE FROM aether_provisioned WHERE owner = $1", [settings.owner])
            let kinds = Array(repeating: "user", count: users.count) + Array(repeating: "group", count: groups.count)
            try radius.query("INSERT INTO aether_provisioned (owner, kind, name) SELECT $1, k, n FROM unnest($2::text[], $3::text[]) AS t(k, n)",
                             bindings: [settings.owner, PostgresArray(texts: kinds), PostgresArray(texts: Array(users.keys) + Array(groups.keys))])
        }
        report.users = users.count
        report.groups = groups.count
        return report
    }
}
