import DHCPKit
import EventSourcing
import Foundation
import NetworkTypes
import RadiusKit

extension SessionEngine {
    // MARK: - DHCP

    mutating func dhcp(_ observation: DHCPRelayObservation, now: EventTimestamp) -> [SessionEngineAction] {
        var actions: [SessionEngineAction] = []
        if let remote = observation.remoteID {
            actions += seen(accessNode: remote.description, now: now)
        }
        guard let remote = observation.remoteID, let circuit = observation.circuitID, let mac = observation.clientMACAddress else {
            return actions
        }
        let key = SessionKey(line: SubscriberLine(remoteID: remote.description, circuitID: circuit.description), mac: mac)
        switch observation.messageType {
        case .ack:
            guard let address = observation.address, !address.isUnspecified, let lease = observation.leaseTime else { return actions }
            actions += acknowledged(key, address: address, lease: Double(lease), interface: observation.interface, now: now)
        case .nak, .decline:
            // The server refused the address (NAK) or the client found it taken (DECLINE).
            if let id = byKey[key] { actions += stop(id, cause: .lostService, now: now) }
        case .release:
            if let id = byKey[key] ?? observation.address.flatMap({ byAddress[$0] }) { actions += stop(id, cause: .userRequest, now: now) }
        default:
            break
        }
        return actions
    }

    /// A lease for `address` was granted or renewed.
    mutating func acknowledged(_ key: SessionKey, address: IPv4Address, lease: Double, interface: String,
                               now: EventTimestamp) -> [SessionEngineAction] {
        let expiry = now.adding(seconds: lease)
        var actions: [SessionEngineAction] = []
        if let id = byKey[key], var session = sessions[id] {
            if session.address == address {
                guard session.phase == .active else { return [] }
                // A renewal: same session, longer lease.
                session.leaseExpiresAt = expiry
                session.interface = interface
                return [update(session)]
            }
            actions += stop(id, cause: .lostService, now: now)
        }
        if let id = byMAC[key.mac], let other = sessions[id], other.key.line != key.line {
            actions += stop(id, cause: .portPreempted, now: now)
        }
        if let id = byAddress[address], let holder = sessions[id], holder.key != key {
            actions += stop(id, cause: .lostService, now: now)
        }
        return actions + start(key, address: address, interface: interface, expiry: expiry, now: now)
    }

    /// A new session: stored, counted (blocked), announced, and sent to RADIUS.
    mutating func start(_ key: SessionKey, address: IPv4Address, interface: String, expiry: EventTimestamp,
                        now: EventTimestamp) -> [SessionEngineAction] {
        let name = configuration.userNameFormat.userName(bng: configuration.bngID, remoteID: key.line.remoteID,
                                                         circuitID: key.line.circuitID, mac: key.mac)
        let session = Session(key: key, address: address, interface: interface, userName: name, startedAt: now, leaseExpiresAt: expiry)
        index(session)
        var actions: [SessionEngineAction] = []
        if tombstones.removeValue(forKey: key) != nil { actions.append(.exhume(key)) }
        actions += [
            .save(session),
            .install(address: address),
            .emit(.sessionStart(SessionStartPayload(line: line(of: session), startedAt: now, authState: .pendingAuth))),
            authorize(session, now: now),
        ]
        return actions
    }

    // MARK: - RADIUS

    /// The Access-Request of a session (SPEC §3); the client adds Message-Authenticator.
    func authorize(_ session: Session, now: EventTimestamp) -> SessionEngineAction {
        .authorize(sessionID: session.id, userName: session.userName, attributes: [
            .string(.nasIdentifier, configuration.nasIdentifier),
            .ipv4Address(.nasIPAddress, configuration.nasIPAddress),
            .string(.nasPortID, session.key.line.circuitID),
            .integer(.nasPortType, 15),
            .integer(.serviceType, 2),
            .string(.callingStationID, Self.callingStationID(session.key.mac)),
            .ipv4Address(.framedIPAddress, session.address),
            .string(.acctSessionID, session.id.uuidString.lowercased()),
            .date(.eventTimestamp, secondsSince1970: now.unixSeconds),
        ])
    }

    /// RFC 3580 §3.21 form: `02-00-5E-10-00-01`.
    static func callingStationID(_ mac: MACAddress) -> String {
        mac.description.uppercased().replacingOccurrences(of: ":", with: "-")
    }

