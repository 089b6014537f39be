import AetherTestSupport
import Foundation
import LabKit
import MetricsTestKit
import RadiusKit
import Synchronization
import Testing

/// Our Dynamic Authorization Server answering FreeRADIUS's real `radclient`.
@Suite("CoA/Disconnect server against radclient")
struct RADIUSCoAInteropTests {
    /// Ends sessions it knows, NAKs others with Session-Context-Not-Found, ACKs CoA; counts calls.
    final class SessionHandler: RADIUSDynamicAuthorizationHandler {
        let calls = Mutex<[String]>([])

        func handle(_ request: RADIUSDynamicAuthorizationRequest) async -> RADIUSDynamicAuthorizationResponse {
            let session = (try? request.packet.attributes(ofType: .acctSessionID).first?.stringValue()) ?? nil
            calls.withLock { $0.append("\(request.packet.code) \(session ?? "-")") }
            if request.isDisconnect && session != "known-session" { return .nak(cause: .sessionContextNotFound) }
            return .ack()
        }
    }

    struct Lab {
        let server: RADIUSDynamicAuthorizationServer
        let metrics: TestMetrics
        let network: TestNetwork
        let handler: SessionHandler
        let serverAddress: String
        let dac: ServicesAttachment
        let rogue: ServicesAttachment
        let secret: String
        let directory: String

        /// Runs radclient in `attachment` with `attributes` (one per line) and returns its output.
        func radclient(_ command: String, _ attributes: [String], secret: String? = nil, from attachment: ServicesAttachment? = nil,
                       timeout: String = "2", retries: String = "3") async throws -> CommandOutput {
            let file = directory + "/request-\(UInt32.random(in: 0...UInt32.max)).txt"
            try (attributes + ["Message-Authenticator = 0x00"]).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            return try await (attachment ?? dac).namespace.run(
                ["radclient", "-x", "-r", retries, "-t", timeout, "-f", file, "\(serverAddress):3799", command, secret ?? self.secret],
                timeoutSeconds: 30)
        }
    }

