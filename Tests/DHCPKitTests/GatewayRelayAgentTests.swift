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
