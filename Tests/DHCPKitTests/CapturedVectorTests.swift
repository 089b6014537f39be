import DHCPKit
import Foundation
import Testing
import NetworkTypes

/// Frames captured from real peers on this machine (dhclient, udhcpc, ISC dhcrelay, Kea 2.2)
/// by `scripts/capture-dhcp-vectors.sh`; each file's header says where it was seen.
@Suite struct CapturedVectorTests {
    static let names: [String] = {
        guard let folder = Bundle.module.url(forResource: "captured", withExtension: nil, subdirectory: "Vectors") else { return [] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) }.sorted()
    }()

    /// Frames sent by a kernel UDP socket over veth carry only the pseudo-header sum (checksum
    /// offload); tshark saw them before any "hardware" finished it. Frames written by the
    /// clients' raw sockets are complete and must verify.
    static func frame(_ bytes: [UInt8], name: String) throws -> DHCPFrame {
        try DHCPFrame(parsing: bytes, verifyingUDPChecksum: !name.contains("-relayed-"))
    }

    @Test func offloadedChecksumIsRejectedUnlessTheKernelSaidSo() throws {
        let name = try #require(Self.names.first { $0.contains("-relayed-") })
        #expect(throws: DHCPKitError.self) { try DHCPFrame(parsing: try vector("captured/\(name)")) }
    }

    @Test func capturesFromEveryPeerArePresent() {
        #expect(Self.names.contains { $0.hasPrefix("dhclient-") && $0.hasSuffix("-client-discover") })
        #expect(Self.names.contains { $0.hasPrefix("udhcpc-") && $0.hasSuffix("-relayed-discover") })
        #expect(Self.names.contains { $0.hasSuffix("-relayed-offer") })
        #expect(Self.names.contains { $0.hasSuffix("-relayed-ack") })
    }

    @Test(arguments: names)
    func capturedFrameRoundTripsAndHasItsType(name: String) throws {
        let bytes = try vector("captured/\(name)")
        let frame = try Self.frame(bytes, name: name)
        #expect(frame.encoded() == bytes)
        let message = try frame.message()
        #expect(message.encoded() == frame.payload)
        let expectedType = try #require(name.split(separator: "-").last.map(String.init))
        #expect(message.messageType?.description.lowercased() == expectedType)
        #expect(DHCPMessageDocument(message).clientMAC?.hasPrefix("02:00:5e:10:00:") == true)
    }

    @Test(arguments: names.filter { $0.contains("-relayed-") && !$0.hasSuffix("release") })
    func relayedFramesCarryTheRelaysCircuitID(name: String) throws {
        let message = try Self.frame(try vector("captured/\(name)"), name: name).message()
        let information = try #require(try message.relayAgentInformation())
        let port = name.hasPrefix("dhclient") ? "port1" : "port2"
        #expect(information.circuitID == RelayAgentIdentifier(text: port))
        #expect(message.giaddr != IPv4Address(0, 0, 0, 0))
    }

    @Test(arguments: names.filter { $0.contains("-client-") })
    func clientSideFramesHaveNoOption82(name: String) throws {
        let message = try Self.frame(try vector("captured/\(name)"), name: name).message()
        #expect(!message.hasRelayAgentInformation)
    }
}