    mutating func authorization(_ id: UUID, _ outcome: AuthorizationOutcome, now: EventTimestamp) -> [SessionEngineAction] {
        guard var session = sessions[id], session.phase == .active else { return [] }
        var actions: [SessionEngineAction] = []
        switch outcome {
        case .accepted(let packet):
            let policy = (try? SessionPolicy(packet: packet, profiles: configuration.profiles)) ?? SessionPolicy()
            session.authState = .authorized
            session.policy = policy
            session.authAttempts = 0
            session.nextAuthAt = nil
            session.nextInterimAt = now.adding(seconds: jittered(interimInterval(of: session)))
            session.lastTrafficAt = now
            actions.append(.allow(address: session.address, mac: session.key.mac, rates: policy.rates))
            if !session.accountingStarted {
                session.accountingStarted = true
                actions.append(.account(accountingRecord(session, .start, now: now)))
            }
            actions.append(update(session))
            actions.append(.emit(.policyApply(policyPayload(session, policy: policy))))
        case .rejected:
            let first = session.authState != .rejected
            session.authState = .rejected
            session.authAttempts += 1
            session.nextAuthAt = now.adding(seconds: backoff(attempts: session.authAttempts,
                                                             initial: configuration.rejectRetryInitial, maximum: configuration.rejectRetryMaximum))
            actions.append(update(session))
            if first { actions.append(.emit(.policyApply(policyPayload(session, policy: nil)))) }
        case .unanswered:
            session.authAttempts += 1
            session.nextAuthAt = now.adding(seconds: backoff(attempts: session.authAttempts,
                                                             initial: configuration.authRetryInitial, maximum: configuration.authRetryMaximum))
            actions.append(update(session))
        }
        return actions
    }

    func backoff(attempts: Int, initial: Double, maximum: Double) -> Double {
        min(maximum, initial * pow(2, Double(max(0, attempts - 1))))
    }

    // MARK: - Counters, interim, idle

    mutating func counters(_ readings: [IPv4Address: SessionCounters], now: EventTimestamp) -> [SessionEngineAction] {
        var actions: [SessionEngineAction] = []
        for (address, reading) in readings {
            guard let id = byAddress[address], var session = sessions[id], session.phase == .active else { continue }
            if session.absorb(kernel: reading) { session.lastTrafficAt = now }
            sessions[id] = session
            guard session.authState == .authorized else { continue }
            if let idle = idleTimeout(of: session), now.seconds(since: session.lastTrafficAt) >= idle {
                actions += stop(id, cause: .idleTimeout, now: now)
                continue
            }
            if let due = session.nextInterimAt, due <= now {
                actions.append(.account(accountingRecord(session, .interimUpdate, now: now)))
                actions.append(.emit(.sessionUpdate(SessionUpdatePayload(line: line(of: session), counters: session.counters))))
                session.nextInterimAt = due.adding(seconds: jittered(interimInterval(of: session)))
                if session.nextInterimAt.map({ $0 <= now }) == true {
                    session.nextInterimAt = now.adding(seconds: interimInterval(of: session))
                }
                actions.append(update(session))
            }
        }
        return actions
    }

    // MARK: - Stopping

    /// Begins ending a session: its kernel objects go, then ``removed(_:final:now:)`` finishes.
    mutating func stop(_ id: UUID, cause: TerminateCause, now: EventTimestamp) -> [SessionEngineAction] {
        guard var session = sessions[id], session.phase == .active else { return [] }
        session.phase = .stopping
        session.stopCause = cause
        // The address and MAC are free at once: a new session may take them while this one ends.
        if byAddress[session.address] == id { byAddress[session.address] = nil }
        if byMAC[session.key.mac] == id { byMAC[session.key.mac] = nil }
        if byKey[session.key] == id { byKey[session.key] = nil }
        sessions[id] = session
        return [.save(session), .remove(sessionID: id, address: session.address)]
    }

    mutating func removed(_ id: UUID, final: SessionCounters?, now: EventTimestamp) -> [SessionEngineAction] {
        guard var session = sessions[id], session.phase == .stopping else { return [] }
        if let final { session.absorb(kernel: final) }
        let cause = session.stopCause ?? .nasRequest
        var actions: [SessionEngineAction] = []
        if session.accountingStarted {
            actions.append(.account(accountingRecord(session, .stop, cause: cause, now: now)))
        }
        actions.append(.emit(.sessionStop(SessionStopPayload(line: line(of: session), counters: session.counters,
                                                              terminateCause: cause.description, endedAt: now,
                                                              authState: session.authState))))
        unindex(session)
        actions.append(.delete(sessionID: id))
        if cause.endedByBNG {
            let tombstone = Tombstone(key: session.key, address: session.address, stoppedAt: now, cause: cause,
                                      expiresAt: now.adding(seconds: configuration.tombstoneLifetime))
            tombstones[session.key] = tombstone
            actions.append(.bury(tombstone))
        }
        return actions
    }

    // MARK: - CoA and Disconnect

