import RadiusKit
import Testing
import NetworkTypes

/// Attributes by name and text, both ways.
@Suite struct RADIUSDictionaryValuesTests {
    let dictionary = RADIUSDictionary.standard

    private func roundTrip(_ name: String, _ value: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [RADIUSAttribute] {
        let attributes = try dictionary.encode(RADIUSNamedValue(name: name, value: value))
        let packet = RADIUSPacket(code: .accessAccept, identifier: 0, attributes: attributes)
        #expect(dictionary.describe(packet) == [RADIUSNamedValue(name: name, value: value)], sourceLocation: sourceLocation)
        return attributes
    }

    @Test func valuesOfEachTypeEncodeAndPrintBack() throws {
        #expect(try roundTrip("User-Name", "alice") == [.string(.userName, "alice")])
        #expect(try roundTrip("Service-Type", "Framed-User") == [.integer(.serviceType, 2)])
        #expect(try roundTrip("Framed-MTU", "1500") == [.integer(.framedMTU, 1500)])
        #expect(try roundTrip("Framed-IP-Address", "192.0.2.7") == [.ipv4Address(.framedIPAddress, IPv4Address(192, 0, 2, 7))])
        _ = try roundTrip("Class", "0x0102ff")
        _ = try roundTrip("Framed-IPv6-Prefix", "2001:db8::/32")
        _ = try roundTrip("NAS-IPv6-Address", "2001:db8::1")
        _ = try roundTrip("Event-Timestamp", "1800000000")
        let vendor = try roundTrip("Aether-Download-Rate", "20000")
        #expect(try RADIUSRateLimits(packet: RADIUSPacket(code: .accessAccept, identifier: 0, attributes: vendor)).downloadKbps == 20000)
        _ = try roundTrip("WISPr-Bandwidth-Max-Down", "30000000")
        _ = try roundTrip("Tunnel-Type:1", "VLAN")
    }

    @Test func pairsParseWithSpacesAndQuotes() throws {
        #expect(try RADIUSDictionary.parsePair("User-Name = \"a b\"") == RADIUSNamedValue(name: "User-Name", value: "a b"))
        #expect(try RADIUSDictionary.parsePair("Acct-Status-Type=Start") == RADIUSNamedValue(name: "Acct-Status-Type", value: "Start"))
        #expect(errorCode { _ = try RADIUSDictionary.parsePair("User-Name") } == .invalidValue)
    }

    @Test func badNamesAndValuesAreRefused() {
        #expect(errorCode { _ = try dictionary.encode(RADIUSNamedValue(name: "Nope", value: "1")) } == .unknownName)
        #expect(errorCode { _ = try dictionary.encode(RADIUSNamedValue(name: "Framed-MTU", value: "lots")) } == .invalidValue)
        #expect(errorCode { _ = try dictionary.encode(RADIUSNamedValue(name: "Framed-IP-Address", value: "1.2.3")) } == .invalidValue)
        #expect(errorCode { _ = try dictionary.encode(RADIUSNamedValue(name: "Class", value: "0x123")) } == .invalidValue)
    }

    @Test func unknownAttributesPrintByNumberInHex() {
        let packet = RADIUSPacket(code: .accessAccept, identifier: 0, attributes: [RADIUSAttribute(type: RADIUSAttributeType(rawValue: 250), value: [1, 2])])
        #expect(dictionary.describe(packet) == [RADIUSNamedValue(name: "Attr-250", value: "0x0102")])
    }
}
