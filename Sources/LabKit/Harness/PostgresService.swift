import EventSourcing
import Foundation
import Glibc

/// A throwaway PostgreSQL cluster owned by the harness: its own data folder, port and socket,
/// started with `pg_ctl -w` as the `postgres` user, with databases `oss`, `kea` and `radius`.
struct PostgresService {
    let configuration: HarnessConfiguration
    let secrets: HarnessSecrets

    var directory: String { configuration.stateDirectory + "/postgres" }
    var dataDirectory: String { directory + "/data" }
    var socketDirectory: String { configuration.stateDirectory + "/run" }
    var logPath: String { directory + "/postgres.log" }

    func connectionInfo(database: String, user: String, password: String) -> PostgresConnectionInfo {
        PostgresConnectionInfo(host: socketDirectory, port: configuration.postgresPort, database: database,
                               user: user, password: password, applicationName: "aether-harness")
    }

    var superuser: PostgresConnectionInfo {
        connectionInfo(database: "postgres", user: "postgres", password: secrets.postgresSuperuser)
    }

    var isAccepting: Bool { PostgresConnection.ping(superuser) == .accepting }

    /// The postmaster, from the first line of `postmaster.pid`.
    var process: ProcessHandle? {
        guard let text = StateFiles.read(dataDirectory + "/postmaster.pid"),
              let first = text.split(separator: "\n").first, let pid = Int32(first) else { return nil }
        return ProcessHandle(pid: pid)
    }

    func start() async throws {
        try StateFiles.makeDirectory(directory, mode: 0o755)
        try StateFiles.makeDirectory(socketDirectory, mode: 0o1777)
        if !StateFiles.exists(dataDirectory + "/PG_VERSION") {
            try await initializeCluster()
        }
        if !isAccepting {
            try await launch()
        }
        try await Readiness.wait(for: "PostgreSQL on \(socketDirectory):\(configuration.postgresPort)") { isAccepting }
        try bootstrapDatabases()
    }

    func stop() async {
        // SIGINT is PostgreSQL's "fast" shutdown: it ends sessions instead of waiting for them.
        await process?.terminate(signal: SIGINT, timeoutSeconds: 30)
    }

    private static func binary(_ name: String) throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions where access("\(root)/\(version)/bin/\(name)", X_OK) == 0 {
            return "\(root)/\(version)/bin/\(name)"
        }
        throw LabKitError(.executableNotFound, "PostgreSQL's \(name) is not installed under \(root); run `make deps`")
    }

    /// Runs a PostgreSQL tool as the `postgres` user from `/` (it may not enter the caller's folder).
    private func asPostgres(_ arguments: [String]) -> [String] {
        ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "env", "-C", "/"] + arguments
    }

    private func initializeCluster() async throws {
        try await CommandRunner.check(["chown", "postgres:postgres", directory])
        let passwordFile = directory + "/initdb.pw"
        try StateFiles.write(secrets.postgresSuperuser + "\n", to: passwordFile, mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        try await CommandRunner.check(["chown", "postgres:postgres", passwordFile])
        try await CommandRunner.check(asPostgres([
            try Self.binary("initdb"), "-D", dataDirectory, "-U", "postgres", "--pwfile=\(passwordFile)",
            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
        ]))
    }

    private func launch() async throws {
        var settings = [
            "port=\(configuration.postgresPort)",
            "listen_addresses=127.0.0.1",
            "unix_socket_directories=\(socketDirectory)",
            "max_connections=200",
        ]
        if !configuration.durableStorage {
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        }
        let options = settings.map { "-c \($0)" }.joined(separator: " ")
        try await CommandRunner.check(["touch", logPath])
        try await CommandRunner.check(["chown", "postgres:postgres", logPath])
        let result = try await CommandRunner.run(asPostgres([
            try Self.binary("pg_ctl"), "-D", dataDirectory, "-l", logPath, "-w", "-t", "60", "-o", options, "start",
        ]), timeoutSeconds: 90)
        guard result.succeeded else {
            let tail = StateFiles.read(logPath)?.split(separator: "\n").suffix(10).joined(separator: "\n") ?? ""
            throw LabKitError(.daemonExited, "PostgreSQL did not start (pg_ctl exited \(result.status)); \(logPath):\n\(tail)")
        }
    }

    /// Roles and databases; idempotent, and it re-applies passwords so secrets.json stays the truth.
    private func bootstrapDatabases() throws {
        let admin = try PostgresConnection(superuser)
        for (role, password) in [("oss", secrets.oss), ("kea", secrets.kea), ("radius", secrets.radiusDatabase)] {
            // Utility statements take no bind parameters; the passwords are generated hex, never user input.
            let exists = try admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).rows.isEmpty == false
            let verb = exists ? "ALTER" : "CREATE"
            try admin.query("\(verb) ROLE \(role) LOGIN PASSWORD '\(password)'")
            if try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [role]).rows.isEmpty {
                try admin.query("CREATE DATABASE \(role) OWNER \(role)")
            }
        }
    }
}
