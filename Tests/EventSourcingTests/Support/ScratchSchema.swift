import AetherTestSupport
import EventSourcing

/// Runs `body` with connection info whose search_path is a fresh schema in the harness's `oss`
/// database, dropped afterwards: tests running in parallel never share tables.
func withScratchSchema<T>(_ body: (PostgresConnectionInfo) async throws -> T) async throws -> T {
    let endpoints = try await TestServices.endpoints()
    let schema = Unique.name("es_test")
    let admin = try PostgresConnection(endpoints.postgres.oss)
    try admin.execute(script: "CREATE SCHEMA \(schema)")
    defer { _ = try? admin.execute(script: "DROP SCHEMA \(schema) CASCADE") }
    var info = endpoints.postgres.oss
    info.options = "-c search_path=\(schema)"
    return try await body(info)
}
