import EventSourcing

/// Runs `body` with connection info whose search_path is a fresh schema (named `<prefix>_<random>`)
/// in the harness's `oss` database, dropped afterwards: tests running in parallel never share tables.
public func withScratchSchema<T>(prefix: String = "es_test", _ body: (PostgresConnectionInfo, String) async throws -> T) async throws -> T {
    let endpoints = try await TestServices.endpoints()
    let schema = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    let admin = try PostgresConnection(endpoints.postgres.oss)
    try admin.execute(script: "CREATE SCHEMA \(schema)")
    defer { _ = try? admin.execute(script: "DROP SCHEMA \(schema) CASCADE") }
    var info = endpoints.postgres.oss
    info.options = "-c search_path=\(schema)"
    return try await body(info, schema)
}

/// The same, for a body that needs only the connection info.
public func withScratchSchema<T>(_ body: (PostgresConnectionInfo) async throws -> T) async throws -> T {
    try await withScratchSchema { info, _ in try await body(info) }
}
