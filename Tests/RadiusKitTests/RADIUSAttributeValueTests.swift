import RadiusKit
import Testing
import NetworkTypes

/// Typed values (RFC 8044 data types) and tags (RFC 2868 §3).
@Suite struct RADIUSAttributeValueTests {
    @Test func integerAndDateAreFourBytesBigEndian() throws {
        let integer = RADIUSAttribute.integer(.sessionTimeout, 0x0102_0304)
        #expect(integer.value == [1, 2, 3, 4])
        #expect(try integer.integerValue() == 0x0102_0304)
        let date = RADIUSAttribute.date(.eventTimestamp, secondsSince1970: 1_700_000_000)
        #expect(try date.dateValue() == 1_700_000_000)
        #expect(date.value == [0x65, 0x53, 0xF1, 0x00])
    }

    @Test func integer64AndInterfaceIDAreEightBytesBigEndian() throws {
        let big = RADIUSAttribute.integer64(RADIUSAttributeType(rawValue: 241), 0x0102_0304_0506_0708)
        #expect(big.value == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try big.integer64Value() == 0x0102_0304_0506_0708)
        let ifid = RADIUSAttribute.interfaceID(.framedInterfaceID, 0x0211_22FF_FE33_4455)
        #expect(try ifid.interfaceIDValue() == 0x0211_22FF_FE33_4455)
        #expect(errorCode { _ = try RADIUSAttribute(type: .framedInterfaceID, value: [1, 2]).interfaceIDValue() } == .invalidValueLength)
    }

    @Test func wrongLengthsAreRefusedForFixedWidthTypes() {
        for count in [0, 3, 5] {
            let attribute = RADIUSAttribute(type: .nasPort, value: [UInt8](repeating: 0, count: count))
            #expect(errorCode { _ = try attribute.integerValue() } == .invalidValueLength)
            #expect(errorCode { _ = try attribute.ipv4AddressValue() } == .invalidValueLength)
            #expect(errorCode { _ = try attribute.dateValue() } == .invalidValueLength)
            #expect(errorCode { _ = try attribute.integer64Value() } == .invalidValueLength)
            #expect(errorCode { _ = try attribute.ipv6AddressValue() } == .invalidValueLength)
        }
    }

    @Test func stringsMustBeValidUTF8() throws {
        #expect(try RADIUSAttribute.string(.userName, "bng-01/an-03/eth1 ü").stringValue() == "bng-01/an-03/eth1 ü")
        #expect(errorCode { _ = try RADIUSAttribute(type: .userName, value: [0xFF, 0xFE]).stringValue() } == .invalidValue)
    }

    @Test func ipv4AddressesParseAndPrintDottedQuads() throws {
        #expect(IPv4Address("10.0.0.1") == IPv4Address(10, 0, 0, 1))
        #expect(IPv4Address(192, 0, 2, 255).description == "192.0.2.255")
        #expect(IPv4Address("10.0.0") == nil)
        #expect(IPv4Address("10.0.0.256") == nil)
        #expect(IPv4Address("+1.0.0.1") == nil)
    }

    @Test func ipv6AddressAndPrefixUseRFC3162Layout() throws {
        let address = RADIUSIPv6Address(groups: (0x2001, 0xDB8, 0, 0, 0, 0, 0, 1))
        #expect(try RADIUSAttribute.ipv6Address(.nasIPv6Address, address).ipv6AddressValue() == address)
        #expect(address.description == "2001:db8:0:0:0:0:0:1")
        let prefix = try RADIUSIPv6Prefix(address: RADIUSIPv6Address(groups: (0x2001, 0xDB8, 0x1, 0x2, 0, 0, 0, 0)), prefixLength: 64)
        let attribute = RADIUSAttribute.ipv6Prefix(.framedIPv6Prefix, prefix)
        #expect(attribute.value == [0, 64, 0x20, 0x01, 0x0D, 0xB8, 0, 1, 0, 2])
        #expect(try attribute.ipv6PrefixValue() == prefix)
        // A full 16-byte prefix field is read too.
        #expect(try RADIUSIPv6Prefix(bytes: [0, 64] + address.bytes.prefix(8) + [UInt8](repeating: 0, count: 8)).prefixLength == 64)
        #expect(try RADIUSIPv6Prefix(bytes: [0, 0]).prefixLength == 0)
    }

    @Test func ipv6PrefixesWithBadLengthsOrStrayBitsAreRefused() {
        #expect(errorCode { _ = try RADIUSIPv6Prefix(bytes: [0, 129]) } == .invalidValue)
        #expect(errorCode { _ = try RADIUSIPv6Prefix(bytes: [0, 4, 0xF8]) } == .invalidValue)
        #expect(errorCode { _ = try RADIUSIPv6Prefix(bytes: [0, 17, 0x20, 0x01]) } == .invalidValueLength)
        #expect(errorCode { _ = try RADIUSIPv6Prefix(bytes: [0]) } == .invalidValueLength)
        #expect(errorCode { _ = try RADIUSIPv6Prefix(bytes: [UInt8](repeating: 0, count: 19)) } == .invalidValueLength)
    }

    @Test func taggedIntegerCarriesTagAndThreeByteValue() throws {
        let attribute = try RADIUSAttribute.taggedInteger(.tunnelType, tag: 1, 13)
        #expect(attribute.value == [1, 0, 0, 13])
        let decoded = try attribute.taggedIntegerValue()
        #expect(decoded.tag == 1)
        #expect(decoded.value == 13)
        #expect(try RADIUSAttribute.taggedInteger(.tunnelMediumType, tag: nil, 6).taggedIntegerValue().tag == nil)
        #expect(errorCode { _ = try RADIUSAttribute.taggedInteger(.tunnelType, tag: 1, 0x0100_0000) } == .invalidValue)
        #expect(errorCode { _ = try RADIUSAttribute.taggedInteger(.tunnelType, tag: 32, 1) } == .invalidValue)
        #expect(errorCode { _ = try RADIUSAttribute(type: .tunnelType, value: [0x20, 0, 0, 1]).taggedIntegerValue() } == .invalidValue)
        #expect(errorCode { _ = try RADIUSAttribute(type: .tunnelType, value: [1, 0, 1]).taggedIntegerValue() } == .invalidValueLength)
    }

    @Test func taggedStringAddsZeroTagOnlyWhenTheTextCouldBeMistakenForOne() throws {
        let tagged = try RADIUSAttribute.taggedString(.tunnelPrivateGroupID, tag: 3, Array("100".utf8))
        #expect(tagged.value == [3] + Array("100".utf8))
        #expect(tagged.taggedStringValue().tag == 3)
        #expect(tagged.taggedStringValue().bytes == Array("100".utf8))
        let plain = try RADIUSAttribute.taggedString(.tunnelPrivateGroupID, tag: nil, Array("vlan".utf8))
        #expect(plain.value == Array("vlan".utf8))
        #expect(plain.taggedStringValue().tag == nil)
        let ambiguous = try RADIUSAttribute.taggedString(.tunnelPrivateGroupID, tag: nil, [0x05, 0x41])
        #expect(ambiguous.value == [0, 0x05, 0x41])
        #expect(ambiguous.taggedStringValue().bytes == [0x05, 0x41])
    }
}
