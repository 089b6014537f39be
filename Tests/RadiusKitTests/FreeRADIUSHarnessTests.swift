import AetherTestSupport
import EventSourcing
import Foundation
import Glibc
import LabKit
import RadiusKit
import Testing
import NetworkTypes

@Suite("Harness FreeRADIUS answers RadiusKit's Access-Requests")
struct FreeRADIUSHarnessTests {
    @Test func accessRequestForRadcheckUserIsAccepted() async throws {
        let endpoints = try await TestServices.endpoints()
        let user = "harness-\(UInt32.random(in: 0...UInt32.max))"
        let password = "pw-\(UInt32.random(in: 0...UInt32.max))"
        try await withTestNetwork { network in
            let radiusInfo = endpoints.postgres.radius
            network.onCleanup { _ = try? PostgresConnection(radiusInfo).query("DELETE FROM radcheck WHERE username = $1", [user]) }
            try PostgresConnection(radiusInfo).query(
                "INSERT INTO radcheck (username, attribute, op, value) VALUES ($1, 'Cleartext-Password', ':=', $2)",
                [user, password])

            let nas = try await network.namespace("nas")
            let attachment = try await ServicesAttachment.attach(nas, in: network, endpoints: endpoints)
            let secret = try RADIUSSecret(endpoints.radius.secret)

            let accepted = try await Self.authenticate(user: user, password: password, secret: secret,
                                                       from: attachment, to: endpoints.radius)
            #expect(accepted.code == .accessAccept)

            let rejected = try await Self.authenticate(user: user, password: "wrong", secret: secret,
                                                       from: attachment, to: endpoints.radius)
            #expect(rejected.code == .accessReject)
        }
    }

    /// One signed Access-Request over UDP from inside the attachment's namespace; the reply is
    /// verified (identifier, Response Authenticator, Message-Authenticator) before it is parsed.
    static func authenticate(user: String, password: String, secret: RADIUSSecret,
                             from attachment: ServicesAttachment,
                             to radius: ServiceEndpoints.RADIUS) async throws -> RADIUSPacket {
        let authenticator = RADIUSAuthenticator.random()
        let nasAddress = attachment.address
        let request = RADIUSPacket(code: .accessRequest, identifier: UInt8.random(in: 0...255),
                                   authenticator: authenticator, attributes: [
                                       .string(.userName, user),
                                       try RADIUSUserPassword.attribute(password, secret: secret, requestAuthenticator: authenticator),
                                       .ipv4Address(.nasIPAddress, nasAddress),
                                       .string(.nasIdentifier, "aether-harness-test"),
                                   ])
        let bytes = try request.encodedRequest(secret: secret)
        let reply = try await attachment.namespace.perform {
            try UDPExchange.send(bytes, to: "\(radius.address)", port: UInt16(radius.authenticationPort), timeoutSeconds: 5)
        }
        return try RADIUSPacketVerifier.response(reply, to: request, secret: secret)
    }
}
