/// A DHCPv4 option code (RFC 2132 and later; IANA "BOOTP Vendor Extensions and DHCP Options").
///
/// Open set: any `UInt8` is a valid code, so unknown options round-trip and print as their number.
public struct DHCPOptionCode: RawRepresentable, Hashable, Sendable, Codable, Comparable,
    CustomStringConvertible, ExpressibleByIntegerLiteral
{
    /// The code byte on the wire.
    public var rawValue: UInt8

    /// Creates a code from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Creates a code from an integer literal, e.g. `let code: DHCPOptionCode = 82`.
    public init(integerLiteral value: UInt8) {
        rawValue = value
    }

    /// 0: Pad, a single byte with no length (RFC 2132 §3.1).
    public static let pad = DHCPOptionCode(rawValue: 0)
    /// 1: Subnet Mask, 4 bytes (RFC 2132 §3.3).
    public static let subnetMask = DHCPOptionCode(rawValue: 1)
    /// 3: Router, list of IPv4 addresses (RFC 2132 §3.5).
    public static let routers = DHCPOptionCode(rawValue: 3)
    /// 6: Domain Name Server, list of IPv4 addresses (RFC 2132 §3.8).
    public static let domainNameServers = DHCPOptionCode(rawValue: 6)
    /// 12: Host Name (RFC 2132 §3.14).
    public static let hostName = DHCPOptionCode(rawValue: 12)
    /// 15: Domain Name (RFC 2132 §3.17).
    public static let domainName = DHCPOptionCode(rawValue: 15)
    /// 28: Broadcast Address (RFC 2132 §5.3).
    public static let broadcastAddress = DHCPOptionCode(rawValue: 28)
    /// 50: Requested IP Address, 4 bytes (RFC 2132 §9.1).
    public static let requestedIPAddress = DHCPOptionCode(rawValue: 50)
    /// 51: IP Address Lease Time, 4 bytes, seconds (RFC 2132 §9.2).
    public static let leaseTime = DHCPOptionCode(rawValue: 51)
    /// 52: Option Overload, 1 byte: 1 = file, 2 = sname, 3 = both (RFC 2132 §9.3).
    public static let optionOverload = DHCPOptionCode(rawValue: 52)
    /// 53: DHCP Message Type, 1 byte (RFC 2132 §9.6).
    public static let messageType = DHCPOptionCode(rawValue: 53)
    /// 54: Server Identifier, 4 bytes (RFC 2132 §9.7).
    public static let serverIdentifier = DHCPOptionCode(rawValue: 54)
    /// 55: Parameter Request List, list of codes (RFC 2132 §9.8).
    public static let parameterRequestList = DHCPOptionCode(rawValue: 55)
    /// 56: Message, text (RFC 2132 §9.9).
    public static let message = DHCPOptionCode(rawValue: 56)
    /// 57: Maximum DHCP Message Size, 2 bytes, minimum 576 (RFC 2132 §9.10).
    public static let maximumMessageSize = DHCPOptionCode(rawValue: 57)
    /// 58: Renewal (T1) Time Value, 4 bytes, seconds (RFC 2132 §9.11).
    public static let renewalTime = DHCPOptionCode(rawValue: 58)
    /// 59: Rebinding (T2) Time Value, 4 bytes, seconds (RFC 2132 §9.12).
    public static let rebindingTime = DHCPOptionCode(rawValue: 59)
    /// 60: Vendor Class Identifier (RFC 2132 §9.13).
    public static let vendorClassIdentifier = DHCPOptionCode(rawValue: 60)
    /// 61: Client Identifier, type byte + identifier (RFC 2132 §9.14).
    public static let clientIdentifier = DHCPOptionCode(rawValue: 61)
    /// 82: Relay Agent Information (RFC 3046).
    public static let relayAgentInformation = DHCPOptionCode(rawValue: 82)
    /// 255: End, a single byte with no length (RFC 2132 §3.2).
    public static let end = DHCPOptionCode(rawValue: 255)

    /// Fixed value length RFC 2132 requires for this code, if it has one.
    /// Whether RFC 2132 fixes a length or value for this code (see `validateKnownOptions`).
    var hasRFC2132Constraint: Bool {
        switch self {
        case .routers, .domainNameServers, .clientIdentifier, .hostName, .parameterRequestList,
            .vendorClassIdentifier, .domainName, .maximumMessageSize:
            return true
        default:
            return requiredLength != nil
        }
    }

    var requiredLength: Int? {
        switch self {
        case .subnetMask, .requestedIPAddress, .leaseTime, .serverIdentifier, .renewalTime,
            .rebindingTime, .broadcastAddress:
            return 4
        case .messageType, .optionOverload:
            return 1
        case .maximumMessageSize:
            return 2
        default:
            return nil
        }
    }

    private static let names: [UInt8: String] = [
        0: "pad", 1: "subnetMask", 3: "routers", 6: "domainNameServers", 12: "hostName",
        15: "domainName", 28: "broadcastAddress", 50: "requestedIPAddress", 51: "leaseTime",
        52: "optionOverload", 53: "messageType", 54: "serverIdentifier",
        55: "parameterRequestList", 56: "message", 57: "maximumMessageSize", 58: "renewalTime",
        59: "rebindingTime", 60: "vendorClassIdentifier", 61: "clientIdentifier",
        82: "relayAgentInformation", 255: "end",
    ]

    /// The name for known codes with the number, e.g. `"leaseTime(51)"`; unknown ones as `"option 224"`.
    public var description: String {
        if let name = DHCPOptionCode.names[rawValue] {
            return "\(name)(\(rawValue))"
        }
        return "option \(rawValue)"
    }

    /// Orders by wire value.
    public static func < (lhs: DHCPOptionCode, rhs: DHCPOptionCode) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
