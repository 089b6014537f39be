import AetherTestSupport
import EventSourcing
import Foundation
import Glibc
import LabKit

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
