import RadiusKit
import Testing

/// The pure CoA/Disconnect server: allow-list, secrets, checks, duplicate cache.
@Suite struct RADIUSDynamicAuthorizationEngineTests {
    typealias Engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>

    let start = ContinuousClock.now
    let unixTime: UInt32 = 1_800_000_000
    let nasSecret = exampleSecret
    let otherSecret: RADIUSSecret = {
        do { return try RADIUSSecret("other-dac-secret") } catch { fatalError("constant secret is valid") }
    }()

    private func makeEngine(_ configuration: Engine.Configuration = .init()) throws -> Engine {
        Engine(clients: [
            RADIUSDynamicAuthorizationClient(name: "dac", range: try RADIUSAddressRange("198.18.0.0/24"), secret: nasSecret),
            RADIUSDynamicAuthorizationClient(name: "other", range: try RADIUSAddressRange("203.0.113.7"), secret: otherSecret),
        ], configuration: configuration)
    }

    private func request(_ code: RADIUSCode = .disconnectRequest, id: UInt8 = 7, timestamp: UInt32? = nil,
                         secret: RADIUSSecret? = nil, signed: Bool = true) throws -> [UInt8] {
        var attributes: [RADIUSAttribute] = [.string(.acctSessionID, "s-1")]
        if let timestamp { attributes.append(.date(.eventTimestamp, secondsSince1970: timestamp)) }
        return try RADIUSPacket(code: code, identifier: id, attributes: attributes)
            .encodedRequest(secret: secret ?? nasSecret, addingMessageAuthenticator: signed)
    }

    private func dispatched(_ actions: [Engine.Action]) throws -> (Engine.RequestKey, RADIUSDynamicAuthorizationRequest) {
        guard actions.count == 1, case let .dispatch(key, request) = actions[0] else {
            Issue.record("expected a dispatch, got \(actions)")
            throw RADIUSError(.invalidValue, "no dispatch")
        }
        return (key, request)
    }

    private func discardCode(_ actions: [Engine.Action]) -> RADIUSError.Code? {
        guard actions.count == 1, case let .discard(_, error) = actions[0] else { return nil }
        return error.code
    }

    @Test func verifiedRequestIsDispatchedAndTheNakCarriesErrorCauseSignedForTheRequest() throws {
        var engine = try makeEngine()
        let source = try RADIUSSocketAddress("198.18.0.20:40000")
        let bytes = try request(timestamp: unixTime - 10)
        let (key, dispatchedRequest) = try dispatched(engine.handle(.received(bytes: bytes, source: source, now: start, unixTime: unixTime)))
        #expect(dispatchedRequest.clientName == "dac")
        #expect(dispatchedRequest.isDisconnect)
        let actions = engine.handle(.answered(key: key, response: .nak(cause: .sessionContextNotFound), now: start))
        guard case let .send(reply, destination, replayed) = actions.first else {
            Issue.record("expected a send, got \(actions)")
            return
        }
        #expect(destination == source)
        #expect(!replayed)
        let original = try RADIUSPacket(bytes: bytes)
        var sent = original
        sent.authenticator = Array(bytes[4..<20])
        let response = try RADIUSPacketVerifier.response(reply, to: sent, secret: nasSecret)
        #expect(response.code == .disconnectNAK)
        #expect(try response.attributes(ofType: .errorCause).first?.integerValue() == 503)
    }

    @Test func coaAckAnswersACoARequestFromTheSecondClientWithItsSecret() throws {
        var engine = try makeEngine()
        let source = try RADIUSSocketAddress("203.0.113.7:3000")
        let bytes = try request(.coaRequest, secret: otherSecret)
        let (key, _) = try dispatched(engine.handle(.received(bytes: bytes, source: source, now: start, unixTime: unixTime)))
        guard case let .send(reply, _, _) = engine.handle(.answered(key: key, response: .ack(), now: start)).first else {
            Issue.record("expected a send")
            return
        }
        var sent = try RADIUSPacket(bytes: bytes)
        sent.authenticator = Array(bytes[4..<20])
        #expect(try RADIUSPacketVerifier.response(reply, to: sent, secret: otherSecret).code == .coaACK)
    }

