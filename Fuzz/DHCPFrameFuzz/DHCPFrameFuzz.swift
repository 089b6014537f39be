import DHCPKit
import NetworkTypes

/// libFuzzer entry for whole Ethernet frames as a packet socket delivers them, checksums
/// verified and not, then the DHCP payload and both relay engines on what parses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for verify in [true, false] {
        guard let frame = try? DHCPFrame(parsing: bytes, verifyingUDPChecksum: verify) else { continue }
        precondition(frame.encoded() == bytes, "frame parse-then-encode changed the bytes")
        guard let message = try? frame.message() else { continue }
        var node = AccessNodeRelayAgent(configuration: .init(remoteID: "an-01", circuitIDs: ["p1": "an-01/1"]))
        _ = node.handle(.fromClient(message, port: "p1"))
        _ = node.handle(.fromUplink(message))
        var gateway = GatewayRelayAgent(configuration: .init(
            relayAddress: IPv4Address(100, 64, 0, 1), servers: [IPv4Address(198, 18, 0, 1)],
            interfaces: ["dn0": .trusted], relayID: "bng-01", serverIdentifierOverride: IPv4Address(100, 64, 0, 1)))
        _ = gateway.handle(.fromClient(message, interface: "dn0"))
        _ = gateway.handle(.fromServer(message))
    }
    return 0
}
