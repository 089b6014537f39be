import EventSourcing
import Foundation
import Glibc
import LabKit

/// A scratch folder removed by `remove()`.
public struct ScratchDirectory: Sendable {
    public let path: String

    public init(_ prefix: String) throws {
        var template = Array("/tmp/aether-t-\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw EventSourcingError(.invalidConfiguration, "mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A PostgreSQL cluster of our own in a scratch folder, reachable only by its Unix socket, that
/// tests crash (`pg_ctl stop -m immediate`) and start again.
public final class PrivatePostgres: @unchecked Sendable {
    public let scratch: ScratchDirectory
    public var data: String { scratch.path + "/data" }
    public var info: PostgresConnectionInfo {
        PostgresConnectionInfo(host: scratch.path, port: 5432, database: "postgres", user: "postgres", connectTimeout: 2,
                               applicationName: "aether-es-test")
    }

    private init(scratch: ScratchDirectory) { self.scratch = scratch }

    public static func create() async throws -> PrivatePostgres {
        let server = PrivatePostgres(scratch: try ScratchDirectory("pg"))
        try await CommandRunner.check(["chown", "postgres:postgres", server.scratch.path])
        try await CommandRunner.check(asPostgres([try binary("initdb"), "-D", server.data, "-U", "postgres", "--auth=trust",
                                                  "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8"]))
        try await server.start()
        return server
    }

    public func start() async throws {
        let options = "-c listen_addresses='' -c unix_socket_directories=\(scratch.path) -c port=5432 -c fsync=off -c full_page_writes=off"
        try await CommandRunner.check(Self.asPostgres([try Self.binary("pg_ctl"), "-D", data, "-l", scratch.path + "/pg.log",
                                                       "-w", "-t", "60", "-o", options, "start"]), timeoutSeconds: 90)
    }

    /// Kills the server the way a crash would: no checkpoint, every connection cut.
    public func crash() async throws {
        try await CommandRunner.check(Self.asPostgres([try Self.binary("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]))
    }

    public func destroy() async {
        _ = try? await CommandRunner.run(Self.asPostgres([try Self.binary("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]))
        scratch.remove()
    }

    public static func binary(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where access("\(root)/\(version)/bin/\(name)", X_OK) == 0 { return "\(root)/\(version)/bin/\(name)" }
        throw EventSourcingError(.invalidConfiguration, "\(name) is not installed under \(root)")
    }

    public static func asPostgres(_ arguments: [String]) -> [String] {
        ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "env", "-C", "/"] + arguments
    }
}

/// Runs `body` with a started private PostgreSQL, destroyed afterwards whatever happens.
public func withPrivatePostgres<T>(_ body: (PrivatePostgres) async throws -> T) async throws -> T {
    let server = try await PrivatePostgres.create()
    do {
        let value = try await body(server)
        await server.destroy()
        return value
    } catch {
        await server.destroy()
        throw error
    }
}
