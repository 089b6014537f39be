import RadiusKit
import Testing

/// Header and attribute framing (RFC 2865 §3, §5) and the named limits.
@Suite struct RADIUSPacketCodecTests {
    private func packet(_ attributes: [RADIUSAttribute], code: RADIUSCode = .accessRequest) -> RADIUSPacket {
        RADIUSPacket(code: code, identifier: 7, authenticator: [UInt8](1...16), attributes: attributes)
    }

    @Test func unknownCodesAndAttributesRoundTripInWireOrder() throws {
        let original = RADIUSPacket(
            code: RADIUSCode(rawValue: 250), identifier: 9, authenticator: [UInt8](repeating: 0xAB, count: 16),
            attributes: [
                RADIUSAttribute(type: RADIUSAttributeType(rawValue: 200), value: [1, 2, 3]),
                .string(.userName, "a"),
                RADIUSAttribute(type: RADIUSAttributeType(rawValue: 200), value: []),
            ])
        let bytes = try original.encoded()
        let parsed = try roundTrip(bytes)
        #expect(parsed == original)
        #expect(parsed.code.description == "Code-250")
        #expect(parsed.attributes[0].type.description == "Attr-200")
    }

    @Test func lengthFieldIsBigEndianAndCountsTheWholePacket() throws {
        let bytes = try packet([.octets(.state, [UInt8](repeating: 0, count: 253))]).encoded()
        #expect(bytes.count == 20 + 255)
        #expect(bytes[2] == 0x01)
        #expect(bytes[3] == 0x13)
    }

    @Test func packetOfExactly4096BytesEncodesAndParses() throws {
        // 16 attributes of 255 bytes = 4080, plus the header = 4100; trim the last one by 4.
        var attributes = [RADIUSAttribute](repeating: .octets(.class, [UInt8](repeating: 1, count: 253)), count: 16)
        attributes[15].value.removeLast(4)
        let bytes = try packet(attributes).encoded()
        #expect(bytes.count == RADIUSLimits.maximumPacketLength)
        try roundTrip(bytes)
    }

    @Test func packetOver4096BytesIsRefusedOnEncodeAndParse() throws {
        var attributes = [RADIUSAttribute](repeating: .octets(.class, [UInt8](repeating: 1, count: 253)), count: 16)
        attributes[15].value.removeLast(3)
        #expect(errorCode { _ = try packet(attributes).encoded() } == .packetTooLarge)
        var bytes = [UInt8](repeating: 0, count: 4097)
        bytes[0] = 1
        bytes[2] = 0x10
        bytes[3] = 0x01
        #expect(errorCode { _ = try RADIUSPacket(bytes: bytes) } == .packetTooLarge)
    }

    @Test func attributeValueOf253BytesIsAcceptedAnd254Refused() throws {
        try roundTrip(try packet([.octets(.class, [UInt8](repeating: 7, count: 253))]).encoded())
        #expect(errorCode { _ = try packet([.octets(.class, [UInt8](repeating: 7, count: 254))]).encoded() } == .attributeValueTooLong)
    }

    @Test func trailingBytesAreRefusedUnlessPaddingIsAllowed() throws {
        var bytes = try packet([.string(.userName, "bob")]).encoded()
        bytes += [0, 0]
        #expect(errorCode { _ = try RADIUSPacket(bytes: bytes) } == .lengthMismatch)
        let padded = try RADIUSPacket(bytes: bytes, allowingTrailingPadding: true)
        #expect(try padded.attributes[0].stringValue() == "bob")
    }

    @Test func lengthFieldBelowTwentyOrBeyondTheDatagramIsRefused() throws {
        var bytes = try packet([]).encoded()
        bytes[3] = 19
        #expect(errorCode { _ = try RADIUSPacket(bytes: bytes) } == .lengthMismatch)
        bytes[3] = 21
        #expect(errorCode { _ = try RADIUSPacket(bytes: bytes) } == .lengthMismatch)
    }

    @Test(arguments: 0..<20)
    func everyTruncatedHeaderIsRefused(count: Int) throws {
        let bytes = try vector("rfc2865-7.1-access-request")
        #expect(errorCode { _ = try RADIUSPacket(bytes: Array(bytes.prefix(count))) } == .packetTooShort)
    }

    @Test func everyTruncationAfterTheHeaderIsRefused() throws {
        let bytes = try vector("rfc2865-7.2-access-request")
        for count in 20..<bytes.count {
            #expect(errorCode { _ = try RADIUSPacket(bytes: Array(bytes.prefix(count))) } == .lengthMismatch)
        }
    }

    @Test func attributeLengthBelowTwoAndLoneTypeOctetAreRefused() throws {
        var bytes = try packet([]).encoded() + [1, 1]
        bytes[3] = 22
        #expect(errorCode { _ = try RADIUSPacket(bytes: bytes) } == .attributeTooShort)
        var lone = try packet([]).encoded() + [1]
        lone[3] = 21
        #expect(errorCode { _ = try RADIUSPacket(bytes: lone) } == .attributeTooShort)
    }

    @Test func attributeRunningPastThePacketIsRefusedWithItsOffset() throws {
        var bytes = try packet([.string(.userName, "abc")]).encoded()
        bytes[21] = 6
        do {
            _ = try RADIUSPacket(bytes: bytes)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .attributeOverrun)
            #expect(error.position == 20)
        }
    }

    @Test func longValuesAreSplitAndJoinedInOrder() throws {
        let message = (0..<600).map { UInt8(truncatingIfNeeded: $0) }
        var request = packet([])
        request.appendSplitting(type: .eapMessage, value: message)
        #expect(request.attributes.map(\.value.count) == [253, 253, 94])
        let parsed = try roundTrip(try request.encoded())
        #expect(parsed.joinedValue(ofType: .eapMessage) == message)
        #expect(parsed.joinedValue(ofType: .state) == nil)
        #expect(RADIUSAttribute.split(type: .eapMessage, value: []).count == 1)
    }

    @Test func descriptionsNameTypesAndHidePasswords() throws {
        let request = packet([.string(.userName, "bob"), .octets(.userPassword, [1, 2, 3])])
        #expect(request.description.contains("Access-Request id=7"))
        #expect(request.description.contains("User-Name=0x626f62"))
        #expect(request.description.contains("User-Password=<3 hidden bytes>"))
        #expect(RADIUSCode.coaNAK.description == "CoA-NAK")
        #expect(RADIUSAttributeType.messageAuthenticator.description == "Message-Authenticator")
    }

    @Test func codesKnowWhichRepliesAnswerThem() {
        #expect(RADIUSCode.accessRequest.possibleResponses == [.accessAccept, .accessReject, .accessChallenge])
        #expect(RADIUSCode.coaRequest.possibleResponses == [.coaACK, .coaNAK])
        #expect(RADIUSCode.disconnectRequest.possibleResponses == [.disconnectACK, .disconnectNAK])
        #expect(RADIUSCode.accessAccept.possibleResponses.isEmpty)
        #expect(RADIUSCode.accountingRequest.hasComputedRequestAuthenticator)
        #expect(!RADIUSCode.accessRequest.hasComputedRequestAuthenticator)
    }
}
