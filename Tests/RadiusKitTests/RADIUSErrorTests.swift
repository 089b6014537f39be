import RadiusKit
import ServiceSupport
import Testing

/// One negative test per ``RADIUSError/Code``; `everyErrorCodeHasANegativeTest` fails when a
/// new code is added without one.
@Suite struct RADIUSErrorTests {
    private static let secret = exampleSecret
    private static let authenticator = [UInt8](repeating: 0x11, count: 16)

    /// For each code, a call that must throw exactly that code.
    private static let triggers: [RADIUSError.Code: @Sendable () async throws -> Void] = [
        .packetTooShort: { _ = try RADIUSPacket(bytes: [1, 0, 0]) },
        .packetTooLarge: { _ = try RADIUSPacket(bytes: [1, 0, 0x10, 0x01] + [UInt8](repeating: 0, count: 4093)) },
        .lengthMismatch: { _ = try RADIUSPacket(bytes: [1, 0, 0, 21] + [UInt8](repeating: 0, count: 16)) },
        .attributeTooShort: { _ = try RADIUSPacket(bytes: [1, 0, 0, 22] + [UInt8](repeating: 0, count: 16) + [1, 0]) },
        .attributeOverrun: { _ = try RADIUSPacket(bytes: [1, 0, 0, 22] + [UInt8](repeating: 0, count: 16) + [1, 3]) },
        .attributeValueTooLong: { _ = try RADIUSPacket(code: .accessRequest, identifier: 0, attributes: [.octets(.class, [UInt8](repeating: 0, count: 254))]).encoded() },
        .invalidValueLength: { _ = try RADIUSAttribute(type: .nasPort, value: [0, 0, 1]).integerValue() },
        .invalidValue: { _ = try RADIUSAttribute(type: .userName, value: [0xC0]).stringValue() },
        .invalidVendorSpecific: { _ = try RADIUSVendorSpecific(RADIUSAttribute(type: .vendorSpecific, value: [0, 0])) },
        .invalidAuthenticatorLength: { _ = try RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: [1]).encoded() },
        .passwordTooLong: { _ = try RADIUSUserPassword.hide([UInt8](repeating: 1, count: 129), secret: secret, requestAuthenticator: authenticator) },
        .invalidHiddenPassword: { _ = try RADIUSUserPassword.unhide([1, 2, 3], secret: secret, requestAuthenticator: authenticator) },
        .emptySecret: { _ = try RADIUSSecret("") },
        .badRequestAuthenticator: {
            var bytes = try RADIUSPacket(code: .accountingRequest, identifier: 0).encodedRequest(secret: secret, addingMessageAuthenticator: false)
            bytes[4] ^= 1
            _ = try RADIUSPacketVerifier.request(bytes, secret: secret, requireMessageAuthenticator: false)
        },
        .badResponseAuthenticator: {
            let request = RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: authenticator)
            var bytes = try RADIUSPacket(code: .accessReject, identifier: 0).encodedResponse(toRequestAuthenticator: authenticator, secret: secret, addingMessageAuthenticator: false)
            bytes[19] ^= 1
            _ = try RADIUSPacketVerifier.response(bytes, to: request, secret: secret, requireMessageAuthenticator: false)
        },
        .badMessageAuthenticator: {
            var bytes = try RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: authenticator).encodedRequest(secret: secret)
            bytes[25] ^= 1
            _ = try RADIUSPacketVerifier.request(bytes, secret: secret)
        },
        .missingMessageAuthenticator: {
            let bytes = try RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: authenticator).encoded()
            _ = try RADIUSPacketVerifier.request(bytes, secret: secret)
        },
        .duplicateMessageAuthenticator: {
            let mac = RADIUSAttribute.octets(.messageAuthenticator, [UInt8](repeating: 0, count: 16))
            _ = try RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: authenticator, attributes: [mac, mac]).encodedRequest(secret: secret)
        },
        .identifierMismatch: {
            let request = RADIUSPacket(code: .accessRequest, identifier: 0, authenticator: authenticator)
            let bytes = try RADIUSPacket(code: .accessAccept, identifier: 9).encodedResponse(toRequestAuthenticator: authenticator, secret: secret)
            _ = try RADIUSPacketVerifier.response(bytes, to: request, secret: secret)
        },
        .unexpectedResponseCode: {
            let request = RADIUSPacket(code: .accountingRequest, identifier: 0)
            let bytes = try RADIUSPacket(code: .accessAccept, identifier: 0).encodedResponse(toRequestAuthenticator: request.authenticator, secret: secret)
            _ = try RADIUSPacketVerifier.response(bytes, to: request, secret: secret)
        },
        .identifiersExhausted: {
            var pool = RADIUSIdentifierPool()
            for _ in 0...256 { _ = try pool.allocate() }
        },
        .requestTimedOut: {
            let request = RADIUSPacket(code: .statusServer, identifier: 0)
            let server = RADIUSServer(name: "s", secret: secret)
            var client = RADIUSClientStateMachine<Int, ContinuousClock.Instant>(
                servers: [server], configuration: .init(timeout: .seconds(1), attemptsPerServer: 1))
            let start = ContinuousClock.now
            _ = client.handle(.submit(token: 1, request: request, userPassword: nil, now: start))
            for action in client.handle(.tick(now: start.advanced(by: .seconds(2)))) {
                if case let .fail(_, error) = action { throw error }
            }
        },
        .invalidAddress: { _ = try RADIUSSocketAddress("radius.example:1812") },
        .systemCallFailed: {
            // 192.0.2.1 (TEST-NET-1) is on no interface here: bind fails with EADDRNOTAVAIL.
            _ = try RADIUSDynamicAuthorizationServer(address: "192.0.2.1:0", clients: [], handler: acknowledgeAll)
        },
        .unknownSource: {
            var engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>(clients: [])
            let bytes = try RADIUSPacket(code: .disconnectRequest, identifier: 1).encodedRequest(secret: secret)
            let source = try RADIUSSocketAddress("192.0.2.9:50000")
            for case let .discard(_, error) in engine.handle(.received(bytes: bytes, source: source, now: .now, unixTime: 0)) {
                throw error
            }
        },
        .staleEventTimestamp: {
            let source = try RADIUSSocketAddress("192.0.2.9:50000")
            let client = RADIUSDynamicAuthorizationClient(name: "nas", range: try RADIUSAddressRange("192.0.2.0/24"), secret: secret)
            var engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>(clients: [client])
            let bytes = try RADIUSPacket(code: .coaRequest, identifier: 1, attributes: [.date(.eventTimestamp, secondsSince1970: 1_000)])
                .encodedRequest(secret: secret)
            for case let .discard(_, error) in engine.handle(.received(bytes: bytes, source: source, now: .now, unixTime: 1_000_000)) {
                throw error
            }
        },
        .clientShutDown: {
            let client = try RADIUSClient(servers: [RADIUSServer(name: "127.0.0.1:9", secret: secret)], bindAddress: .loopback)
            client.shutdown()
            _ = try await client.statusServer()
        },
        .cancelled: {
            // A CoA listener with no allowed clients drops everything: a silent server on loopback.
            let silent = try RADIUSDynamicAuthorizationServer(address: "127.0.0.1:0", clients: [], handler: acknowledgeAll)
            let client = try RADIUSClient(servers: [RADIUSServer(name: "\(silent.localAddress)", secret: secret)], bindAddress: .loopback)
            try await withRunningService(silent) {
                try await withRunningService(client) {
                    let task = Task { try await client.statusServer() }
                    task.cancel()
                    _ = try await task.value
                }
            }
        },
        .unknownName: { _ = try RADIUSDictionary.standard.attribute(named: "Nope") },
        .dictionarySyntax: {
            var parser = RADIUSDictionaryParser()
            try parser.parse("ATTRIBUTE", fileName: "x")
        },
        .dictionaryFileUnreadable: {
            var parser = RADIUSDictionaryParser()
            try parser.parseFile("/nonexistent")
        },
    ]

    private static let acknowledgeAll = RADIUSDynamicAuthorizationClosureHandler { _ in .ack() }

    @Test(arguments: RADIUSError.Code.allCases)
    func everyErrorCodeHasANegativeTest(code: RADIUSError.Code) async throws {
        let trigger = try #require(Self.triggers[code], "no negative test for \(code)")
        #expect(await asyncErrorCode(trigger) == code)
    }

    @Test func errorsCarryStableCodeContextAdviceAndLocation() {
        let error = RADIUSError(.badMessageAuthenticator, "HMAC-MD5 does not match", position: 20)
        #expect(error.code.rawValue == "badMessageAuthenticator")
        #expect(error.description.hasPrefix("RADIUSError.badMessageAuthenticator: HMAC-MD5 does not match (at 20)."))
        #expect(error.description.contains("same shared secret"))
        #expect(error.file.hasSuffix("RADIUSErrorTests.swift"))
        #expect(error.line > 0)
    }
}
