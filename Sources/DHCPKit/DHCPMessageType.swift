/// The DHCP message type carried in option 53 (RFC 2132 §9.6, RFC 4388, RFC 6926).
///
/// Open set: unknown values round-trip and print as their number.
public struct DHCPMessageType: RawRepresentable, Hashable, Sendable, Codable,
    CustomStringConvertible
{
    /// The option 53 value byte.
    public var rawValue: UInt8

    /// Creates a type from its wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 1: DHCPDISCOVER, client broadcast to locate servers.
    public static let discover = DHCPMessageType(rawValue: 1)
    /// 2: DHCPOFFER, server offers parameters.
    public static let offer = DHCPMessageType(rawValue: 2)
    /// 3: DHCPREQUEST, client requests offered parameters, confirms or extends a lease.
    public static let request = DHCPMessageType(rawValue: 3)
    /// 4: DHCPDECLINE, client reports the address is already in use.
    public static let decline = DHCPMessageType(rawValue: 4)
    /// 5: DHCPACK, server commits the parameters.
    public static let ack = DHCPMessageType(rawValue: 5)
    /// 6: DHCPNAK, server refuses the request.
    public static let nak = DHCPMessageType(rawValue: 6)
    /// 7: DHCPRELEASE, client gives the address up.
    public static let release = DHCPMessageType(rawValue: 7)
    /// 8: DHCPINFORM, client with an address asks only for configuration.
    public static let inform = DHCPMessageType(rawValue: 8)

    private static let names: [UInt8: String] = [
        1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
        7: "RELEASE", 8: "INFORM",
    ]

    /// `"DISCOVER"` … `"INFORM"`, or `"UNKNOWN(42)"` for other values.
    public var description: String {
        DHCPMessageType.names[rawValue] ?? "UNKNOWN(\(rawValue))"
    }

    /// Whether a client sends this type (BOOTREQUEST): DISCOVER, REQUEST, DECLINE, RELEASE, INFORM.
    public var isClientMessage: Bool {
        [.discover, .request, .decline, .release, .inform].contains(self)
    }
}
