import RadiusKit
import Testing
import NetworkTypes

/// The eight example packets of RFC 2865 §7, secret "xyzzy5461": each is decoded, re-encoded
/// byte for byte, and its authenticators and hidden passwords are checked.
@Suite struct RFC2865ExampleTests {
    // RFC 2865 §7.1 User Telnet to Specified Host.
    @Test func section7_1AccessRequestDecodesAndRevealsPassword() throws {
        let request = try roundTrip(try vector("rfc2865-7.1-access-request"))
        #expect(request.code == .accessRequest)
        #expect(request.identifier == 0)
        #expect(request.length == 56)
        #expect(request.attributes.map(\.type) == [.userName, .userPassword, .nasIPAddress, .nasPort])
        #expect(try request.attributes[0].stringValue() == "nemo")
        let password = try RADIUSUserPassword.unhide(
            request.attributes[1].value, secret: exampleSecret, requestAuthenticator: request.authenticator)
        #expect(password == Array("arctangent".utf8))
        #expect(try request.attributes[2].ipv4AddressValue() == IPv4Address(192, 168, 1, 16))
        #expect(try request.attributes[3].integerValue() == 3)
    }

    // RFC 2865 §7.1: the NAS builds the identical request from its parts.
    @Test func section7_1AccessRequestEncodesFromParts() throws {
        let expected = try vector("rfc2865-7.1-access-request")
        let authenticator = Array(expected[4..<20])
        let packet = RADIUSPacket(
            code: .accessRequest, identifier: 0, authenticator: authenticator,
            attributes: [
                .string(.userName, "nemo"),
                try RADIUSUserPassword.attribute("arctangent", secret: exampleSecret, requestAuthenticator: authenticator),
                .ipv4Address(.nasIPAddress, IPv4Address(192, 168, 1, 16)),
                .integer(.nasPort, 3),
            ])
        #expect(try packet.encoded() == expected)
    }

    // RFC 2865 §7.1: Access-Accept, verified against the request and re-signed identically.
    @Test func section7_1AccessAcceptVerifiesAndSignsIdentically() throws {
        let request = try RADIUSPacket(bytes: try vector("rfc2865-7.1-access-request"))
        let bytes = try vector("rfc2865-7.1-access-accept")
        let accept = try RADIUSPacketVerifier.response(
            bytes, to: request, secret: exampleSecret, requireMessageAuthenticator: false)
        #expect(accept.code == .accessAccept)
        #expect(try accept.attributes[0].integerValue() == 1)  // Service-Type Login-User
        #expect(try accept.attributes[1].integerValue() == 0)  // Login-Service Telnet
        #expect(try accept.attributes[2].ipv4AddressValue() == IPv4Address(192, 168, 1, 3))
        let resigned = try accept.encodedResponse(
            toRequestAuthenticator: request.authenticator, secret: exampleSecret, addingMessageAuthenticator: false)
        #expect(resigned == bytes)
        try roundTrip(bytes)
    }

    // RFC 2865 §7.2 Framed User Authenticating with CHAP.
    @Test func section7_2CHAPAccessRequestDecodes() throws {
        let request = try roundTrip(try vector("rfc2865-7.2-access-request"))
        #expect(request.identifier == 1)
        #expect(try request.attributes[0].stringValue() == "flopsy")
        let chap = try #require(request.firstValue(ofType: .chapPassword))
        #expect(chap.count == 17)
        #expect(chap[0] == 22)
        #expect(RADIUSCHAPPassword.challenge(of: request) == request.authenticator)
        #expect(try request.attributes[2].ipv4AddressValue() == IPv4Address(192, 168, 1, 16))
        #expect(try request.attributes[3].integerValue() == 20)
        #expect(try request.attributes[4].integerValue() == 2)  // Service-Type Framed-User
        #expect(try request.attributes[5].integerValue() == 1)  // Framed-Protocol PPP
    }

