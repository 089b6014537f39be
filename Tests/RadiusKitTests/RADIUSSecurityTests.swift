import RadiusKit
import Testing

/// Authenticators, password hiding, CHAP and Message-Authenticator
/// (RFC 2865 §3, §5.2, §5.3; RFC 2866 §3; RFC 2868 §3.5; RFC 3579 §3.2; RFC 5176 §2.3, §3.3).
@Suite struct RADIUSSecurityTests {
    let secret = exampleSecret
    let authenticator: [UInt8] = Array(0x10...0x1F)

    @Test(arguments: [0, 1, 15, 16, 17, 31, 32, 33, 100, 127, 128])
    func userPasswordOfAnyLengthHidesAndUnhides(length: Int) throws {
        let password = (0..<length).map { UInt8(0x41 + $0 % 26) }
        let hidden = try RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: authenticator)
        #expect(hidden.count == max(16, (length + 15) / 16 * 16))
        #expect(hidden != password + [UInt8](repeating: 0, count: hidden.count - length))
        #expect(try RADIUSUserPassword.unhide(hidden, secret: secret, requestAuthenticator: authenticator) == password)
    }

    @Test func userPasswordOver128BytesIsRefused() {
        let password = [UInt8](repeating: 0x41, count: 129)
        #expect(errorCode { _ = try RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: authenticator) } == .passwordTooLong)
        #expect(errorCode { _ = try RADIUSUserPassword.unhide([UInt8](repeating: 0, count: 144), secret: secret, requestAuthenticator: authenticator) } == .invalidHiddenPassword)
    }

    @Test func hiddenPasswordNotInWholeBlocksIsRefused() {
        for count in [0, 15, 17] {
            let hidden = [UInt8](repeating: 0, count: count)
            #expect(errorCode { _ = try RADIUSUserPassword.unhide(hidden, secret: secret, requestAuthenticator: authenticator) } == .invalidHiddenPassword)
        }
        #expect(errorCode { _ = try RADIUSUserPassword.hide([1], secret: secret, requestAuthenticator: [1, 2]) } == .invalidAuthenticatorLength)
    }

    @Test func chapPasswordIsIdentifierThenMD5OfIdentifierPasswordChallenge() throws {
        let challenge: [UInt8] = Array(repeating: 0xAA, count: 16)
        let value = RADIUSCHAPPassword.value(identifier: 22, password: Array("secret".utf8), challenge: challenge)
        #expect(value.count == 17)
        #expect(value[0] == 22)
        #expect(try RADIUSCHAPPassword.verify(value, password: Array("secret".utf8), challenge: challenge))
        #expect(try !RADIUSCHAPPassword.verify(value, password: Array("Secret".utf8), challenge: challenge))
        #expect(errorCode { _ = try RADIUSCHAPPassword.verify([22], password: [], challenge: challenge) } == .invalidValueLength)
    }

    @Test func chapUsesCHAPChallengeAttributeWhenPresent() {
        var request = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator)
        #expect(RADIUSCHAPPassword.challenge(of: request) == authenticator)
        request.attributes.append(.octets(.chapChallenge, [9, 9, 9]))
        #expect(RADIUSCHAPPassword.challenge(of: request) == [9, 9, 9])
    }

    @Test(arguments: [0, 1, 14, 15, 16, 100, 239])
    func tunnelPasswordWithSaltRoundTrips(length: Int) throws {
        let password = [UInt8](repeating: 0x70, count: length)
        let attribute = try RADIUSTunnelPassword.attribute(
            password, tag: 2, salt: (0x01, 0x02), secret: secret, requestAuthenticator: authenticator)
        #expect(attribute.value[0] == 2)
        #expect(attribute.value[1] == 0x81)  // salt's high bit forced on, RFC 2868 §3.5
        #expect((attribute.value.count - 3) % 16 == 0)
        let revealed = try RADIUSTunnelPassword.reveal(attribute, secret: secret, requestAuthenticator: authenticator)
        #expect(revealed.tag == 2)
        #expect(revealed.password == password)
    }

    @Test func tunnelPasswordTooLongOrMalformedIsRefused() {
        #expect(errorCode { _ = try RADIUSTunnelPassword.attribute([UInt8](repeating: 1, count: 240), secret: secret, requestAuthenticator: authenticator) } == .passwordTooLong)
        #expect(errorCode { _ = try RADIUSTunnelPassword.reveal(RADIUSAttribute(type: .tunnelPassword, value: [1, 0x80]), secret: secret, requestAuthenticator: authenticator) } == .invalidHiddenPassword)
        #expect(errorCode { _ = try RADIUSTunnelPassword.reveal(RADIUSAttribute(type: .tunnelPassword, value: [1, 0x80, 0, 5]), secret: secret, requestAuthenticator: authenticator) } == .invalidHiddenPassword)
        #expect(errorCode { _ = try RADIUSTunnelPassword.reveal(RADIUSAttribute(type: .tunnelPassword, value: [0x40, 0x80, 0] + [UInt8](repeating: 0, count: 16)), secret: secret, requestAuthenticator: authenticator) } == .invalidValue)
    }

    @Test func randomAuthenticatorsAreSixteenBytesAndDiffer() {
        let first = RADIUSAuthenticator.random()
        #expect(first.count == 16)
        #expect(first != RADIUSAuthenticator.random())
    }

    @Test func accessRequestGetsMessageAuthenticatorFirstAndVerifies() throws {
        var request = RADIUSPacket(code: .accessRequest, identifier: 5, authenticator: RADIUSAuthenticator.random())
        request.attributes = [
            .string(.userName, "bng-01/an-01/1"),
            try RADIUSUserPassword.attribute("pw", secret: secret, requestAuthenticator: request.authenticator),
        ]
        let bytes = try request.encodedRequest(secret: secret)
        #expect(bytes[20] == RADIUSAttributeType.messageAuthenticator.rawValue)
        let verified = try RADIUSPacketVerifier.request(bytes, secret: secret)
        #expect(verified.attributes.map(\.type) == [.messageAuthenticator, .userName, .userPassword])
        #expect(errorCode { _ = try RADIUSPacketVerifier.request(bytes, secret: try RADIUSSecret("other")) } == .badMessageAuthenticator)
    }

    @Test(arguments: [RADIUSCode.accountingRequest, .coaRequest, .disconnectRequest])
    func computedRequestAuthenticatorIsSignedAndChecked(code: RADIUSCode) throws {
        let request = RADIUSPacket(code: code, identifier: 1, attributes: [.string(.acctSessionID, "s-1")])
        let bytes = try request.encodedRequest(secret: secret)
        #expect(Array(bytes[4..<20]) != [UInt8](repeating: 0, count: 16))
        _ = try RADIUSPacketVerifier.request(bytes, secret: secret)
        // Without Message-Authenticator the authenticator alone still protects it.
        let bare = try request.encodedRequest(secret: secret, addingMessageAuthenticator: false)
        _ = try RADIUSPacketVerifier.request(bare, secret: secret, requireMessageAuthenticator: false)
        var forged = bare
        forged[forged.count - 1] ^= 1
        #expect(errorCode { _ = try RADIUSPacketVerifier.request(forged, secret: secret, requireMessageAuthenticator: false) } == .badRequestAuthenticator)
        #expect(errorCode { _ = try RADIUSPacketVerifier.request(bare, secret: secret) } == .missingMessageAuthenticator)
    }

    @Test(arguments: [
        (RADIUSCode.accessRequest, RADIUSCode.accessAccept), (.accessRequest, .accessReject), (.accessRequest, .accessChallenge),
        (.accountingRequest, .accountingResponse), (.coaRequest, .coaACK), (.coaRequest, .coaNAK),
        (.disconnectRequest, .disconnectACK), (.disconnectRequest, .disconnectNAK), (.statusServer, .accessAccept),
    ])
    func signedRepliesVerifyAgainstTheirRequest(requestCode: RADIUSCode, replyCode: RADIUSCode) throws {
        var request = RADIUSPacket(code: requestCode, identifier: 42, authenticator: RADIUSAuthenticator.random())
        let requestBytes = try request.encodedRequest(secret: secret)
        request = try RADIUSPacket(bytes: requestBytes)
        let reply = RADIUSPacket(code: replyCode, identifier: 42, attributes: [.integer(.errorCause, 503)])
        let replyBytes = try reply.encodedResponse(toRequestAuthenticator: request.authenticator, secret: secret)
        let verified = try RADIUSPacketVerifier.response(replyBytes, to: request, secret: secret)
        #expect(verified.attributes.map(\.type) == [.messageAuthenticator, .errorCause])
        var tampered = replyBytes
        tampered[tampered.count - 1] ^= 1
        #expect(errorCode { _ = try RADIUSPacketVerifier.response(tampered, to: request, secret: secret) } == .badMessageAuthenticator)
    }

    @Test func replyWithGoodMessageAuthenticatorButBadResponseAuthenticatorIsRefused() throws {
        let request = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator)
        var bytes = try RADIUSPacket(code: .accessAccept, identifier: 1).encodedResponse(toRequestAuthenticator: authenticator, secret: secret)
        bytes[4] ^= 1
        #expect(errorCode { _ = try RADIUSPacketVerifier.response(bytes, to: request, secret: secret) } == .badResponseAuthenticator)
    }

    @Test func replyForAnotherIdentifierOrOfTheWrongCodeIsRefused() throws {
        let request = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator)
        let otherID = try RADIUSPacket(code: .accessAccept, identifier: 2).encodedResponse(toRequestAuthenticator: authenticator, secret: secret)
        #expect(errorCode { _ = try RADIUSPacketVerifier.response(otherID, to: request, secret: secret) } == .identifierMismatch)
        let wrongCode = try RADIUSPacket(code: .coaACK, identifier: 1).encodedResponse(toRequestAuthenticator: authenticator, secret: secret)
        #expect(errorCode { _ = try RADIUSPacketVerifier.response(wrongCode, to: request, secret: secret) } == .unexpectedResponseCode)
    }

    @Test func twoMessageAuthenticatorsAreRefusedOnSendAndReceive() throws {
        let mac = RADIUSAttribute(type: .messageAuthenticator, value: [UInt8](repeating: 0, count: 16))
        let request = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator, attributes: [mac, mac])
        #expect(errorCode { _ = try request.encodedRequest(secret: secret) } == .duplicateMessageAuthenticator)
        #expect(errorCode { _ = try RADIUSPacketVerifier.request(try request.encoded(), secret: secret) } == .duplicateMessageAuthenticator)
        let short = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator, attributes: [.octets(.messageAuthenticator, [1])])
        #expect(errorCode { _ = try RADIUSPacketVerifier.request(try short.encoded(), secret: secret) } == .invalidValueLength)
    }

    @Test func replyWithoutMessageAuthenticatorIsRefusedByDefault() throws {
        let request = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator)
        let bytes = try RADIUSPacket(code: .accessAccept, identifier: 1)
            .encodedResponse(toRequestAuthenticator: authenticator, secret: secret, addingMessageAuthenticator: false)
        #expect(errorCode { _ = try RADIUSPacketVerifier.response(bytes, to: request, secret: secret) } == .missingMessageAuthenticator)
        _ = try RADIUSPacketVerifier.response(bytes, to: request, secret: secret, requireMessageAuthenticator: false)
    }

    @Test func secretNeverAppearsInDescriptionsDumpsOrErrors() throws {
        let secret = try RADIUSSecret("hunter2-very-secret")
        #expect(secret.description == "RADIUSSecret(<redacted>)")
        #expect("\(secret)" == "RADIUSSecret(<redacted>)")
        #expect(String(reflecting: secret) == "RADIUSSecret(<redacted>)")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        let server = RADIUSServer(name: "192.0.2.1:1812", secret: secret)
        var dumpedServer = ""
        dump(server, to: &dumpedServer)
        #expect(!dumpedServer.contains("hunter2"))
        #expect(!"\(server)".contains("hunter2"))
        let request = RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: authenticator)
        let bytes = try request.encodedRequest(secret: secret)
        do {
            _ = try RADIUSPacketVerifier.request(bytes, secret: exampleSecret)
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("xyzzy"))
        }
    }

    @Test func emptySecretIsRefused() {
        #expect(errorCode { _ = try RADIUSSecret("") } == .emptySecret)
        #expect(errorCode { _ = try RADIUSSecret(bytes: []) } == .emptySecret)
    }
}
