import DHCPKit
import Foundation
import Testing

@Suite struct DHCPMessageDocumentTests {
    @Test(arguments: ["discover", "offer-relayed", "ack-overloaded"])
    func documentRoundTripsThroughJSON(name: String) throws {
        let bytes = try vector(name)
        let message = try DHCPMessage(parsing: bytes)
        let json = try JSONEncoder().encode(DHCPMessageDocument(message))
        let decoded = try JSONDecoder().decode(DHCPMessageDocument.self, from: json)
        #expect(try decoded.message().encoded() == bytes)
    }

    @Test func knownOptionsAreRendered() throws {
        let document = DHCPMessageDocument(try DHCPMessage(parsing: try vector("offer-relayed")))
        let messageType = try #require(document.options.first { $0.code == 53 })
        #expect(messageType.value?.lowercased() == "offer")
        let agent = try #require(document.options.first { $0.code == 82 })
        #expect(agent.subOptions?.isEmpty == false)
    }

    @Test func badFieldIsNamed() throws {
        var document = DHCPMessageDocument(try DHCPMessage(parsing: try vector("discover")))
        document.options[0].hex = "zz"
        let error = try #require(throws: DHCPKitError.self) { try document.message() }
        #expect(error.field == "options[0].hex")
    }
}
