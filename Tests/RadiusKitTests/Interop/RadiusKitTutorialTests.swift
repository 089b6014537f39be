import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import RadiusKit
import Testing
import NetworkTypes

// The code blocks of Docs/radiuskit.md, verbatim; `tutorialCodeIsTheDocumentsCode` keeps
// them in step with the page.

func makeClient(server: String, secret: RADIUSSecret) throws -> RADIUSClient {
    try RADIUSClient(
        servers: [RADIUSServer(name: server, secret: secret)],
        configuration: .init(timeout: .seconds(2), attemptsPerServer: 3))
}

func authenticate(_ client: RADIUSClient, user: String, password: String) async throws -> RADIUSRateLimits? {
    let reply = try await client.authenticate(
        userName: user, password: password,
        attributes: [.string(.nasIdentifier, "bng-1"), .string(.callingStationID, "02-00-00-00-00-01")])
    guard reply.code == .accessAccept else { return nil }
    return try RADIUSRateLimits(packet: reply)
}

func accountSession(_ client: RADIUSClient, user: String, session: String, nas: IPv4Address) async throws {
    let nasAttributes: [RADIUSAttribute] = [.ipv4Address(.nasIPAddress, nas)]
    _ = try await client.account(RADIUSAccountingRecord(
        statusType: .start, sessionID: session, userName: user, attributes: nasAttributes))
    _ = try await client.account(RADIUSAccountingRecord(
        statusType: .interimUpdate, sessionID: session, userName: user,
        inputOctets: 6 << 30, outputOctets: 1 << 33, sessionTime: 1800, attributes: nasAttributes))
    _ = try await client.account(RADIUSAccountingRecord(
        statusType: .stop, sessionID: session, userName: user,
        inputOctets: 7 << 30, outputOctets: 5 << 32, sessionTime: 3600, terminateCause: 1, attributes: nasAttributes))
}

func startCoAServer(address: String, allowed: String, secret: RADIUSSecret) throws -> RADIUSDynamicAuthorizationServer {
    let sessions: Set<String> = ["session-1"]
    return try RADIUSDynamicAuthorizationServer(
        address: address,
        clients: [RADIUSDynamicAuthorizationClient(name: "oss", range: try RADIUSAddressRange(allowed), secret: secret)],
        handler: RADIUSDynamicAuthorizationClosureHandler { request in
            let session = try? request.packet.attributes(ofType: .acctSessionID).first?.stringValue()
            guard let session, sessions.contains(session) else { return .nak(cause: .sessionContextNotFound) }
            if request.isDisconnect { return .ack() }
            let rates = (try? RADIUSRateLimits(packet: request.packet)) ?? RADIUSRateLimits()
            return rates.isEmpty ? .nak(cause: .missingAttribute) : .ack()
        })
}

@Suite("Docs/radiuskit.md tutorial")
struct RadiusKitTutorialTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func tutorialCodeIsTheDocumentsCode() throws {
        let page = try String(contentsOf: Self.root.appendingPathComponent("Docs/radiuskit.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let blocks = page.components(separatedBy: "```swift\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(blocks.count == 4)
        for block in blocks {
            #expect(source.contains(block), "Docs/radiuskit.md block not in this test:\n\(block)")
        }
    }

    @Test func tutorialRunsAgainstTheHarness() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, password) = try RADIUSUsers.add(to: network, endpoints: endpoints, groupReplies: [
                ("Aether-Download-Rate", "50000"), ("Aether-Upload-Rate", "10000"),
            ])
            let nas = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let oss = try await ServicesAttachment.attach(try await network.namespace("oss"), in: network, endpoints: endpoints)
            let secret = try RADIUSSecret(endpoints.radius.secret)
            let radius = endpoints.radius

            let auth = try await nas.namespace.perform { try makeClient(server: "\(radius.address):\(radius.authenticationPort)", secret: secret) }
            network.run(auth)
            let rates = try await authenticate(auth, user: user, password: password)
            #expect(rates == RADIUSRateLimits(downloadKbps: 50000, uploadKbps: 10000))
            #expect(try await authenticate(auth, user: user, password: "wrong") == nil)

            let acct = try await nas.namespace.perform { try makeClient(server: "\(radius.address):\(radius.accountingPort)", secret: secret) }
            network.run(acct)
            let session = "tutorial-\(user)"
            try await accountSession(acct, user: user, session: session, nas: nas.address)
            let row = try PostgresConnection(endpoints.postgres.radius).query(
                "SELECT acctinputoctets, acctoutputoctets FROM radacct WHERE acctsessionid = $1", [session])
            #expect(try row.value("acctinputoctets") == "\(UInt64(7) << 30)")
            #expect(try row.value("acctoutputoctets") == "\(UInt64(5) << 32)")

            let coaSecret = try RADIUSSecret("tutorial-coa-secret")
            let server = try await nas.namespace.perform {
                try startCoAServer(address: "\(nas.address):3799", allowed: "\(oss.address)/32", secret: coaSecret)
            }
            network.run(server)
            let dac = try await oss.namespace.perform { try makeClient(server: "\(nas.address):3799", secret: coaSecret) }
            network.run(dac)
            let newRates = try RADIUSRateLimits(downloadKbps: 20000, uploadKbps: 5000).aetherAttributes()
            #expect(try await dac.changeAuthorization([.string(.acctSessionID, "session-1")] + newRates).code == .coaACK)
            #expect(try await dac.changeAuthorization([.string(.acctSessionID, "session-1")]).code == .coaNAK)
            #expect(try await dac.disconnect([.string(.acctSessionID, "session-1")]).code == .disconnectACK)
            #expect(try await dac.disconnect([.string(.acctSessionID, "session-9")]).code == .disconnectNAK)
        }
    }
}
