import Foundation
import NetworkTypes
import Testing

/// Runs `body` and checks it throws a `NetworkTypesError` with `code`.
func expectNetworkTypesError(_ code: NetworkTypesError.Code, sourceLocation: SourceLocation = #_sourceLocation,
                             _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as NetworkTypesError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected NetworkTypesError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct IPv4AddressTests {
    @Test func parsesAndFormatsDottedQuad() throws {
        let address = try IPv4Address(parsing: "192.0.2.1")
        #expect(address.value == 0xC000_0201)
        #expect(address.bytes == [192, 0, 2, 1])
        #expect(address.description == "192.0.2.1")
        #expect(IPv4Address(10, 0, 0, 1) == IPv4Address("10.0.0.1"))
        #expect(try IPv4Address(parsing: "0.0.0.0") == .any)
        #expect(try IPv4Address(parsing: "255.255.255.255") == .broadcast)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "a.b.c.d", "1..2.3", " 1.2.3.4", "+1.2.3.4",
                      "1.2.3.4 ", "1.2.3.", ".1.2.3", "1.2.3.1000", "１.2.3.4"])
    func rejectsMalformedDottedQuad(_ text: String) {
        expectNetworkTypesError(.invalidIPv4Address) { _ = try IPv4Address(parsing: text) }
        #expect(IPv4Address(text) == nil)
    }

    @Test func codesAsDottedQuadString() throws {
        let data = try JSONEncoder().encode([IPv4Address(100, 64, 0, 1)])
        #expect(String(decoding: data, as: UTF8.self) == #"["100.64.0.1"]"#)
        #expect(try JSONDecoder().decode([IPv4Address].self, from: data) == [IPv4Address(100, 64, 0, 1)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([IPv4Address].self, from: Data(#"["1.2.3"]"#.utf8)) }
    }

    @Test func initFromBytesRequiresExactlyFour() {
        #expect(IPv4Address(bytes: [1, 2, 3]) == nil)
        #expect(IPv4Address(bytes: [1, 2, 3, 4, 5]) == nil)
        #expect(IPv4Address(bytes: [1, 2, 3, 4]) == IPv4Address(1, 2, 3, 4))
        #expect(IPv4Address(bytes: [9, 1, 2, 3, 4][1...]) == IPv4Address(1, 2, 3, 4))
    }

    @Test func classifiesAndAdvances() {
        #expect(IPv4Address(224, 0, 0, 1).isMulticast)
        #expect(!IPv4Address(223, 255, 255, 255).isMulticast)
        #expect(IPv4Address.loopback.isLoopback)
        #expect(IPv4Address(10, 0, 0, 255).advanced(by: 1) == IPv4Address(10, 0, 1, 0))
        #expect(IPv4Address(10, 0, 1, 0).advanced(by: -1) == IPv4Address(10, 0, 0, 255))
    }
}

@Suite struct IPv4NetworkTests {
    @Test func parsesCIDRAndAnswersMembership() throws {
        let network = try IPv4Network(parsing: "100.64.1.64/26")
        #expect(network.address == IPv4Address(100, 64, 1, 64))
        #expect(network.prefixLength == 26)
        #expect(network.netmask == IPv4Address(255, 255, 255, 192))
        #expect(network.lastAddress == IPv4Address(100, 64, 1, 127))
        #expect(network.addressCount == 64)
        #expect(network.hostAddresses == IPv4Address(100, 64, 1, 65)...IPv4Address(100, 64, 1, 126))
        #expect(network.contains(IPv4Address(100, 64, 1, 100)))
        #expect(!network.contains(IPv4Address(100, 64, 1, 128)))
        #expect(network.description == "100.64.1.64/26")
        #expect(IPv4Network.all.contains(IPv4Address(203, 0, 113, 9)))
        #expect(try IPv4Network(parsing: "10.0.0.7/32").hostAddresses == IPv4Address(10, 0, 0, 7)...IPv4Address(10, 0, 0, 7))
    }

    @Test func containingClearsHostBitsAndOverlapIsSymmetric() throws {
        let network = IPv4Network(containing: IPv4Address(100, 64, 1, 77), prefixLength: 26)
        #expect(network == (try IPv4Network(parsing: "100.64.1.64/26")))
        let wide = try IPv4Network(parsing: "100.64.0.0/16")
        #expect(wide.overlaps(network) && network.overlaps(wide))
        #expect(!(try IPv4Network(parsing: "100.65.0.0/16")).overlaps(network))
    }

