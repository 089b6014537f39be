import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing

/// A namespace with a veth pair `sub0` ↔ `sub1` inside it, for tc tests that need an interface.
func makeShapingNamespace(_ network: TestNetwork, _ role: String) async throws -> NetworkNamespace {
    let namespace = try await network.namespace(role)
    try await namespace.ip("link", "add", "sub0", "type", "veth", "peer", "name", "sub1")
    try await namespace.ip("link", "set", "sub0", "up")
    try await namespace.ip("link", "set", "sub1", "up")
    return namespace
}

/// Runs `body` and returns the `NetlinkShapingError` it throws (nil if it does not throw).
func capture(_ body: () throws -> Void) -> NetlinkShapingError? {
    do {
        try body()
        return nil
    } catch let error as NetlinkShapingError {
        return error
    } catch {
        return NetlinkShapingError(.kernelRejected, "unexpected error type: \(error)")
    }
}

/// `tc class show dev DEV` (iproute2 6.1 prints no JSON for HTB classes): each class's line by id.
func tcClasses(_ namespace: NetworkNamespace, _ device: String) async throws -> [String: String] {
    let output = try await namespace.check(["tc", "class", "show", "dev", device]).standardOutput
    var classes: [String: String] = [:]
    for line in output.split(separator: "\n") where line.hasPrefix("class htb ") {
        let fields = line.split(separator: " ")
        if fields.count > 2 { classes[String(fields[2])] = String(line) }
    }
    return classes
}

/// `tc -j` output parsed as an array of objects.
func tcJSON(_ namespace: NetworkNamespace, _ arguments: String...) async throws -> [[String: Any]] {
    let output = try await namespace.check(["tc", "-j"] + arguments)
    let text = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { return [] }
    return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
}
