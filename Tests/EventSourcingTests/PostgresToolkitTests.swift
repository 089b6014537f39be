import AetherTestSupport
import EventSourcing
import Foundation
import Testing

@Suite("PostgreSQL pool, transactions, batches, decoding, migrations")
struct PostgresToolkitTests {
    @Test func poolReusesConnectionsAndNeverExceedsItsSize() async throws {
        try await withScratchSchema { info in
            let pool = try PostgresPool(info, maximumConnections: 2)
            let first = try pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").decode("pid", as: Int.self) }
            let second = try pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").decode("pid", as: Int.self) }
            #expect(first == second)
            #expect(pool.openConnections == 1)
        }
    }

    @Test func exhaustedPoolTimesOutWithItsOwnError() async throws {
        try await withScratchSchema { info in
            let pool = try PostgresPool(info, maximumConnections: 1, waitTimeoutSeconds: 0.2)
            let error = try pool.withConnection { _ in
                try #require(throws: EventSourcingError.self) { try pool.withConnection { _ in 1 } }
            }
            #expect(error.code == .poolExhausted)
            #expect(throws: EventSourcingError.self) { try PostgresPool(info, maximumConnections: 0) }
        }
    }

    @Test func brokenConnectionIsDroppedAndTheNextCallReconnects() async throws {
        try await withScratchSchema { info in
            let pool = try PostgresPool(info, maximumConnections: 1)
            let pid = try pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").decode("pid", as: Int.self) }
            let killer = try PostgresConnection(info)
            #expect(try killer.query("SELECT pg_terminate_backend($1) AS ok", bindings: [pid]).decode("ok", as: Bool.self))
            let error = try #require(throws: EventSourcingError.self) { try pool.withConnection { try $0.query("SELECT 1") } }
            #expect(error.isConnectionLoss)
            let newPID = try pool.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").decode("pid", as: Int.self) }
            #expect(newPID != pid)
        }
    }

