/// The BOOTP `op` field (RFC 2131 §2): who sent the message.
///
/// Open set so unknown values round-trip and print.
public struct DHCPOperation: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The `op` byte.
    public var rawValue: UInt8

    /// Creates an operation from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 1: BOOTREQUEST, client (or relay) to server.
    public static let bootRequest = DHCPOperation(rawValue: 1)
    /// 2: BOOTREPLY, server to client (or relay).
    public static let bootReply = DHCPOperation(rawValue: 2)

    /// `"BOOTREQUEST"`, `"BOOTREPLY"` or `"op(N)"`.
    public var description: String {
        switch self {
        case .bootRequest: "BOOTREQUEST"
        case .bootReply: "BOOTREPLY"
        default: "op(\(rawValue))"
        }
    }
}
