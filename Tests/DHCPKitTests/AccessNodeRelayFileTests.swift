import DHCPKit
import Foundation
import Testing

@Suite struct AccessNodeRelayFileTests {
    @Test func decodesTextAndHexIdentifiers() throws {
        let file = try AccessNodeRelayFile.decode(Data(#"""
            {"remoteID": "an-01", "uplink": "up0", "ports": {"p1": "an-01/1/1", "p2": "0x0a0b"},
             "clientOption82Policy": "replace"}
            """#.utf8), source: "relay.json")
        #expect(file.agentConfiguration.remoteID == RelayAgentIdentifier(text: "an-01"))
        #expect(file.agentConfiguration.circuitIDs["p2"] == RelayAgentIdentifier(bytes: [0x0a, 0x0b]))
        #expect(file.agentConfiguration.clientOption82Policy == .replace)
    }

    @Test func aPortRequestRateIsReadAndChecked() throws {
        let file = try AccessNodeRelayFile.decode(Data(#"""
            {"remoteID": "an-01", "uplink": "up0", "ports": {"p1": "an-01/1"}, "portRequestRate": {"perSecond": 10, "burst": 20}}
            """#.utf8), source: "relay.json")
        #expect(file.agentConfiguration.portRequestRate == DHCPRequestRate(perSecond: 10, burst: 20))
        let error = try #require(throws: DHCPKitError.self) {
            try AccessNodeRelayFile.decode(Data(#"""
                {"remoteID": "an-01", "uplink": "up0", "ports": {"p1": "an-01/1"}, "portRequestRate": {"perSecond": 10, "burst": 0}}
                """#.utf8), source: "relay.json")
        }
        #expect(error.field == "portRequestRate")
        #expect(error.message.contains("relay.json: key \"portRequestRate\""))
    }

    @Test func missingKeyIsNamedWithTheFile() throws {
        let error = try #require(throws: DHCPKitError.self) {
            try AccessNodeRelayFile.decode(Data(#"{"remoteID": "an-01", "ports": {"p1": "x"}}"#.utf8), source: "/etc/an.json")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.field == "uplink")
        #expect(error.message.contains("/etc/an.json"))
    }

    @Test func badHexIdentifierNamesItsKey() throws {
        let error = try #require(throws: DHCPKitError.self) {
            try AccessNodeRelayFile.decode(Data(#"{"remoteID": "an", "uplink": "up0", "ports": {"p1": "0xZZ"}}"#.utf8), source: "f.json")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.field == "ports.p1")
    }

    @Test func uplinkCannotBeAPortAndCircuitIDsMustDiffer() throws {
        let sameInterface = try #require(throws: DHCPKitError.self) {
            try AccessNodeRelayFile.decode(Data(#"{"remoteID": "an", "uplink": "p1", "ports": {"p1": "a"}}"#.utf8), source: "f.json")
        }
        #expect(sameInterface.field == "ports.p1")
        let shared = try #require(throws: DHCPKitError.self) {
            try AccessNodeRelayFile.decode(Data(#"{"remoteID": "an", "uplink": "up", "ports": {"p1": "a", "p2": "a"}}"#.utf8), source: "f.json")
        }
        #expect(shared.field == "ports")
    }
}
