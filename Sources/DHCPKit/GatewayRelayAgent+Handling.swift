import NetworkTypes

extension GatewayRelayAgent {
    mutating func fromClient(_ message: DHCPMessage, interface: String, now: ContinuousClock.Instant) -> [Action] {
        guard message.op == .bootRequest else { return [.drop(.wrongDirection)] }
        guard let trust = configuration.interfaces[interface] else { return [.drop(.unknownInterface)] }
        // RFC 1542 §4.1.1: discard when hops already reached the limit, else increment.
        guard message.hops < configuration.maximumHops else { return [.drop(.hopLimitExceeded)] }
        let existing: RelayAgentInformation?
        do {
            existing = try message.relayAgentInformation()
        } catch {
            return [.drop(.malformedOption82)]
        }
        // RFC 3046 §2.1: option 82 on an untrusted circuit with giaddr 0 is discarded.
        if existing != nil, trust == .untrusted, message.giaddr.isUnspecified {
            return [.drop(.untrustedOption82)]
        }
        if !admitsNewClients, Self.beginsBinding(message) { return [.drop(.newClientsRefused)] }
        if let reason = admit(message, information: existing, now: now) { return [.drop(reason)] }
        var relayed = message
        relayed.hops += 1
        // RFC 1542 §4.1.1: giaddr is set only by the first relay; only then do replies come to
        // us, so only then do we act as the subscribers' server identifier.
        let gateway = gateway(for: existing)
        let firstRelay = relayed.giaddr.isUnspecified
        if firstRelay {
            relayed.giaddr = gateway
        }
        let information = withOwnSubOptions(existing ?? RelayAgentInformation(),
                                            serverIdentifier: firstRelay && configuration.proxyServerIdentifier ? gateway : nil)
        do {
            if !information.subOptions.isEmpty, information != existing {
                try relayed.replaceRelayAgentInformation(
                    information, maximumLength: configuration.maximumMessageLength)
            }
        } catch {
            return [.drop(.option82DoesNotFit)]
        }
        if let mac = message.clientMACAddress {
            learnedInterfaces.learn(mac, interface, now: now)
        }
        return [
            .observe(DHCPRelayObservation(message: message, information: existing, interface: interface)),
            .forwardToServers(relayed, servers: configuration.servers),
        ]
    }

    func fromServer(_ message: DHCPMessage, source: IPv4Address, now: ContinuousClock.Instant) -> [Action] {
        guard servers.contains(source) else { return [.drop(.unknownServer)] }
        guard message.op == .bootReply else { return [.drop(.wrongDirection)] }
        guard gateways.contains(message.giaddr) else { return [.drop(.notForThisRelay)] }
        let information: RelayAgentInformation?
        do {
            information = try message.relayAgentInformation()
        } catch {
            return [.drop(.malformedOption82)]
        }
        if let ours = configuration.relayID, let theirs = information?.relayID, theirs != ours {
            return [.drop(.notOurOption82)]
        }
        guard let mac = message.clientMACAddress, let interface = learnedInterfaces.value(for: mac, now: now),
            let trust = configuration.interfaces[interface]
        else { return [.drop(.unknownClient)] }

        let gateway = message.giaddr
        var reply = message
        // Relay-proxy: the client must renew and release through us (RFC 5107's intent, done
        // here because the server does not).
        if configuration.proxyServerIdentifier, reply.serverIdentifier != nil {
            reply.setOption(.serverIdentifier, data: gateway.bytes)
        }
        // RFC 3046 §2.1: whoever added option 82 removes it toward the client. On a trusted
        // interface the access node added it, so give it back its own sub-options only.
        let downstream = information.map { withoutOwnSubOptions($0, gateway: gateway) }
        reply.stripRelayAgentInformation()
        if trust == .trusted, let downstream, !downstream.subOptions.isEmpty {
            try? reply.insertRelayAgentInformation(downstream, maximumLength: DHCPMessage.maximumEncodedLength)
        }
        return [
            .observe(DHCPRelayObservation(message: message, information: information, interface: interface)),
            .forwardToClient(reply, interface: interface, delivery: delivery(for: message, mac: mac), gateway: gateway),
        ]
    }

