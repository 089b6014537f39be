import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

@Suite struct DHCPMessageTests {
    @Test(arguments: ["discover", "offer-relayed", "ack-overloaded"])
    func parseThenEncodeGivesIdenticalBytes(_ name: String) throws {
        try expectMessageRoundTrip(vector(name))
    }

    @Test func parsesDiscoverHeaderFields() throws {
        let message = try expectMessageRoundTrip(vector("discover"))
        #expect(message.op == .bootRequest)
        #expect(message.htype == 1 && message.hlen == 6 && message.hops == 0)
        #expect(message.xid == 0x3903_F326)
        #expect(message.isBroadcast)
        #expect(message.ciaddr == .any && message.giaddr == .any)
        #expect(message.clientMACAddress == MACAddress("00:11:22:33:44:55"))
        #expect(message.trailingPadding == 29)
        #expect(message.encodedLength == 300)
    }

    @Test func readsTypedOptionsOfDiscover() throws {
        let message = try sampleDiscover()
        #expect(message.messageType == .discover)
        #expect(message.clientIdentifier == [1, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55])
        #expect(message.requestedIPAddress == IPv4Address(192, 168, 0, 10))
        #expect(message.hostName == "h-01")
        #expect(message.parameterRequestList == [.subnetMask, .routers, .domainNameServers, 42])
        #expect(message.leaseTime == nil)
    }

    @Test func readsTypedOptionsOfOffer() throws {
        let message = try DHCPMessage(parsing: vector("offer-relayed"))
        #expect(message.op == .bootReply)
        #expect(message.messageType == .offer)
        #expect(message.serverIdentifier == IPv4Address(10, 0, 0, 2))
        #expect(message.leaseTime == 3600)
        #expect(message.renewalTime == 1800)
        #expect(message.rebindingTime == 3150)
        #expect(message.subnetMask == IPv4Address(255, 255, 255, 0))
        #expect(message.routers == [IPv4Address(100, 64, 0, 1)])
        #expect(message.domainNameServers == [IPv4Address(8, 8, 8, 8), IPv4Address(1, 1, 1, 1)])
        #expect(message.yiaddr == IPv4Address(100, 64, 0, 10))
        #expect(message.giaddr == IPv4Address(10, 0, 0, 1))
    }

    @Test func settersWriteEveryTypedOptionAndRoundTrip() throws {
        var message = DHCPMessage(op: .bootRequest, xid: 7)
        message.setClientMACAddress(try MACAddress(parsing: "02:00:00:00:00:07"))
        message.messageType = .request
        message.requestedIPAddress = IPv4Address(10, 1, 2, 3)
        message.serverIdentifier = IPv4Address(10, 0, 0, 2)
        message.leaseTime = 7200
        message.renewalTime = 3600
        message.rebindingTime = 6300
        message.subnetMask = IPv4Address(255, 255, 0, 0)
        message.routers = [IPv4Address(10, 1, 0, 1)]
        message.domainNameServers = [IPv4Address(9, 9, 9, 9)]
        message.parameterRequestList = [.subnetMask, .routers]
        message.clientIdentifier = [1, 2, 0, 0, 0, 0, 7]
        message.hostName = "host"
        message.vendorClassIdentifier = Array("udhcp 1.36.1".utf8)
        message.maximumMessageSize = 1500
        let parsed = try expectMessageRoundTrip(message.encoded())
        #expect(parsed == message)
        #expect(parsed.messageType == .request)
        #expect(parsed.requestedIPAddress == IPv4Address(10, 1, 2, 3))
        #expect(parsed.leaseTime == 7200 && parsed.renewalTime == 3600 && parsed.rebindingTime == 6300)
        #expect(parsed.vendorClassIdentifier == Array("udhcp 1.36.1".utf8))
        #expect(parsed.maximumMessageSize == 1500)
        #expect(parsed.clientMACAddress == MACAddress("02:00:00:00:00:07"))
    }

    @Test func settingNilRemovesOption() throws {
        var message = try sampleDiscover()
        message.requestedIPAddress = nil
        #expect(!message.hasOption(.requestedIPAddress))
        #expect(message.options.contains { $0.code == .hostName })
    }

    @Test func setterReplacesOptionInPlaceKeepingOrder() throws {
        var message = try sampleDiscover()
        let before = message.options.map(\.code)
        message.requestedIPAddress = IPv4Address(192, 168, 0, 99)
        #expect(message.options.map(\.code) == before)
        #expect(message.requestedIPAddress == IPv4Address(192, 168, 0, 99))
    }

    @Test func newOptionIsAddedBeforeOption82() throws {
        var message = try DHCPMessage(parsing: vector("offer-relayed"))
        message.hostName = "sub"
        #expect(message.options.last?.code == .relayAgentInformation)
        #expect(message.options.dropLast().last?.code == .hostName)
    }

