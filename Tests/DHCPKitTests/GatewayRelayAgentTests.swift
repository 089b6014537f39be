import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

@Suite struct GatewayRelayAgentTests {
    static let relayAddress = IPv4Address(100, 64, 0, 1)
    static let kea = IPv4Address(10, 0, 0, 2)

    func makeRelay(policy: GatewayRelayAgent.SubOptionPolicy = .replace) -> GatewayRelayAgent {
        GatewayRelayAgent(configuration: .init(
            relayAddress: Self.relayAddress, servers: [Self.kea],
            interfaces: ["agg0": .trusted, "sub0": .untrusted],
            relayID: "bng-01", subOptionPolicy: policy))
    }

    /// A DISCOVER as the access node forwards it: option 82 with circuit-id and remote-id.
    func stampedDiscover() throws -> DHCPMessage {
        var message = try sampleDiscover()
        try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "an-01/2", remoteID: "an-01"))
        return message
    }

    func toServer(_ actions: [GatewayRelayAgent.Action]) -> DHCPMessage? {
        for case .forwardToServers(let message, _) in actions { return message }
        return nil
    }

    func toClient(_ actions: [GatewayRelayAgent.Action]) -> (DHCPMessage, String, GatewayRelayAgent.Delivery)? {
        for case .forwardToClient(let message, let interface, let delivery, _) in actions {
            return (message, interface, delivery)
        }
        return nil
    }

    /// The server's answer to `request` as Kea would send it to the relay.
    func answer(_ request: DHCPMessage, type: DHCPMessageType, yiaddr: IPv4Address = IPv4Address(100, 64, 0, 10)) -> DHCPMessage {
        var reply = request
        reply.op = .bootReply
        reply.hops = 0
        reply.yiaddr = yiaddr
        reply.messageType = type
        reply.serverIdentifier = Self.kea
        reply.leaseTime = 3600
        return reply
    }

    @Test func setsGiaddrIncrementsHopsAndAddsRelayIDAndServerIDOverride() throws {
        var relay = makeRelay()
        let actions = relay.handle(.fromClient(try stampedDiscover(), interface: "agg0"))
        let relayed = try #require(toServer(actions))
        #expect(relayed.giaddr == Self.relayAddress)
        #expect(relayed.hops == 1)
        let information = try relayed.relayAgentInformation()
        #expect(information?.circuitID == "an-01/2")
        #expect(information?.remoteID == "an-01")
        #expect(information?.relayID == "bng-01")
        #expect(information?.serverIdentifierOverride == Self.relayAddress)
        #expect(relayed.options.filter { $0.code == .relayAgentInformation }.count == 1)
        #expect(relayed.options.last?.code == .relayAgentInformation)
    }

    @Test func keepsExistingGiaddrFromDownstreamRelay() throws {
        var relay = makeRelay()
        var message = try stampedDiscover()
        message.giaddr = IPv4Address(192, 0, 2, 1)
        message.hops = 3
        let relayed = toServer(relay.handle(.fromClient(message, interface: "agg0")))
        #expect(relayed?.giaddr == IPv4Address(192, 0, 2, 1))
        #expect(relayed?.hops == 4)
    }

    @Test func dropsAtHopLimit() throws {
        var relay = makeRelay()
        var message = try stampedDiscover()
        message.hops = 16
        #expect(relay.handle(.fromClient(message, interface: "agg0")) == [.drop(.hopLimitExceeded)])
        message.hops = 15
        #expect(toServer(relay.handle(.fromClient(message, interface: "agg0")))?.hops == 16)
    }

    @Test func dropsOption82FromClientOnUntrustedInterface() throws {
        var relay = makeRelay()
        #expect(relay.handle(.fromClient(try stampedDiscover(), interface: "sub0")) == [.drop(.untrustedOption82)])
    }

    @Test func addsOwnOption82OnUntrustedInterfaceAndStripsItFromReply() throws {
        var relay = makeRelay()
        let relayed = try #require(toServer(relay.handle(.fromClient(try sampleDiscover(), interface: "sub0"))))
        #expect(try relayed.relayAgentInformation()?.relayID == "bng-01")
        let (reply, interface, _) = try #require(toClient(relay.handle(.fromServer(answer(relayed, type: .offer), source: Self.kea))))
        #expect(interface == "sub0")
        #expect(!reply.hasRelayAgentInformation)
    }

    @Test func subOptionPolicyKeepReplaceAppend() throws {
        var message = try sampleDiscover()
        var downstream = RelayAgentInformation(circuitID: "c", remoteID: "r")
        downstream.relayID = "other"
        try message.insertRelayAgentInformation(downstream)
        var keep = makeRelay(policy: .keep)
        #expect(try toServer(keep.handle(.fromClient(message, interface: "agg0")))?.relayAgentInformation()?.relayID == "other")
        var replace = makeRelay(policy: .replace)
        #expect(try toServer(replace.handle(.fromClient(message, interface: "agg0")))?.relayAgentInformation()?.relayID == "bng-01")
        var append = makeRelay(policy: .append)
        let appended = try toServer(append.handle(.fromClient(message, interface: "agg0")))?.relayAgentInformation()
        #expect(appended?.subOptions.filter { $0.code == .relayID }.map(\.data) == [Array("other".utf8), Array("bng-01".utf8)])
    }

    @Test func returnsAccessNodeSubOptionsOnlyTowardTrustedInterface() throws {
        var relay = makeRelay()
        let relayed = try #require(toServer(relay.handle(.fromClient(try stampedDiscover(), interface: "agg0"))))
        let (reply, interface, _) = try #require(toClient(relay.handle(.fromServer(answer(relayed, type: .offer), source: Self.kea))))
        #expect(interface == "agg0")
        // The access node gets back exactly what it inserted, so it can pick the port and strip it.
        #expect(try reply.relayAgentInformation() == RelayAgentInformation(circuitID: "an-01/2", remoteID: "an-01"))
    }

    @Test func observesClientAndServerMessagesWithLineIdentity() throws {
        var relay = makeRelay()
        let up = relay.handle(.fromClient(try stampedDiscover(), interface: "agg0"))
        guard case .observe(let request) = up.first else {
            Issue.record("expected observation first, got \(up)")
            return
        }
        #expect(request.messageType == .discover)
        #expect(request.circuitID == "an-01/2" && request.remoteID == "an-01")
        #expect(request.interface == "agg0")
        let relayed = try #require(toServer(up))
        let down = relay.handle(.fromServer(answer(relayed, type: .ack), source: Self.kea))
        guard case .observe(let ack) = down.first else {
            Issue.record("expected observation first, got \(down)")
            return
        }
        #expect(ack.messageType == .ack)
        #expect(ack.address == IPv4Address(100, 64, 0, 10))
        #expect(ack.leaseTime == 3600)
        #expect(ack.clientMACAddress == MACAddress("00:11:22:33:44:55"))
        #expect(ack.remoteID == "an-01")
    }

    @Test func deliversRepliesPerRFC2131Section4_1() throws {
        var relay = makeRelay()
        var discover = try stampedDiscover()
        discover.isBroadcast = false
        let relayed = try #require(toServer(relay.handle(.fromClient(discover, interface: "agg0"))))
        let mac = try MACAddress(parsing: "00:11:22:33:44:55")
        // No BROADCAST flag, no ciaddr: unicast to yiaddr at chaddr.
        #expect(toClient(relay.handle(.fromServer(answer(relayed, type: .offer), source: Self.kea)))?.2 == .unicast(IPv4Address(100, 64, 0, 10), mac))
        // NAK: always broadcast.
        #expect(toClient(relay.handle(.fromServer(answer(relayed, type: .nak, yiaddr: .any), source: Self.kea)))?.2 == .broadcast)
        // BROADCAST flag: broadcast.
        var broadcast = answer(relayed, type: .offer)
        broadcast.isBroadcast = true
        #expect(toClient(relay.handle(.fromServer(broadcast, source: Self.kea)))?.2 == .broadcast)
        // Renewal (ciaddr set): unicast to ciaddr.
        var renewal = answer(relayed, type: .ack)
        renewal.ciaddr = IPv4Address(100, 64, 0, 10)
        #expect(toClient(relay.handle(.fromServer(renewal, source: Self.kea)))?.2 == .unicast(IPv4Address(100, 64, 0, 10), mac))
    }

    @Test func dropsRepliesNotForThisRelayOrClient() throws {
        var relay = makeRelay()
        let relayed = try #require(toServer(relay.handle(.fromClient(try stampedDiscover(), interface: "agg0"))))
        var otherGiaddr = answer(relayed, type: .offer)
        otherGiaddr.giaddr = IPv4Address(192, 0, 2, 9)
        #expect(relay.handle(.fromServer(otherGiaddr, source: Self.kea)) == [.drop(.notForThisRelay)])
        var otherRelayID = answer(relayed, type: .offer)
        var information = try #require(try otherRelayID.relayAgentInformation())
        information.relayID = "bng-02"
        try otherRelayID.replaceRelayAgentInformation(information)
        #expect(relay.handle(.fromServer(otherRelayID, source: Self.kea)) == [.drop(.notOurOption82)])
        var unknownMAC = answer(relayed, type: .offer)
        unknownMAC.setClientMACAddress(.broadcast)
        #expect(relay.handle(.fromServer(unknownMAC, source: Self.kea)) == [.drop(.unknownClient)])
        #expect(relay.handle(.fromServer(relayed, source: Self.kea)) == [.drop(.wrongDirection)])
        #expect(try relay.handle(.fromClient(sampleDiscover(), interface: "nope")) == [.drop(.unknownInterface)])
    }

    @Test func dropsMalformedOption82() throws {
        var relay = makeRelay()
        let malformed = try DHCPMessage(parsing: messageBytes(options: [53, 1, 1, 82, 3, 1, 5, 0x41]))
        #expect(relay.handle(.fromClient(malformed, interface: "agg0")) == [.drop(.malformedOption82)])
    }
}

