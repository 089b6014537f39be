import AetherTestSupport
import EventSourcing
import Foundation
import Glibc
import LabKit
import Testing

/// Docs/oss.md's curl session runs against a live aether-api, and its metrics table names what
/// the process exports.
@Suite("Docs/oss.md's API examples", .serialized)
struct APIDocsTests {
    @Test func theCurlSessionRunsAndTheMetricsExist() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withScratchSchema(prefix: "api_docs") { _, schema in
            let pipeline = try OSSPipeline(schema: schema, endpoints: endpoints)
            defer { pipeline.remove() }
            let token = "docs-token-\(UInt64.random(in: 0...UInt64.max))"
            try token.write(toFile: pipeline.directory + "/api.token", atomically: true, encoding: .utf8)
            try "lab".write(toFile: pipeline.directory + "/subscriber.password", atomically: true, encoding: .utf8)
            let radius = endpoints.postgres.radius
            try (radius.password ?? "").write(toFile: pipeline.directory + "/radius.password", atomically: true, encoding: .utf8)
            let owner = "docs-\(schema)", prefix = "d\(UInt32.random(in: 0...UInt32.max))-plan-"
            defer { removeProvisionedRows(in: radius, bng: "bng-01", groupPrefix: prefix, owner: owner) }
            let port = Int.random(in: 30_000...39_999)
            let config = try pipeline.configuration(name: "api", batchSize: 100, extra: """
                api:
                  listen: 127.0.0.1:\(port)
                  token: {file: \(pipeline.directory)/api.token}
                provisioning:
                  radius: {host: \(radius.host), port: \(radius.port), database: \(radius.database), user: \(radius.user), password: {file: \(pipeline.directory)/radius.password}}
                  password: {file: \(pipeline.directory)/subscriber.password}
                  group_prefix: \(prefix)
                  owner: \(owner)
                """)
            let api = try BackgroundProcess([try BuiltProducts.executable("aether-api"), "run", "--config", config],
                                            logPath: pipeline.directory + "/api.log")
            defer { api.send(SIGKILL) }
            let base = "http://127.0.0.1:\(port)"
            try await Readiness.wait(for: "aether-api on \(base)", timeoutSeconds: 60) {
                try await CommandRunner.run(["curl", "-sf", "\(base)/health"], timeoutSeconds: 5).succeeded
            }

            let document = try String(contentsOfFile: ConfigurationReference.documentPath("oss.md"), encoding: .utf8)
            let session = try #require(MarkdownBlocks.fenced("sh", in: document).first { $0.contains("API=http://127.0.0.1:8080") })
            let script = "set -e\n" + session.replacingOccurrences(of: "http://127.0.0.1:8080", with: base)
                .replacingOccurrences(of: "/etc/aether/api.token", with: pipeline.directory + "/api.token")
            let result = try await CommandRunner.run(["/bin/sh", "-c", script], timeoutSeconds: 60)
            #expect(result.succeeded, "\(result.standardOutput)\n\(result.standardError)")
            for expected in ["\"bng-01/an-01/an-01/1\"", "\"ACTIVE\"", "\"SUSPENDED\"", "\"invalid_parameter\"", "\"unauthorized\"", "retry: 3000", "event: reset"] {
                #expect(result.standardOutput.contains(expected), "the session's output lacks \(expected):\n\(result.standardOutput)")
            }

            let metrics = try await CommandRunner.check(["curl", "-sf", "\(base)/metrics"]).standardOutput
            let section = document.components(separatedBy: "### Metrics of aether-api").last?.components(separatedBy: "\n### ").first ?? ""
            let names = Set(section.split(separator: "`").filter { $0.hasPrefix("aether_api_") }.map(String.init))
            #expect(names.count >= 7, "\(names)")
            for name in names.sorted() { #expect(metrics.contains(name), "Docs/oss.md names \(name), which aether-api does not export") }
        }
    }
}