    @Test func keepsUnknownOptionsAndPadsInWireOrder() throws {
        let bytes = messageBytes(options: [0, 0xe0, 2, 0xaa, 0xbb, 0, 53, 1, 1, 0, 0xfe, 0])
        let message = try expectMessageRoundTrip(bytes)
        #expect(message.options == [
            .pad, DHCPOption(code: 224, data: [0xaa, 0xbb]), .pad,
            DHCPOption(code: .messageType, data: [1]), .pad, DHCPOption(code: 254, data: []),
        ])
        #expect(message.options[1].code.description == "option 224")
    }

    @Test func unknownMessageTypeRoundTripsAndPrints() throws {
        let message = try expectMessageRoundTrip(messageBytes(options: [53, 1, 42]))
        #expect(message.messageType == DHCPMessageType(rawValue: 42))
        #expect(message.messageType?.description == "UNKNOWN(42)")
        #expect(DHCPMessageType.ack.description == "ACK")
        #expect(DHCPOperation(rawValue: 9).description == "op(9)")
    }

    @Test func concatenatesSplitLongOptionOnRead() throws {
        // RFC 3396 §5: two instances of option 12 are one value.
        let message = try expectMessageRoundTrip(
            messageBytes(options: [12, 2, 0x61, 0x62, 53, 1, 5, 12, 1, 0x63]))
        #expect(message.hostName == "abc")
    }

    @Test func splitsValuesLongerThan255BytesOnWrite() throws {
        var message = DHCPMessage(op: .bootReply)
        let long = (0..<600).map { UInt8(truncatingIfNeeded: $0) }
        message.setOption(224, data: long)
        #expect(message.options.map(\.data.count) == [255, 255, 90])
        let parsed = try expectMessageRoundTrip(message.encoded())
        #expect(parsed.optionData(224) == long)
    }

    @Test func splitOfEmptyValueIsOneEmptyInstance() {
        #expect(DHCPOption.split(code: 224, data: []) == [DHCPOption(code: 224, data: [])])
    }

    @Test func readsOptionsFromOverloadedFileAndSnameInRFC3396Order() throws {
        let message = try expectMessageRoundTrip(vector("ack-overloaded"))
        #expect(message.optionOverload == [.file, .sname])
        #expect(message.messageType == .ack)
        #expect(message.leaseTime == 3600)
        #expect(message.subnetMask == IPv4Address(255, 255, 255, 0))
        #expect(message.hostName == "abcde")
        #expect(message.fileOptions.map(\.code) == [.leaseTime, .hostName])
        #expect(message.snameOptions.map(\.code) == [.hostName, .subnetMask])
    }

    @Test func removingOptionRewritesOverloadedFields() throws {
        var message = try DHCPMessage(parsing: vector("ack-overloaded"))
        message.hostName = "x"
        #expect(message.hostName == "x")
        #expect(message.fileOptions.map(\.code) == [.leaseTime])
        #expect(message.snameOptions.map(\.code) == [.subnetMask])
        #expect(message.file.count == DHCPMessage.fileLength)
        #expect(message.sname.count == DHCPMessage.snameLength)
        try expectMessageRoundTrip(message.encoded())
    }

    @Test func snameAndFileAreNotOptionsWithoutOverload() throws {
        var bytes = messageBytes(options: [53, 1, 1])
        bytes[44] = 12  // would be a host-name option if sname were overloaded
        bytes[45] = 1
        bytes[46] = 0x61
        let message = try expectMessageRoundTrip(bytes)
        #expect(message.hostName == nil)
        #expect(message.snameOptions.isEmpty)
    }

    @Test func broadcastFlagSetterTouchesOnlyBit15() {
        var message = DHCPMessage(op: .bootRequest, flags: 0x0001)
        message.isBroadcast = true
        #expect(message.flags == 0x8001)
        message.isBroadcast = false
        #expect(message.flags == 0x0001)
    }

    @Test func padsToBOOTPMinimumOnlyWhenShorter() throws {
        var message = DHCPMessage(op: .bootRequest)
        message.messageType = .discover
        message.padToMinimumBOOTPLength()
        #expect(message.encodedLength == DHCPMessage.minimumBOOTPLength)
        message.padToMinimumBOOTPLength()
        #expect(message.encodedLength == DHCPMessage.minimumBOOTPLength)
    }

    @Test func acceptsExactlyMaximumOptionCount() throws {
        let pads = [UInt8](repeating: 0, count: DHCPMessage.maximumOptionCount)
        let message = try expectMessageRoundTrip(messageBytes(options: pads))
        #expect(message.options.count == DHCPMessage.maximumOptionCount)
    }

    @Test func acceptsMessageOfMaximumEncodedLength() throws {
        let length = DHCPMessage.maximumEncodedLength
        let padding = length - DHCPMessage.minimumLength - 1
        try expectMessageRoundTrip(messageBytes(options: [], afterEnd: [UInt8](repeating: 0, count: padding)))
    }

    @Test func messageIsCodable() throws {
        let message = try sampleDiscover()
        let data = try JSONEncoder().encode(message)
        #expect(try JSONDecoder().decode(DHCPMessage.self, from: data) == message)
    }

    @Test func optionCodeDescriptionNamesKnownCodes() {
        #expect(DHCPOptionCode.leaseTime.description == "leaseTime(51)")
        #expect(DHCPOption(code: .leaseTime, data: [0, 0, 14, 16]).description == "leaseTime(51)=00000e10")
        #expect(DHCPOption.pad.description == "pad")
    }
}