@Suite struct GatewayRelayProxyTests {
    static let defaultGateway = IPv4Address(100, 64, 0, 1)
    static let an2Gateway = IPv4Address(100, 64, 2, 1)
    static let kea = IPv4Address(10, 0, 0, 2)

    func makeRelay(proxy: Bool = true) -> GatewayRelayAgent {
        GatewayRelayAgent(configuration: .init(
            relayAddress: Self.defaultGateway, accessNodeGateways: ["an-02": Self.an2Gateway],
            servers: [Self.kea], interfaces: ["agg0": .trusted], relayID: "bng-01", proxyServerIdentifier: proxy))
    }

    func request(from remoteID: RelayAgentIdentifier, type: DHCPMessageType = .discover) throws -> DHCPMessage {
        var message = try sampleDiscover()
        message.messageType = type
        try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: RelayAgentIdentifier(text: "\(remoteID)/1"), remoteID: remoteID))
        return message
    }

    func relayed(_ actions: [GatewayRelayAgent.Action]) -> DHCPMessage? {
        for case .forwardToServers(let message, _) in actions { return message }
        return nil
    }

    func delivered(_ actions: [GatewayRelayAgent.Action]) -> (message: DHCPMessage, gateway: IPv4Address)? {
        for case .forwardToClient(let message, _, _, let gateway) in actions { return (message, gateway) }
        return nil
    }

    func reply(to request: DHCPMessage, type: DHCPMessageType) -> DHCPMessage {
        var reply = request
        reply.op = .bootReply
        reply.yiaddr = IPv4Address(100, 64, 2, 50)
        reply.messageType = type
        reply.serverIdentifier = Self.kea
        return reply
    }

    @Test func picksGiaddrAndServerIdentifierOverridePerAccessNode() throws {
        var relay = makeRelay()
        let second = try #require(relayed(relay.handle(.fromClient(try request(from: "an-02"), interface: "agg0"))))
        #expect(second.giaddr == Self.an2Gateway)
        #expect(try second.relayAgentInformation()?.serverIdentifierOverride == Self.an2Gateway)
        let unknown = try #require(relayed(relay.handle(.fromClient(try request(from: "an-77"), interface: "agg0"))))
        #expect(unknown.giaddr == Self.defaultGateway)
        #expect(try unknown.relayAgentInformation()?.serverIdentifierOverride == Self.defaultGateway)
    }

    @Test(arguments: [DHCPMessageType.offer, .ack, .nak])
    func rewritesServerIdentifierToTheGatewayInEveryReply(_ type: DHCPMessageType) throws {
        var relay = makeRelay()
        let up = try #require(relayed(relay.handle(.fromClient(try request(from: "an-02"), interface: "agg0"))))
        let (down, gateway) = try #require(delivered(relay.handle(.fromServer(reply(to: up, type: type), source: Self.kea))))
        #expect(down.serverIdentifier == Self.an2Gateway)
        #expect(gateway == Self.an2Gateway)
        // Sub-option 11 and relay-id are ours: the access node gets back only its own sub-options.
        #expect(try down.relayAgentInformation() == RelayAgentInformation(circuitID: "an-02/1", remoteID: "an-02"))
    }

    @Test func withoutProxyModeTheServersIdentifierStays() throws {
        var relay = makeRelay(proxy: false)
        let up = try #require(relayed(relay.handle(.fromClient(try request(from: "an-02"), interface: "agg0"))))
        #expect(try up.relayAgentInformation()?.serverIdentifierOverride == nil)
        let (down, _) = try #require(delivered(relay.handle(.fromServer(reply(to: up, type: .ack), source: Self.kea))))
        #expect(down.serverIdentifier == Self.kea)
    }

    @Test func aUnicastRenewalToTheGatewayIsRelayedWithItsServerIdentifierIntact() throws {
        var relay = makeRelay()
        var renewal = try request(from: "an-02", type: .request)
        renewal.ciaddr = IPv4Address(100, 64, 2, 50)
        renewal.serverIdentifier = Self.an2Gateway
        let up = try #require(relayed(relay.handle(.fromClient(renewal, interface: "agg0"))))
        // Kea accepts it because option 54 equals sub-option 11 (RFC 5107 §4).
        #expect(up.serverIdentifier == Self.an2Gateway)
        #expect(try up.relayAgentInformation()?.serverIdentifierOverride == Self.an2Gateway)
        #expect(up.giaddr == Self.an2Gateway)
    }

    @Test func repliesFromAnythingButAConfiguredServerAreDropped() throws {
        var relay = makeRelay()
        let up = try #require(relayed(relay.handle(.fromClient(try request(from: "an-02"), interface: "agg0"))))
        let forged = reply(to: up, type: .ack)
        #expect(relay.handle(.fromServer(forged, source: IPv4Address(100, 64, 2, 66))) == [.drop(.unknownServer)])
        #expect(delivered(relay.handle(.fromServer(forged, source: Self.kea))) != nil)
    }

    @Test func learnedClientsAgeOutAndSeedingRestoresThem() throws {
        var relay = GatewayRelayAgent(configuration: .init(
            relayAddress: Self.defaultGateway, servers: [Self.kea], interfaces: ["agg0": .trusted],
            learnedClientLifetime: .seconds(60)))
        let up = try #require(relayed(relay.handle(.fromClient(try request(from: "an-01"), interface: "agg0"), now: testClock)))
        let answer = reply(to: up, type: .ack)
        #expect(delivered(relay.handle(.fromServer(answer, source: Self.kea), now: testClock + .seconds(59))) != nil)
        #expect(relay.handle(.fromServer(answer, source: Self.kea), now: testClock + .seconds(61)) == [.drop(.unknownClient)])
        // After a restart the BNG seeds what its sessions know.
        var restarted = GatewayRelayAgent(configuration: relay.configuration)
        let mac = try #require(answer.clientMACAddress)
        restarted.seed([(mac, "agg0")], now: testClock + .seconds(100))
        #expect(delivered(restarted.handle(.fromServer(answer, source: Self.kea), now: testClock + .seconds(101))) != nil)
    }
}