    func select(_ selector: SessionSelector) -> [Session] {
        let found: [Session]
        switch selector {
        case .sessionID(let id): found = sessions[id].map { [$0] } ?? []
        case .address(let address): found = byAddress[address].flatMap { sessions[$0] }.map { [$0] } ?? []
        case .userName(let name): found = sessions.values.filter { $0.userName == name }.sorted { $0.startedAt < $1.startedAt }
        }
        return found.filter { $0.phase == .active }
    }

    mutating func disconnect(_ selector: SessionSelector, cause: TerminateCause, token: UInt64, now: EventTimestamp) -> [SessionEngineAction] {
        let targets = select(selector)
        guard !targets.isEmpty else { return [.answer(token: token, .nak(cause: .sessionContextNotFound))] }
        var actions: [SessionEngineAction] = []
        for session in targets { actions += stop(session.id, cause: cause, now: now) }
        return actions + [.answer(token: token, .ack())]
    }

    mutating func changePolicy(_ selector: SessionSelector, _ packet: RADIUSPacket, token: UInt64, now: EventTimestamp) -> [SessionEngineAction] {
        let targets = select(selector).filter { $0.authState == .authorized }
        guard !targets.isEmpty else { return [.answer(token: token, .nak(cause: .sessionContextNotFound))] }
        guard let change = try? SessionPolicy(packet: packet, profiles: configuration.profiles) else {
            return [.answer(token: token, .nak(cause: .invalidAttributeValue))]
        }
        guard change.changesSomething else { return [.answer(token: token, .nak(cause: .missingAttribute))] }
        var actions: [SessionEngineAction] = []
        for var session in targets {
            var policy = session.policy ?? SessionPolicy()
            if !change.rates.isEmpty {
                policy.rates = policy.rates.updated(with: change.rates)
                actions.append(.reshape(address: session.address, rates: policy.rates))
            }
            policy.sessionTimeout = change.sessionTimeout ?? policy.sessionTimeout
            policy.idleTimeout = change.idleTimeout ?? policy.idleTimeout
            policy.interimInterval = change.interimInterval ?? policy.interimInterval
            policy.filterID = change.filterID ?? policy.filterID
            session.policy = policy
            actions.append(update(session))
            actions.append(.emit(.policyApply(policyPayload(session, policy: policy))))
        }
        return actions + [.answer(token: token, .ack())]
    }

    // MARK: - Payloads and records

    func line(of session: Session) -> SessionLine {
        SessionLine(sessionID: session.id, nasIP: configuration.nasIPAddress, remoteID: session.key.line.remoteID,
                    circuitID: session.key.line.circuitID, macAddress: session.key.mac, ipAddress: session.address,
                    username: session.userName)
    }

    func policyPayload(_ session: Session, policy: SessionPolicy?) -> PolicyApplyPayload {
        PolicyApplyPayload(line: line(of: session), authState: session.authState,
                           downloadKbps: policy?.rates.downloadKbps.map(UInt64.init), uploadKbps: policy?.rates.uploadKbps.map(UInt64.init),
                           downloadBurstKbit: policy?.rates.downloadBurstKbit.map(UInt64.init),
                           uploadBurstKbit: policy?.rates.uploadBurstKbit.map(UInt64.init))
    }

    /// An accounting request of `session`: octets from the subscriber's side (Acct-Input-Octets
    /// are the bytes the subscriber sent), Class echoed (RFC 2865 §5.25).
    func accountingRecord(_ session: Session, _ status: RADIUSAccountingRecord.StatusType, cause: TerminateCause? = nil,
                          now: EventTimestamp) -> RADIUSAccountingRecord {
        var attributes: [RADIUSAttribute] = [
            .string(.nasIdentifier, configuration.nasIdentifier),
            .ipv4Address(.nasIPAddress, configuration.nasIPAddress),
            .string(.nasPortID, session.key.line.circuitID),
            .integer(.nasPortType, 15),
            .string(.callingStationID, Self.callingStationID(session.key.mac)),
            .ipv4Address(.framedIPAddress, session.address),
        ]
        for value in session.policy?.classes ?? [] { attributes.append(.octets(.class, value)) }
        return RADIUSAccountingRecord(
            statusType: status, sessionID: session.id.uuidString.lowercased(), userName: session.userName,
            inputOctets: session.counters.bytesUp, outputOctets: session.counters.bytesDown,
            inputPackets: session.counters.packetsUp, outputPackets: session.counters.packetsDown,
            sessionTime: status == .start ? nil : UInt32(clamping: Int64(max(0, now.seconds(since: session.startedAt)))),
            terminateCause: cause?.rawValue, eventTimestamp: now.unixSeconds, attributes: attributes)
    }
}
