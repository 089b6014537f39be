import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import MetricsTestKit
import RadiusKit
import Testing
import NetworkTypes

/// Rows in FreeRADIUS's own tables for one test, removed at cleanup.
enum RADIUSUsers {
    /// A radcheck user with a random name, optionally in a group with `groupReplies`.
    static func add(to network: TestNetwork, endpoints: ServiceEndpoints, groupReplies: [(String, String)] = []) throws
        -> (user: String, password: String)
    {
        let user = "rk-\(UInt32.random(in: 0...UInt32.max))"
        let password = "pw-\(UInt32.random(in: 0...UInt32.max))"
        let group = "grp-\(user)"
        let info = endpoints.postgres.radius
        network.onCleanup {
            guard let connection = try? PostgresConnection(info) else { return }
            _ = try? connection.query("DELETE FROM radcheck WHERE username = $1", [user])
            _ = try? connection.query("DELETE FROM radusergroup WHERE username = $1", [user])
            _ = try? connection.query("DELETE FROM radgroupreply WHERE groupname = $1", [group])
            _ = try? connection.query("DELETE FROM radacct WHERE username = $1", [user])
        }
        let connection = try PostgresConnection(info)
        try connection.query(
            "INSERT INTO radcheck (username, attribute, op, value) VALUES ($1, 'Cleartext-Password', ':=', $2)", [user, password])
        if !groupReplies.isEmpty {
            try connection.query("INSERT INTO radusergroup (username, groupname, priority) VALUES ($1, $2, 1)", [user, group])
            for (attribute, value) in groupReplies {
                try connection.query(
                    "INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES ($1, $2, ':=', $3)", [group, attribute, value])
            }
        }
        return (user, password)
    }
}

@Suite("RADIUSClient against the harness's FreeRADIUS 3.2 on PostgreSQL")
struct RADIUSClientInteropTests {
    /// A client whose sockets live in `attachment`'s namespace, running for the rest of the test
    /// and counting into `metrics`.
    static func client(in attachment: ServicesAttachment, network: TestNetwork, servers: [RADIUSServer],
                       configuration: RADIUSClient.Configuration = .init(timeout: .seconds(2)),
                       metrics: TestMetrics = TestMetrics()) async throws -> RADIUSClient {
        let client = try await attachment.namespace.perform {
            try RADIUSClient(servers: servers, configuration: configuration,
                             metrics: RADIUSClientMetrics(client: "interop", servers: servers, factory: metrics))
        }
        network.run(client)
        return client
    }

    static func freeRADIUS(_ endpoints: ServiceEndpoints, accounting: Bool = false) throws -> RADIUSServer {
        let port = accounting ? endpoints.radius.accountingPort : endpoints.radius.authenticationPort
        return RADIUSServer(name: "\(endpoints.radius.address):\(port)", secret: try RADIUSSecret(endpoints.radius.secret))
    }

