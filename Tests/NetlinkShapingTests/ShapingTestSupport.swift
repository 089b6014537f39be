import AetherTestSupport
import Foundation
import LabKit
@testable import NetlinkShaping
import Testing
import NetworkTypes

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

/// subscriber host `h` ── sub0 [bng, forwarding] up0 ── `srv` (the "internet").
///
/// `h` holds the subscriber addresses 100.64.0.10, .11, … on `h0` (gateway 100.64.0.1 on the BNG's
/// `sub0`); `srv` is 198.51.100.2 behind the BNG's `up0` (198.51.100.1).
struct BNGTopology {
    let host: NetworkNamespace
    let bng: NetworkNamespace
    let server: NetworkNamespace
    let subscribers: [IPv4Address]
    static let serverAddress = IPv4Address(198, 51, 100, 2)
    /// The host's MAC (h0): every subscriber address of the host sends from it.
    static let hostMAC = MACAddress(0x02, 0x00, 0x5e, 0x00, 0x00, 0x0a)

    /// The subscribers as the firewall authorizes them: each address with the host's MAC.
    static func bindings(_ addresses: [IPv4Address]) -> [IPv4Address: MACAddress] {
        Dictionary(uniqueKeysWithValues: addresses.map { ($0, hostMAC) })
    }

    static func make(_ network: TestNetwork, subscribers count: Int = 1) async throws -> BNGTopology {
        let host = try await network.namespace("h")
        let bng = try await network.namespace("bng")
        let server = try await network.namespace("srv")
        try await host.addVeth("h0", mac: hostMAC, peer: "sub0", in: bng)
        try await bng.addVeth("up0", peer: "srv0", in: server)
        try await bng.addAddress(IPv4InterfaceAddress(IPv4Address(100, 64, 0, 1), prefixLength: 24), to: "sub0")
        try await bng.addAddress(IPv4InterfaceAddress(IPv4Address(198, 51, 100, 1), prefixLength: 24), to: "up0")
        try await bng.sysctl("net.ipv4.ip_forward=1")
        let subscribers = (0..<count).map { IPv4Address(100, 64, 0, UInt8(10 + $0)) }
        for address in subscribers { try await host.addAddress(IPv4InterfaceAddress(address, prefixLength: 24), to: "h0") }
        try await host.ip("route", "add", "default", "via", "100.64.0.1")
        try await server.addAddress(IPv4InterfaceAddress(serverAddress, prefixLength: 24), to: "srv0")
        try await server.ip("route", "add", "100.64.0.0/16", "via", "198.51.100.1")
        return BNGTopology(host: host, bng: bng, server: server, subscribers: subscribers)
    }
}
