import RadiusKit

// One input: parse as a packet (round-trip must reproduce the bytes), verify as request and
// as reply, unpack vendor attributes, describe with the dictionary, and feed the CoA engine.
// Any crash, hang or sanitizer report is a bug; thrown RADIUSErrors are expected.

private let secret: RADIUSSecret = {
    do { return try RADIUSSecret("fuzz-secret") } catch { fatalError("constant secret is valid") }
}()
private let dictionary = RADIUSDictionary.standard
private let source: RADIUSSocketAddress = {
    do { return try RADIUSSocketAddress("198.18.0.10:3799") } catch { fatalError("constant address is valid") }
}()
private let range: RADIUSAddressRange = {
    do { return try RADIUSAddressRange("198.18.0.0/24") } catch { fatalError("constant range is valid") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let packet = try? RADIUSPacket(bytes: bytes) {
        guard let encoded = try? packet.encoded(), encoded == bytes else {
            fatalError("parse-then-serialize changed the bytes")
        }
        _ = dictionary.describe(packet)
        _ = try? RADIUSRateLimits(packet: packet)
        _ = try? RADIUSAccountingRecord(packet: packet)
        for attribute in packet.attributes where attribute.type == .vendorSpecific {
            _ = try? RADIUSVendorSpecific(attribute)
        }
        var request = packet
        request.code = .accessRequest
        _ = try? RADIUSPacketVerifier.response(bytes, to: request, secret: secret)
        _ = try? RADIUSPacket(bytes: bytes, allowingTrailingPadding: true)
    }
    _ = try? RADIUSPacketVerifier.request(bytes, secret: secret, requireMessageAuthenticator: false)
    var engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>(
        clients: [RADIUSDynamicAuthorizationClient(name: "fuzz", range: range, secret: secret)],
        configuration: .init(requireMessageAuthenticator: false))
    _ = engine.handle(.received(bytes: bytes, source: source, now: .now, unixTime: 1_800_000_000))
    return 0
}