    // RFC 2865 §7.2: Access-Accept with the framed parameters.
    @Test func section7_2AccessAcceptVerifiesAndSignsIdentically() throws {
        let request = try RADIUSPacket(bytes: try vector("rfc2865-7.2-access-request"))
        let bytes = try vector("rfc2865-7.2-access-accept")
        let accept = try RADIUSPacketVerifier.response(
            bytes, to: request, secret: exampleSecret, requireMessageAuthenticator: false)
        #expect(accept.attributes.map(\.type) == [.serviceType, .framedProtocol, .framedIPAddress, .framedRouting, .framedCompression, .framedMTU])
        #expect(try accept.attributes[2].ipv4AddressValue() == IPv4Address(255, 255, 255, 254))
        #expect(try accept.attributes[5].integerValue() == 1500)
        #expect(try accept.encodedResponse(
            toRequestAuthenticator: request.authenticator, secret: exampleSecret, addingMessageAuthenticator: false) == bytes)
    }

    // RFC 2865 §7.3 User with Challenge-Response card: the first request.
    @Test func section7_3FirstAccessRequestRevealsPassword() throws {
        let request = try roundTrip(try vector("rfc2865-7.3-access-request-1"))
        #expect(request.identifier == 2)
        #expect(try request.attributes[0].stringValue() == "mopsy")
        let password = try RADIUSUserPassword.unhide(
            try #require(request.firstValue(ofType: .userPassword)), secret: exampleSecret,
            requestAuthenticator: request.authenticator)
        #expect(password == Array("challenge".utf8))
        #expect(try request.attributes[3].integerValue() == 7)
    }

    // RFC 2865 §7.3: the Access-Challenge with Reply-Message and State.
    @Test func section7_3AccessChallengeVerifies() throws {
        let request = try RADIUSPacket(bytes: try vector("rfc2865-7.3-access-request-1"))
        let bytes = try vector("rfc2865-7.3-access-challenge")
        let challenge = try RADIUSPacketVerifier.response(
            bytes, to: request, secret: exampleSecret, requireMessageAuthenticator: false)
        #expect(challenge.code == .accessChallenge)
        #expect(try challenge.attributes[0].stringValue() == "Challenge 32769430.  Enter response at prompt.")
        #expect(challenge.firstValue(ofType: .state) == Array("32769430".utf8))
        try roundTrip(bytes)
    }

    // RFC 2865 §7.3: the second request echoes State and carries the card's response.
    @Test func section7_3SecondAccessRequestEchoesState() throws {
        let request = try roundTrip(try vector("rfc2865-7.3-access-request-2"))
        #expect(request.identifier == 3)
        let password = try RADIUSUserPassword.unhide(
            try #require(request.firstValue(ofType: .userPassword)), secret: exampleSecret,
            requestAuthenticator: request.authenticator)
        #expect(password == Array("99101462".utf8))
        #expect(request.firstValue(ofType: .state) == Array("32769430".utf8))
    }

    // RFC 2865 §7.3: the Access-Reject.
    @Test func section7_3AccessRejectVerifies() throws {
        let request = try RADIUSPacket(bytes: try vector("rfc2865-7.3-access-request-2"))
        let bytes = try vector("rfc2865-7.3-access-reject")
        let reject = try RADIUSPacketVerifier.response(
            bytes, to: request, secret: exampleSecret, requireMessageAuthenticator: false)
        #expect(reject.code == .accessReject)
        #expect(reject.attributes.isEmpty)
        #expect(try reject.encodedResponse(
            toRequestAuthenticator: request.authenticator, secret: exampleSecret, addingMessageAuthenticator: false) == bytes)
    }

    // RFC 2865 §7: every reply is refused when checked against the wrong request.
    @Test func repliesDoNotVerifyAgainstAnotherRequestsAuthenticator() throws {
        var request = try RADIUSPacket(bytes: try vector("rfc2865-7.1-access-request"))
        request.authenticator[0] ^= 1
        let code = errorCode {
            _ = try RADIUSPacketVerifier.response(
                try vector("rfc2865-7.1-access-accept"), to: request, secret: exampleSecret,
                requireMessageAuthenticator: false)
        }
        #expect(code == .badResponseAuthenticator)
    }
}