@Suite struct LearnedTableTests {
    let mac = (0...9).map { MACAddress(2, 0, 0, 0, 0, UInt8($0)) }

    @Test func entriesExpireAfterTheirLifetimeAndRefreshingExtendsIt() {
        var table = LearnedTable<MACAddress, String>(capacity: 4, lifetime: .seconds(10))
        table.learn(mac[0], "p1", now: testClock)
        #expect(table.value(for: mac[0], now: testClock + .seconds(9)) == "p1")
        #expect(table.value(for: mac[0], now: testClock + .seconds(10)) == nil)
        table.learn(mac[0], "p2", now: testClock + .seconds(8))
        #expect(table.value(for: mac[0], now: testClock + .seconds(17)) == "p2")
        #expect(table.removeExpired(now: testClock + .seconds(20)) == 1)
        #expect(table.count == 0)
    }

    @Test func atCapacityExpiredEntriesGoFirstThenTheLeastRecentlyLearned() {
        var table = LearnedTable<MACAddress, String>(capacity: 3, lifetime: .seconds(100))
        table.learn(mac[0], "a", now: testClock)
        table.learn(mac[1], "b", now: testClock + .seconds(1))
        table.learn(mac[2], "c", now: testClock + .seconds(2))
        table.learn(mac[0], "a", now: testClock + .seconds(3))      // refreshes mac 0
        #expect(table.learn(mac[3], "d", now: testClock + .seconds(4)) == mac[1])
        #expect(table.count == 3)
        #expect(table.value(for: mac[1], now: testClock + .seconds(4)) == nil)
        // mac 2 (learned at 2 s) expires at 102 s; a new key at 102 s removes it, evicting nothing live.
        #expect(table.learn(mac[4], "e", now: testClock + .seconds(102)) == nil)
        #expect(table.value(for: mac[0], now: testClock + .seconds(102)) == "a")
    }

