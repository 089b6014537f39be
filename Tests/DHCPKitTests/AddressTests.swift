import Foundation
import Testing

@testable import DHCPKit

@Suite struct IPv4AddressTests {
    @Test func parsesAndFormatsDottedQuad() throws {
        let address = try IPv4Address(parsing: "192.0.2.1")
        #expect(address.value == 0xC000_0201)
        #expect(address.bytes == [192, 0, 2, 1])
        #expect(address.description == "192.0.2.1")
        #expect(IPv4Address(10, 0, 0, 1) == IPv4Address("10.0.0.1"))
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "a.b.c.d", "1..2.3", " 1.2.3.4", "+1.2.3.4"])
    func rejectsMalformedDottedQuad(_ text: String) {
        expectDHCPKitError(.invalidIPv4Address) { _ = try IPv4Address(parsing: text) }
        #expect(IPv4Address(text) == nil)
    }

    @Test func codesAsDottedQuadString() throws {
        let data = try JSONEncoder().encode([IPv4Address(100, 64, 0, 1)])
        #expect(String(decoding: data, as: UTF8.self) == #"["100.64.0.1"]"#)
        #expect(try JSONDecoder().decode([IPv4Address].self, from: data) == [IPv4Address(100, 64, 0, 1)])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([IPv4Address].self, from: Data(#"["1.2.3"]"#.utf8)) }
    }

    @Test func initFromBytesRequiresExactlyFour() {
        #expect(IPv4Address(bytes: [1, 2, 3]) == nil)
        #expect(IPv4Address(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(IPv4Address(bytes: [1, 2, 3, 4]) == IPv4Address(1, 2, 3, 4))
    }
}

@Suite struct MACAddressTests {
    @Test func parsesAndFormatsColonForm() throws {
        let mac = try MACAddress(parsing: "AA:bb:0c:dd:ee:0F")
        #expect(mac.bytes == [0xaa, 0xbb, 0x0c, 0xdd, 0xee, 0x0f])
        #expect(mac.description == "aa:bb:0c:dd:ee:0f")
        #expect(MACAddress("aa-bb-0c-dd-ee-0f") == mac)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(!mac.isMulticast)
    }

    @Test(arguments: ["", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa:bb:cc:dd:ee:fg", "a:bb:cc:dd:ee:ff"])
    func rejectsMalformedMAC(_ text: String) {
        expectDHCPKitError(.invalidMACAddress) { _ = try MACAddress(parsing: text) }
    }

    @Test func codesAsColonString() throws {
        let mac = try MACAddress(parsing: "00:11:22:33:44:55")
        let data = try JSONEncoder().encode(mac)
        #expect(String(decoding: data, as: UTF8.self) == #""00:11:22:33:44:55""#)
        #expect(try JSONDecoder().decode(MACAddress.self, from: data) == mac)
        #expect(MACAddress(bytes: [1, 2, 3]) == nil)
    }
}
