import Foundation
import Testing

@testable import DHCPKit
import NetworkTypes

@Suite struct DHCPClientStateMachineTests {
    typealias Client = DHCPClientStateMachine
    static let mac = MACAddress(bytes: [2, 0, 0, 0, 0, 1]) ?? .zero
    static let server = IPv4Address(10, 0, 0, 2)
    static let address = IPv4Address(100, 64, 0, 10)

    func makeClient() -> Client {
        Client(configuration: .init(macAddress: Self.mac, hostName: "h1"), transactionID: 100)
    }

    /// A server reply of `type` to the client's current transaction.
    func reply(_ type: DHCPMessageType, to client: Client, leaseSeconds: UInt32 = 3600) -> DHCPMessage {
        var message = DHCPMessage(op: .bootReply, xid: client.transactionID, yiaddr: type == .nak ? .any : Self.address)
        message.setClientMACAddress(Self.mac)
        message.messageType = type
        message.serverIdentifier = Self.server
        if type != .nak {
            message.leaseTime = leaseSeconds
        }
        return message
    }

    func sentMessages(_ actions: [Client.Action]) -> [(DHCPMessage, IPv4Address)] {
        actions.compactMap {
            if case .send(let message, let destination) = $0 { return (message, destination) }
            return nil
        }
    }

    func timers(_ actions: [Client.Action]) -> [Duration] {
        actions.compactMap {
            if case .scheduleTimer(let at) = $0 { return at }
            return nil
        }
    }

    /// Drives a client to BOUND at t = 0 with a 3600 s lease.
    func boundClient() -> Client {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        _ = client.handle(.received(reply(.offer, to: client), now: .zero))
        _ = client.handle(.received(reply(.ack, to: client), now: .zero))
        return client
    }

    @Test func startBroadcastsDiscoverAndEntersSelecting() {
        var client = makeClient()
        let actions = client.handle(.start(now: .zero))
        #expect(client.state == .selecting)
        let sent = sentMessages(actions)
        #expect(sent.count == 1)
        #expect(sent.first?.1 == .broadcast)
        #expect(sent.first?.0.messageType == .discover)
        #expect(sent.first?.0.isBroadcast == true)
        #expect(sent.first?.0.clientMACAddress == Self.mac)
        #expect(sent.first?.0.encodedLength == DHCPMessage.minimumBOOTPLength)
        #expect(timers(actions) == [.seconds(4)])
    }

    @Test func discoverRetransmitsWithDoublingBackoffCappedAt64Seconds() {
        var client = makeClient()
        var at = timers(client.handle(.start(now: .zero))).first ?? .zero
        var gaps: [Duration] = [at]
        for _ in 0..<6 {
            let next = timers(client.handle(.timerFired(now: at))).first ?? .zero
            gaps.append(next - at)
            at = next
        }
        #expect(gaps == [.seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(64), .seconds(64), .seconds(64)])
    }

    @Test func offerLeadsToBroadcastRequestWithServerIdentifierAndSameXID() {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        let xid = client.transactionID
        let actions = client.handle(.received(reply(.offer, to: client), now: .seconds(1)))
        #expect(client.state == .requesting)
        let request = sentMessages(actions).first
        #expect(request?.1 == .broadcast)
        #expect(request?.0.messageType == .request)
        #expect(request?.0.xid == xid)
        #expect(request?.0.requestedIPAddress == Self.address)
        #expect(request?.0.serverIdentifier == Self.server)
        #expect(request?.0.ciaddr == .any)
        #expect(request?.0.secs == 1)
    }

    @Test func ignoresRepliesForOtherTransactionsOrClients() {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        var wrongXID = reply(.offer, to: client)
        wrongXID.xid &+= 1
        #expect(client.handle(.received(wrongXID, now: .zero)).isEmpty)
        var otherMAC = reply(.offer, to: client)
        otherMAC.setClientMACAddress(.broadcast)
        #expect(client.handle(.received(otherMAC, now: .zero)).isEmpty)
        #expect(client.handle(.received(reply(.ack, to: client), now: .zero)).isEmpty)
        #expect(client.state == .selecting)
    }

