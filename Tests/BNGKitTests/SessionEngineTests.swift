import BNGKit
import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import NetworkTypes
import RadiusKit
import Testing

/// A small harness for the pure engine: a clock, DHCP observations and RADIUS answers.
struct EngineHarness {
    var engine: SessionEngine
    var now = EventTimestamp(microsecondsSinceEpoch: 1_800_000_000_000_000)
    static let mac = MACAddress(0x02, 0, 0, 0, 0, 0x01)
    static let address = IPv4Address(100, 64, 1, 10)

    init(_ configuration: SessionEngineConfiguration = EngineHarness.configuration, sessions: [Session] = [], tombstones: [Tombstone] = []) {
        engine = SessionEngine(configuration: configuration, sessions: sessions, tombstones: tombstones, seed: 7)
    }

    static let configuration = SessionEngineConfiguration(bngID: "bng-01", nasIPAddress: IPv4Address(198, 18, 0, 21), password: "pw",
                                                          interimInterval: 30, interimJitter: 0, idleTimeout: 120,
                                                          profiles: ["gold": RADIUSRateLimits(downloadKbps: 100_000, uploadKbps: 20_000)])

    static func observation(_ type: DHCPMessageType, mac: MACAddress = mac, address: IPv4Address? = address, lease: UInt32? = 3600,
                            remote: String = "an-01", circuit: String = "an-01/1") -> DHCPRelayObservation {
        var message = DHCPMessage(op: type == .ack || type == .nak || type == .offer ? .bootReply : .bootRequest,
                                  xid: 1, chaddr: mac.bytes)
        message.messageType = type
        if let address { if message.op == .bootReply { message.yiaddr = address } else { message.ciaddr = address } }
        message.leaseTime = lease
        return DHCPRelayObservation(message: message,
                                    information: RelayAgentInformation(circuitID: RelayAgentIdentifier(text: circuit),
                                                                       remoteID: RelayAgentIdentifier(text: remote)),
                                    interface: "agg0")
    }

    static func accept(_ attributes: [RADIUSAttribute] = []) -> AuthorizationOutcome {
        .accepted(RADIUSPacket(code: .accessAccept, identifier: 1, attributes: attributes))
    }

    mutating func advance(_ seconds: Double) { now = now.adding(seconds: seconds) }

    mutating func handle(_ event: SessionEngineEvent) -> [SessionEngineAction] { engine.handle(event, now: now) }

    /// ACK then Accept: an authorized session; returns its id.
    mutating func authorized(mac: MACAddress = mac, address: IPv4Address = address, circuit: String = "an-01/1",
                             accept: AuthorizationOutcome = EngineHarness.accept()) -> UUID? {
        let actions = handle(.dhcp(Self.observation(.ack, mac: mac, address: address, circuit: circuit)))
        guard let id = actions.authorizedSessionID else { return nil }
        _ = handle(.authorization(sessionID: id, accept))
        return id
    }
}

extension [SessionEngineAction] {
    var authorizedSessionID: UUID? {
        for case .authorize(let id, _, _) in self { return id }
        return nil
    }

    var emitted: [EventPayload] { compactMap { if case .emit(let payload) = $0 { payload } else { nil } } }
    var records: [RADIUSAccountingRecord] { compactMap { if case .account(let record) = $0 { record } else { nil } } }
    var removals: [UUID] { compactMap { if case .remove(let id, _) = $0 { id } else { nil } } }
    var eventTypes: [EventType] { emitted.map(\.eventType) }
}

