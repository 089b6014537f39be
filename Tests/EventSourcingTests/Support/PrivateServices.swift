import EventSourcing
import Foundation
import Glibc
import LabKit

/// A scratch folder removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init(_ prefix: String) throws {
        var template = Array("/tmp/aether-es-\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw EventSourcingError(.invalidConfiguration, "mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A Redis of our own on a Unix socket (no TCP port), with an fsync-always AOF so a stop and
/// restart keeps what it accepted. Tests stop and restart it without touching the harness's.
final class PrivateRedis: @unchecked Sendable {
    let scratch: ScratchDirectory
    var socketPath: String { scratch.path + "/redis.sock" }
    var endpoint: RedisEndpoint { RedisEndpoint(address: .unixSocket(path: socketPath)) }
    private var process: BackgroundProcess?

    init() throws { scratch = try ScratchDirectory("redis") }

    func start() async throws {
        process = try BackgroundProcess(["redis-server", "--port", "0", "--unixsocket", socketPath, "--dir", scratch.path,
                                         "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
                                        logPath: scratch.path + "/redis.log")
        try await Readiness.wait(for: "private redis on \(socketPath)") {
            (try? RedisConnection(self.endpoint).command(["PING"]).string) == "PONG"
        }
    }

    func stop() async {
        await process?.terminate()
        process = nil
    }

    /// kill -9, then the append-only file is gone too: Redis comes back empty, as one without
    /// persistence (or whose disk was lost) would — the worst case of "the last second is lost".
    func crashLosingEverything() async throws {
        _ = await process?.stop(signal: SIGKILL, withinSeconds: 5)
        process = nil
        try FileManager.default.removeItem(atPath: scratch.path + "/appendonlydir")
    }

    func destroy() async {
        await stop()
        scratch.remove()
    }
}

/// A PostgreSQL cluster of our own in a scratch folder, reachable only by its Unix socket, that
/// tests crash (`pg_ctl stop -m immediate`) and start again.
final class PrivatePostgres: @unchecked Sendable {
    let scratch: ScratchDirectory
    var data: String { scratch.path + "/data" }
    var info: PostgresConnectionInfo {
        PostgresConnectionInfo(host: scratch.path, port: 5432, database: "postgres", user: "postgres", connectTimeout: 2,
                               applicationName: "aether-es-test")
    }

    private init(scratch: ScratchDirectory) { self.scratch = scratch }

    static func create() async throws -> PrivatePostgres {
        let server = PrivatePostgres(scratch: try ScratchDirectory("pg"))
        try await CommandRunner.check(["chown", "postgres:postgres", server.scratch.path])
        try await CommandRunner.check(asPostgres([try binary("initdb"), "-D", server.data, "-U", "postgres", "--auth=trust",
                                                  "--no-sync", "--encoding=UTF8", "--locale=C.UTF-8"]))
        try await server.start()
        return server
    }

    func start() async throws {
        let options = "-c listen_addresses='' -c unix_socket_directories=\(scratch.path) -c port=5432 -c fsync=off -c full_page_writes=off"
        try await CommandRunner.check(Self.asPostgres([try Self.binary("pg_ctl"), "-D", data, "-l", scratch.path + "/pg.log",
                                                       "-w", "-t", "60", "-o", options, "start"]), timeoutSeconds: 90)
    }

    /// Kills the server the way a crash would: no checkpoint, every connection cut.
    func crash() async throws {
        try await CommandRunner.check(Self.asPostgres([try Self.binary("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]))
    }

    func destroy() async {
        _ = try? await CommandRunner.run(Self.asPostgres([try Self.binary("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]))
        scratch.remove()
    }

    static func binary(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where access("\(root)/\(version)/bin/\(name)", X_OK) == 0 { return "\(root)/\(version)/bin/\(name)" }
        throw EventSourcingError(.invalidConfiguration, "\(name) is not installed under \(root)")
    }

    static func asPostgres(_ arguments: [String]) -> [String] {
        ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "env", "-C", "/"] + arguments
    }
}

/// Unique names so tests sharing the harness's PostgreSQL and Redis never see each other's data.
enum Unique {
    static func name(_ prefix: String) -> String { "\(prefix)_\(UInt32.random(in: 0...UInt32.max))" }
}

var runningAsRoot: Bool { getuid() == 0 }

/// Runs `body` with a started private Redis, destroyed afterwards whatever happens.
func withPrivateRedis<T>(_ body: (PrivateRedis) async throws -> T) async throws -> T {
    let redis = try PrivateRedis()
    do {
        try await redis.start()
        let value = try await body(redis)
        await redis.destroy()
        return value
    } catch {
        await redis.destroy()
        throw error
    }
}

/// Runs `body` with a started private PostgreSQL, destroyed afterwards whatever happens.
func withPrivatePostgres<T>(_ body: (PrivatePostgres) async throws -> T) async throws -> T {
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