    @Test func aFloodNeverGrowsTheTableOrItsBookkeeping() {
        var table = LearnedTable<Int, Int>(capacity: 100, lifetime: .seconds(3600))
        for key in 0..<100_000 { table.learn(key, key, now: testClock) }
        #expect(table.count == 100)
        #expect(table.value(for: 99_999, now: testClock) == 99_999)
        #expect(table.value(for: 0, now: testClock) == nil)
    }
}

@Suite struct GatewayRelayCircuitLimitTests {
    static let kea = IPv4Address(10, 0, 0, 2)

    func relay(clients: Int? = nil, rate: GatewayRelayAgent.RequestRate? = nil) -> GatewayRelayAgent {
        GatewayRelayAgent(configuration: .init(relayAddress: IPv4Address(100, 64, 0, 1), servers: [Self.kea], interfaces: ["agg0": .trusted],
                                               learnedClientLifetime: .seconds(60), maximumClientsPerCircuit: clients,
                                               circuitRequestRate: rate))
    }

    func request(mac: UInt8, circuit: String = "an-01/1", type: DHCPMessageType = .discover) throws -> DHCPMessage {
        var message = try sampleDiscover()
        message.setClientMACAddress(MACAddress(2, 0, 0, 0, 0, mac))
        message.messageType = type
        try message.insertRelayAgentInformation(RelayAgentInformation(circuitID: RelayAgentIdentifier(text: circuit), remoteID: "an-01"))
        return message
    }

