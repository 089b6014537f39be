import EventSourcing
import Foundation

/// The harness's Redis: loopback TCP on its own port plus a Unix socket for namespaced clients,
/// password required, daemonized with a pid file.
struct RedisService {
    let configuration: HarnessConfiguration
    let secrets: HarnessSecrets

    var directory: String { configuration.stateDirectory + "/redis" }
    var socketPath: String { configuration.stateDirectory + "/run/redis.sock" }
    var pidPath: String { directory + "/redis.pid" }
    var logPath: String { directory + "/redis.log" }

    var endpoint: RedisEndpoint { RedisEndpoint(address: .unixSocket(path: socketPath), password: secrets.redis) }
    var tcpEndpoint: RedisEndpoint {
        RedisEndpoint(address: .tcp(host: "127.0.0.1", port: configuration.redisPort), password: secrets.redis)
    }

    var process: ProcessHandle? {
        StateFiles.read(pidPath).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap(ProcessHandle.init(pid:))
    }

    var answersPing: Bool {
        (try? RedisConnection(endpoint).command(["PING"]).string) == "PONG"
    }

    func start() async throws {
        try StateFiles.makeDirectory(directory, mode: 0o700)
        if answersPing { return }
        let configPath = directory + "/redis.conf"
        var lines = [
            "port \(configuration.redisPort)",
            "bind 127.0.0.1",
            "unixsocket \(socketPath)",
            "unixsocketperm 770",
            "daemonize yes",
            "pidfile \(pidPath)",
            "dir \(directory)",
            "logfile \(logPath)",
            "requirepass \(secrets.redis)",
            "save \"\"",
        ]
        lines.append(configuration.durableStorage ? "appendonly yes\nappendfsync everysec" : "appendonly no")
        try StateFiles.write(lines.joined(separator: "\n") + "\n", to: configPath, mode: 0o600)
        try await CommandRunner.check(["redis-server", configPath])
        try await Readiness.wait(for: "Redis on \(socketPath)") { answersPing }
    }

    func stop() async {
        await process?.terminate()
    }
}