    /// DISCOVER, and a REQUEST without `ciaddr` (SELECTING or INIT-REBOOT, RFC 2131 §4.3.2):
    /// what a subscriber sends to get a binding, as opposed to renewing or releasing one.
    static func beginsBinding(_ message: DHCPMessage) -> Bool {
        switch message.messageType {
        case .discover: true
        case .request: message.ciaddr.isUnspecified
        default: false
        }
    }

    /// Per-circuit limits: at most ``Configuration/maximumClientsPerCircuit`` MACs, at most
    /// ``Configuration/circuitRequestRate`` requests. Requests without a circuit-id are not limited
    /// here. A RELEASE frees the client's place at once.
    mutating func admit(_ message: DHCPMessage, information: RelayAgentInformation?, now: ContinuousClock.Instant) -> RelayDropReason? {
        guard configuration.maximumClientsPerCircuit != nil || configuration.circuitRequestRate != nil,
              let circuit = information?.circuitID, let mac = message.clientMACAddress else { return nil }
        let key = CircuitKey(remoteID: information?.remoteID?.bytes ?? [], circuitID: circuit.bytes)
        let rate = configuration.circuitRequestRate
        var state = circuits.value(for: key, now: now) ?? CircuitState(
            clients: LearnedTable(capacity: max(1, configuration.maximumClientsPerCircuit ?? 1) + 1, lifetime: configuration.learnedClientLifetime),
            bucket: TokenBucket(rate ?? DHCPRequestRate(perSecond: 0, burst: 1), now: now))
        defer { circuits.learn(key, state, now: now) }
        if let rate, !state.bucket.take(rate, now: now) { return .rateLimited }
        if message.messageType == .release {
            state.clients.forget(mac)
            return nil
        }
        if let limit = configuration.maximumClientsPerCircuit, state.clients.value(for: mac, now: now) == nil,
           state.clients.liveCount(now: now) >= limit {
            return .tooManyClients
        }
        state.clients.learn(mac, true, now: now)
        return nil
    }

    /// The gateway of the access node named by the request's remote-id, else the default.
    func gateway(for information: RelayAgentInformation?) -> IPv4Address {
        information?.remoteID.flatMap { configuration.accessNodeGateways[$0] } ?? configuration.relayAddress
    }

    /// RFC 2131 §4.1: NAK and BROADCAST-flagged replies are broadcast; else unicast to
    /// `ciaddr` when set, else to `yiaddr` at `chaddr`.
    func delivery(for message: DHCPMessage, mac: MACAddress) -> Delivery {
        if message.messageType == .nak || message.isBroadcast {
            return .broadcast
        }
        if !message.ciaddr.isUnspecified {
            return .unicast(message.ciaddr, mac)
        }
        if !message.yiaddr.isUnspecified {
            return .unicast(message.yiaddr, mac)
        }
        return .broadcast
    }

    /// The sub-options this relay adds, with the values it adds for `serverIdentifier`.
    private func ownSubOptions(serverIdentifier: IPv4Address?) -> [(RelayAgentSubOptionCode, [UInt8])] {
        var own: [(RelayAgentSubOptionCode, [UInt8])] = []
        if let linkSelection = configuration.linkSelection { own.append((.linkSelection, linkSelection.bytes)) }
        if let serverIdentifier { own.append((.serverIdentifierOverride, serverIdentifier.bytes)) }
        if let relayID = configuration.relayID { own.append((.relayID, relayID.bytes)) }
        return own
    }

    /// `information` with link-selection, server-identifier-override (when `serverIdentifier`
    /// is given) and relay-id applied according to ``Configuration/subOptionPolicy``.
    func withOwnSubOptions(_ information: RelayAgentInformation, serverIdentifier: IPv4Address?) -> RelayAgentInformation {
        var result = information
        for (code, value) in ownSubOptions(serverIdentifier: serverIdentifier) {
            let present = result.subOptionData(code) != nil
            switch configuration.subOptionPolicy {
            case .keep where present:
                continue
            case .append where present:
                result.subOptions.append(RelayAgentSubOption(code: code, data: value))
            default:
                result.setSubOption(code, data: value)
            }
        }
        return result
    }

    /// `information` without the sub-options this relay added for a reply to `gateway`.
    func withoutOwnSubOptions(_ information: RelayAgentInformation, gateway: IPv4Address) -> RelayAgentInformation {
        var result = information
        for (code, value) in ownSubOptions(serverIdentifier: gateway) {
            result.subOptions.removeAll { $0.code == code && $0.data == value }
        }
        return result
    }
}
