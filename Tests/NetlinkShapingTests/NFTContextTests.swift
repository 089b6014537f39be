import AetherTestSupport
import Foundation
import LabKit
import NetlinkShaping
import Testing

@Suite("libnftables in a network namespace")
struct NFTContextTests {
    @Test func createsAndListsATableInsideTheNamespaceOnly() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nft")
            let listing = try await namespace.perform {
                let nft = try NFTContext()
                try nft.run("add table inet aether_probe")
                try nft.run("add set inet aether_probe subscribers_up { type ipv4_addr; counter; }")
                try nft.run("add element inet aether_probe subscribers_up { 100.64.0.10 }")
                return try nft.run("list set inet aether_probe subscribers_up")
            }
            let json = try #require(JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any])
            let objects = try #require(json["nftables"] as? [[String: Any]])
            let set = try #require(objects.compactMap { $0["set"] as? [String: Any] }.first)
            #expect(set["name"] as? String == "subscribers_up")
            #expect(listing.contains("100.64.0.10"))
            // The root namespace never saw it: `nft` there reports no such table.
            let root = try await CommandRunner.run(["nft", "list", "table", "inet", "aether_probe"])
            #expect(!root.succeeded)
        }
    }

    @Test func rejectedCommandThrowsWithLibnftablesText() async throws {
        try await withTestNetwork { network in
            let namespace = try await network.namespace("nftbad")
            let error = try await namespace.perform { () -> NetlinkShapingError? in
                do {
                    try NFTContext().run("add rule inet no_such_table no_such_chain counter")
                    return nil
                } catch let error as NetlinkShapingError {
                    return error
                }
            }
            let thrown = try #require(error)
            #expect(thrown.code == .nftablesCommandFailed)
            #expect(thrown.message.contains("No such file or directory"))
        }
    }
}
