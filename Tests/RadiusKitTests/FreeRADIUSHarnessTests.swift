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

/// One datagram out, one back, on a socket created in the calling thread's namespace.
enum UDPExchange {
    static func send(_ bytes: [UInt8], to host: String, port: UInt16, timeoutSeconds: Double) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabKitError(.systemCallFailed, "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw LabKitError(.systemCallFailed, "connect: errno \(errno)") }
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw LabKitError(.systemCallFailed, "send: errno \(errno)")
        }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeoutSeconds * 1000)) == 1 else {
            throw LabKitError(.timedOut, "no RADIUS reply from \(host):\(port) within \(timeoutSeconds) s")
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw LabKitError(.systemCallFailed, "recv: errno \(errno)") }
        return Array(buffer[0..<count])
    }
}
