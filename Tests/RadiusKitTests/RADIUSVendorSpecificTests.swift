import RadiusKit
import Testing

/// Vendor-Specific (RFC 2865 §5.26) with several sub-attributes and vendor formats.
@Suite struct RADIUSVendorSpecificTests {
    @Test func severalSubAttributesShareOneVendorSpecific() throws {
        let rates = RADIUSVendorSpecific(
            vendorID: RADIUSDictionary.aetherVendorID,
            attributes: [
                RADIUSVendorAttribute(type: 1, value: RADIUSAttribute.integer(.nasPort, 100_000).value),
                RADIUSVendorAttribute(type: 2, value: RADIUSAttribute.integer(.nasPort, 20_000).value),
            ])
        let encoded = try rates.encodedAttributes()
        #expect(encoded.count == 1)
        #expect(encoded[0].value == [0, 0, 0xA8, 0xEA, 1, 6, 0, 1, 0x86, 0xA0, 2, 6, 0, 0, 0x4E, 0x20])
        #expect(try RADIUSVendorSpecific(encoded[0]) == rates)
        let packet = RADIUSPacket(code: .accessAccept, identifier: 1, attributes: encoded)
        let parsed = try roundTrip(try packet.encoded())
        #expect(try parsed.vendorAttributes(vendorID: RADIUSDictionary.aetherVendorID).map(\.type) == [1, 2])
        #expect(try parsed.vendorAttributes(vendorID: RADIUSDictionary.wisprVendorID).isEmpty)
    }

    @Test func subAttributesOverflowIntoASecondVendorSpecific() throws {
        let big = RADIUSVendorAttribute(type: 9, value: [UInt8](repeating: 0x61, count: 200))
        let vsa = RADIUSVendorSpecific(vendorID: 9, attributes: [big, big])
        let encoded = try vsa.encodedAttributes()
        #expect(encoded.count == 2)
        let packet = RADIUSPacket(code: .accessAccept, identifier: 1, attributes: encoded)
        #expect(try packet.vendorAttributes(vendorID: 9) == [big, big])
    }

    @Test(arguments: [(1, 0), (2, 1), (2, 2), (4, 0), (4, 1)])
    func otherVendorFormatsRoundTrip(typeWidth: Int, lengthWidth: Int) throws {
        let format = try RADIUSVendorFormat(typeWidth: typeWidth, lengthWidth: lengthWidth)
        let attributes = [RADIUSVendorAttribute(type: 200, value: [1, 2, 3])]
        let vsa = RADIUSVendorSpecific(vendorID: 429, attributes: attributes)
        let encoded = try vsa.encodedAttributes(format: format)
        #expect(encoded[0].value.count == 4 + typeWidth + lengthWidth + 3)
        #expect(try RADIUSVendorSpecific(encoded[0], format: format) == vsa)
    }

    @Test func malformedVendorSpecificIsRefused() throws {
        #expect(errorCode { _ = try RADIUSVendorSpecific(RADIUSAttribute(type: .vendorSpecific, value: [0, 0, 1])) } == .invalidVendorSpecific)
        #expect(errorCode { _ = try RADIUSVendorSpecific(RADIUSAttribute(type: .vendorSpecific, value: [0, 0, 0, 9, 1, 9, 0])) } == .invalidVendorSpecific)
        #expect(errorCode { _ = try RADIUSVendorSpecific(RADIUSAttribute(type: .vendorSpecific, value: [0, 0, 0, 9, 1, 1])) } == .invalidVendorSpecific)
        #expect(errorCode { _ = try RADIUSVendorSpecific(RADIUSAttribute(type: .vendorSpecific, value: [0, 0, 0, 9, 1])) } == .invalidVendorSpecific)
        #expect(errorCode { _ = try RADIUSVendorSpecific(RADIUSAttribute(type: .userName, value: [0, 0, 0, 9])) } == .invalidVendorSpecific)
        #expect(errorCode { _ = try RADIUSVendorFormat(typeWidth: 3, lengthWidth: 1) } == .invalidVendorSpecific)
        let wide = RADIUSVendorSpecific(vendorID: 9, attributes: [RADIUSVendorAttribute(type: 256, value: [])])
        #expect(errorCode { _ = try wide.encodedAttributes() } == .invalidVendorSpecific)
    }
}
