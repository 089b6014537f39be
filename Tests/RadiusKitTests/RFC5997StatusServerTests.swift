import RadiusKit
import Testing
import NetworkTypes

/// RFC 5997 §6 Status-Server examples, secret "xyzzy5461": Message-Authenticator computed
/// over the packet with the random Request Authenticator in place.
@Suite struct RFC5997StatusServerTests {
    @Test(arguments: ["rfc5997-6.1-status-server", "rfc5997-6.2-status-server", "rfc5997-6.3-status-server"])
    func statusServerExampleVerifiesRoundTripsAndSignsIdentically(name: String) throws {
        let bytes = try vector(name)
        let packet = try RADIUSPacketVerifier.request(bytes, secret: exampleSecret)
        #expect(packet.code == .statusServer)
        #expect(try packet.encoded() == bytes)
        var unsigned = packet
        if let index = unsigned.attributes.firstIndex(where: { $0.type == .messageAuthenticator }) {
            unsigned.attributes[index].value = [UInt8](repeating: 0, count: 16)
        }
        #expect(try unsigned.encodedRequest(secret: exampleSecret) == bytes)
    }

    // RFC 5997 §6.1.
    @Test func section6_1HeaderAndMessageAuthenticatorMatchTheRFC() throws {
        let packet = try RADIUSPacket(bytes: try vector("rfc5997-6.1-status-server"))
        #expect(packet.identifier == 0xDA)
        #expect(packet.length == 38)
        #expect(packet.firstValue(ofType: .messageAuthenticator) == hexBytes("5a665e2e1e8411f3e243822097c84fa3"))
    }

    // RFC 5997 §6.3: NAS-IP-Address precedes Message-Authenticator and keeps its place.
    @Test func section6_3KeepsAttributeOrder() throws {
        let packet = try RADIUSPacket(bytes: try vector("rfc5997-6.3-status-server"))
        #expect(packet.attributes.map(\.type) == [.nasIPAddress, .messageAuthenticator])
        #expect(try packet.attributes[0].ipv4AddressValue() == IPv4Address(192, 0, 2, 16))
    }

    // RFC 5997 §3: Status-Server without Message-Authenticator is refused even when the
    // caller does not otherwise require one.
    @Test func statusServerWithoutMessageAuthenticatorIsRefused() throws {
        let packet = RADIUSPacket(code: .statusServer, identifier: 1, authenticator: RADIUSAuthenticator.random())
        let bytes = try packet.encodedRequest(secret: exampleSecret, addingMessageAuthenticator: false)
        let code = errorCode {
            _ = try RADIUSPacketVerifier.request(bytes, secret: exampleSecret, requireMessageAuthenticator: false)
        }
        #expect(code == .missingMessageAuthenticator)
    }

    // RFC 5997 §6.1 with one bit of the HMAC flipped.
    @Test func tamperedMessageAuthenticatorIsRefused() throws {
        var bytes = try vector("rfc5997-6.1-status-server")
        bytes[bytes.count - 1] ^= 0x01
        #expect(errorCode { _ = try RADIUSPacketVerifier.request(bytes, secret: exampleSecret) } == .badMessageAuthenticator)
    }
}