    @Test func ackBindsLeaseAndSchedulesRenewalAtT1() {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        _ = client.handle(.received(reply(.offer, to: client), now: .zero))
        let actions = client.handle(.received(reply(.ack, to: client), now: .seconds(2)))
        #expect(client.state == .bound)
        let lease = DHCPLease(address: Self.address, serverIdentifier: Self.server, acquiredAt: .seconds(2), leaseTime: .seconds(3600))
        #expect(actions == [.bind(lease), .scheduleTimer(at: .seconds(1802))])
        #expect(client.lease?.rebindAt == .seconds(2 + 3150))
    }

    @Test func nakInRequestingRestartsDiscovery() {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        _ = client.handle(.received(reply(.offer, to: client), now: .zero))
        let actions = client.handle(.received(reply(.nak, to: client), now: .seconds(1)))
        #expect(client.state == .selecting)
        #expect(sentMessages(actions).first?.0.messageType == .discover)
    }

    @Test func requestGivesUpAfterMaximumAttempts() {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        var now = Duration.zero
        _ = client.handle(.received(reply(.offer, to: client), now: now))
        for _ in 1..<client.configuration.maximumRequestAttempts {
            now += .seconds(100)
            #expect(sentMessages(client.handle(.timerFired(now: now))).first?.0.messageType == .request)
        }
        now += .seconds(100)
        #expect(sentMessages(client.handle(.timerFired(now: now))).first?.0.messageType == .discover)
        #expect(client.state == .selecting)
    }

    @Test func t1UnicastsRenewalWithCiaddrToServer() {
        var client = boundClient()
        let actions = client.handle(.timerFired(now: .seconds(1800)))
        #expect(client.state == .renewing)
        let request = sentMessages(actions).first
        #expect(request?.1 == Self.server)
        #expect(request?.0.messageType == .request)
        #expect(request?.0.ciaddr == Self.address)
        #expect(request?.0.requestedIPAddress == nil)
        #expect(request?.0.serverIdentifier == nil)
        #expect(request?.0.isBroadcast == false)
        // Half of the 1350 s left until T2.
        #expect(timers(actions) == [.seconds(1800 + 675)])
    }

    @Test func earlyTimerInBoundOnlyRearms() {
        var client = boundClient()
        #expect(client.handle(.timerFired(now: .seconds(10))) == [.scheduleTimer(at: .seconds(1800))])
        #expect(client.state == .bound)
    }

    @Test func renewalAckExtendsLease() {
        var client = boundClient()
        _ = client.handle(.timerFired(now: .seconds(1800)))
        let actions = client.handle(.received(reply(.ack, to: client), now: .seconds(1801)))
        #expect(client.state == .bound)
        #expect(client.lease?.acquiredAt == .seconds(1801))
        #expect(timers(actions) == [.seconds(1801 + 1800)])
    }

    @Test func t2BroadcastsRebindAndExpiryUnbinds() {
        var client = boundClient()
        _ = client.handle(.timerFired(now: .seconds(1800)))
        let rebind = client.handle(.timerFired(now: .seconds(3150)))
        #expect(client.state == .rebinding)
        #expect(sentMessages(rebind).first?.1 == .broadcast)
        #expect(sentMessages(rebind).first?.0.ciaddr == Self.address)
        // Retransmission waits at least 60 s even though only 450 s remain (RFC 2131 §4.4.5).
        #expect(timers(rebind) == [.seconds(3150 + 225)])
        let expired = client.handle(.timerFired(now: .seconds(3600)))
        #expect(expired.first == .unbind(Self.address))
        #expect(client.state == .selecting)
        #expect(client.lease == nil)
    }

