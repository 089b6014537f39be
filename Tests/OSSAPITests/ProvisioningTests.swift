import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
@testable import OSSAPI
import RadiusKit
import ServiceSupport
import Synchronization
import Testing

/// Provisioning through the API changes what the harness's real FreeRADIUS answers, and plan
/// changes reach live sessions by CoA.
@Suite("aether-api provisioning and dynamic authorization")
struct ProvisioningTests {
    @Test func servicesAndPlansDecideTheAccessRequestResult() async throws {
        let endpoints = try await TestServices.endpoints()
        let tag = UInt32.random(in: 0...UInt32.max)
        let owner = "test-\(tag)", prefix = "t\(tag)-plan-", bng = "bng-p\(tag)"
        let password = "line-\(tag)"
        let radiusInfo = endpoints.postgres.radius
        var options = APITestBed.Options()
        options.groupPrefix = prefix
        options.provisioning = { oss in RADIUSProvisioning.Settings(oss: oss, radius: radiusInfo, password: password, groupPrefix: prefix,
                                                                    owner: owner, interval: .seconds(3600)) }
        try await withTestNetwork { network in
            network.onCleanup { removeProvisionedRows(in: radiusInfo, bng: bng, groupPrefix: prefix, owner: owner) }
            let nas = try await network.namespace("nas")
            let attachment = try await ServicesAttachment.attach(nas, in: network, endpoints: endpoints)
            let secret = try RADIUSSecret(endpoints.radius.secret)
            let user = "\(bng)/an-p/an-p/1"
            @Sendable func ask() async throws -> RADIUSPacket {
                let authenticator = RADIUSAuthenticator.random()
                let request = RADIUSPacket(code: .accessRequest, identifier: UInt8.random(in: 0...255), authenticator: authenticator, attributes: [
                    .string(.userName, user),
                    try RADIUSUserPassword.attribute(password, secret: secret, requestAuthenticator: authenticator),
                    .ipv4Address(.nasIPAddress, attachment.address),
                ])
                let bytes = try request.encodedRequest(secret: secret)
                let reply = try await attachment.namespace.perform {
                    try UDPExchange.send(bytes, to: "\(endpoints.radius.address)", port: UInt16(endpoints.radius.authenticationPort), timeoutSeconds: 5)
                }
                return try RADIUSPacketVerifier.response(reply, to: request, secret: secret)
            }

            try await APITestBed.run(options) { bed in
                let plan = try await bed.call("createPlan", body: #"{"name":"Bronze","download_kbps":20000,"upload_kbps":5000,"download_burst_kbit":1000}"#)
                let planID = try #require(plan.data?["plan_id"]?.int)
                let customer = try await bed.call("createCustomer", body: #"{"name":"Femi Okafor"}"#)
                let customerID = try #require(customer.data?["customer_id"]?.int)
                #expect(try await ask().code == .accessReject, "nothing provisioned yet")

                let service = try await bed.call("createService", body: """
                    {"customer_id":\(customerID),"plan_id":\(planID),"bng_id":"\(bng)","remote_id":"an-p","circuit_id":"an-p/1"}
                    """)
                let serviceID = try #require(service.data?["service_id"]?.int)
                #expect(service.data?["username"]?.string == user)
                let accepted = try await ask()
                #expect(accepted.code == .accessAccept)
                #expect(try RADIUSRateLimits(packet: accepted) == RADIUSRateLimits(downloadKbps: 20_000, uploadKbps: 5_000, downloadBurstKbit: 1_000))

                try await bed.call("updateService", path: ["service_id": "\(serviceID)"], body: #"{"status":"SUSPENDED"}"#)
                #expect(try await ask().code == .accessReject)
                try await bed.call("updateService", path: ["service_id": "\(serviceID)"], body: #"{"status":"ACTIVE"}"#)
                #expect(try await ask().code == .accessAccept)

                try await bed.call("updatePlan", path: ["plan_id": "\(planID)"], body: #"{"download_kbps":30000,"download_burst_kbit":null}"#)
                #expect(try RADIUSRateLimits(packet: try await ask()) == RADIUSRateLimits(downloadKbps: 30_000, uploadKbps: 5_000))

                // Drift (a row removed by hand) is repaired by the next pass.
                try PostgresConnection(radiusInfo).query("DELETE FROM radcheck WHERE username = $1", [user])
                #expect(try await ask().code == .accessReject)
                let provisioning = try #require(bed.server.provisioning)
                let repaired = try await provisioning.pass()
                #expect(repaired.usersWritten == 1)
                #expect(try await ask().code == .accessAccept)
                #expect(try await provisioning.pass().changed == false, "a pass over agreeing databases writes nothing")

                try await bed.call("updateService", path: ["service_id": "\(serviceID)"], body: #"{"status":"TERMINATED"}"#)
                #expect(try await ask().code == .accessReject)
                try await bed.call("deleteService", path: ["service_id": "\(serviceID)"])
                try await bed.call("deletePlan", path: ["plan_id": "\(planID)"])
                let left: Int64 = try PostgresConnection(radiusInfo).query("SELECT count(*) AS n FROM radgroupreply WHERE groupname LIKE $1", ["\(prefix)%"]).decode("n")
                #expect(left == 0, "a deleted plan's group goes too")
            }
        }
    }

    @Test func planChangeOnALiveSessionSendsCoAAndDisconnectReportsTheReply() async throws {
        let secret = try RADIUSSecret("coa-test-secret")
        let seen = Mutex<[RADIUSPacket]>([])
        let known = APIScript.line(1).sessionID.lowercasedText
        let dae = try RADIUSDynamicAuthorizationServer(
            address: "127.0.0.1:0", clients: [RADIUSDynamicAuthorizationClient(name: "oss", range: try RADIUSAddressRange("127.0.0.0/8"), secret: secret)],
            handler: RADIUSDynamicAuthorizationClosureHandler { request in
                seen.withLock { $0.append(request.packet) }
                let id = request.packet.attributes(ofType: .acctSessionID).first.flatMap { try? $0.stringValue() }
                return id == known ? .ack() : .nak(cause: .sessionContextNotFound)
            })
        var options = APITestBed.Options()
        options.coa = DynamicAuthorizationSender(secret: secret, targets: ["bng-t1": "127.0.0.1:\(dae.localAddress.port)"],
                                                 timeout: .seconds(3), attempts: 2)
        try await withRunningService(dae) {
            try await APITestBed.run(options) { bed in
                try bed.ingest(APIScript.events())
                let slow = try await bed.call("createPlan", body: #"{"name":"Slow","download_kbps":8000,"upload_kbps":2000}"#)
                let fast = try await bed.call("createPlan", body: #"{"name":"Fast","download_kbps":50000,"upload_kbps":10000}"#)
                let customer = try await bed.call("createCustomer", body: #"{"name":"Luca Moreau"}"#)
                let service = try await bed.call("createService", body: """
                    {"customer_id":\(customer.data?["customer_id"]?.int ?? 0),"plan_id":\(slow.data?["plan_id"]?.int ?? 0),"bng_id":"bng-t1","remote_id":"an-t1","circuit_id":"an-t1/1"}
                    """)
                let serviceID = service.data?["service_id"]?.int ?? 0
                let changed = try await bed.call("updateService", path: ["service_id": "\(serviceID)"],
                                                 body: #"{"plan_id":\#(fast.data?["plan_id"]?.int ?? 0)}"#)
                let action = try #require(changed.json["actions"]?.array.first)
                #expect(action["outcome"]?.string == "ack")
                #expect(action["reply"]?.string == "CoA-ACK")
                let coa = try #require(seen.withLock { $0.last })
                #expect(coa.code == .coaRequest)
                #expect(try RADIUSRateLimits(packet: coa) == RADIUSRateLimits(downloadKbps: 50_000, uploadKbps: 10_000))
                #expect(try coa.attributes(ofType: .acctSessionID).first?.stringValue() == known)

                let ended = try await bed.call("disconnectSession", path: ["session_id": known])
                #expect(ended.data?["reply"]?.string == "Disconnect-ACK")
                #expect(seen.withLock { $0.last?.code } == .disconnectRequest)
                let other = try await bed.call("disconnectSession", path: ["session_id": APIScript.line(2).sessionID.lowercasedText])
                #expect(other.status == .ok)
                #expect(other.data?["outcome"]?.string == "nak")
                #expect(other.data?["error_cause"]?.int == Int64(RADIUSErrorCause.sessionContextNotFound.rawValue))
            }
        }
        // Nobody listening: the API waits its timeout and says so.
        var silent = APITestBed.Options()
        silent.coa = DynamicAuthorizationSender(secret: secret, targets: ["bng-t1": "127.0.0.1:9"], timeout: .milliseconds(300), attempts: 1)
        try await APITestBed.run(silent) { bed in
            try bed.ingest(APIScript.events())
            let reply = try await bed.call("disconnectSession", path: ["session_id": known])
            #expect(reply.status == .gatewayTimeout)
            #expect(reply.data?["outcome"]?.string == "timeout")
        }
    }
}