    @Test func retriesGiveUpWithRetriesExhausted() throws {
        let nowhere = PostgresConnectionInfo(host: "127.0.0.1", port: 1, database: "x", user: "x", connectTimeout: 1)
        let pool = try PostgresPool(nowhere)
        let error = try #require(throws: EventSourcingError.self) {
            try pool.withConnection(maxAttempts: 2, backoff: RetryBackoff(initialSeconds: 0.01)) { try $0.query("SELECT 1") }
        }
        #expect(error.code == .retriesExhausted)
        #expect(error.message.contains("2 attempt"))
    }

    @Test func transactionCommitsOrRollsBackAsAWhole() async throws {
        try await withScratchSchema { info in
            let connection = try PostgresConnection(info)
            try connection.execute(script: "CREATE TABLE t (n int PRIMARY KEY)")
            try connection.transaction { tx in
                try tx.query("INSERT INTO t VALUES (1)")
                try tx.query("INSERT INTO t VALUES (2)")
            }
            #expect(throws: EventSourcingError.self) {
                try connection.transaction { tx in
                    try tx.query("INSERT INTO t VALUES (3)")
                    try tx.query("INSERT INTO t VALUES (1)") // unique violation
                }
            }
            // A failed savepoint rolls back only the inner part.
            try connection.transaction { tx in
                try tx.query("INSERT INTO t VALUES (4)")
                _ = try? tx.transaction { inner in try inner.query("INSERT INTO t VALUES (2)") }
            }
            #expect(try connection.query("SELECT array_agg(n ORDER BY n)::text AS ns FROM t").decode("ns", as: String.self) == "{1,2,4}")
        }
    }

    @Test func batchInsertSplitsAtTheParameterLimit() async throws {
        try await withScratchSchema { info in
            let connection = try PostgresConnection(info)
            try connection.execute(script: "CREATE TABLE wide (a bigint, b text, c bigint, d text, e bigint, f text, g bigint, h text)")
            let insert = try PostgresBatchInsert(table: "wide", columns: ["a", "b", "c", "d", "e", "f", "g", "h"], suffix: "RETURNING a")
            #expect(insert.maximumRowsPerStatement == 8191)
            let rows = (0..<20_000).map { i in (0..<8).map { $0 % 2 == 0 ? String(i) : "row \(i)" } as [String?] }
            let results = try insert.run(rows, on: connection)
            #expect(results.count == 3)
            #expect(results.map(\.rows.count).reduce(0, +) == 20_000)
            #expect(try connection.query("SELECT count(*) AS n, sum(a) AS s FROM wide").decode("s", as: Int.self) == (0..<20_000).reduce(0, +))
            let error = try #require(throws: EventSourcingError.self) { try insert.run([["1"]], on: connection) }
            #expect(error.code == .invalidConfiguration)
        }
    }

    @Test func rowsDecodeIntoSwiftTypes() async throws {
        let endpoints = try await TestServices.endpoints()
        let connection = try PostgresConnection(endpoints.postgres.oss)
        let id = UUID()
        let row = try #require(try connection.query("""
            SELECT $1::bigint AS big, $2::boolean AS yes, $3::uuid AS id, $4::float8 AS ratio, $5::bytea AS raw, NULL::text AS nothing, 'x'::text AS word
            """, bindings: [Int64.max, true, id, 0.25, [UInt8]([0, 0xff, 0x10])]).typedRows.first)
        #expect(try row.decode("big", as: Int64.self) == .max)
        #expect(try row.decode("yes", as: Bool.self))
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("ratio", as: Double.self) == 0.25)
        #expect(try row.decode("raw", as: [UInt8].self) == [0, 0xff, 0x10])
        #expect(try row.decodeIfPresent("nothing", as: String.self) == nil)
        let null = try #require(throws: EventSourcingError.self) { try row.decode("nothing", as: String.self) }
        #expect(null.code == .postgresDecodingFailed)
        let wrong = try #require(throws: EventSourcingError.self) { try row.decode("word", as: Int.self) }
        #expect(wrong.code == .postgresDecodingFailed)
        let missing = try #require(throws: EventSourcingError.self) { try row.decode("absent", as: Int.self) }
        #expect(missing.code == .postgresResultShape)
    }

    @Test func arrayParametersRoundTripQuotesBackslashesAndNulls() async throws {
        let endpoints = try await TestServices.endpoints()
        let connection = try PostgresConnection(endpoints.postgres.oss)
        let tricky = ["plain", "with \"quotes\"", "back\\slash", "{braces},commas", "NULL", "", "ünïcode"]
        let result = try connection.query("SELECT u AS value, u IS NULL AS missing FROM unnest($1::text[]) WITH ORDINALITY AS t(u, n) ORDER BY n",
                                          bindings: [PostgresArray(tricky + [nil])])
        #expect(result.rows.map { $0[0] } == tricky + [nil])
        #expect(result.rows.map { $0[1] } == Array(repeating: "f", count: tricky.count) + ["t"])
        let ids = [UUID(), UUID()]
        let matched = try connection.query("SELECT count(*) AS n FROM unnest($1::uuid[]) AS u WHERE u = ANY($2::uuid[])",
                                           bindings: [PostgresArray(ids), PostgresArray([ids[1]])])
        #expect(try matched.decode("n", as: Int.self) == 1)
        #expect(try connection.query("SELECT cardinality($1::bigint[]) AS n", bindings: [PostgresArray([])]).decode("n", as: Int.self) == 0)
    }

    @Test func arrayInsertWritesEveryRowInOneStatementAndUpsertsWithItsSuffix() async throws {
        try await withScratchSchema { info in
            let connection = try PostgresConnection(info)
            try connection.execute(script: "CREATE TABLE counters (name text PRIMARY KEY, hits bigint NOT NULL, seen timestamptz, note text)")
            let upsert = try PostgresArrayInsert(table: "counters", columns: ["name", "hits", "seen", "note"],
                                                 types: ["text", "bigint", "timestamptz", "text"],
                                                 suffix: "ON CONFLICT (name) DO UPDATE SET hits = counters.hits + excluded.hits")
            #expect(upsert.statement.hasPrefix("INSERT INTO counters (name, hits, seen, note) SELECT * FROM unnest($1::text[], $2::bigint[]"))
            let rows: [[String?]] = (0..<3000).map { ["n\($0)", "1", $0 % 2 == 0 ? nil : "2026-12-01 00:00:00+00", "say \"hi\", \\o/"] }
            #expect(try upsert.run(rows, on: connection).affectedRows == 3000)
            #expect(try upsert.run([["n7", "41", nil, nil]], on: connection).affectedRows == 1)
            let row = try #require(try connection.query("SELECT hits, seen IS NULL AS missing, note FROM counters WHERE name = 'n7'").typedRows.first)
            #expect(try row.decode("hits", as: Int.self) == 42)
            #expect(try row.decode("missing", as: Bool.self) == false)
            #expect(try row.decode("note", as: String.self) == "say \"hi\", \\o/")
            #expect(try connection.query("SELECT count(*) AS n FROM counters WHERE seen IS NULL").decode("n", as: Int.self) == 1500)
            #expect(throws: EventSourcingError.self) { try upsert.run([["short"]], on: connection) }
            #expect(throws: EventSourcingError.self) { try PostgresArrayInsert(table: "t", columns: ["a"], types: []) }
        }
    }

    @Test func migrationsApplyOnceAndAreRecorded() async throws {
        try await withScratchSchema { info in
            let connection = try PostgresConnection(info)
            let scratch = try ScratchDirectory("migrations")
            defer { scratch.remove() }
            try "CREATE TABLE plans (id serial PRIMARY KEY, name text NOT NULL);".write(toFile: scratch.path + "/0001_create_plans.sql", atomically: true, encoding: .utf8)
            try "ALTER TABLE plans ADD COLUMN price numeric(10,2);".write(toFile: scratch.path + "/0002_add_price.sql", atomically: true, encoding: .utf8)
            try "not a migration".write(toFile: scratch.path + "/README.md", atomically: true, encoding: .utf8)
            let migrations = try PostgresMigration.load(directory: scratch.path)
            #expect(migrations.map(\.version) == [1, 2])
            let migrator = try PostgresMigrator(component: "test", migrations: migrations)
            #expect(try migrator.migrate(connection).map(\.name) == ["create_plans", "add_price"])
            #expect(try migrator.migrate(connection).isEmpty)
            #expect(try migrator.applied(connection).map(\.version) == [1, 2])
            try connection.query("INSERT INTO plans (name, price) VALUES ($1, $2)", bindings: ["Basic", "29.99"])

            let edited = try PostgresMigrator(component: "test", migrations: [migrations[0], PostgresMigration(version: 2, name: "add_price", sql: "SELECT 1")])
            let error = try #require(throws: EventSourcingError.self) { try edited.migrate(connection) }
            #expect(error.code == .migrationInvalid)
            #expect(error.message.contains("edited"))
        }
    }

    @Test func failingMigrationLeavesThePreviousVersion() async throws {
        try await withScratchSchema { info in
            let connection = try PostgresConnection(info)
            let migrator = try PostgresMigrator(component: "test", migrations: [
                PostgresMigration(version: 1, name: "ok", sql: "CREATE TABLE a (n int);"),
                PostgresMigration(version: 2, name: "broken", sql: "CREATE TABLE b (n int); SELECT * FROM no_such_table;"),
            ])
            #expect(throws: EventSourcingError.self) { try migrator.migrate(connection) }
            #expect(try migrator.applied(connection).map(\.version) == [1])
            #expect(try connection.query("SELECT to_regclass('b') IS NULL AS gone").decode("gone", as: Bool.self))
        }
    }

    @Test func badMigrationSetsAreRefused() throws {
        let duplicate = try #require(throws: EventSourcingError.self) {
            try PostgresMigrator(component: "x", migrations: [PostgresMigration(version: 1, name: "a", sql: ""), PostgresMigration(version: 1, name: "b", sql: "")])
        }
        #expect(duplicate.code == .migrationInvalid)
        let scratch = try ScratchDirectory("badmigrations")
        defer { scratch.remove() }
        try "SELECT 1;".write(toFile: scratch.path + "/create_things.sql", atomically: true, encoding: .utf8)
        let badName = try #require(throws: EventSourcingError.self) { try PostgresMigration.load(directory: scratch.path) }
        #expect(badName.code == .migrationInvalid)
        #expect(throws: EventSourcingError.self) { try PostgresMigration.load(directory: scratch.path + "/missing") }
    }
}