@Suite struct SessionEngineLifecycleTests {
    @Test func anACKStartsAPendingSessionThatRADIUSAuthorizes() throws {
        var harness = EngineHarness()
        let started = harness.handle(.dhcp(EngineHarness.observation(.ack)))
        #expect(started.eventTypes == [.routerUpdate, .sessionStart], "the access node is announced, then the session")
        #expect(started.contains(.install(address: EngineHarness.address)))
        let id = try #require(started.authorizedSessionID)
        guard case .authorize(_, let userName, let attributes)? = started.first(where: { if case .authorize = $0 { true } else { false } }) else {
            Issue.record("no Access-Request")
            return
        }
        #expect(userName == "bng-01/an-01/an-01/1")
        #expect(attributes.contains(.string(.nasPortID, "an-01/1")))
        #expect(attributes.contains(.string(.callingStationID, "02-00-00-00-00-01")))
        #expect(attributes.contains(.ipv4Address(.framedIPAddress, EngineHarness.address)))
        #expect(attributes.contains(.string(.acctSessionID, id.uuidString.lowercased())))

        let rates = try RADIUSRateLimits(downloadKbps: 20_000, uploadKbps: 5_000).aetherAttributes()
        let accepted = harness.handle(.authorization(sessionID: id, EngineHarness.accept(rates + [.octets(.class, [1, 2, 3])])))
        #expect(accepted.contains(.allow(address: EngineHarness.address, mac: EngineHarness.mac, rates: RADIUSRateLimits(downloadKbps: 20_000, uploadKbps: 5_000))))
        #expect(accepted.eventTypes == [.policyApply])
        let start = try #require(accepted.records.first)
        #expect(start.statusType == .start)
        #expect(start.attributes.contains(.octets(.class, [1, 2, 3])))
        #expect(harness.engine.sessions[id]?.authState == .authorized)
    }

    @Test func aRenewalKeepsTheSessionAndAnAddressChangeStartsANewOne() throws {
        var harness = EngineHarness()
        let unwrapped1 = harness.authorized()
        let id = try #require(unwrapped1)
        harness.advance(900)
        let renewal = harness.handle(.dhcp(EngineHarness.observation(.ack)))
        #expect(renewal.emitted.isEmpty && renewal.authorizedSessionID == nil)
        #expect(harness.engine.sessions[id]?.leaseExpiresAt == harness.now.adding(seconds: 3600))

        let moved = harness.handle(.dhcp(EngineHarness.observation(.ack, address: IPv4Address(100, 64, 1, 11))))
        #expect(moved.removals == [id])
        let newID = try #require(moved.authorizedSessionID)
        #expect(newID != id)
        let stopped = harness.handle(.removed(sessionID: id, finalCounters: SessionCounters(bytesUp: 10, bytesDown: 20)))
        #expect(stopped.records.map(\.statusType) == [.stop])
        #expect(stopped.records.first?.terminateCause == TerminateCause.lostService.rawValue)
        guard case .sessionStop(let stop)? = stopped.emitted.first else {
            Issue.record("no SESSION_STOP")
            return
        }
        #expect(stop.terminateCause == "Lost-Service")
        #expect(stop.counters == SessionCounters(bytesUp: 10, bytesDown: 20))
    }

