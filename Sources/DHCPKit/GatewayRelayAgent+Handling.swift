import NetworkTypes

extension GatewayRelayAgent {
    mutating func fromClient(_ message: DHCPMessage, interface: String) -> [Action] {
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
        var relayed = message
        relayed.hops += 1
        // RFC 1542 §4.1.1: giaddr is set only by the first relay.
        if relayed.giaddr.isUnspecified {
            relayed.giaddr = configuration.relayAddress
        }
        let information = withOwnSubOptions(existing ?? RelayAgentInformation())
        do {
            if !information.subOptions.isEmpty, information != existing {
                try relayed.replaceRelayAgentInformation(
                    information, maximumLength: configuration.maximumMessageLength)
            }
        } catch {
            return [.drop(.option82DoesNotFit)]
        }
        learn(message, interface: interface)
        return [
            .observe(DHCPRelayObservation(message: message, information: existing, interface: interface)),
            .forwardToServers(relayed, servers: configuration.servers),
        ]
    }

    func fromServer(_ message: DHCPMessage) -> [Action] {
        guard message.op == .bootReply else { return [.drop(.wrongDirection)] }
        guard message.giaddr == configuration.relayAddress else { return [.drop(.notForThisRelay)] }
        let information: RelayAgentInformation?
        do {
            information = try message.relayAgentInformation()
        } catch {
            return [.drop(.malformedOption82)]
        }
        if let ours = configuration.relayID, let theirs = information?.relayID, theirs != ours {
            return [.drop(.notOurOption82)]
        }
        guard let mac = message.clientMACAddress, let interface = learnedInterfaces[mac],
            let trust = configuration.interfaces[interface]
        else { return [.drop(.unknownClient)] }

        var reply = message
        // RFC 3046 §2.1: whoever added option 82 removes it toward the client. On a trusted
        // interface the access node added it, so give it back its own sub-options only.
        let downstream = information.map(withoutOwnSubOptions)
        reply.stripRelayAgentInformation()
        if trust == .trusted, let downstream, !downstream.subOptions.isEmpty {
            try? reply.insertRelayAgentInformation(downstream, maximumLength: DHCPMessage.maximumEncodedLength)
        }
        return [
            .observe(DHCPRelayObservation(message: message, information: information, interface: interface)),
            .forwardToClient(reply, interface: interface, delivery: delivery(for: message, mac: mac)),
        ]
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

    /// `information` with relay-id, server-identifier-override and link-selection applied
    /// according to ``Configuration/subOptionPolicy``.
    func withOwnSubOptions(_ information: RelayAgentInformation) -> RelayAgentInformation {
        var result = information
        let own: [(RelayAgentSubOptionCode, [UInt8]?)] = [
            (.linkSelection, configuration.linkSelection?.bytes),
            (.serverIdentifierOverride, configuration.serverIdentifierOverride?.bytes),
            (.relayID, configuration.relayID?.bytes),
        ]
        for (code, value) in own {
            guard let value else { continue }
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

    /// `information` without the sub-options this relay adds.
    func withoutOwnSubOptions(_ information: RelayAgentInformation) -> RelayAgentInformation {
        var result = information
        let owned: [(RelayAgentSubOptionCode, [UInt8]?)] = [
            (.linkSelection, configuration.linkSelection?.bytes),
            (.serverIdentifierOverride, configuration.serverIdentifierOverride?.bytes),
            (.relayID, configuration.relayID?.bytes),
        ]
        for (code, value) in owned {
            guard let value else { continue }
            result.subOptions.removeAll { $0.code == code && $0.data == value }
        }
        return result
    }

    private mutating func learn(_ message: DHCPMessage, interface: String) {
        guard let mac = message.clientMACAddress else { return }
        if learnedInterfaces[mac] == nil, learnedInterfaces.count >= GatewayRelayAgent.maximumLearnedClients,
            let victim = learnedInterfaces.keys.first
        {
            learnedInterfaces[victim] = nil
        }
        learnedInterfaces[mac] = interface
    }
}
