import DHCPKit
import NetworkTypes

/// A subscriber line within one BNG: the access node (Option 82 remote-id) and its port
/// (circuit-id), in their printed form (text, or `0x`-hex for binary identifiers). The line is
/// the subscriber's identity; the MAC is recorded but is not (SPEC §3).
public struct SubscriberLine: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The access node: Option 82 sub-option 2.
    public var remoteID: String
    /// The port: Option 82 sub-option 1.
    public var circuitID: String

    /// A line from its printed identifiers.
    public init(remoteID: String, circuitID: String) {
        self.remoteID = remoteID
        self.circuitID = circuitID
    }

    /// The line an Option 82 names, when it has both identifiers.
    public init?(_ information: RelayAgentInformation?) {
        guard let remote = information?.remoteID, let circuit = information?.circuitID else { return nil }
        self.init(remoteID: remote.description, circuitID: circuit.description)
    }

    /// `remote-id/circuit-id`.
    public var description: String { "\(remoteID)/\(circuitID)" }

    /// By remote-id, then circuit-id.
    public static func < (lhs: SubscriberLine, rhs: SubscriberLine) -> Bool {
        (lhs.remoteID, lhs.circuitID) < (rhs.remoteID, rhs.circuitID)
    }
}

/// What identifies a session: the line and the client's MAC (a line may carry a few clients,
/// up to the relay's per-circuit limit).
public struct SessionKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The subscriber line.
    public var line: SubscriberLine
    /// The client.
    public var mac: MACAddress

    /// A key.
    public init(line: SubscriberLine, mac: MACAddress) {
        self.line = line
        self.mac = mac
    }

    /// `line mac`.
    public var description: String { "\(line) \(mac)" }
}