    static func withLab(_ body: (Lab) async throws -> Void) async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let bng = try await ServicesAttachment.attach(try await network.namespace("bng"), in: network, endpoints: endpoints)
            let dac = try await ServicesAttachment.attach(try await network.namespace("dac"), in: network, endpoints: endpoints)
            let rogue = try await ServicesAttachment.attach(try await network.namespace("rogue"), in: network, endpoints: endpoints)
            let secret = "coa-\(UInt64.random(in: 0...UInt64.max))"
            let handler = SessionHandler()
            let clients = [RADIUSDynamicAuthorizationClient(
                name: "dac", range: RADIUSAddressRange(dac.address), secret: try RADIUSSecret(secret))]
            let metrics = TestMetrics()
            let server = try await bng.namespace.perform {
                try RADIUSDynamicAuthorizationServer(address: "\(bng.address):3799", clients: clients, handler: handler,
                                                     metrics: RADIUSDynamicAuthorizationMetrics(server: "bng", factory: metrics))
            }
            network.run(server)
            try await body(Lab(server: server, metrics: metrics, network: network, handler: handler, serverAddress: "\(bng.address)",
                               dac: dac, rogue: rogue, secret: secret, directory: network.directory))
        }
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    @Test func disconnectAndCoAAreAckedOrNakedWithErrorCause() async throws {
        try await Self.withLab { lab in
            let ack = try await lab.radclient("disconnect", ["Acct-Session-Id = \"known-session\"", "Event-Timestamp = \(Self.now)"])
            #expect(ack.standardOutput.contains("Received Disconnect-ACK"), "\(ack.standardOutput)\(ack.standardError)")
            let nak = try await lab.radclient("disconnect", ["Acct-Session-Id = \"gone\"", "User-Name = \"nobody\""])
            #expect(nak.standardOutput.contains("Received Disconnect-NAK"), "\(nak.standardOutput)\(nak.standardError)")
            #expect(nak.standardOutput.contains("Error-Cause = Session-Context-Not-Found"))
            let coa = try await lab.radclient("coa", ["Acct-Session-Id = \"known-session\"", "WISPr-Bandwidth-Max-Down = 20000000"])
            #expect(coa.standardOutput.contains("Received CoA-ACK"), "\(coa.standardOutput)\(coa.standardError)")
            #expect(lab.handler.calls.withLock { $0 } == [
                "Disconnect-Request known-session", "Disconnect-Request gone", "CoA-Request known-session",
            ])
        }
    }

    @Test func wrongSecretUnknownSourceAndStaleEventTimestampGetNoAnswer() async throws {
        try await Self.withLab { lab in
            let wrongSecret = try await lab.radclient("disconnect", ["Acct-Session-Id = \"known-session\""], secret: "not-the-secret",
                                                    timeout: "1", retries: "1")
            #expect(!wrongSecret.standardOutput.contains("Received"))
            let rogue = try await lab.radclient("disconnect", ["Acct-Session-Id = \"known-session\""], from: lab.rogue,
                                              timeout: "1", retries: "1")
            #expect(!rogue.standardOutput.contains("Received"))
            let stale = try await lab.radclient("disconnect", ["Acct-Session-Id = \"known-session\"", "Event-Timestamp = \(Self.now - 301)"],
                                              timeout: "1", retries: "1")
            #expect(!stale.standardOutput.contains("Received"))
            #expect(lab.handler.calls.withLock { $0 }.isEmpty)
            func discarded(_ reason: RADIUSError.Code) -> Int64 {
                lab.metrics.counterTotal(label: "aether_radius_dae_discarded_total", dimensions: [("server", "bng"), ("reason", reason.rawValue)])
            }
            #expect(discarded(.badMessageAuthenticator) >= 1)
            #expect(discarded(.unknownSource) >= 1)
            #expect(discarded(.staleEventTimestamp) >= 1)
        }
    }

    @Test func retransmissionAfterALostAnswerIsAnsweredFromTheCache() async throws {
        try await Self.withLab { lab in
            // Lose the first answer on its way back to radclient: the next answer gets through.
            let rules = """
                table inet rkdrop {
                    chain input {
                        type filter hook input priority 0; policy accept;
                        udp sport 3799 quota until 100 bytes drop
                    }
                }
                """
            let path = lab.directory + "/drop.nft"
            try rules.write(toFile: path, atomically: true, encoding: .utf8)
            try await lab.dac.namespace.check(["nft", "-f", path])
            // Two seconds and five tries: one `make test` here, with the machine at full load, saw
            // three one-second tries all go unanswered (the handler had run once, nothing was replayed).
            let output = try await lab.radclient("disconnect", ["Acct-Session-Id = \"known-session\""], timeout: "2", retries: "5")
            #expect(output.standardOutput.contains("Received Disconnect-ACK"), "\(output.standardOutput)\(output.standardError)")
            #expect(lab.handler.calls.withLock { $0.count } == 1, "a retransmission must not run the handler again")
            #expect(lab.metrics.counterTotal(label: "aether_radius_dae_replayed_total") >= 1)
            #expect(lab.metrics.counterTotal(label: "aether_radius_dae_requests_total",
                                             dimensions: [("server", "bng"), ("code", "Disconnect-Request")]) == 1)
        }
    }

    @Test func radiusClientSendsDisconnectAndCoAToOurServer() async throws {
        try await Self.withLab { lab in
            let secret = try RADIUSSecret(lab.secret)
            let client = try await lab.dac.namespace.perform {
                try RADIUSClient(servers: [RADIUSServer(name: "\(lab.serverAddress):3799", secret: secret)],
                                 configuration: .init(timeout: .seconds(1)))
            }
            lab.network.run(client)
            let stamp = RADIUSAttribute.date(.eventTimestamp, secondsSince1970: UInt32(Self.now))
            #expect(try await client.disconnect([.string(.acctSessionID, "known-session"), stamp]).code == .disconnectACK)
            let nak = try await client.disconnect([.string(.acctSessionID, "other"), stamp])
            #expect(nak.code == .disconnectNAK)
            #expect(try nak.attributes(ofType: .errorCause).first?.integerValue() == RADIUSErrorCause.sessionContextNotFound.rawValue)
            let rates = try RADIUSRateLimits(downloadKbps: 10_000, uploadKbps: 2_000).aetherAttributes()
            #expect(try await client.changeAuthorization([.string(.acctSessionID, "known-session"), stamp] + rates).code == .coaACK)
        }
    }
}
