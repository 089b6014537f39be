import Benchmark
import EventSourcing
import Foundation
import LabKit
import RadiusKit
import ServiceSupport

/// RADIUSClient and `radclient -p 256` sending the same Access-Requests to the harness's
/// FreeRADIUS (PostgreSQL sql module) from its namespace over loopback, one after the other in
/// the same run. Prints both rates; the wall clock of one iteration covers both.
enum ThroughputComparison {
    static let requests = 5000
    static let parallel = 256

    static func run() async throws -> (radclient: Double, radiusClient: Double) {
        let endpoints = try ServiceHarness(configuration: .test()).recordedEndpoints()
        let user = "bench-\(UInt32.random(in: 0...UInt32.max))"
        let password = "pw-\(UInt32.random(in: 0...UInt32.max))"
        let database = try PostgresConnection(endpoints.postgres.radius)
        try database.query("INSERT INTO radcheck (username, attribute, op, value) VALUES ($1, 'Cleartext-Password', ':=', $2)",
                           [user, password])
        defer { _ = try? database.query("DELETE FROM radcheck WHERE username = $1", [user]) }
        let server = "127.0.0.1:\(endpoints.radius.authenticationPort)"

        let packet = ["User-Name = \"\(user)\"", "User-Password = \"\(password)\"", "NAS-Identifier = \"bench\"",
                      "Message-Authenticator = 0x00"].joined(separator: "\n")
        let file = NSTemporaryDirectory() + "radius-throughput-\(user).txt"
        try Array(repeating: packet, count: requests).joined(separator: "\n\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }

        let radclientStart = ContinuousClock.now
        let output = try await endpoints.servicesNamespace.run(
            ["radclient", "-q", "-s", "-p", "\(parallel)", "-r", "3", "-t", "3", "-f", file, server, "auth", endpoints.radius.secret],
            timeoutSeconds: 300)
        let radclientSeconds = seconds(radclientStart.duration(to: .now))
        guard output.standardOutput.contains("Accepted      : \(requests)") else {
            throw LabKitError(.commandFailed, "radclient did not get \(requests) accepts: \(output.standardOutput)\(output.standardError)")
        }

        let secret = try RADIUSSecret(endpoints.radius.secret)
        let client = try await endpoints.servicesNamespace.perform {
            try RADIUSClient(servers: [RADIUSServer(name: server, secret: secret)],
                             configuration: .init(timeout: .seconds(3), attemptsPerServer: 3, sourcePorts: 1))
        }
        let ourStart = ContinuousClock.now
        let accepted = try await withRunningService(client) { try await withThrowingTaskGroup(of: Bool.self) { group in
            var next = 0
            var accepted = 0
            func add() {
                guard next < requests else { return }
                next += 1
                group.addTask {
                    try await client.authenticate(userName: user, password: password, attributes: [.string(.nasIdentifier, "bench")])
                        .code == .accessAccept
                }
            }
            for _ in 0..<parallel { add() }
            while let ok = try await group.next() {
                if ok { accepted += 1 }
                add()
            }
            return accepted
        } }
        let ourSeconds = seconds(ourStart.duration(to: .now))
        guard accepted == requests else {
            throw LabKitError(.commandFailed, "RADIUSClient got \(accepted) of \(requests) accepts")
        }
        return (Double(requests) / radclientSeconds, Double(requests) / ourSeconds)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

let throughputBenchmarks: @Sendable () -> Void = {
    let radclient = BenchmarkMetric.custom("radclient -p 256 (req/s)", polarity: .prefersLarger, useScalingFactor: false)
    let ours = BenchmarkMetric.custom("RADIUSClient (req/s)", polarity: .prefersLarger, useScalingFactor: false)
    Benchmark("RADIUS throughput RADIUSClient vs radclient -p 256",
              configuration: .init(metrics: [.wallClock, radclient, ours], maxDuration: .seconds(300), maxIterations: 3)) { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                let rates = try await ThroughputComparison.run()
                benchmark.measurement(radclient, Int(rates.radclient))
                benchmark.measurement(ours, Int(rates.radiusClient))
            } catch let error as LabKitError where error.code == .stateUnreadable {
                // The benchmark tool keeps stdout for its tables.
                FileHandle.standardError.write(Data("RADIUS throughput skipped: the test harness is not running (\(error))\n".utf8))
            } catch {
                fatalError("throughput comparison: \(error)")
            }
        }
    }
}