    @Test func renewalRetransmissionNeverWaitsLessThan60Seconds() {
        var client = boundClient()
        _ = client.handle(.timerFired(now: .seconds(1800)))
        #expect(timers(client.handle(.timerFired(now: .seconds(3100)))) == [.seconds(3150)])
    }

    @Test func nakWhileRenewingUnbindsAndRestarts() {
        var client = boundClient()
        _ = client.handle(.timerFired(now: .seconds(1800)))
        let actions = client.handle(.received(reply(.nak, to: client), now: .seconds(1801)))
        #expect(actions.first == .unbind(Self.address))
        #expect(client.state == .selecting)
    }

    @Test func addressConflictSendsDeclineAndRestartsAfterTenSeconds() {
        var client = boundClient()
        let actions = client.handle(.addressConflict(now: .seconds(1)))
        #expect(actions.first == .unbind(Self.address))
        let decline = sentMessages(actions).first
        #expect(decline?.1 == .broadcast)
        #expect(decline?.0.messageType == .decline)
        #expect(decline?.0.requestedIPAddress == Self.address)
        #expect(decline?.0.serverIdentifier == Self.server)
        #expect(decline?.0.ciaddr == .any)
        #expect(timers(actions) == [.seconds(11)])
        #expect(client.state == .initial)
        #expect(sentMessages(client.handle(.timerFired(now: .seconds(11)))).first?.0.messageType == .discover)
    }

    @Test func releaseUnicastsToServerAndStaysIdle() {
        var client = boundClient()
        let actions = client.handle(.release(now: .seconds(5)))
        let release = sentMessages(actions).first
        #expect(release?.1 == Self.server)
        #expect(release?.0.messageType == .release)
        #expect(release?.0.ciaddr == Self.address)
        #expect(release?.0.serverIdentifier == Self.server)
        #expect(actions.first == .cancelTimer)
        #expect(actions.last == .unbind(Self.address))
        #expect(client.state == .initial)
        #expect(client.handle(.timerFired(now: .seconds(100))).isEmpty)
        #expect(client.handle(.release(now: .seconds(6))).isEmpty)
    }

    @Test func rebootRequestsRememberedAddressWithoutServerIdentifier() {
        var client = makeClient()
        let actions = client.handle(.reboot(previousAddress: Self.address, now: .zero))
        #expect(client.state == .rebooting)
        let request = sentMessages(actions).first
        #expect(request?.1 == .broadcast)
        #expect(request?.0.requestedIPAddress == Self.address)
        #expect(request?.0.serverIdentifier == nil)
        #expect(request?.0.ciaddr == .any)
        _ = client.handle(.received(reply(.ack, to: client), now: .seconds(1)))
        #expect(client.state == .bound)
    }

    @Test func rebootNakFallsBackToDiscovery() {
        var client = makeClient()
        _ = client.handle(.reboot(previousAddress: Self.address, now: .zero))
        let actions = client.handle(.received(reply(.nak, to: client), now: .seconds(1)))
        #expect(client.state == .selecting)
        #expect(sentMessages(actions).first?.0.messageType == .discover)
    }

    @Test func ackWithoutLeaseTimeIsIgnored() {
        var client = makeClient()
        _ = client.handle(.start(now: .zero))
        _ = client.handle(.received(reply(.offer, to: client), now: .zero))
        var ack = reply(.ack, to: client)
        ack.leaseTime = nil
        #expect(client.handle(.received(ack, now: .zero)).isEmpty)
        #expect(client.state == .requesting)
    }

    @Test func leaseUsesServerT1AndT2WhenGiven() {
        var ack = DHCPMessage(op: .bootReply, yiaddr: Self.address)
        ack.serverIdentifier = Self.server
        ack.leaseTime = 100
        ack.renewalTime = 10
        ack.rebindingTime = 20
        let lease = DHCPLease(ack: ack, receivedAt: .seconds(5))
        #expect(lease?.renewAt == .seconds(15))
        #expect(lease?.rebindAt == .seconds(25))
        #expect(lease?.expiresAt == .seconds(105))
    }
}
