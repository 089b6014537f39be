import Foundation
import RadiusKit
import Testing

/// The built-in dictionary and the FreeRADIUS dictionary loader.
@Suite struct RADIUSDictionaryTests {
    @Test func standardDictionaryParsesAndNamesRFCAttributesAndValues() throws {
        let dictionary = RADIUSDictionary.standard
        #expect(dictionary.attributeCount > 100)
        #expect(try dictionary.attribute(named: "framed-ip-address").number == 8)
        #expect(dictionary.attribute(type: .eventTimestamp)?.dataType == .date)
        #expect(dictionary.attribute(type: .userPassword)?.encryption == .userPassword)
        #expect(dictionary.attribute(type: .tunnelPassword)?.encryption == .tunnelPassword)
        #expect(dictionary.attribute(type: .tunnelType)?.hasTag == true)
        #expect(dictionary.attribute(type: .framedIPv6Prefix)?.dataType == .ipv6prefix)
        #expect(try dictionary.value(named: "Framed-User", ofAttribute: "Service-Type") == 2)
        #expect(try dictionary.value(named: "Session-Context-Not-Found", ofAttribute: "Error-Cause") == 503)
        #expect(dictionary.valueName(3, ofAttribute: "Acct-Status-Type") == "Interim-Update")
        #expect(dictionary.valueName(18, ofAttribute: "Acct-Terminate-Cause") == "Host-Request")
    }

    @Test func standardDictionaryHasWISPrAndAetherRateAttributes() throws {
        let dictionary = RADIUSDictionary.standard
        let down = try dictionary.attribute(named: "WISPr-Bandwidth-Max-Down")
        #expect(down.vendorID == 14122)
        #expect(down.number == 8)
        #expect(try dictionary.attribute(named: "WISPr-Bandwidth-Max-Up").number == 7)
        let names = ["Aether-Download-Rate", "Aether-Upload-Rate", "Aether-Download-Burst", "Aether-Upload-Burst"]
        for (index, name) in names.enumerated() {
            let attribute = try dictionary.attribute(named: name)
            #expect(attribute.vendorID == 43242)
            #expect(attribute.number == UInt32(index + 1))
            #expect(attribute.dataType == .integer)
        }
        #expect(dictionary.attribute(vendorID: 43242, type: 3)?.name == "Aether-Download-Burst")
        #expect(try dictionary.vendor(named: "wispr").id == 14122)
    }

