/// A sub-option code inside option 82 (IANA "DHCP Relay Agent Sub-Option Codes").
///
/// Open set: unknown codes round-trip and print as their number.
public struct RelayAgentSubOptionCode: RawRepresentable, Hashable, Sendable, Codable,
    CustomStringConvertible, ExpressibleByIntegerLiteral
{
    /// The sub-option code byte.
    public var rawValue: UInt8

    /// Creates a code from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Creates a code from an integer literal.
    public init(integerLiteral value: UInt8) {
        rawValue = value
    }

    /// 1: Agent Circuit ID, the port the request arrived on (RFC 3046 §3.1).
    public static let circuitID = RelayAgentSubOptionCode(rawValue: 1)
    /// 2: Agent Remote ID, identifies the remote end or the access node (RFC 3046 §3.2).
    public static let remoteID = RelayAgentSubOptionCode(rawValue: 2)
    /// 5: Link Selection, 4-byte subnet address for the server to use (RFC 3527 §3).
    public static let linkSelection = RelayAgentSubOptionCode(rawValue: 5)
    /// 6: Subscriber-ID, provisioning identifier of the subscriber (RFC 3993 §3).
    public static let subscriberID = RelayAgentSubOptionCode(rawValue: 6)
    /// 9: Vendor-Specific Information, enterprise-number tagged data (RFC 4243 §2).
    public static let vendorSpecific = RelayAgentSubOptionCode(rawValue: 9)
    /// 11: Server Identifier Override, 4-byte address the client should send renewals to,
    /// so unicast renewals still pass through the relay (RFC 5107 §4).
    public static let serverIdentifierOverride = RelayAgentSubOptionCode(rawValue: 11)
    /// 12: Relay Agent Identifier, stable identity of the relay (RFC 6925 §4).
    public static let relayID = RelayAgentSubOptionCode(rawValue: 12)

    /// Fixed value length the defining RFC requires, if any.
    var requiredLength: Int? {
        switch self {
        case .linkSelection, .serverIdentifierOverride: 4
        default: nil
        }
    }

    private static let names: [UInt8: String] = [
        1: "circuitID", 2: "remoteID", 5: "linkSelection", 6: "subscriberID",
        9: "vendorSpecific", 11: "serverIdentifierOverride", 12: "relayID",
    ]

    /// The name with the number, e.g. `"circuitID(1)"`, or `"sub-option 42"`.
    public var description: String {
        if let name = RelayAgentSubOptionCode.names[rawValue] {
            return "\(name)(\(rawValue))"
        }
        return "sub-option \(rawValue)"
    }
}
