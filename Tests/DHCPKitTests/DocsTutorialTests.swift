import AetherTestSupport
import Foundation
import LabKit
import Testing

/// Runs every ```sh block of Docs/dhcpkit.md, in order, as one bash script: the tutorial's
/// commands must keep working exactly as written.
@Suite("Docs/dhcpkit.md", .serialized)
struct DocsTutorialTests {
    @Test func tutorialCommandsRunAsWritten() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let markdown = try String(contentsOf: root.appendingPathComponent("Docs/dhcpkit.md"), encoding: .utf8)
        let script = MarkdownBlocks.fenced("sh", in: markdown).joined(separator: "\n")
        #expect(script.contains("aether-relay --config"))
        let products = URL(fileURLWithPath: try BuiltProducts.executable("aether-dhcp")).deletingLastPathComponent().path
        try await withTestNetwork { network in
            // The tutorial names its namespaces itself; make sure a failed run leaves none behind
            // (deleting a namespace also ends the relay it started).
            network.onCleanup {
                for name in ["dk-host", "dk-an"] { try? await NetworkNamespace(name).delete() }
            }
            // Everything the script prints goes to a file, so a background process it leaves
            // behind on failure cannot hold our pipe open.
            let log = network.directory + "/tutorial.log"
            let output = try await CommandRunner.run(
                ["bash", "-c", "exec >\(log) 2>&1\nset -euo pipefail\ncd \(network.directory)\nexport PATH=\"\(products):$PATH\"\n" + script],
                timeoutSeconds: 300)
            let printed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(output.succeeded, "tutorial failed (status \(output.status)):\n\(printed)")
            #expect(printed.contains("round trip: identical bytes"))
            #expect(printed.contains("circuitID(1)=an-01/1/1"))
            #expect(printed.contains("1\t616e2d30312f312f31\t616e2d3031"), "\(printed)")
            // udhcpc -t 3 sent three DISCOVERs; all three went up, none was dropped.
            #expect(printed.contains(#"aether_dhcp_relay_received_total{relay="an-01",side="client"} 3"#), "\(printed)")
            #expect(printed.contains(#"aether_dhcp_relay_forwarded_total{relay="an-01",path="to_uplink"} 3"#), "\(printed)")
            #expect(printed.contains("aether-relay stopped"), "SIGTERM did not stop the relay gracefully")
        }
    }
}
