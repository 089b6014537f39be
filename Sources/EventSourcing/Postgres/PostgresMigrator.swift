import Logging

/// Applies versioned migrations once each and records them in `schema_migrations`.
///
/// Several components (the event store, the OSS schema) keep separate version lines in one
/// table, keyed by `component`. Concurrent migrators (several ingestors starting together)
/// serialise on a PostgreSQL advisory lock; each migration runs in its own transaction with
/// its record, so a failure leaves the database at the previous version.
public struct PostgresMigrator: Sendable {
    /// Version line name (`eventsourcing`, `oss`).
    public let component: String
    /// The migrations, sorted by version.
    public let migrations: [PostgresMigration]

    /// A migrator; throws `migrationInvalid` for duplicate or non-positive versions.
    public init(component: String, migrations: [PostgresMigration]) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.version == b.version {
            throw EventSourcingError(.migrationInvalid, "\(component): version \(a.version) is used by both \"\(a.name)\" and \"\(b.name)\"")
        }
        if let bad = sorted.first(where: { $0.version <= 0 }) {
            throw EventSourcingError(.migrationInvalid, "\(component): version \(bad.version) of \"\(bad.name)\" must be positive")
        }
        self.component = component
        self.migrations = sorted
    }

    /// A migration recorded as applied.
    public struct Applied: Hashable, Sendable {
        /// Its version.
        public var version: Int
        /// Its name when applied.
        public var name: String
        /// Checksum of the SQL that ran.
        public var checksum: String
    }

    /// Key of the advisory lock taken while migrating (any constant shared by all migrators).
    static let lockKey: Int64 = 0x6165_7468_6572_6d67 // "aethermg"

    /// Applies what is not applied yet, in version order; returns the ones applied now.
    /// Throws `migrationInvalid` when an applied migration's SQL changed since.
    @discardableResult
    public func migrate(_ connection: PostgresConnection, logger: Logger = Logger(label: "aether.eventsourcing.migrator")) throws -> [PostgresMigration] {
        try connection.query("SELECT pg_advisory_lock($1)", bindings: [Self.lockKey])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", bindings: [Self.lockKey]) }
        try connection.execute(script: """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                component  text        NOT NULL,
                version    bigint      NOT NULL,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (component, version)
            )
            """)
        let done = Dictionary(uniqueKeysWithValues: try applied(connection).map { ($0.version, $0) })
        var appliedNow: [PostgresMigration] = []
        for migration in migrations {
            if let record = done[migration.version] {
                guard record.checksum == migration.checksum else {
                    throw EventSourcingError(.migrationInvalid,
                                             "\(component) migration \(migration.version) (\(migration.name)) was edited after it was applied; add a new migration instead")
                }
                continue
            }
            try connection.transaction { tx in
                try tx.execute(script: migration.sql)
                try tx.query("INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
                             bindings: [component, migration.version, migration.name, migration.checksum])
            }
            logger.debug("applied migration", metadata: ["component": "\(component)", "version": "\(migration.version)", "name": "\(migration.name)"])
            appliedNow.append(migration)
        }
        return appliedNow
    }

    /// The migrations of this component recorded as applied, by version.
    public func applied(_ connection: PostgresConnection) throws -> [Applied] {
        let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").decode("present", as: Bool.self)
        guard exists else { return [] }
        return try connection.query("SELECT version, name, checksum FROM schema_migrations WHERE component = $1 ORDER BY version",
                                    bindings: [component]).typedRows.map {
            Applied(version: try $0.decode("version"), name: try $0.decode("name"), checksum: try $0.decode("checksum"))
        }
    }
}