    @Test func releaseEndsWithUserRequestAndFinalCountersFromTheSubscribersSide() throws {
        var harness = EngineHarness()
        let unwrapped2 = harness.authorized()
        let id = try #require(unwrapped2)
        _ = harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 1000, bytesDown: 50_000)]))
        let release = harness.handle(.dhcp(EngineHarness.observation(.release)))
        #expect(release.removals == [id])
        let done = harness.handle(.removed(sessionID: id, finalCounters: SessionCounters(bytesUp: 1500, bytesDown: 80_000)))
        let stop = try #require(done.records.first)
        #expect(stop.inputOctets == 1500, "Acct-Input-Octets are the bytes the subscriber sent")
        #expect(stop.outputOctets == 80_000)
        #expect(stop.terminateCause == TerminateCause.userRequest.rawValue)
        #expect(done.contains(.delete(sessionID: id)))
        #expect(!done.contains { if case .bury = $0 { true } else { false } }, "a RELEASE leaves no tombstone")
        #expect(harness.engine.sessions.isEmpty)
    }

    @Test func aLeaseThatRunsOutEndsWithLostCarrier() throws {
        var harness = EngineHarness()
        let unwrapped3 = harness.authorized()
        let id = try #require(unwrapped3)
        harness.advance(3600 + 4)
        #expect(harness.handle(.tick).removals.isEmpty)
        harness.advance(2)
        #expect(harness.handle(.tick).removals == [id])
        #expect(harness.engine.sessions[id]?.stopCause == .lostCarrier)
    }

    @Test func idleSessionsEndAndLeaveATombstoneThatAFreshDHCPExchangeClears() throws {
        var harness = EngineHarness()
        let unwrapped4 = harness.authorized()
        let id = try #require(unwrapped4)
        harness.advance(60)
        _ = harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 100, bytesDown: 100)]))
        harness.advance(119)
        #expect(harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 100, bytesDown: 100)])).removals.isEmpty)
        harness.advance(1)
        #expect(harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 100, bytesDown: 100)])).removals == [id])
        let done = harness.handle(.removed(sessionID: id, finalCounters: nil))
        #expect(done.contains { if case .bury(let t) = $0 { t.cause == .idleTimeout } else { false } })
        // The subscriber still holds its lease: its next renewal starts a fresh session.
        let again = harness.handle(.dhcp(EngineHarness.observation(.ack)))
        #expect(again.authorizedSessionID != nil && again.authorizedSessionID != id)
        #expect(again.contains(.exhume(SessionKey(line: SubscriberLine(remoteID: "an-01", circuitID: "an-01/1"), mac: EngineHarness.mac))))
    }

    @Test func radiusTimeoutsAndRejectionsAreRetriedWithBackOffUntilAccepted() throws {
        var harness = EngineHarness()
        let unwrapped5 = harness.handle(.dhcp(EngineHarness.observation(.ack))).authorizedSessionID
        let id = try #require(unwrapped5)
        _ = harness.handle(.authorization(sessionID: id, .unanswered("timeout")))
        harness.advance(1.9)
        #expect(harness.handle(.tick).authorizedSessionID == nil)
        harness.advance(0.2)
        #expect(harness.handle(.tick).authorizedSessionID == id)
        let rejected = harness.handle(.authorization(sessionID: id, .rejected(RADIUSPacket(code: .accessReject, identifier: 1))))
        #expect(rejected.eventTypes == [.policyApply])
        guard case .policyApply(let payload)? = rejected.emitted.first else { return }
        #expect(payload.authState == .rejected)
        // Rejections wait longer: 10 s × 2^(attempts − 1); attempts counts the timeout too.
        harness.advance(19)
        #expect(harness.handle(.tick).authorizedSessionID == nil)
        harness.advance(1.1)
        #expect(harness.handle(.tick).authorizedSessionID == id)
        // A second rejection announces nothing new.
        #expect(harness.handle(.authorization(sessionID: id, .rejected(RADIUSPacket(code: .accessReject, identifier: 2)))).emitted.isEmpty)
        harness.advance(41)
        #expect(harness.handle(.tick).authorizedSessionID == id)
        let accepted = harness.handle(.authorization(sessionID: id, EngineHarness.accept()))
        #expect(accepted.records.map(\.statusType) == [.start])
        #expect(harness.engine.sessions[id]?.authState == .authorized)
    }

    @Test func interimUpdatesCarryGrowingCountersAndNeverGoBackwards() throws {
        var harness = EngineHarness()
        let unwrapped6 = harness.authorized()
        let id = try #require(unwrapped6)
        harness.advance(30)
        let first = harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 100, bytesDown: 1000)]))
        #expect(first.records.map(\.statusType) == [.interimUpdate])
        #expect(first.eventTypes == [.sessionUpdate])
        // A smaller reading means the kernel counter was recreated: it counts from zero on top.
        harness.advance(30)
        let second = harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 50, bytesDown: 500)]))
        #expect(second.records.first?.inputOctets == 150)
        #expect(second.records.first?.outputOctets == 1500)
        #expect(harness.engine.sessions[id]?.counters.bytesDown == 1500)
    }

    @Test func sessionTimeoutAndIdleTimeoutFromTheAcceptAreHonoured() throws {
        var harness = EngineHarness()
        let unwrapped7 = harness.authorized(accept: EngineHarness.accept([.integer(.sessionTimeout, 100), .integer(.idleTimeout, 1000),
                                                                               .integer(.acctInterimInterval, 10)]))
        let id = try #require(unwrapped7)
        harness.advance(10)
        #expect(harness.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 1, bytesDown: 1)])).records.count == 1)
        harness.advance(89)
        #expect(harness.handle(.tick).removals.isEmpty)
        harness.advance(1)
        #expect(harness.handle(.tick).removals == [id])
        #expect(harness.engine.sessions[id]?.stopCause == .sessionTimeout)
    }

    @Test func aPortMoveEndsTheOldSessionWithPortPreempted() throws {
        var harness = EngineHarness()
        let unwrapped8 = harness.authorized()
        let id = try #require(unwrapped8)
        let moved = harness.handle(.dhcp(EngineHarness.observation(.ack, address: IPv4Address(100, 64, 1, 20), circuit: "an-01/2")))
        #expect(moved.removals == [id])
        #expect(harness.engine.sessions[id]?.stopCause == .portPreempted)
        #expect(moved.authorizedSessionID != nil)
    }

    @Test func nakAndDeclineEndTheSession() throws {
        for type in [DHCPMessageType.nak, .decline] {
            var harness = EngineHarness()
            let unwrapped9 = harness.authorized()
            let id = try #require(unwrapped9)
            #expect(harness.handle(.dhcp(EngineHarness.observation(type))).removals == [id])
        }
    }
}