    @Test func accessAcceptCarriesVendor43242AndWISPrRatesFromRadgroupreplyAndAWrongPasswordIsRejected() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, password) = try RADIUSUsers.add(to: network, endpoints: endpoints, groupReplies: [
                ("Aether-Download-Rate", "20000"), ("Aether-Upload-Rate", "5000"),
                ("Aether-Download-Burst", "400"), ("Aether-Upload-Burst", "100"),
                ("WISPr-Bandwidth-Max-Down", "30000000"), ("WISPr-Bandwidth-Max-Up", "8000000"),
            ])
            let attachment = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let metrics = TestMetrics()
            let client = try await Self.client(in: attachment, network: network, servers: [try Self.freeRADIUS(endpoints)], metrics: metrics)
            let nasAttributes: [RADIUSAttribute] = [
                .ipv4Address(.nasIPAddress, attachment.address),
                .string(.nasIdentifier, "radiuskit-interop"),
            ]

            let accept = try await client.authenticate(userName: user, password: password, attributes: nasAttributes)
            #expect(accept.code == .accessAccept)
            #expect(try RADIUSRateLimits(packet: accept) == RADIUSRateLimits(
                downloadKbps: 20000, uploadKbps: 5000, downloadBurstKbit: 400, uploadBurstKbit: 100))
            let wispr = try accept.vendorAttributes(vendorID: RADIUSDictionary.wisprVendorID)
            #expect(wispr.contains(RADIUSVendorAttribute(type: 8, value: RADIUSAttribute.integer(.vendorSpecific, 30_000_000).value)))
            #expect(wispr.contains(RADIUSVendorAttribute(type: 7, value: RADIUSAttribute.integer(.vendorSpecific, 8_000_000).value)))

            let reject = try await client.authenticate(userName: user, password: password + "x", attributes: nasAttributes)
            #expect(reject.code == .accessReject)
            #expect(metrics.counterTotal(label: "aether_radius_client_replies_discarded_total") == 0)
            #expect(metrics.counterTotal(label: "aether_radius_client_requests_total", dimensions: [("client", "interop"), ("code", "Access-Request")]) == 2)
            #expect(metrics.counterTotal(label: "aether_radius_client_responses_total", dimensions: [("client", "interop"), ("code", "Access-Accept")]) == 1)
            #expect(metrics.counterTotal(label: "aether_radius_client_responses_total", dimensions: [("client", "interop"), ("code", "Access-Reject")]) == 1)
        }
    }

    @Test func accountingStartInterimStopLandInRadacctWithGigawordsCountsAbove4GiB() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, _) = try RADIUSUsers.add(to: network, endpoints: endpoints)
            let attachment = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let client = try await Self.client(in: attachment, network: network, servers: [try Self.freeRADIUS(endpoints, accounting: true)])
            let session = "rk-\(UInt64.random(in: 0...UInt64.max))"
            let nas: [RADIUSAttribute] = [
                .ipv4Address(.nasIPAddress, attachment.address),
                .ipv4Address(.framedIPAddress, IPv4Address(100, 64, 0, 77)),
            ]
            let interimInput: UInt64 = 5 << 30 + 12_345     // 5 GiB + 12 345 bytes
            let interimOutput: UInt64 = (1 << 32) + 1       // just past one wrap
            let stopInput: UInt64 = 9 << 30 + 7
            let stopOutput: UInt64 = 17 << 30 + 99

            let records = [
                RADIUSAccountingRecord(statusType: .start, sessionID: session, userName: user, attributes: nas),
                RADIUSAccountingRecord(statusType: .interimUpdate, sessionID: session, userName: user,
                                       inputOctets: interimInput, outputOctets: interimOutput, inputPackets: 10, outputPackets: 20,
                                       sessionTime: 30, attributes: nas),
            ]
            for record in records {
                #expect(try await client.account(record).code == .accountingResponse)
            }
            let connection = try PostgresConnection(endpoints.postgres.radius)
            let interim = try connection.query(
                "SELECT acctinputoctets, acctoutputoctets, acctstoptime FROM radacct WHERE acctsessionid = $1", [session])
            #expect(interim.rows.count == 1)
            #expect(try interim.value("acctinputoctets") == "\(interimInput)")
            #expect(try interim.value("acctoutputoctets") == "\(interimOutput)")
            #expect(try interim.value("acctstoptime") == nil)

            let stop = RADIUSAccountingRecord(statusType: .stop, sessionID: session, userName: user,
                                              inputOctets: stopInput, outputOctets: stopOutput, sessionTime: 90,
                                              terminateCause: 1, attributes: nas)
            #expect(try await client.account(stop).code == .accountingResponse)
            let final = try connection.query(
                "SELECT acctinputoctets, acctoutputoctets, acctsessiontime, acctstoptime, acctterminatecause, host(framedipaddress) AS ip FROM radacct WHERE acctsessionid = $1",
                [session])
            #expect(final.rows.count == 1)
            #expect(try final.value("acctinputoctets") == "\(stopInput)")
            #expect(try final.value("acctoutputoctets") == "\(stopOutput)")
            #expect(try final.value("acctsessiontime") == "90")
            #expect(try final.value("acctstoptime") != nil)
            #expect(try final.value("acctterminatecause") == "User-Request")
            #expect(try final.value("ip") == "100.64.0.77")
        }
    }

    @Test func silentPrimaryFailsOverToFreeRADIUSAndIsPreferredAgainOnceItAnswersStatusServer() async throws {
        let endpoints = try await TestServices.endpoints()
        try await withTestNetwork { network in
            let (user, password) = try RADIUSUsers.add(to: network, endpoints: endpoints)
            let secret = try RADIUSSecret(endpoints.radius.secret)
            // The primary: an address in a namespace of this test where a socket reads and drops.
            let primaryAttachment = try await ServicesAttachment.attach(try await network.namespace("primary"), in: network, endpoints: endpoints)
            let responder = try await primaryAttachment.namespace.perform {
                try TestRADIUSResponder(address: "\(primaryAttachment.address)", port: 1812, secret: secret)
            }
            defer { responder.stop() }
            let attachment = try await ServicesAttachment.attach(try await network.namespace("nas"), in: network, endpoints: endpoints)
            let configuration = RADIUSClient.Configuration(
                timeout: .milliseconds(300), maximumTimeout: .milliseconds(1200), attemptsPerServer: 3,
                statusServerInterval: .milliseconds(200))
            let metrics = TestMetrics()
            let client = try await Self.client(
                in: attachment, network: network,
                servers: [RADIUSServer(name: "\(primaryAttachment.address):1812", secret: secret), try Self.freeRADIUS(endpoints)],
                configuration: configuration, metrics: metrics)

            // The client itself bounds the request by the configured waits (2 × (300 + 600 + 1200) ms):
            // past them it throws requestTimedOut instead of returning a reply. FreeRADIUS gets the
            // same 2.1 s: with 0.9 s, one CI run under the full parallel suite saw it answer too late.
            let reply = try await client.authenticate(userName: user, password: password)
            #expect(reply.code == .accessAccept)
            #expect(reply.firstValue(ofType: .replyMessage) == nil)
            #expect(responder.receivedCount(.accessRequest) == 3)
            #expect(!client.isAlive(0))
            #expect(client.preferredServer == 1)
            // While the primary is dead, requests go straight to the secondary.
            #expect(try await client.authenticate(userName: user, password: password).code == .accessAccept)
            #expect(responder.receivedCount(.accessRequest) == 3)

            responder.mode = .acceptAll(marker: "primary")
            try await Readiness.wait(for: "primary answering Status-Server", timeoutSeconds: 10) { client.isAlive(0) }
            #expect(responder.receivedCount(.statusServer) >= 1)
            #expect(client.preferredServer == 0)
            let back = try await client.authenticate(userName: user, password: password)
            #expect(back.firstValue(ofType: .replyMessage) == Array("primary".utf8))
            let primary = "\(primaryAttachment.address):1812"
            #expect(metrics.counterTotal(label: "aether_radius_client_server_state_changes_total",
                                         dimensions: [("client", "interop"), ("server", primary), ("state", "down")]) == 1)
            #expect(metrics.counterTotal(label: "aether_radius_client_server_state_changes_total",
                                         dimensions: [("client", "interop"), ("server", primary), ("state", "up")]) == 1)
            #expect(try metrics.expectGauge("aether_radius_client_server_alive", [("client", "interop"), ("server", primary)]).lastValue == 1)
        }
    }
}
