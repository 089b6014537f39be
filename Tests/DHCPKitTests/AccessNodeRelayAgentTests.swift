import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

@Suite struct AccessNodeRelayAgentTests {
    func makeAgent(policy: AccessNodeRelayAgent.ClientOption82Policy = .drop) -> AccessNodeRelayAgent {
        AccessNodeRelayAgent(configuration: .init(
            remoteID: "an-01", circuitIDs: ["port1": "an-01/1", "port2": "an-01/2"], clientOption82Policy: policy))
    }

    func forwarded(_ actions: [AccessNodeRelayAgent.Action]) -> DHCPMessage? {
        if case .forwardToUplink(let message) = actions.first { return message }
        return nil
    }

    /// The server's echo of a relayed request: same option 82, BOOTREPLY.
    func echo(of request: DHCPMessage) -> DHCPMessage {
        var reply = request
        reply.op = .bootReply
        reply.messageType = .offer
        return reply
    }

    @Test func aFloodingPortIsLimitedAtTheEdgeAndItsNeighbourIsNot() throws {
        var agent = AccessNodeRelayAgent(configuration: .init(
            remoteID: "an-01", circuitIDs: ["port1": "an-01/1", "port2": "an-01/2"],
            portRequestRate: DHCPRequestRate(perSecond: 10, burst: 5)))
        let start = ContinuousClock.now
        let discover = try sampleDiscover()
        let burst = (0..<6).map { _ in agent.handle(.fromClient(discover, port: "port1"), now: start) }
        #expect(burst.prefix(5).allSatisfy { forwarded($0) != nil })
        #expect(burst.last == [.drop(.rateLimited)])
        #expect(forwarded(agent.handle(.fromClient(discover, port: "port2"), now: start)) != nil)
        // 100 ms later port1 has earned one request back, and only one.
        let later = start + .milliseconds(100)
        #expect(forwarded(agent.handle(.fromClient(discover, port: "port1"), now: later)) != nil)
        #expect(agent.handle(.fromClient(discover, port: "port1"), now: later) == [.drop(.rateLimited)])
    }

    @Test func insertsCircuitIDAndRemoteIDPerPort() throws {
        var agent = makeAgent()
        let request = try forwarded(agent.handle(.fromClient(sampleDiscover(), port: "port2")))
        let information = try request?.relayAgentInformation()
        #expect(information?.circuitID == "an-01/2")
        #expect(information?.remoteID == "an-01")
        #expect(request?.giaddr == .any)
        #expect(request?.options.last?.code == .relayAgentInformation)
    }

    @Test func deliversReplyOnlyToPortOfEchoedCircuitIDWithoutOption82() throws {
        var agent = makeAgent()
        let request = try #require(forwarded(agent.handle(.fromClient(sampleDiscover(), port: "port2"))))
        let actions = agent.handle(.fromUplink(echo(of: request)))
        guard case .forwardToPort(let reply, let port) = actions.first else {
            Issue.record("expected forwardToPort, got \(actions)")
            return
        }
        #expect(port == "port2")
        #expect(!reply.hasRelayAgentInformation)
    }

    @Test func dropsClientSuppliedOption82UnderDropPolicy() throws {
        var agent = makeAgent(policy: .drop)
        var spoofed = try sampleDiscover()
        try spoofed.insertRelayAgentInformation(RelayAgentInformation(circuitID: "an-01/1", remoteID: "an-01"))
        #expect(agent.handle(.fromClient(spoofed, port: "port2")) == [.drop(.untrustedOption82)])
    }

    @Test func replacesClientSuppliedOption82UnderReplacePolicy() throws {
        var agent = makeAgent(policy: .replace)
        var spoofed = try sampleDiscover()
        try spoofed.insertRelayAgentInformation(RelayAgentInformation(circuitID: "an-01/1", remoteID: "evil"))
        let request = forwarded(agent.handle(.fromClient(spoofed, port: "port2")))
        #expect(try request?.relayAgentInformation() == RelayAgentInformation(circuitID: "an-01/2", remoteID: "an-01"))
        #expect(request?.options.filter { $0.code == .relayAgentInformation }.count == 1)
    }

    @Test func keepsClientOption82WithoutAddingSecondAndDeliversByLearnedMAC() throws {
        var agent = makeAgent(policy: .keep)
        var client = try sampleDiscover()
        try client.insertRelayAgentInformation(RelayAgentInformation(circuitID: "cpe", remoteID: "cpe-1"))
        let request = try #require(forwarded(agent.handle(.fromClient(client, port: "port1"))))
        #expect(request == client)
        let actions = agent.handle(.fromUplink(echo(of: request)))
        guard case .forwardToPort(let reply, let port) = actions.first else {
            Issue.record("expected forwardToPort, got \(actions)")
            return
        }
        #expect(port == "port1")
        #expect(reply.hasRelayAgentInformation)  // not ours to strip
    }

    @Test func dropsRequestsFromUnknownPortsAndRepliesFromClients() throws {
        var agent = makeAgent()
        #expect(try agent.handle(.fromClient(sampleDiscover(), port: "port9")) == [.drop(.unknownInterface)])
        var reply = try sampleDiscover()
        reply.op = .bootReply
        #expect(agent.handle(.fromClient(reply, port: "port1")) == [.drop(.wrongDirection)])
        #expect(try agent.handle(.fromUplink(sampleDiscover())) == [.drop(.wrongDirection)])
    }

    @Test func dropsReplyWithUnknownCircuitIDOrNoWayToFindPort() throws {
        var agent = makeAgent()
        var reply = try echo(of: sampleDiscover())
        #expect(agent.handle(.fromUplink(reply)) == [.drop(.unknownClient)])
        try reply.insertRelayAgentInformation(RelayAgentInformation(circuitID: "an-01/9", remoteID: "an-01"))
        #expect(agent.handle(.fromUplink(reply)) == [.drop(.unknownClient)])
        try reply.replaceRelayAgentInformation(RelayAgentInformation(circuitID: "x", remoteID: "an-02"))
        #expect(agent.handle(.fromUplink(reply)) == [.drop(.notOurOption82)])
        let malformed = try DHCPMessage(parsing: messageBytes(options: [82, 3, 1, 5, 0x41]))
        var malformedReply = malformed
        malformedReply.op = .bootReply
        #expect(agent.handle(.fromUplink(malformedReply)) == [.drop(.malformedOption82)])
    }

    @Test func dropsWhenOption82DoesNotFit() throws {
        var agent = AccessNodeRelayAgent(configuration: .init(
            remoteID: RelayAgentIdentifier(bytes: [UInt8](repeating: 0x61, count: 250)),
            circuitIDs: ["p": RelayAgentIdentifier(bytes: [UInt8](repeating: 0x62, count: 250))]))
        #expect(try agent.handle(.fromClient(sampleDiscover(), port: "p")) == [.drop(.option82DoesNotFit)])
    }

    @Test func learnedClientTableIsBounded() throws {
        var agent = makeAgent(policy: .keep)
        for index in 0...agent.configuration.maximumLearnedClients {
            var message = try sampleDiscover()
            let mac = MACAddress(bytes: [2, 0, 0, 0, UInt8(index >> 8 & 0xff), UInt8(index & 0xff)]) ?? .zero
            message.setClientMACAddress(mac)
            _ = agent.handle(.fromClient(message, port: "port1"))
        }
        #expect(agent.learnedPorts.count == agent.configuration.maximumLearnedClients)
    }
}
