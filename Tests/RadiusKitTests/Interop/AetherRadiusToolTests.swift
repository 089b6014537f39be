import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import RadiusKit
import Testing

/// The `aether-radius` executable, run as a user would, against FreeRADIUS and our CoA server.
@Suite("aether-radius tool")
struct AetherRadiusToolTests {
    /// The binary SwiftPM built next to the test bundle.
    static var tool: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aether-radius").path
    }

    @Test func decodePrintsTheRFC2865AcceptAsJSONWithDictionaryNames() async throws {
        let hex = try vector("rfc2865-7.2-access-accept").map { String(format: "%02x", $0) }.joined()
        let output = try await CommandRunner.run([Self.tool, "decode", hex])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        #expect(json?["code"] as? String == "Access-Accept")
        let attributes = json?["attributes"] as? [[String: String]]
        #expect(attributes?.first == ["name": "Service-Type", "value": "Framed-User"])
        #expect(attributes?.contains(["name": "Framed-IP-Address", "value": "255.255.255.254"]) == true)
        let broken = try await CommandRunner.run([Self.tool, "decode", "0102"])
        #expect(broken.status != 0)
    }

    @Test func authAcctCoAAndDisconnectRunAgainstRealServers() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, password) = try RADIUSUsers.add(to: network, endpoints: endpoints, groupReplies: [("Aether-Download-Rate", "12000")])
            let nas = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let radius = endpoints.radius
            let auth = ["--server", "\(radius.address):\(radius.authenticationPort)", "--secret", radius.secret, "--timeout", "2"]

            let accept = try await nas.namespace.run([Self.tool, "auth"] + auth + ["User-Name=\(user)", "User-Password=\(password)",
                                                                                     "NAS-Identifier=aether-radius-test"])
            #expect(accept.status == 0, "\(accept.standardOutput)\(accept.standardError)")
            #expect(accept.standardOutput.contains("Received Access-Accept"))
            #expect(accept.standardOutput.contains("Aether-Download-Rate = 12000"))

            let reject = try await nas.namespace.run([Self.tool, "auth", "--json"] + auth + ["User-Name=\(user)", "User-Password=wrong"])
            #expect(reject.status == 1)
            #expect(reject.standardOutput.contains("\"code\" : \"Access-Reject\""))

            let acct = try await nas.namespace.run([
                Self.tool, "acct", "--server", "\(radius.address):\(radius.accountingPort)", "--secret", radius.secret,
                "Acct-Status-Type=Start", "Acct-Session-Id=tool-\(user)", "User-Name=\(user)", "NAS-IP-Address=\(nas.address)",
            ])
            #expect(acct.status == 0, "\(acct.standardOutput)\(acct.standardError)")
            let rows = try PostgresConnection(endpoints.postgres.radius).query(
                "SELECT username FROM radacct WHERE acctsessionid = $1", ["tool-\(user)"]).rows
            #expect(rows == [[user]])
            #expect(acct.standardOutput.contains("Received Accounting-Response"))

            // Our CoA server in a second namespace answers the tool's CoA and Disconnect.
            let bng = try await ServicesAttachment.attach(try await network.namespace("bng"), in: network, endpoints: endpoints)
            let clients = [RADIUSDynamicAuthorizationClient(name: "nas", range: RADIUSAddressRange(nas.address), secret: try RADIUSSecret("coa-secret"))]
            let handler = RADIUSDynamicAuthorizationClosureHandler { request in
                request.isDisconnect ? .nak(cause: .sessionContextNotFound) : .ack()
            }
            let server = try await bng.namespace.perform {
                try RADIUSDynamicAuthorizationServer(address: "\(bng.address):3799", clients: clients, handler: handler)
            }
            network.run(server)
            let coaOptions = ["--server", "\(bng.address):3799", "--secret", "coa-secret", "--timeout", "1"]
            let coa = try await nas.namespace.run([Self.tool, "coa"] + coaOptions + ["Acct-Session-Id=s1", "Aether-Download-Rate=5000"])
            #expect(coa.status == 0, "\(coa.standardOutput)\(coa.standardError)")
            #expect(coa.standardOutput.contains("Received CoA-ACK"))
            let disconnect = try await nas.namespace.run([Self.tool, "disconnect"] + coaOptions + ["Acct-Session-Id=s1"])
            #expect(disconnect.status == 1)
            #expect(disconnect.standardOutput.contains("Error-Cause = Session-Context-Not-Found"))

            let unknown = try await nas.namespace.run([Self.tool, "coa"] + coaOptions + ["No-Such-Attribute=1"])
            #expect(unknown.status != 0)
            #expect(unknown.standardError.contains("unknownName"))
        }
    }
}
