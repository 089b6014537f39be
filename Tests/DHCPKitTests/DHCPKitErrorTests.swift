import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

/// One negative test per error code. The `switch` is exhaustive, so a new code does not
/// compile until it has a trigger here.
@Suite struct DHCPKitErrorTests {
    @Test(arguments: DHCPKitError.Code.allCases)
    func everyErrorCodeHasANegativeTest(_ code: DHCPKitError.Code) throws {
        let trigger = try Self.trigger(for: code)
        let error = expectDHCPKitError(code, trigger)
        #expect(error?.description.hasPrefix(code.rawValue + ": ") == true)
    }

    @Test func errorCarriesFieldAndOffset() throws {
        var bytes = messageBytes(options: [53, 1, 1])
        bytes[DHCPMessage.headerLength] = 0
        let error = expectDHCPKitError(.badMagicCookie) { _ = try DHCPMessage(parsing: bytes) }
        #expect(error?.offset == DHCPMessage.headerLength)
        #expect(error?.field == "magicCookie")
        #expect(error?.line ?? 0 > 0)
    }

    @Test func codesHaveStableRawValues() {
        #expect(DHCPKitError.Code.truncatedHeader.rawValue == "truncatedHeader")
        #expect(DHCPKitError.Code.badUDPChecksum.rawValue == "badUDPChecksum")
    }

    static func trigger(for code: DHCPKitError.Code) throws -> () throws -> Void {
        let discoverFrame = try vector("discover-frame")
        switch code {
        case .truncatedHeader:
            return { _ = try DHCPMessage(parsing: [UInt8](repeating: 0, count: DHCPMessage.minimumLength - 1)) }
        case .messageTooLong:
            let padding = DHCPMessage.maximumEncodedLength - DHCPMessage.minimumLength
            return { _ = try DHCPMessage(parsing: messageBytes(options: [], afterEnd: [UInt8](repeating: 0, count: padding))) }
        case .badMagicCookie:
            var bytes = messageBytes(options: [])
            bytes[DHCPMessage.headerLength + 3] = 0x64
            return { _ = try DHCPMessage(parsing: bytes) }
        case .badHardwareAddressLength:
            var bytes = messageBytes(options: [])
            bytes[2] = 17
            return { _ = try DHCPMessage(parsing: bytes) }
        case .optionOverrun:
            // Option 12 claims 5 bytes but the field ends after 2.
            return { _ = try DHCPMessage(parsing: messageBytes(options: [12, 5, 0x61, 0x62], end: false)) }
        case .missingEndOption:
            return { _ = try DHCPMessage(parsing: messageBytes(options: [53, 1, 1], end: false)) }
        case .trailingGarbage:
            return { _ = try DHCPMessage(parsing: messageBytes(options: [53, 1, 1], afterEnd: [0, 0, 7])) }
        case .tooManyOptions:
            let pads = [UInt8](repeating: 0, count: DHCPMessage.maximumOptionCount + 1)
            return { _ = try DHCPMessage(parsing: messageBytes(options: pads)) }
        case .invalidOptionLength:
            return { _ = try DHCPMessage(parsing: messageBytes(options: [51, 3, 0, 0, 1])) }
        case .invalidOptionValue:
            return { _ = try DHCPMessage(parsing: messageBytes(options: [57, 2, 0x02, 0x3f])) }
        case .emptyRelayAgentInformation:
            return { _ = try RelayAgentInformation(parsing: []) }
        case .subOptionOverrun:
            return { _ = try RelayAgentInformation(parsing: [1, 4, 0x61]) }
        case .subOptionTooLong:
            let information = RelayAgentInformation(
                subOptions: [RelayAgentSubOption(code: .circuitID, data: [UInt8](repeating: 0x61, count: 256))])
            return { _ = try information.encoded() }
        case .invalidSubOptionLength:
            return { _ = try RelayAgentInformation(parsing: [5, 3, 10, 0, 0]) }
        case .relayAgentInformationPresent:
            var message = try DHCPMessage(parsing: vector("offer-relayed"))
            return { try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "x", remoteID: nil)) }
        case .invalidIPv4Address:
            var document = DHCPMessageDocument(try DHCPMessage(parsing: vector("offer-relayed")))
            document.ciaddr = "10.0.0"
            return { _ = try document.message() }
        case .invalidHexString:
            return { _ = try RelayAgentIdentifier(parsing: "0x0g") }
        case .truncatedEthernetFrame:
            return { _ = try DHCPFrame(parsing: Array(discoverFrame.prefix(13))) }
        case .unsupportedEtherType:
            var frame = discoverFrame
            frame[12] = 0x86
            frame[13] = 0xdd
            return { _ = try DHCPFrame(parsing: frame) }
        case .truncatedIPv4Header:
            return { _ = try DHCPFrame(parsing: Array(discoverFrame.prefix(14 + 19))) }
        case .badIPv4Version:
            var frame = discoverFrame
            frame[14] = 0x65
            return { _ = try DHCPFrame(parsing: frame) }
        case .badIPv4HeaderLength:
            var frame = discoverFrame
            frame[14] = 0x44
            return { _ = try DHCPFrame(parsing: frame) }
        case .badIPv4TotalLength:
            return { _ = try DHCPFrame(parsing: Array(discoverFrame.dropLast())) }
        case .badIPv4Checksum:
            var frame = discoverFrame
            frame[14 + 8] = 63  // TTL changed without fixing the checksum
            return { _ = try DHCPFrame(parsing: frame) }
        case .fragmentedIPv4Packet:
            return { _ = try DHCPFrame(parsing: FrameTests.rebuilt(discoverFrame) { $0.ipv4.flagsAndFragmentOffset = IPv4Header.moreFragmentsFlag }) }
        case .unsupportedIPProtocol:
            return { _ = try DHCPFrame(parsing: FrameTests.rebuilt(discoverFrame, protocolNumber: 6)) }
        case .truncatedUDPHeader:
            return { _ = try DHCPFrame(parsing: FrameTests.ipv4Frame(payload: [0, 68, 0, 67])) }
        case .badUDPLength:
            var frame = discoverFrame
            frame[14 + 20 + 5] -= 1  // UDP length one short of the IPv4 payload
            return { _ = try DHCPFrame(parsing: frame) }
        case .badUDPChecksum:
            var frame = discoverFrame
            frame[frame.count - 40] ^= 0x01  // flip a payload bit; the UDP checksum no longer verifies
            return { _ = try DHCPFrame(parsing: frame) }
        case .payloadTooLong:
            let frame = try DHCPFrame(parsing: discoverFrame)
            let payload = [UInt8](repeating: 0, count: DHCPFrame.maximumPayloadLength + 1)
            return { _ = try DHCPFrame(payload: payload, ethernet: frame.ethernet, ipv4: frame.ipv4, udp: frame.udp) }
        case .interfaceNotFound:
            return { _ = try NetworkInterface(named: "aether-nope0") }
        case .socketFailed:
            // 192.0.2.1 (TEST-NET-1) is on no interface here, so bind fails with EADDRNOTAVAIL.
            return { _ = try UDPSocket(address: IPv4Address(192, 0, 2, 1), port: 6767) }
        case .invalidConfiguration:
            return { _ = try AccessNodeRelayFile.decode(Data(#"{"remoteID": "an-01", "ports": {}}"#.utf8), source: "relay.json") }
        }
    }
}
