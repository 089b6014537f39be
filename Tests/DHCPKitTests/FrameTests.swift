import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

@Suite struct FrameTests {
    /// Parses `frame`, applies `change`, and re-encodes with fresh lengths and checksums.
    static func rebuilt(
        _ frame: [UInt8], protocolNumber: UInt8? = nil, _ change: (inout DHCPFrame) -> Void = { _ in }
    ) throws -> [UInt8] {
        var parsed = try DHCPFrame(parsing: frame)
        change(&parsed)
        var ipv4 = parsed.ipv4
        if let protocolNumber {
            ipv4.protocolNumber = protocolNumber
        }
        ipv4 = ipv4.withComputedChecksum()
        return DHCPFrame(ethernet: parsed.ethernet, ipv4: ipv4, udp: parsed.udp, payload: parsed.payload).encoded()
    }

    /// An Ethernet + valid IPv4 frame whose IPv4 payload is `payload` (not necessarily UDP).
    static func ipv4Frame(payload: [UInt8]) -> [UInt8] {
        let ipv4 = IPv4Header(
            totalLength: UInt16(IPv4Header.minimumLength + payload.count),
            source: IPv4Address(10, 0, 0, 1), destination: .broadcast
        ).withComputedChecksum()
        var bytes: [UInt8] = []
        EthernetHeader(destination: .broadcast, source: .zero).encode(into: &bytes)
        ipv4.encode(into: &bytes)
        return bytes + payload
    }

    @Test func internetChecksumMatchesRFC1071Example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is ~ddf2.
        #expect(InternetChecksum.compute([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]) == 0x220d)
        // Odd length pads with a zero byte (RFC 1071 §4.1).
        #expect(InternetChecksum.compute([0x01]) == ~UInt16(0x0100))
        var split = InternetChecksum()
        split.add([0x00, 0x01, 0xf2])
        split.add([0x03, 0xf4, 0xf5, 0xf6, 0xf7])
        #expect(split.value == 0x220d)
    }

    @Test func verifiesWellKnownIPv4HeaderChecksum() throws {
        // The example header used by Wikipedia's "IPv4 header checksum" article: checksum b861.
        let header = try hexBytes("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7")
        #expect(InternetChecksum.compute(header) == 0)
        let (parsed, payload) = try IPv4Header.parse(header + [UInt8](repeating: 0, count: 0x73 - 20), at: 0)
        #expect(parsed.checksum == 0xb861)
        #expect(parsed.computedChecksum == 0xb861)
        #expect(parsed.source == IPv4Address(192, 168, 0, 1))
        #expect(payload == 20..<0x73)
    }

    @Test func parsesDiscoverFrameVector() throws {
        let bytes = try vector("discover-frame")
        let frame = try DHCPFrame(parsing: bytes)
        #expect(frame.ethernet.destination == .broadcast)
        #expect(frame.ethernet.source == MACAddress("00:11:22:33:44:55"))
        #expect(frame.ipv4.source == .any && frame.ipv4.destination == .broadcast)
        #expect(frame.ipv4.checksum == 0x2772)
        #expect(frame.udp.sourcePort == UDPHeader.dhcpClientPort && frame.udp.destinationPort == UDPHeader.dhcpServerPort)
        #expect(frame.udp.checksum == 0xb430)
        #expect(frame.payload == (try vector("discover")))
        #expect(try frame.message().messageType == .discover)
        #expect(frame.encoded() == bytes)
    }

    @Test func buildsFrameIdenticalToVector() throws {
        let message = try sampleDiscover()
        let frame = try DHCPFrame(
            message: message,
            ethernet: EthernetHeader(destination: .broadcast, source: try MACAddress(parsing: "00:11:22:33:44:55")),
            ipv4: IPv4Header(identification: 0x1234, timeToLive: 128, source: .any, destination: .broadcast),
            udp: UDPHeader(sourcePort: 68, destinationPort: 67))
        #expect(frame.encoded() == (try vector("discover-frame")))
    }

    @Test func acceptsZeroUDPChecksum() throws {
        let bytes = try vector("discover-frame")
        let parsed = try DHCPFrame(parsing: bytes)
        let frame = try DHCPFrame(
            payload: parsed.payload, ethernet: parsed.ethernet, ipv4: parsed.ipv4, udp: parsed.udp,
            computeUDPChecksum: false)
        #expect(frame.udp.checksum == 0)
        #expect(try DHCPFrame(parsing: frame.encoded()) == frame)
    }

    @Test func roundTripsVLANTaggedFrameWithIPv4OptionsAndPadding() throws {
        // IHL 6 (4 option bytes: Router Alert, RFC 2113) and a short payload so the
        // frame is padded to the 60-byte Ethernet minimum.
        let frame = try DHCPFrame(
            payload: [1, 2, 3],
            ethernet: EthernetHeader(destination: .broadcast, source: .zero, vlanTag: 0x2064),
            ipv4: IPv4Header(source: IPv4Address(10, 0, 0, 1), destination: .broadcast, options: [0x94, 0x04, 0, 0]),
            udp: UDPHeader(sourcePort: 67, destinationPort: 68))
        let bytes = frame.encoded()
        #expect(bytes.count == EthernetHeader.minimumFrameLength)
        #expect(frame.ipv4.headerLength == 24)
        let parsed = try DHCPFrame(parsing: bytes)
        #expect(parsed == frame)
        #expect(parsed.ethernet.vlanID == 0x064)
        #expect(parsed.payload == [1, 2, 3])
        #expect(parsed.encoded() == bytes)
    }

    @Test func acceptsLargestPayload() throws {
        let payload = [UInt8](repeating: 0, count: DHCPFrame.maximumPayloadLength)
        let frame = try DHCPFrame(
            payload: payload, ethernet: EthernetHeader(destination: .broadcast, source: .zero),
            ipv4: IPv4Header(source: .any, destination: .broadcast), udp: UDPHeader(sourcePort: 68, destinationPort: 67))
        #expect(frame.ipv4.totalLength == 65_535)
        #expect(try DHCPFrame(parsing: frame.encoded()).payload.count == payload.count)
    }

    @Test func udpChecksumOfZeroIsSentAsAllOnes() {
        // RFC 768: a computed checksum of 0 is transmitted as 0xFFFF. Find a payload whose sum
        // is 0xFFFF by completing the ones' complement sum.
        let header = UDPHeader(sourcePort: 0, destinationPort: 0, length: 10)
        var sum = InternetChecksum()
        sum.add([0, 0, 0, 0, 0, 0, 0, 0, 0, IPv4Header.protocolUDP, 0, 10, 0, 0, 0, 0, 0, 10, 0, 0])
        let complement = sum.value  // adding this word makes the folded sum 0xFFFF
        let payload = [UInt8(complement >> 8), UInt8(complement & 0xff)]
        #expect(header.computedChecksum(source: .any, destination: .any, payload: payload) == 0xFFFF)
    }
}
