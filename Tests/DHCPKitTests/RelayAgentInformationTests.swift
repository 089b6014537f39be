import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

@Suite struct RelayAgentInformationTests {
    @Test func parsesEverySubOptionAndRoundTrips() throws {
        let bytes = try vector("relay-agent-information")
        let information = try RelayAgentInformation(parsing: bytes)
        #expect(try information.encoded() == bytes)
        #expect(information.remoteID == "an-01")
        #expect(information.circuitID == RelayAgentIdentifier(bytes: [0, 1, 2, 0xff]))
        #expect(information.linkSelection == IPv4Address(100, 64, 0, 0))
        #expect(information.subscriberID == "cust")
        #expect(information.vendorSpecific == [0, 0, 0x0d, 0xe9, 2, 0xaa, 0xbb])
        #expect(information.serverIdentifierOverride == IPv4Address(10, 0, 0, 1))
        #expect(information.relayID == "bng-01")
        #expect(information.subOptions.map(\.code.rawValue) == [2, 1, 5, 6, 9, 11, 12, 200])
    }

    @Test func acceptsZeroLengthSubOptionAsRFC3046Allows() throws {
        // RFC 3046 §2.0: "A sub-option length may be zero."
        let information = try RelayAgentInformation(parsing: [1, 0, 2, 1, 0x41])
        #expect(information.circuitID == RelayAgentIdentifier(bytes: []))
        #expect(try information.encoded() == [1, 0, 2, 1, 0x41])
    }

    @Test func treatsCodes0And255AsOrdinarySubOptions() throws {
        // RFC 3046 §2.0: no Pad sub-option, and the field is not terminated by 255.
        let information = try RelayAgentInformation(parsing: [0, 1, 7, 255, 0])
        #expect(information.subOptions.map(\.code.rawValue) == [0, 255])
    }

    @Test func rejectsOption82ShorterThanOneSubOption() {
        expectDHCPKitError(.emptyRelayAgentInformation) { _ = try RelayAgentInformation(parsing: []) }
        expectDHCPKitError(.emptyRelayAgentInformation) { _ = try RelayAgentInformation(parsing: [1]) }
        expectDHCPKitError(.emptyRelayAgentInformation) { _ = try RelayAgentInformation().encoded() }
    }

    @Test func rejectsSubOptionRunningPastOption() {
        let error = expectDHCPKitError(.subOptionOverrun) {
            _ = try RelayAgentInformation(parsing: [2, 1, 0x41, 1, 9, 0x41])
        }
        #expect(error?.offset == 3)
        expectDHCPKitError(.subOptionOverrun) { _ = try RelayAgentInformation(parsing: [2, 0, 1]) }
    }

    @Test func rejectsWrongLengthForFixedSizeSubOptions() {
        expectDHCPKitError(.invalidSubOptionLength) { _ = try RelayAgentInformation(parsing: [11, 2, 10, 0]) }
        expectDHCPKitError(.invalidSubOptionLength) { _ = try RelayAgentInformation(parsing: [5, 0]) }
    }

    @Test func encodesSubOptionOf255BytesButNot256() throws {
        var information = RelayAgentInformation()
        information.circuitID = RelayAgentIdentifier(bytes: [UInt8](repeating: 0x61, count: 255))
        #expect(try information.encoded().count == 257)
        information.circuitID = RelayAgentIdentifier(bytes: [UInt8](repeating: 0x61, count: 256))
        expectDHCPKitError(.subOptionTooLong) { _ = try information.encoded() }
    }

    @Test func setterReplacesInPlaceAndRemovesDuplicates() throws {
        var information = try RelayAgentInformation(parsing: [1, 1, 0x41, 2, 1, 0x42, 1, 1, 0x43])
        information.circuitID = "Z"
        #expect(try information.encoded() == [1, 1, 0x5a, 2, 1, 0x42])
        information.remoteID = nil
        #expect(try information.encoded() == [1, 1, 0x5a])
    }

    @Test func identifierPrintsTextWhenPrintableElseHex() throws {
        #expect(RelayAgentIdentifier(text: "eth0/1/3").description == "eth0/1/3")
        #expect(RelayAgentIdentifier(bytes: [0, 1, 0xab]).description == "0x0001ab")
        #expect(RelayAgentIdentifier(bytes: []).description == "0x")
        // Text that looks like the hex form prints as hex so it parses back to the same bytes.
        let tricky = RelayAgentIdentifier(text: "0x12")
        #expect(tricky.description == "0x30783132")
        #expect(try RelayAgentIdentifier(parsing: tricky.description) == tricky)
        #expect(try RelayAgentIdentifier(parsing: "0x0001ab").bytes == [0, 1, 0xab])
        #expect(try RelayAgentIdentifier(parsing: "an-01").bytes == Array("an-01".utf8))
    }

    @Test func identifierCodesAsPrintedForm() throws {
        let ids: [RelayAgentIdentifier] = ["an-01", RelayAgentIdentifier(bytes: [0, 0xff])]
        let data = try JSONEncoder().encode(ids)
        #expect(String(decoding: data, as: UTF8.self) == #"["an-01","0x00ff"]"#)
        #expect(try JSONDecoder().decode([RelayAgentIdentifier].self, from: data) == ids)
    }