@Suite struct SessionEngineCoATests {
    @Test func disconnectByIdAddressOrUserNameAndNAK503WhenUnknown() throws {
        for selector in [SessionSelector.address(EngineHarness.address), .userName("bng-01/an-01/an-01/1")] {
            var harness = EngineHarness()
            let unwrapped10 = harness.authorized()
            let id = try #require(unwrapped10)
            let actions = harness.handle(.disconnect(selector, cause: .adminReset, token: 9))
            #expect(actions.removals == [id])
            #expect(actions.contains(.answer(token: 9, .ack())))
        }
        var harness = EngineHarness()
        let unwrapped11 = harness.authorized()
        let id = try #require(unwrapped11)
        #expect(harness.handle(.disconnect(.sessionID(id), cause: .adminReset, token: 1)).removals == [id])
        #expect(harness.handle(.disconnect(.sessionID(UUID()), cause: .adminReset, token: 2)) == [.answer(token: 2, .nak(cause: .sessionContextNotFound))])
    }

    @Test func aCoAWithNewRatesReshapesInPlaceAndKeepsTheSessionID() throws {
        var harness = EngineHarness()
        let unwrapped12 = harness.authorized()
        let id = try #require(unwrapped12)
        let rates = try RADIUSRateLimits(downloadKbps: 5_000, uploadKbps: 1_000).aetherAttributes()
        let coa = RADIUSPacket(code: .coaRequest, identifier: 3, attributes: [.string(.acctSessionID, id.uuidString.lowercased())] + rates)
        let actions = harness.handle(.changePolicy(.sessionID(id), coa, token: 4))
        #expect(actions.contains(.reshape(address: EngineHarness.address, rates: RADIUSRateLimits(downloadKbps: 5_000, uploadKbps: 1_000))))
        #expect(actions.eventTypes == [.policyApply])
        #expect(actions.contains(.answer(token: 4, .ack())))
        #expect(actions.removals.isEmpty)
        #expect(harness.engine.sessions[id]?.policy?.rates.downloadKbps == 5_000)
        // A Filter-Id naming a profile works too; a CoA changing nothing is refused.
        let gold = RADIUSPacket(code: .coaRequest, identifier: 4, attributes: [.string(.filterID, "gold")])
        #expect(harness.handle(.changePolicy(.sessionID(id), gold, token: 5)).contains(
            .reshape(address: EngineHarness.address, rates: RADIUSRateLimits(downloadKbps: 100_000, uploadKbps: 20_000))))
        #expect(harness.handle(.changePolicy(.sessionID(id), RADIUSPacket(code: .coaRequest, identifier: 5), token: 6))
                == [.answer(token: 6, .nak(cause: .missingAttribute))])
        // Naming one direction leaves the other as it was.
        let downOnly = RADIUSPacket(code: .coaRequest, identifier: 6, attributes: try RADIUSRateLimits(downloadKbps: 8_000).aetherAttributes())
        #expect(harness.handle(.changePolicy(.sessionID(id), downOnly, token: 7)).contains(
            .reshape(address: EngineHarness.address, rates: RADIUSRateLimits(downloadKbps: 8_000, uploadKbps: 20_000))))
    }
}

