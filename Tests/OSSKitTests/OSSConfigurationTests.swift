import AetherTestSupport
import EventSourcing
import Foundation
import OSSKit
import ServiceSupport
import Testing

/// The OSS configuration file: Docs/oss.md's reference loads and names every key, and every
/// mistake names the file and the key.
@Suite("OSS configuration")
struct OSSConfigurationTests {
    @Test func theDocumentedReferenceLoadsAndSetsEveryKey() throws {
        let yaml = try ConfigurationReference.yaml(in: "oss.md")
        let configuration = try OSSConfiguration.decode(yaml, source: "Docs/oss.md")
        // Alternatives to a key that is set; the reference names them in a comment.
        let alternatives = ["redis.address": "# or address:", "redis.port": "+ port:"]
        let unset = ConfigurationReference.unsetOptionals(configuration).filter { alternatives[$0] == nil }
        #expect(unset.isEmpty, "Docs/oss.md's reference leaves out \(unset)")
        for (_, comment) in alternatives { #expect(yaml.contains(comment)) }

        let secrets = NSTemporaryDirectory() + "oss-doc-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: secrets) }
        try "doc-postgres\n".write(toFile: secrets + "/postgres.password", atomically: true, encoding: .utf8)
        setenv("AETHER_REDIS_PASSWORD", "doc-redis", 1)
        defer { unsetenv("AETHER_REDIS_PASSWORD") }
        let local = yaml.replacingOccurrences(of: "/etc/aether/postgres.password", with: secrets + "/postgres.password")
        let settings = try OSSConfiguration.decode(local, source: "Docs/oss.md").resolve(source: "Docs/oss.md")
        #expect(settings.postgres.password == "doc-postgres")
        #expect(settings.postgres.options == "-c search_path=public")
        #expect(settings.redis?.password == "doc-redis")
        #expect(settings.redis?.address == .unixSocket(path: "/run/aether/redis.sock"))
        #expect(settings.stream == "bng_events" && settings.group == "oss" && settings.consumerName == "ingestor-1")
        #expect(settings.batchSize == 500 && settings.claimIdle == .seconds(30) && settings.metricsAddress == "127.0.0.1:9104")
        #expect(settings.retention == (try OSSRetention(trafficSeconds: .seconds(3600), sessionUpdates: .seconds(7 * 86_400),
                                                        healthEvents: .seconds(7 * 86_400))))
        #expect(settings.retentionInterval == .seconds(60))
        #expect(!"\(configuration)".contains("doc-postgres") && !"\(settings.postgres)".contains("doc-postgres"))
    }

    @Test func aMinimalFileGetsTheDefaults() throws {
        let settings = try OSSConfiguration.decode("postgres: {host: /run/pg, user: oss}", source: "min.yaml").resolve(source: "min.yaml")
        #expect(settings.postgres.database == "oss" && settings.postgres.port == 5432 && settings.postgres.options == nil)
        #expect(settings.redis == nil && settings.stream == "bng_events" && settings.batchSize == 500)
        #expect(settings.retention == (try OSSRetention()))
    }

    @Test(arguments: [
        ("redis: {socket: /r.sock}", "postgres", "is missing"),
        ("postgres: {host: h}", "postgres.user", "is missing"),
        ("postgres: {host: h, user: u, port: many}", "postgres.port", "Int"),
        ("postgres: {host: h, user: u, schema: Bad-Name}", "postgres.schema", "lower-case identifier"),
        ("postgres: {host: h, user: u}\nredis: {stream: s}", "redis", "give socket, or address and port"),
        ("postgres: {host: h, user: u}\nredis: {socket: relative.sock}", "redis.socket", "absolute path"),
        ("postgres: {host: h, user: u}\ningestor: {batch_size: 0}", "ingestor.batch_size", "not in 1…10000"),
        ("postgres: {host: h, user: u}\ningestor: {claim_idle: soon}", "ingestor.claim_idle", "not a duration"),
        ("postgres: {host: h, user: u}\nretention: {traffic_seconds: 2m}", "retention.traffic_seconds", "shorter than"),
        ("postgres: {host: h, user: u}\nretention: {session_updates: 1h}", "retention.session_updates", "shorter than"),
        ("postgres: {host: h, user: u, password: {vault: x}}", "postgres.password", "{file: path} or {env: NAME}"),
        ("postgres: [", "(document)", "not valid YAML"),
    ])
    func mistakesNameTheFileAndTheKey(yaml: String, key: String, reason: String) {
        let error = #expect(throws: ConfigurationError.self) { try OSSConfiguration.decode(yaml, source: "bad.yaml") }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("bad.yaml"), "\(message)")
        #expect(message.contains(key == "(document)" ? "bad.yaml" : "\"\(key)\"") || message.contains(key), "\(message)")
        #expect(message.contains(reason), "\(message)")
    }

    @Test func anUnreadableSecretNamesItsKeyAndSource() throws {
        let configuration = try OSSConfiguration.decode("postgres: {host: h, user: u, password: {file: /nonexistent/pw}}", source: "s.yaml")
        let error = #expect(throws: ConfigurationError.self) { try configuration.resolve(source: "s.yaml") }
        #expect(error?.message == "s.yaml: key \"postgres.password\": file /nonexistent/pw gives no secret")
        #expect(throws: ConfigurationError.self) { try OSSConfiguration.load(path: "/nonexistent/oss.yaml") }
    }

    @Test(arguments: [("90", 90), ("90s", 90), ("15m", 900), ("1h", 3600), ("7d", 604_800)])
    func durationsReadSecondsOrAUnit(text: String, seconds: Int64) {
        #expect(OSSDuration(text)?.duration == .seconds(seconds))
    }

    @Test(arguments: ["", "0", "-5m", "1.5h", "5w", "h", "99999999999999999d"])
    func badDurationsAreRefused(text: String) {
        #expect(OSSDuration(text) == nil)
    }
}