    @Test func descriptionListsSubOptions() throws {
        let information = RelayAgentInformation(circuitID: "eth0/1", remoteID: "an-01")
        #expect(information.description == "circuitID(1)=eth0/1, remoteID(2)=an-01")
    }
}

@Suite struct RelayAgentInformationMessageRulesTests {
    @Test func insertsOption82LastBeforeEnd() throws {
        var message = try sampleDiscover()
        try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "eth0/1", remoteID: "an-01"))
        let encoded = message.encoded()
        let option82 = try [82, 15] + RelayAgentInformation(circuitID: "eth0/1", remoteID: "an-01").encoded()
        // Option 82 sits directly before End: no Pad between or inside it.
        let endIndex = DHCPMessage.minimumLength + 30 + option82.count
        #expect(Array(encoded[(endIndex - option82.count)..<endIndex]) == option82)
        #expect(encoded[endIndex] == 255)
        #expect(message.options.last?.code == .relayAgentInformation)
        let parsed = try expectMessageRoundTrip(encoded)
        #expect(try parsed.relayAgentInformation()?.circuitID == "eth0/1")
    }

    @Test func insertionConsumesPaddingSoPaddedRequestDoesNotGrow() throws {
        var message = try sampleDiscover()
        try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "p1", remoteID: nil))
        #expect(message.encodedLength == 300)
        #expect(message.trailingPadding == 29 - 6)
    }

    @Test func relayMustNotAddSecondOption82() throws {
        var message = try DHCPMessage(parsing: vector("offer-relayed"))
        let before = message
        expectDHCPKitError(.relayAgentInformationPresent) {
            try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "x", remoteID: nil))
        }
        #expect(message == before)
    }

    @Test func replacePutsNewOption82Last() throws {
        var message = try DHCPMessage(parsing: vector("offer-relayed"))
        try message.replaceRelayAgentInformation(RelayAgentInformation(circuitID: "new", remoteID: nil))
        #expect(message.options.filter { $0.code == .relayAgentInformation }.count == 1)
        #expect(try message.relayAgentInformation()?.circuitID == "new")
        #expect(message.options.last?.code == .relayAgentInformation)
    }

    @Test func refusesInsertionBeyondMaximumLength() throws {
        var message = try sampleDiscover()
        let big = RelayAgentInformation(circuitID: RelayAgentIdentifier(bytes: [UInt8](repeating: 0x61, count: 255)), remoteID: nil)
        expectDHCPKitError(.messageTooLong) { try message.insertRelayAgentInformation(big, maximumLength: 500) }
        #expect(!message.hasRelayAgentInformation)
        // The client's own maximum message size (option 57) raises the limit.
        message.maximumMessageSize = 1500
        try message.insertRelayAgentInformation(big, maximumLength: 500)
        #expect(try message.relayAgentInformation() == big)
    }

    @Test func splitsOption82LongerThan255BytesAndReadsItBack() throws {
        var message = DHCPMessage(op: .bootRequest)
        message.messageType = .discover
        let information = RelayAgentInformation(
            circuitID: RelayAgentIdentifier(bytes: [UInt8](repeating: 0x61, count: 200)),
            remoteID: RelayAgentIdentifier(bytes: [UInt8](repeating: 0x62, count: 200)))
        try message.insertRelayAgentInformation(information, maximumLength: 1500)
        #expect(message.options.filter { $0.code == .relayAgentInformation }.count == 2)
        let parsed = try expectMessageRoundTrip(message.encoded())
        #expect(try parsed.relayAgentInformation() == information)
    }

    @Test func stripsOption82BeforeAnsweringClient() throws {
        var message = try DHCPMessage(parsing: vector("offer-relayed"))
        let removed = message.stripRelayAgentInformation()
        #expect(removed.map { try? RelayAgentInformation(parsing: $0) }??.remoteID == "an-01")
        #expect(!message.hasRelayAgentInformation)
        #expect(message.options.last?.code == .domainNameServers)
        #expect(message.encodedLength >= DHCPMessage.minimumBOOTPLength)
        try expectMessageRoundTrip(message.encoded())
        #expect(message.stripRelayAgentInformation() == nil)
    }

    @Test func strippingKeepsMessageAtBOOTPMinimum() throws {
        var message = try sampleDiscover()
        try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "port-1", remoteID: "an-01"))
        message.stripRelayAgentInformation()
        #expect(message.encodedLength == 300)
    }

    @Test func messageWithoutOption82HasNoRelayInformation() throws {
        #expect(try sampleDiscover().relayAgentInformation() == nil)
        #expect(try !sampleDiscover().hasRelayAgentInformation)
    }

    @Test func malformedOption82InMessageIsReportedWhenRead() throws {
        let message = try DHCPMessage(parsing: messageBytes(options: [82, 3, 1, 5, 0x41]))
        expectDHCPKitError(.subOptionOverrun) { _ = try message.relayAgentInformation() }
    }
}