@Suite struct SessionEngineRestartTests {
    @Test func reconcileAdoptsThisBNGsActiveLeasesOnlyAndRespectsTombstones() throws {
        var harness = EngineHarness()
        let now = Int64(harness.now.unixSeconds)
        func lease(_ last: UInt8, mac: MACAddress, relay: String = "bng-01", state: Int = 0, cltt: Int64, circuit: String) throws -> KeaLease4 {
            var information = RelayAgentInformation(circuitID: RelayAgentIdentifier(text: circuit), remoteID: "an-01")
            information.relayID = RelayAgentIdentifier(text: relay)
            return try KeaLease4(json: [
                "ip-address": "100.64.1.\(last)", "hw-address": mac.description, "subnet-id": 1, "cltt": cltt,
                "valid-lft": 3600, "state": state,
                "user-context": ["ISC": ["relay-agent-info": "0x" + Hex.encode(try information.encoded())]],
            ], command: "test")
        }
        let buried = SessionKey(line: SubscriberLine(remoteID: "an-01", circuitID: "c5"), mac: MACAddress(2, 0, 0, 0, 0, 5))
        harness = EngineHarness(tombstones: [Tombstone(key: buried, address: IPv4Address(100, 64, 1, 5), stoppedAt: harness.now,
                                                       cause: .adminReset, expiresAt: harness.now.adding(seconds: 600))])
        let leases = [
            try lease(1, mac: MACAddress(2, 0, 0, 0, 0, 1), cltt: now - 100, circuit: "c1"),
            try lease(2, mac: MACAddress(2, 0, 0, 0, 0, 2), relay: "bng-02", cltt: now - 100, circuit: "c2"),
            try lease(3, mac: MACAddress(2, 0, 0, 0, 0, 3), state: 1, cltt: now - 100, circuit: "c3"),
            try lease(4, mac: MACAddress(2, 0, 0, 0, 0, 4), cltt: now - 4000, circuit: "c4"),
            try lease(5, mac: MACAddress(2, 0, 0, 0, 0, 5), cltt: now - 100, circuit: "c5"),
        ]
        let actions = harness.handle(.leases(leases))
        #expect(actions.eventTypes == [.sessionStart])
        #expect(harness.engine.sessions.values.map(\.address) == [IPv4Address(100, 64, 1, 1)])
        #expect(harness.engine.sessions.values.first?.leaseExpiresAt == EventTimestamp(microsecondsSinceEpoch: (now - 100 + 3600) * 1_000_000))
        // A second pass changes nothing.
        #expect(harness.handle(.leases(leases)).isEmpty)
    }

    @Test func sessionsRestoredFromTheStoreResumeTheirTimersAndAskRADIUSAgain() throws {
        var first = EngineHarness()
        let unwrapped13 = first.authorized()
        let authorized = try #require(unwrapped13)
        let unwrapped14 = first.handle(.dhcp(EngineHarness.observation(.ack, mac: MACAddress(2, 0, 0, 0, 0, 9),
                                                                                 address: IPv4Address(100, 64, 1, 99), circuit: "an-01/9"))).authorizedSessionID
        let pendingID = try #require(unwrapped14)
        var second = EngineHarness(sessions: Array(first.engine.sessions.values))
        second.now = first.now
        #expect(second.engine.sessions[authorized]?.authState == .authorized)
        // The pending one was waiting for an answer that died with the old process: ask again.
        #expect(second.handle(.tick).authorizedSessionID == pendingID)
        // The authorized one's interim is still due on its own schedule.
        second.advance(30)
        #expect(second.handle(.counters([EngineHarness.address: SessionCounters(bytesUp: 1, bytesDown: 1)])).records.map(\.statusType) == [.interimUpdate])
    }

    @Test func accessNodesAreAnnouncedOnChangeOnly() {
        var harness = EngineHarness()
        #expect(harness.handle(.dhcp(EngineHarness.observation(.discover, address: nil))).eventTypes == [.routerUpdate])
        #expect(harness.handle(.dhcp(EngineHarness.observation(.request, address: nil))).eventTypes == [])
        harness.advance(181)
        let stale = harness.handle(.tick)
        #expect(stale.eventTypes == [.routerUpdate])
        guard case .routerUpdate(let update)? = stale.emitted.first else { return }
        #expect(!update.isAlive)
        #expect(harness.handle(.tick).isEmpty)
        #expect(harness.handle(.dhcp(EngineHarness.observation(.discover, address: nil))).eventTypes == [.routerUpdate])
    }
}