    @Test func unknownNamesGiveAClearError() {
        do {
            _ = try RADIUSDictionary.standard.attribute(named: "No-Such-Attribute")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unknownName)
            #expect(error.description.contains("No-Such-Attribute"))
        }
        #expect(errorCode { _ = try RADIUSDictionary.standard.value(named: "Bogus", ofAttribute: "Service-Type") } == .unknownName)
        #expect(errorCode { _ = try RADIUSDictionary.standard.vendor(named: "Nobody") } == .unknownName)
    }

    @Test func loaderHandlesVendorsFormatsTLVsFlagsAndIncludes() throws {
        let files: [String: String] = [
            "/d/dictionary": """
                # comment
                $INCLUDE dictionary.acme
                $INCLUDE- dictionary.optional-missing
                ATTRIBUTE\tMy-Secret\t\t3000\tstring\tencrypt=1 # trailing comment
                VALUE My-Enum Yes 0x01
                """,
            "/d/dictionary.acme": """
                VENDOR Acme 9999 format=2,1
                BEGIN-VENDOR Acme
                ATTRIBUTE Acme-Rate 300 integer
                ATTRIBUTE Acme-Group 2 string has_tag
                ATTRIBUTE Acme-Container 3 tlv
                BEGIN-TLV Acme-Container
                ATTRIBUTE Acme-Inner 1 byte
                END-TLV Acme-Container
                END-VENDOR Acme
                VENDOR Old 4242
                ATTRIBUTE Old-Thing 5 ipaddr Old
                ATTRIBUTE Fixed 210 octets[16] array
                """,
        ]
        var parser = RADIUSDictionaryParser { files[$0] }
        try parser.parseFile("/d/dictionary")
        let dictionary = parser.dictionary
        #expect(try dictionary.vendor(named: "Acme").format == RADIUSVendorFormat(typeWidth: 2, lengthWidth: 1))
        #expect(try dictionary.attribute(named: "Acme-Rate").vendorID == 9999)
        #expect(try dictionary.attribute(named: "Acme-Group").hasTag)
        #expect(try dictionary.attribute(named: "Acme-Inner").oid == "3.1")
        #expect(try dictionary.attribute(named: "Acme-Inner").vendorID == 9999)
        #expect(try dictionary.attribute(named: "Old-Thing").vendorID == 4242)
        #expect(try dictionary.attribute(named: "Fixed").flags == ["array"])
        #expect(try dictionary.attribute(named: "Fixed").dataType == .octets)
        #expect(try dictionary.attribute(named: "My-Secret").encryption == .userPassword)
        #expect(try dictionary.value(named: "yes", ofAttribute: "my-enum") == 1)
    }

    @Test(arguments: [
        "BOGUS-KEYWORD x",
        "ATTRIBUTE Too-Few 1",
        "ATTRIBUTE Bad-Number one integer",
        "ATTRIBUTE Bad-Encrypt 1 string encrypt=9",
        "VENDOR Bad-Format 1 format=3,1",
        "VENDOR Bad-Option 1 flavour=2",
        "END-VENDOR Nobody",
        "VALUE X Y not-a-number",
        "END-TLV Nothing",
        "BEGIN-TLV User-Name",
    ])
    func malformedDictionaryLinesGiveSyntaxErrorsWithFileAndLine(line: String) {
        var parser = RADIUSDictionaryParser(adding: .standard)
        do {
            try parser.parse("# first line\n" + line, fileName: "test.dict")
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.code == .dictionarySyntax)
            #expect(error.context.hasPrefix("test.dict:2:"))
            #expect(error.position == 2)
        }
    }

    @Test func undefinedVendorInBeginVendorIsAnUnknownName() {
        var parser = RADIUSDictionaryParser()
        #expect(errorCode { try parser.parse("BEGIN-VENDOR Ghost", fileName: "x") } == .unknownName)
    }

    @Test func missingIncludesAndIncludeLoopsAreUnreadable() {
        var missing = RADIUSDictionaryParser { _ in nil }
        #expect(errorCode { try missing.parse("$INCLUDE nowhere", fileName: "/d/x") } == .dictionaryFileUnreadable)
        let files = ["/d/a": "$INCLUDE b", "/d/b": "$INCLUDE a"]
        var looping = RADIUSDictionaryParser { files[$0] }
        #expect(errorCode { try looping.parseFile("/d/a") } == .dictionaryFileUnreadable)
        #expect(errorCode { _ = try RADIUSDictionary.load(contentsOf: "/nonexistent/dictionary") } == .dictionaryFileUnreadable)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/freeradius/dictionary"),
                   "needs Debian's freeradius-common"))
    func debianFreeRADIUSDictionaryTreeLoadsWithoutError() throws {
        let dictionary = try RADIUSDictionary.load(contentsOf: "/usr/share/freeradius/dictionary")
        #expect(dictionary.attributeCount > 5000)
        #expect(dictionary.vendorCount > 150)
        #expect(try dictionary.attribute(named: "WISPr-Bandwidth-Max-Down").vendorID == 14122)
        #expect(try dictionary.attribute(named: "Cisco-AVPair").vendorID == 9)
        #expect(try dictionary.vendor(named: "USR").format == RADIUSVendorFormat(typeWidth: 4, lengthWidth: 0))
        #expect(try dictionary.value(named: "Framed-User", ofAttribute: "Service-Type") == 2)
        // Built-in names survive the load.
        #expect(try dictionary.attribute(named: "Aether-Upload-Burst").number == 4)
    }
}
