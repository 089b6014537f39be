import NetworkTypes

extension DHCPClientStateMachine {
    /// Applies `event` and returns what to do, in order (RFC 2131 §4.4, figure 5).
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .start(let now):
            guard state == .initial else { return [] }
            return beginDiscovery(now: now)
        case .reboot(let address, let now):
            guard state == .initial else { return [] }
            state = .initReboot
            return beginExchange(.rebooting, requesting: address, server: nil, now: now)
        case .received(let message, let now):
            return receive(message, now: now)
        case .timerFired(let now):
            return timerFired(now: now)
        case .addressConflict(let now):
            return decline(now: now)
        case .release(let now):
            return release(now: now)
        }
    }

    // MARK: - Exchanges

    private mutating func beginDiscovery(now: Duration) -> [Action] {
        state = .selecting
        lease = nil
        isBackingOffAfterDecline = false
        requestedAddress = nil
        requestedServer = nil
        newTransaction(now: now)
        return [send(makeMessage(.discover, now: now), to: .broadcast),
                .scheduleTimer(at: nextRetransmission(now: now))]
    }

    /// Starts REQUESTING (an offer) or REBOOTING (a remembered address).
    private mutating func beginExchange(
        _ next: State, requesting address: IPv4Address, server: IPv4Address?, now: Duration
    ) -> [Action] {
        state = next
        requestedAddress = address
        requestedServer = server
        if next == .rebooting {
            newTransaction(now: now)
        } else {
            // RFC 2131 §4.4.1: the REQUEST keeps the DISCOVER's xid; restart the backoff.
            retransmissionDelay = DHCPClientStateMachine.initialRetransmissionDelay
            attempts = 0
        }
        return sendRequest(now: now)
    }

    private mutating func newTransaction(now: Duration) {
        transactionID &+= 1
        exchangeStartedAt = now
        retransmissionDelay = DHCPClientStateMachine.initialRetransmissionDelay
        attempts = 0
    }

    private mutating func sendRequest(now: Duration) -> [Action] {
        attempts += 1
        var message = makeMessage(.request, now: now)
        var destination = IPv4Address.broadcast
        switch state {
        case .requesting, .rebooting:
            // RFC 2131 §4.3.2 table 4: requested address set, ciaddr 0; server id only when
            // answering an offer.
            message.requestedIPAddress = requestedAddress
            message.serverIdentifier = requestedServer
        case .renewing, .rebinding:
            // RFC 2131 §4.3.2: ciaddr set, no requested address nor server id; unicast when
            // renewing, broadcast when rebinding.
            message.ciaddr = lease?.address ?? .any
            message.isBroadcast = false
            if state == .renewing, let server = lease?.serverIdentifier {
                destination = server
            }
        default:
            break
        }
        return [send(message, to: destination), .scheduleTimer(at: nextRetransmission(now: now))]
    }

    private mutating func nextRetransmission(now: Duration) -> Duration {
        switch state {
        case .renewing, .rebinding:
            guard let lease else { return now + DHCPClientStateMachine.minimumRenewalRetransmissionDelay }
            let deadline = state == .renewing ? lease.rebindAt : lease.expiresAt
            let half = (deadline - now) / 2
            return min(deadline, now + max(half, DHCPClientStateMachine.minimumRenewalRetransmissionDelay))
        default:
            let at = now + retransmissionDelay
            retransmissionDelay = min(retransmissionDelay * 2, DHCPClientStateMachine.maximumRetransmissionDelay)
            return at
        }
    }

    // MARK: - Receiving

    private mutating func receive(_ message: DHCPMessage, now: Duration) -> [Action] {
        // RFC 2131 §4.4.1: only replies to our xid and chaddr count.
        guard message.op == .bootReply, message.xid == transactionID,
            message.clientMACAddress == configuration.macAddress, let type = message.messageType
        else { return [] }
        switch (state, type) {
        case (.selecting, .offer):
            guard !message.yiaddr.isUnspecified, let server = message.serverIdentifier else { return [] }
            return beginExchange(.requesting, requesting: message.yiaddr, server: server, now: now)
        case (.requesting, .ack), (.rebooting, .ack), (.renewing, .ack), (.rebinding, .ack):
            guard let newLease = DHCPLease(ack: message, receivedAt: now) else { return [] }
            state = .bound
            lease = newLease
            attempts = 0
            return [.bind(newLease), .scheduleTimer(at: newLease.renewAt)]
        case (.requesting, .nak), (.rebooting, .nak), (.renewing, .nak), (.rebinding, .nak):
            // RFC 2131 §4.4.1/§4.4.5: a NAK means start over; drop any address first.
            var actions: [Action] = []
            if let address = lease?.address {
                actions.append(.unbind(address))
            }
            return actions + beginDiscovery(now: now)
        default:
            return []
        }
    }

    // MARK: - Timers

    private mutating func timerFired(now: Duration) -> [Action] {
        switch state {
        case .initial, .initReboot:
            // The DECLINE back-off ended (or a stale timer): restart if we were declining.
            return state == .initial && isBackingOffAfterDecline ? beginDiscovery(now: now) : []
        case .selecting:
            attempts += 1
            return [send(makeMessage(.discover, now: now), to: .broadcast),
                    .scheduleTimer(at: nextRetransmission(now: now))]
        case .requesting, .rebooting:
            guard attempts < configuration.maximumRequestAttempts else { return beginDiscovery(now: now) }
            return sendRequest(now: now)
        case .bound:
            guard let lease, now >= lease.renewAt else { return rearm(now: now) }
            state = .renewing
            newTransaction(now: now)
            return sendRequest(now: now)
        case .renewing:
            guard let lease else { return beginDiscovery(now: now) }
            if now >= lease.rebindAt {
                state = .rebinding
            }
            return sendRequest(now: now)
        case .rebinding:
            guard let lease, now < lease.expiresAt else {
                // RFC 2131 §4.4.5: the lease expired; stop using the address, start over.
                let address = lease?.address
                return (address.map { [Action.unbind($0)] } ?? []) + beginDiscovery(now: now)
            }
            return sendRequest(now: now)
        }
    }

    private func rearm(now: Duration) -> [Action] {
        guard let lease else { return [] }
        return [.scheduleTimer(at: max(now, lease.renewAt))]
    }

    // MARK: - Decline and release

    private mutating func decline(now: Duration) -> [Action] {
        guard let current = lease, [.bound, .renewing, .rebinding].contains(state) else { return [] }
        // RFC 2131 §4.4.1 and table 5: DECLINE carries requested address and server id,
        // ciaddr 0, and is broadcast.
        var message = makeMessage(.decline, now: now)
        message.requestedIPAddress = current.address
        message.serverIdentifier = current.serverIdentifier
        message.parameterRequestList = nil
        message.hostName = nil
        state = .initial
        lease = nil
        isBackingOffAfterDecline = true
        return [.unbind(current.address), send(message, to: .broadcast),
                .scheduleTimer(at: now + DHCPClientStateMachine.declineBackoff)]
    }

    private mutating func release(now: Duration) -> [Action] {
        guard let current = lease, [.bound, .renewing, .rebinding].contains(state) else { return [] }
        // RFC 2131 §4.4.6 and table 5: RELEASE is unicast to the server with ciaddr set.
        newTransaction(now: now)
        var message = makeMessage(.release, now: now)
        message.ciaddr = current.address
        message.isBroadcast = false
        message.serverIdentifier = current.serverIdentifier
        message.parameterRequestList = nil
        message.hostName = nil
        state = .initial
        lease = nil
        return [.cancelTimer, send(message, to: current.serverIdentifier), .unbind(current.address)]
    }

    // MARK: - Messages

    func makeMessage(_ type: DHCPMessageType, now: Duration) -> DHCPMessage {
        let elapsed = max(0, (now - exchangeStartedAt).components.seconds)
        var message = DHCPMessage(op: .bootRequest, xid: transactionID, secs: UInt16(clamping: elapsed))
        message.setClientMACAddress(configuration.macAddress)
        message.isBroadcast = configuration.requestsBroadcast
        message.messageType = type
        message.clientIdentifier = configuration.clientIdentifier
        message.hostName = configuration.hostName
        if type == .discover || type == .request {
            message.parameterRequestList = configuration.parameterRequestList.isEmpty
                ? nil : configuration.parameterRequestList
        }
        return message
    }

    /// The send action for `message`, padded to the BOOTP minimum as ISC dhclient does
    /// (RFC 1542 §2.1) once all options are in place.
    func send(_ message: DHCPMessage, to destination: IPv4Address) -> Action {
        var padded = message
        padded.padToMinimumBOOTPLength()
        return .send(padded, destination: destination)
    }
}