    @Test(arguments: ["100.64.1.65/26", "100.64.1.0", "100.64.1.0/33", "100.64.1.0/-1", "100.64.1.0/", "1.2.3/24",
                      "100.64.1.0/024", "100.64.1.0/2a", "100.64.1.0/24/1"])
    func rejectsMalformedOrHostBits(_ text: String) {
        expectNetworkTypesError(.invalidIPv4Network) { _ = try IPv4Network(parsing: text) }
    }

    @Test func interfaceAddressKeepsHostBits() throws {
        let gateway = try IPv4InterfaceAddress(parsing: "100.64.1.65/26")
        #expect(gateway.address == IPv4Address(100, 64, 1, 65))
        #expect(gateway.network == (try IPv4Network(parsing: "100.64.1.64/26")))
        #expect(gateway.description == "100.64.1.65/26")
        let data = try JSONEncoder().encode(gateway)
        #expect(try JSONDecoder().decode(IPv4InterfaceAddress.self, from: data) == gateway)
        expectNetworkTypesError(.invalidIPv4Network) { _ = try IPv4InterfaceAddress(parsing: "100.64.1.65") }
    }

    @Test func codesAsCIDRString() throws {
        let data = try JSONEncoder().encode(try IPv4Network(parsing: "198.18.0.0/15"))
        #expect(String(decoding: data, as: UTF8.self) == #""198.18.0.0\/15""# || String(decoding: data, as: UTF8.self) == #""198.18.0.0/15""#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(IPv4Network.self, from: Data(#""198.18.0.1/15""#.utf8)) }
    }
}

@Suite struct MACAddressTests {
    @Test func parsesAndFormatsColonForm() throws {
        let mac = try MACAddress(parsing: "AA:bb:0c:dd:ee:0F")
        #expect(mac.bytes == [0xaa, 0xbb, 0x0c, 0xdd, 0xee, 0x0f])
        #expect(mac.rawValue == 0xaabb_0cdd_ee0f)
        #expect(mac.description == "aa:bb:0c:dd:ee:0f")
        #expect(MACAddress("aa-bb-0c-dd-ee-0f") == mac)
        #expect(MACAddress(0xaa, 0xbb, 0x0c, 0xdd, 0xee, 0x0f) == mac)
        #expect(MACAddress.broadcast.isMulticast)
        #expect(!mac.isMulticast)
        #expect(MACAddress(0x02, 0, 0, 0, 0, 1).isLocallyAdministered)
    }

    @Test(arguments: ["", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa:bb:cc:dd:ee:fg", "a:bb:cc:dd:ee:ff", "+a:bb:cc:dd:ee:ff"])
    func rejectsMalformedMAC(_ text: String) {
        expectNetworkTypesError(.invalidMACAddress) { _ = try MACAddress(parsing: text) }
    }

    @Test func codesAsColonString() throws {
        let mac = try MACAddress(parsing: "00:11:22:33:44:55")
        let data = try JSONEncoder().encode(mac)
        #expect(String(decoding: data, as: UTF8.self) == #""00:11:22:33:44:55""#)
        #expect(try JSONDecoder().decode(MACAddress.self, from: data) == mac)
        #expect(MACAddress(bytes: [1, 2, 3]) == nil)
        #expect(MACAddress(bytes: [1, 2, 3, 4, 5, 6]) == MACAddress(1, 2, 3, 4, 5, 6))
    }
}

@Suite struct HexTests {
    @Test func roundTripsWithSeparatorsAndPrefix() throws {
        #expect(Hex.encode([0x0a, 0x1b, 0xff]) == "0a1bff")
        #expect(try Hex.decode("0x0A1bFF") == [0x0a, 0x1b, 0xff])
        #expect(try Hex.decode("0a:1b-ff 00") == [0x0a, 0x1b, 0xff, 0x00])
        #expect(try Hex.decode("") == [])
    }

    @Test(arguments: ["0g", "abc", "0x0", "zz"])
    func rejectsBadDigitsAndOddLength(_ text: String) {
        expectNetworkTypesError(.invalidHexString) { _ = try Hex.decode(text) }
    }
}

/// One negative test per error code: a new code without a way to produce it fails here.
@Suite struct NetworkTypesErrorTests {
    @Test(arguments: NetworkTypesError.Code.allCases)
    func everyCodeHasAnInputThatProducesIt(_ code: NetworkTypesError.Code) {
        switch code {
        case .invalidIPv4Address: expectNetworkTypesError(code) { _ = try IPv4Address(parsing: "10.0.0") }
        case .invalidIPv4Network: expectNetworkTypesError(code) { _ = try IPv4Network(parsing: "10.0.0.1/8") }
        case .invalidMACAddress: expectNetworkTypesError(code) { _ = try MACAddress(parsing: "00:11:22") }
        case .invalidHexString: expectNetworkTypesError(code) { _ = try Hex.decode("0x0g") }
        }
    }
}
