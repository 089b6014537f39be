import AetherTestSupport
import Foundation
import LabKit
import Testing

/// Runs the shell blocks of Docs/bng.md, as written, against a BNG serving a real dhclient, and
/// checks that every `aether_bng_` metric the page names is exported.
@Suite("Docs/bng.md operator commands", .serialized)
struct BNGOperatorDocsTests {
    static var document: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOfFile: root.appendingPathComponent("Docs/bng.md").path, encoding: .utf8)
        }
    }

    @Test func theOperatorCommandsRunAsWrittenAndTheNamedMetricsExist() async throws {
        let markdown = try Self.document
        let script = MarkdownBlocks.fenced("sh", in: markdown).joined(separator: "\n")
        #expect(script.contains("aether-bng disconnect"))
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 1)
            try await lab.waitForBNG()
            _ = try await lab.dhclient(0)
            let address = try await lab.address(of: 0)
            _ = try await lab.waitForAuthorizedSession(at: address)

            let products = URL(fileURLWithPath: try BuiltProducts.executable("aether-bng")).deletingLastPathComponent().path
            let log = network.directory + "/operator.log"
            let output = try await CommandRunner.run(
                ["bash", "-c", "exec >\(log) 2>&1\nset -euo pipefail\ncd \(network.directory)\nexport PATH=\"\(products):$PATH\"\n" +
                    "CONFIG=\(lab.configPath) SUBSCRIBER=\(address)\n" + script],
                timeoutSeconds: 120)
            let printed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(output.succeeded, "Docs/bng.md's commands failed (status \(output.status)):\n\(printed)")
            #expect(printed.contains("configuration OK"), "\(printed)")
            #expect(printed.contains("management ports udp/3799, tcp/9103 only on lo, \(lab.services.interface)"), "\(printed)")
            #expect(printed.contains("1 session(s)"), "\(printed)")
            #expect(printed.contains("\(address) AUTHORIZED \(BNGLab.planDownloadKbps) \(BNGLab.planUploadKbps)"), "\(printed)")
            #expect(printed.contains("disconnected \(address)"), "\(printed)")
            try await Readiness.wait(for: "the disconnected session to be gone", timeoutSeconds: 20) {
                try await lab.sessions().isEmpty
            }
            // The Acct-Stop goes out after the session has left the table: wait for FreeRADIUS to store it.
            try? await Readiness.wait(for: "the Acct-Stop in radacct", timeoutSeconds: 20) {
                try lab.radacct().first?["cause"] ?? nil != nil
            }
            #expect(try lab.radacct().first?["cause"] ?? nil == "Admin-Reset")

            // Every aether_bng_ metric the page's table names is exported.
            let exported = try await lab.metrics().text
            let named = Set(markdown.matches(of: /`(aether_bng_[a-z_]+)/).map { String($0.output.1) })
            #expect(named.count >= 10)
            for name in named { #expect(exported.contains("\n\(name)") || exported.hasPrefix(name), "\(name) is not exported") }
        }
    }
}