    @Test func repliesSignedTheFreeRADIUS3WayOverAZeroedFieldAlsoVerify() throws {
        let authenticator = [UInt8](repeating: 0x42, count: 16)
        for code in [RADIUSCode.accountingResponse, .coaACK, .disconnectNAK] {
            let requestCode: RADIUSCode = code == .accountingResponse ? .accountingRequest : code == .coaACK ? .coaRequest : .disconnectRequest
            let request = RADIUSPacket(code: requestCode, identifier: 3, authenticator: authenticator)
            let zeroed = try RADIUSPacket(code: code, identifier: 3)
                .encodedResponse(toRequestAuthenticator: authenticator, secret: nasSecret, zeroedMessageAuthenticatorField: true)
            let rfc = try RADIUSPacket(code: code, identifier: 3).encodedResponse(toRequestAuthenticator: authenticator, secret: nasSecret)
            #expect(zeroed != rfc)
            #expect(try RADIUSPacketVerifier.response(zeroed, to: request, secret: nasSecret).code == code)
            #expect(try RADIUSPacketVerifier.response(rfc, to: request, secret: nasSecret).code == code)
        }
        // Access-Accept has no such leeway.
        let access = RADIUSPacket(code: .accessRequest, identifier: 3, authenticator: authenticator)
        var accept = try RADIUSPacket(code: .accessAccept, identifier: 3).encodedResponse(toRequestAuthenticator: authenticator, secret: nasSecret)
        accept[22] ^= 1
        #expect(errorCode { _ = try RADIUSPacketVerifier.response(accept, to: access, secret: nasSecret) } == .badMessageAuthenticator)
    }

