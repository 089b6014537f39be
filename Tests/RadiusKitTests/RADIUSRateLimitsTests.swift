import RadiusKit
import Testing

/// Shaping rates from reply attributes (SPEC §3).
@Suite struct RADIUSRateLimitsTests {
    private func wispr(down: UInt32, up: UInt32) throws -> [RADIUSAttribute] {
        try RADIUSVendorSpecific(
            vendorID: RADIUSDictionary.wisprVendorID,
            attributes: [
                RADIUSVendorAttribute(type: 8, value: RADIUSAttribute.integer(.vendorSpecific, down).value),
                RADIUSVendorAttribute(type: 7, value: RADIUSAttribute.integer(.vendorSpecific, up).value),
            ]
        ).encodedAttributes()
    }

    @Test func aetherRatesRoundTripThroughVendorSpecific() throws {
        let rates = RADIUSRateLimits(downloadKbps: 100_000, uploadKbps: 20_000, downloadBurstKbit: 1_000, uploadBurstKbit: 500)
        let packet = RADIUSPacket(code: .coaRequest, identifier: 1, attributes: try rates.aetherAttributes())
        #expect(try RADIUSRateLimits(packet: try roundTrip(try packet.encoded())) == rates)
    }

    @Test func wisprBitsPerSecondBecomeKilobitsRoundedUp() throws {
        let packet = RADIUSPacket(code: .accessAccept, identifier: 1, attributes: try wispr(down: 10_000_000, up: 1_500))
        let rates = try RADIUSRateLimits(packet: packet)
        #expect(rates.downloadKbps == 10_000)
        #expect(rates.uploadKbps == 2)
        #expect(rates.downloadBurstKbit == nil)
    }

    @Test func aetherRatesWinOverWISPr() throws {
        let aether = try RADIUSRateLimits(downloadKbps: 50_000).aetherAttributes()
        let packet = RADIUSPacket(code: .accessAccept, identifier: 1, attributes: aether + (try wispr(down: 10_000_000, up: 2_000_000)))
        let rates = try RADIUSRateLimits(packet: packet)
        #expect(rates.downloadKbps == 50_000)
        #expect(rates.uploadKbps == 2_000)
    }

    @Test func noRateAttributesGiveEmptyRates() throws {
        #expect(try RADIUSRateLimits(packet: RADIUSPacket(code: .accessAccept, identifier: 1)).isEmpty)
    }

    @Test func rateOfTheWrongWidthIsRefused() throws {
        let bad = try RADIUSVendorSpecific(
            vendorID: RADIUSDictionary.aetherVendorID, attributes: [RADIUSVendorAttribute(type: 1, value: [1, 2])]
        ).encodedAttributes()
        #expect(errorCode { _ = try RADIUSRateLimits(packet: RADIUSPacket(code: .accessAccept, identifier: 1, attributes: bad)) } == .invalidValueLength)
    }

    @Test func anUpdateReplacesOnlyTheValuesItGives() {
        let plan = RADIUSRateLimits(downloadKbps: 20_000, uploadKbps: 5_000, downloadBurstKbit: 200)
        #expect(plan.updated(with: RADIUSRateLimits(downloadKbps: 8_000)) == RADIUSRateLimits(downloadKbps: 8_000, uploadKbps: 5_000, downloadBurstKbit: 200))
        #expect(plan.updated(with: RADIUSRateLimits(uploadBurstKbit: 50)) == RADIUSRateLimits(downloadKbps: 20_000, uploadKbps: 5_000,
                                                                                            downloadBurstKbit: 200, uploadBurstKbit: 50))
        #expect(plan.updated(with: RADIUSRateLimits()) == plan)
    }
}
