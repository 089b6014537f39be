import NetworkTypes

/// The option 82 agent of an access node (RFC 3046 §2.1, "trusted downstream network
/// element"): it stamps client requests with circuit-id (the port) and remote-id (the access
/// node), leaves `giaddr` to the BNG, and on the way back strips option 82 and delivers the
/// reply only to the port named by the echoed circuit-id.
///
/// Pure: `handle(_:)` returns actions; sockets and timers belong to the caller.
public struct AccessNodeRelayAgent: Sendable {
    /// What to do with option 82 that a client sent itself.
    public enum ClientOption82Policy: String, Hashable, Sendable, Codable {
        /// Discard the request and count it (RFC 3046 §2.1 for untrusted circuits).
        case drop
        /// Remove the client's option 82 and insert ours.
        case replace
        /// Forward with the client's option 82 and do not add a second (RFC 3046 §2.1).
        case keep
    }

    /// Configuration of one access node.
    public struct Configuration: Hashable, Sendable, Codable {
        /// Remote-id (sub-option 2) identifying this access node.
        public var remoteID: RelayAgentIdentifier
        /// Circuit-id (sub-option 1) per subscriber port name.
        public var circuitIDs: [String: RelayAgentIdentifier]
        /// Policy for client-supplied option 82.
        public var clientOption82Policy: ClientOption82Policy
        /// Largest message after insertion, bytes (RFC 3046 §2.1); the client's option 57
        /// raises it.
        public var maximumMessageLength: Int
        /// Most clients remembered for replies whose option 82 cannot name the port (default 4,096).
        public var maximumLearnedClients: Int
        /// How long a learned client is remembered after its last request (default 1 hour).
        public var learnedClientLifetime: Duration
        /// Requests each subscriber port may send (`nil`: no limit); beyond it they are dropped
        /// here, at the edge, as `rateLimited` — a flooding port costs the BNG nothing.
        public var portRequestRate: DHCPRequestRate?

        /// Creates a configuration.
        public init(
            remoteID: RelayAgentIdentifier, circuitIDs: [String: RelayAgentIdentifier],
            clientOption82Policy: ClientOption82Policy = .drop, maximumMessageLength: Int = 576,
            maximumLearnedClients: Int = 4096, learnedClientLifetime: Duration = .seconds(3600),
            portRequestRate: DHCPRequestRate? = nil
        ) {
            self.remoteID = remoteID
            self.circuitIDs = circuitIDs
            self.clientOption82Policy = clientOption82Policy
            self.maximumMessageLength = maximumMessageLength
            self.maximumLearnedClients = maximumLearnedClients
            self.learnedClientLifetime = learnedClientLifetime
            self.portRequestRate = portRequestRate
        }
    }

    /// Inputs.
    public enum Event: Hashable, Sendable {
        /// A message from a subscriber port.
        case fromClient(DHCPMessage, port: String)
        /// A message from the uplink (the BNG).
        case fromUplink(DHCPMessage)
    }

    /// Outputs.
    public enum Action: Hashable, Sendable {
        /// Send upstream unchanged apart from option 82.
        case forwardToUplink(DHCPMessage)
        /// Send to exactly this subscriber port.
        case forwardToPort(DHCPMessage, port: String)
        /// Drop and count.
        case drop(RelayDropReason)
    }

    /// The configuration.
    public let configuration: Configuration
    /// Port of each client MAC seen in a request, for replies to kept client option 82.
    public private(set) var learnedPorts: LearnedTable<MACAddress, String>
    private let portByCircuitID: [RelayAgentIdentifier: String]
    /// Each port's request bucket (ports are configured, so this stays bounded).
    private var portBuckets: [String: TokenBucket] = [:]

    /// Creates an agent.
    public init(configuration: Configuration) {
        self.configuration = configuration
        learnedPorts = LearnedTable(capacity: configuration.maximumLearnedClients, lifetime: configuration.learnedClientLifetime)
        portByCircuitID = Dictionary(
            configuration.circuitIDs.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
    }

    /// Applies one event at `now`.
    public mutating func handle(_ event: Event, now: ContinuousClock.Instant) -> [Action] {
        switch event {
        case .fromClient(let message, let port):
            return fromClient(message, port: port, now: now)
        case .fromUplink(let message):
            return fromUplink(message, now: now)
        }
    }

    private mutating func fromClient(_ message: DHCPMessage, port: String, now: ContinuousClock.Instant) -> [Action] {
        guard message.op == .bootRequest else { return [.drop(.wrongDirection)] }
        guard let circuitID = configuration.circuitIDs[port] else { return [.drop(.unknownInterface)] }
        if let rate = configuration.portRequestRate {
            var bucket = portBuckets[port] ?? TokenBucket(rate, now: now)
            defer { portBuckets[port] = bucket }
            guard bucket.take(rate, now: now) else { return [.drop(.rateLimited)] }
        }
        if let mac = message.clientMACAddress { learnedPorts.learn(mac, port, now: now) }
        var message = message
        let ours = RelayAgentInformation(circuitID: circuitID, remoteID: configuration.remoteID)
        do {
            if message.hasRelayAgentInformation {
                switch configuration.clientOption82Policy {
                case .drop:
                    return [.drop(.untrustedOption82)]
                case .keep:
                    return [.forwardToUplink(message)]
                case .replace:
                    try message.replaceRelayAgentInformation(ours, maximumLength: configuration.maximumMessageLength)
                }
            } else {
                try message.insertRelayAgentInformation(ours, maximumLength: configuration.maximumMessageLength)
            }
        } catch {
            return [.drop(.option82DoesNotFit)]
        }
        return [.forwardToUplink(message)]
    }

    private func fromUplink(_ message: DHCPMessage, now: ContinuousClock.Instant) -> [Action] {
        guard message.op == .bootReply else { return [.drop(.wrongDirection)] }
        var message = message
        let information: RelayAgentInformation?
        do {
            information = try message.relayAgentInformation()
        } catch {
            return [.drop(.malformedOption82)]
        }
        if let information, information.remoteID == configuration.remoteID {
            guard let circuitID = information.circuitID, let port = portByCircuitID[circuitID] else {
                return [.drop(.unknownClient)]
            }
            // RFC 3046 §2.1: the agent that added option 82 removes it toward the client.
            message.stripRelayAgentInformation()
            return [.forwardToPort(message, port: port)]
        }
        // Option 82 absent or not ours (kept from the client): deliver by learned MAC, as is.
        guard let mac = message.clientMACAddress, let port = learnedPorts.value(for: mac, now: now) else {
            return [.drop(information == nil ? .unknownClient : .notOurOption82)]
        }
        return [.forwardToPort(message, port: port)]
    }
}