    @Test func unknownSourceWrongSecretUnsignedStaleTimestampAndOtherCodesAreDiscarded() throws {
        var engine = try makeEngine()
        let inside = try RADIUSSocketAddress("198.18.0.20:40000")
        let outside = try RADIUSSocketAddress("192.0.2.1:40000")
        #expect(discardCode(engine.handle(.received(bytes: try request(), source: outside, now: start, unixTime: unixTime))) == .unknownSource)
        #expect(discardCode(engine.handle(.received(bytes: try request(secret: otherSecret), source: inside, now: start, unixTime: unixTime)))
            == .badMessageAuthenticator)
        #expect(discardCode(engine.handle(.received(bytes: try request(signed: false), source: inside, now: start, unixTime: unixTime)))
            == .missingMessageAuthenticator)
        #expect(discardCode(engine.handle(.received(bytes: try request(timestamp: unixTime - 301), source: inside, now: start, unixTime: unixTime)))
            == .staleEventTimestamp)
        #expect(discardCode(engine.handle(.received(bytes: try request(timestamp: unixTime + 301), source: inside, now: start, unixTime: unixTime)))
            == .staleEventTimestamp)
        let access = try RADIUSPacket(code: .accessRequest, identifier: 1, authenticator: RADIUSAuthenticator.random()).encodedRequest(secret: nasSecret)
        #expect(discardCode(engine.handle(.received(bytes: access, source: inside, now: start, unixTime: unixTime))) == .unexpectedResponseCode)
        #expect(discardCode(engine.handle(.received(bytes: [40, 1], source: inside, now: start, unixTime: unixTime))) == .packetTooShort)
        #expect(engine.cachedCount == 0)
        // Within the window is fine; a required timestamp must be present.
        _ = try dispatched(engine.handle(.received(bytes: try request(timestamp: unixTime + 299), source: inside, now: start, unixTime: unixTime)))
        var strict = try makeEngine(.init(requireEventTimestamp: true))
        #expect(discardCode(strict.handle(.received(bytes: try request(), source: inside, now: start, unixTime: unixTime))) == .staleEventTimestamp)
    }

    @Test func duplicatesAreDroppedWhileInProgressThenReplayedFromTheCacheUntilTheyExpire() throws {
        var engine = try makeEngine(.init(duplicateLifetime: .seconds(30)))
        let source = try RADIUSSocketAddress("198.18.0.20:40000")
        let bytes = try request()
        let (key, _) = try dispatched(engine.handle(.received(bytes: bytes, source: source, now: start, unixTime: unixTime)))
        #expect(engine.handle(.received(bytes: bytes, source: source, now: start, unixTime: unixTime)) == [.duplicateInProgress(source: source)])
        guard case let .send(first, _, _) = engine.handle(.answered(key: key, response: .ack(), now: start)).first else {
            Issue.record("expected a send")
            return
        }
        let replay = engine.handle(.received(bytes: bytes, source: source, now: start.advanced(by: .seconds(10)), unixTime: unixTime))
        #expect(replay == [.send(bytes: first, to: source, replayed: true)])
        // The same identifier and authenticator from another port is another request.
        let elsewhere = try RADIUSSocketAddress("198.18.0.20:40001")
        _ = try dispatched(engine.handle(.received(bytes: bytes, source: elsewhere, now: start.advanced(by: .seconds(10)), unixTime: unixTime)))
        // After the lifetime the entry is gone and the request is handled anew.
        _ = try dispatched(engine.handle(.received(bytes: bytes, source: source, now: start.advanced(by: .seconds(31)), unixTime: unixTime)))
    }

    @Test func cacheKeepsAtMostItsLimitDroppingTheOldest() throws {
        var engine = try makeEngine(.init(maximumCached: 2))
        let source = try RADIUSSocketAddress("198.18.0.20:40000")
        for id in UInt8(1)...3 {
            _ = try dispatched(engine.handle(.received(bytes: try request(id: id), source: source, now: start, unixTime: unixTime)))
        }
        #expect(engine.cachedCount == 2)
    }

    @Test func addressRangesAndSocketAddressesParse() throws {
        let range = try RADIUSAddressRange("198.18.0.77/24")
        #expect(range.description == "198.18.0.0/24")
        #expect(range.contains(try RADIUSSocketAddress(host: "198.18.0.200", port: 1).address))
        #expect(!range.contains(try RADIUSSocketAddress(host: "198.18.1.1", port: 1).address))
        let v6 = try RADIUSAddressRange("2001:db8::/32")
        #expect(v6.contains(try RADIUSSocketAddress(host: "2001:db8:1::5", port: 1).address))
        #expect(!v6.contains(try RADIUSSocketAddress(host: "198.18.0.1", port: 1).address))
        #expect(try RADIUSSocketAddress("[2001:db8::1]:3799").description == "[2001:db8::1]:3799")
        #expect(try RADIUSSocketAddress("192.0.2.1", defaultPort: 3799).port == 3799)
        for bad in ["192.0.2.1", "[::1", "[::1]x", "192.0.2.1:99999", "host:1812"] {
            #expect(errorCode { _ = try RADIUSSocketAddress(bad) } == .invalidAddress, "\(bad)")
        }
        #expect(errorCode { _ = try RADIUSAddressRange("10.0.0.0/33") } == .invalidAddress)
    }

    @Test func accountingRecordSplitsOctetsIntoGigawordsAndReadsThemBack() throws {
        #expect(RADIUSAccountingRecord.split((5 << 32) + 17) == (17, 5))
        let record = RADIUSAccountingRecord(
            statusType: .interimUpdate, sessionID: "s", userName: "u", inputOctets: (3 << 32) + 1, outputOctets: 42,
            inputPackets: 5_000_000_000, sessionTime: 60, eventTimestamp: 1_800_000_000,
            attributes: [.string(.nasIdentifier, "bng")])
        let packet = record.packet
        #expect(try packet.attributes(ofType: .acctInputGigawords).first?.integerValue() == 3)
        #expect(packet.attributes(ofType: .acctOutputGigawords).isEmpty)
        #expect(try packet.attributes(ofType: .acctInputPackets).first?.integerValue() == UInt32.max)
        var back = try RADIUSAccountingRecord(packet: packet)
        back.inputPackets = record.inputPackets
        #expect(back == record)
        #expect(errorCode { _ = try RADIUSAccountingRecord(packet: RADIUSPacket(code: .accountingRequest, identifier: 0)) } == .invalidValue)
        #expect(RADIUSAccountingRecord(statusType: .start, sessionID: "s", inputOctets: 9).packet.attributes(ofType: .acctInputOctets).isEmpty)
    }
}
