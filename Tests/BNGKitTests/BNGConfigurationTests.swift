import AetherTestSupport
@testable import BNGKit
import EventSourcing
import Foundation
import NetlinkShaping
import NetworkTypes
import Testing

/// The configuration file: Docs/bng.md's reference loads and names every key, and every mistake
/// names the file and the key.
@Suite("aether-bng configuration")
struct BNGConfigurationTests {
    @Test func theDocumentedReferenceLoadsAndSetsEveryKey() throws {
        let yaml = try ConfigurationReference.yaml(in: "bng.md")
        let configuration = try BNGConfiguration.decode(yaml, source: "Docs/bng.md")
        // Alternatives to a key that is set; the reference names them in a comment.
        let alternatives = ["redis.address": "# or address:", "redis.port": "+ port:", "kea.controlAgent": "# or control_agent:",
                            "shaping.uploadInterface": "or upload_interface:"]
        let unset = ConfigurationReference.unsetOptionals(configuration).filter { alternatives[$0] == nil }
        #expect(unset.isEmpty, "Docs/bng.md's reference leaves out \(unset)")
        for (_, comment) in alternatives { #expect(yaml.contains(comment)) }

        setenv("AETHER_RADIUS_SECRET", "doc-secret", 1)
        setenv("AETHER_RADIUS_PASSWORD", "doc-password", 1)
        setenv("AETHER_REDIS_PASSWORD", "doc-redis", 1)
        defer { for name in ["AETHER_RADIUS_SECRET", "AETHER_RADIUS_PASSWORD", "AETHER_REDIS_PASSWORD"] { unsetenv(name) } }
        let settings = try configuration.resolve(source: "Docs/bng.md")
        #expect(settings.engine.password == "doc-password")
        #expect(settings.dataPlane.tableName == "aether_bng_01")
        #expect(settings.dataPlane.managementInterfaces == ["core0"])
        #expect(settings.dataPlane.managementPorts == [ManagementPort(.udp, 3799), ManagementPort(.tcp, 9103)])
        #expect(settings.coaAddress == "10.255.0.11:3799")
        #expect(settings.engine.profiles["gold"]?.downloadKbps == 100_000)
        #expect(settings.relay.accessNodeGateways.count == 2)
        #expect(settings.redis?.password == "doc-redis")
        #expect(settings.redis?.retention == .untilCommitted(groups: ["oss"]), "events wait for the OSS ingestors' group")
        #expect(settings.storePath == "/var/lib/aether/bng-01/bng.sqlite")
        // Secrets never show in what describes the configuration.
        #expect(!"\(configuration)".contains("doc-secret"))
    }

    static let minimal = """
        bng: { id: bng-t, nas_ip: 10.0.0.1, state_dir: /tmp/bng-t }
        subscribers:
          interface: agg0
          access_nodes: [{ remote_id: an-1, gateway: 100.64.1.1/24 }]
        dhcp: { servers: [10.0.0.2], server_interface: core0 }
        radius:
          authentication: [{ address: 10.0.0.3, port: 1812 }]
          accounting: [{ address: 10.0.0.3, port: 1813 }]
          secret: inline-secret
        """

    @Test func mistakesNameTheFileAndTheKey() throws {
        func failure(_ yaml: String) -> String {
            do {
                let configuration = try BNGConfiguration.decode(yaml, source: "bng.yaml")
                _ = try configuration.resolve(source: "bng.yaml")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(failure(Self.minimal) == "accepted")
        #expect(failure(Self.minimal.replacingOccurrences(of: "nas_ip: 10.0.0.1, ", with: "")).contains(#"bng.yaml: key "bng.nas_ip": is missing"#))
        #expect(failure(Self.minimal.replacingOccurrences(of: "10.0.0.1", with: "10.0.0.300")).contains(#"bng.yaml: key "bng.nas_ip""#))
        #expect(failure(Self.minimal.replacingOccurrences(of: "/tmp/bng-t", with: "relative")).contains(#"key "bng.state_dir": "relative" must be an absolute path"#))
        #expect(failure(Self.minimal.replacingOccurrences(of: "secret: inline-secret", with: "secret: { env: AETHER_NO_SUCH_VARIABLE }"))
            .contains(#"bng.yaml: key "radius.secret": environment variable AETHER_NO_SUCH_VARIABLE gives no secret"#))
        #expect(failure(Self.minimal.replacingOccurrences(of: "[{ remote_id: an-1, gateway: 100.64.1.1/24 }]",
                                                          with: "[{ remote_id: an-1, gateway: 100.64.1.1/24 }, { remote_id: an-2, gateway: 100.64.1.129/25 }]"))
            .contains(#"key "subscribers.access_nodes.1.gateway": 100.64.1.128/25 overlaps 100.64.1.0/24"#))
        #expect(failure(Self.minimal + "\nmanagement: { interfaces: [agg0] }").contains(#"key "management.interfaces": agg0 is the subscriber interface"#))
        #expect(failure(Self.minimal + "\nredis: { socket: /run/r.sock, consumer_groups: [oss, \"\"] }")
            .contains(#"bng.yaml: key "redis.consumer_groups.1": a consumer group name must not be empty"#))
        #expect(failure(Self.minimal + "\nredis: { socket: /run/r.sock, consumer_groups: [], max_length: 0 }")
            .contains(#"bng.yaml: key "redis.max_length": 0 must be positive"#))
        let trusting = try BNGConfiguration.decode(Self.minimal + "\nredis: { socket: /run/r.sock, consumer_groups: [], max_length: 500 }", source: "bng.yaml")
        #expect(try trusting.resolve(source: "bng.yaml").redis?.retention == .maximumLength(500), "no groups: trim by length")
        let syntax = failure("bng: [")
        #expect(syntax.contains(#"bng.yaml: key "(document)": The given data was not valid YAML."#) && syntax.contains("line"), "\(syntax)")
    }

    @Test func managementPortsFollowCoAAndMetricsAndNeedAManagementInterface() throws {
        let settings = try BNGConfiguration.decode(Self.minimal + "\ncoa: { port: 3800, clients: [] }\nmanagement: { metrics: \"127.0.0.1:9200\" }",
                                                   source: "bng.yaml").resolve(source: "bng.yaml")
        #expect(settings.dataPlane.managementInterfaces == ["core0"])
        #expect(settings.dataPlane.managementPorts == [ManagementPort(.udp, 3800), ManagementPort(.tcp, 9200)])
        let noInterface = try BNGConfiguration.decode(Self.minimal.replacingOccurrences(of: ", server_interface: core0", with: ""),
                                                      source: "bng.yaml").resolve(source: "bng.yaml")
        #expect(noInterface.dataPlane.managementPorts.isEmpty)
    }
}
