/// Why a relay engine dropped a message; stable raw values for metric labels.
public enum RelayDropReason: String, Hashable, Sendable, Codable, CaseIterable {
    /// A client message arrived with option 82 on an untrusted port or interface
    /// (RFC 3046 §2.1: discard and count).
    case untrustedOption82
    /// The message arrived on a port or interface the engine has no configuration for.
    case unknownInterface
    /// A BOOTREPLY arrived from the client side or a BOOTREQUEST from the server side.
    case wrongDirection
    /// `hops` already reached the configured limit (RFC 1542 §4.1.1).
    case hopLimitExceeded
    /// Option 82 in the message could not be parsed.
    case malformedOption82
    /// A reply could not be matched to a client port (no usable circuit-id or learned client).
    case unknownClient
    /// A reply carried option 82 with another relay's identity (remote-id or relay-id).
    case notOurOption82
    /// Adding option 82 would exceed the message size limit (RFC 3046 §2.1 would forward it
    /// without; this engine's policy is to drop so no subscriber is served unidentified).
    case option82DoesNotFit
    /// A reply's `giaddr` is not this relay's address.
    case notForThisRelay
    /// A reply came from an address that is not one of the configured DHCP servers (a forged
    /// OFFER or ACK from anyone who can reach UDP 67).
    case unknownServer
    /// The frame or message could not be decoded (the code is in
    /// `aether_dhcp_relay_malformed_total`).
    case malformed
    /// A new client MAC on a circuit that already has the most clients allowed.
    case tooManyClients
    /// The circuit sent requests faster than its allowed rate.
    case rateLimited
    /// The kernel dropped the frame before the relay read it: the socket's receive buffer was
    /// full (a flood). Counted from the socket's statistics after each read.
    case receiveBufferFull
    /// A request that begins a binding (DISCOVER, or a REQUEST without `ciaddr`) while the
    /// relay's owner refuses new subscribers (``RelayAdmissionGate``: a BNG whose store cannot
    /// write). Renewals and releases of bound clients still pass.
    case newClientsRefused
}
