import NetworkTypes

/// What a relay saw in one DHCP message, for the session manager and event stream.
///
/// The subscriber line is identified by (relay, remote-id, circuit-id); the MAC is recorded
/// but is not the identity.
public struct DHCPRelayObservation: Hashable, Sendable, Codable {
    /// The message type (option 53).
    public var messageType: DHCPMessageType
    /// Transaction ID.
    public var xid: UInt32
    /// The client's MAC address, when `chaddr` is Ethernet.
    public var clientMACAddress: MACAddress?
    /// The address concerned: `yiaddr` in replies, else `ciaddr`, else the requested address.
    public var address: IPv4Address?
    /// Option 82 remote-id, if present.
    public var remoteID: RelayAgentIdentifier?
    /// Option 82 circuit-id, if present.
    public var circuitID: RelayAgentIdentifier?
    /// Lease time in seconds (ACK/OFFER).
    public var leaseTime: UInt32?
    /// The server identifier (option 54).
    public var serverIdentifier: IPv4Address?
    /// The relay interface the client is behind.
    public var interface: String

    /// Creates an observation of `message` carrying `information` on `interface`.
    public init(message: DHCPMessage, information: RelayAgentInformation?, interface: String) {
        messageType = message.messageType ?? DHCPMessageType(rawValue: 0)
        xid = message.xid
        clientMACAddress = message.clientMACAddress
        if !message.yiaddr.isUnspecified {
            address = message.yiaddr
        } else if !message.ciaddr.isUnspecified {
            address = message.ciaddr
        } else {
            address = message.requestedIPAddress
        }
        remoteID = information?.remoteID
        circuitID = information?.circuitID
        leaseTime = message.leaseTime
        serverIdentifier = message.serverIdentifier
        self.interface = interface
    }
}