    func forwarded(_ actions: [GatewayRelayAgent.Action]) -> Bool {
        actions.contains { if case .forwardToServers = $0 { true } else { false } }
    }

    @Test func aCircuitKeepsAtMostItsClientsAndAReleaseFreesAPlace() throws {
        var relay = relay(clients: 2)
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock)))
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 2), interface: "agg0"), now: testClock)))
        #expect(relay.handle(.fromClient(try request(mac: 3), interface: "agg0"), now: testClock) == [.drop(.tooManyClients)])
        // Known clients go on; another circuit is not affected.
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock)))
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 3, circuit: "an-01/2"), interface: "agg0"), now: testClock)))
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 2, type: .release), interface: "agg0"), now: testClock)))
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 3), interface: "agg0"), now: testClock)))
        // Places also free up when clients age out.
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 4), interface: "agg0"), now: testClock + .seconds(61))))
    }

    /// A closed admission gate (the BNG's store cannot write): what begins a binding is refused,
    /// what keeps or ends one passes, and opening the gate admits newcomers again.
    @Test func whileNewClientsAreRefusedBoundClientsStillRenewAndRelease() throws {
        var relay = relay()
        relay.admitsNewClients = false
        #expect(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock) == [.drop(.newClientsRefused)])
        #expect(relay.handle(.fromClient(try request(mac: 1, type: .request), interface: "agg0"), now: testClock) == [.drop(.newClientsRefused)])
        var renewal = try request(mac: 2, type: .request)
        renewal.ciaddr = IPv4Address(100, 64, 0, 20)
        #expect(forwarded(relay.handle(.fromClient(renewal, interface: "agg0"), now: testClock)))
        var release = try request(mac: 3, type: .release)
        release.ciaddr = IPv4Address(100, 64, 0, 21)
        #expect(forwarded(relay.handle(.fromClient(release, interface: "agg0"), now: testClock)))
        relay.admitsNewClients = true
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock)))
    }

    @Test func theAdmissionGateSaysWhenItChanged() {
        let gate = RelayAdmissionGate()
        #expect(gate.isOpen)
        #expect(gate.set(open: false))
        #expect(!gate.set(open: false))
        #expect(!gate.isOpen)
        #expect(gate.set(open: true))
        #expect(gate.isOpen)
    }

    @Test func aCircuitIsLimitedToItsRateWithBursts() throws {
        var relay = relay(rate: .init(perSecond: 2, burst: 3))
        let outcomes = try (0..<5).map { _ in forwarded(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock)) }
        #expect(outcomes == [true, true, true, false, false])
        #expect(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock) == [.drop(.rateLimited)])
        // Half a second refills one token.
        #expect(forwarded(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock + .milliseconds(500))))
        #expect(!forwarded(relay.handle(.fromClient(try request(mac: 1), interface: "agg0"), now: testClock + .milliseconds(500))))
    }
}
