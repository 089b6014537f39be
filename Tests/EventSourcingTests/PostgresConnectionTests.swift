import AetherTestSupport
import EventSourcing
import Testing

@Suite("PostgreSQL through libpq (real server from the harness)")
struct PostgresConnectionTests {
    @Test func parameterisedQueryReturnsTypedTextAndNulls() async throws {
        let endpoints = try await TestServices.endpoints()
        let connection = try PostgresConnection(endpoints.postgres.oss)
        let result = try connection.query("SELECT $1::int + 1 AS next, $2::text AS nothing, current_user AS who", ["41", nil])
        #expect(result.columns == ["next", "nothing", "who"])
        #expect(try result.value("next") == "42")
        #expect(try result.value("nothing") == nil)
        #expect(try result.value("who") == "oss")
    }

    @Test func everyRoleReachesItsOwnDatabase() async throws {
        let endpoints = try await TestServices.endpoints()
        for info in [endpoints.postgres.oss, endpoints.postgres.kea, endpoints.postgres.radius] {
            let connection = try PostgresConnection(info)
            #expect(try connection.query("SELECT current_database() AS db").value("db") == info.database)
        }
        // Kea's schema came from kea-admin, FreeRADIUS's from its schema.sql.
        let kea = try PostgresConnection(endpoints.postgres.kea)
        #expect(try kea.query("SELECT to_regclass('public.lease4') IS NOT NULL AS ok").value("ok") == "t")
        let radius = try PostgresConnection(endpoints.postgres.radius)
        #expect(try radius.query("SELECT to_regclass('public.radacct') IS NOT NULL AS ok").value("ok") == "t")
    }

    @Test func serverErrorCarriesSQLState() async throws {
        let endpoints = try await TestServices.endpoints()
        let connection = try PostgresConnection(endpoints.postgres.oss)
        let error = try #require(throws: EventSourcingError.self) {
            try connection.query("SELECT * FROM no_such_table_anywhere")
        }
        #expect(error.code == .postgresQueryFailed)
        #expect(error.sqlState == "42P01")
        #expect(error.message.contains("no_such_table_anywhere"))
    }

    @Test func wrongPasswordIsAConnectionErrorWithoutThePassword() async throws {
        let endpoints = try await TestServices.endpoints()
        var info = endpoints.postgres.oss
        info.password = "definitely-not-the-password"
        let error = try #require(throws: EventSourcingError.self) { try PostgresConnection(info) }
        #expect(error.code == .postgresConnectionFailed)
        #expect(!error.description.contains("definitely-not-the-password"))
    }

    @Test func pingTellsAnsweringFromSilentServers() async throws {
        let endpoints = try await TestServices.endpoints()
        #expect(PostgresConnection.ping(endpoints.postgres.oss) == .accepting)
        let nowhere = PostgresConnectionInfo(host: "127.0.0.1", port: 1, database: "x", user: "x", connectTimeout: 2)
        #expect(PostgresConnection.ping(nowhere) == .noResponse)
    }

    @Test func missingColumnOrRowIsAShapeError() async throws {
        let endpoints = try await TestServices.endpoints()
        let result = try PostgresConnection(endpoints.postgres.oss).query("SELECT 1 AS one")
        #expect(throws: EventSourcingError.self) { try result.value("two") }
        let error = try #require(throws: EventSourcingError.self) { try result.value("one", row: 5) }
        #expect(error.code == .postgresResultShape)
    }
}
