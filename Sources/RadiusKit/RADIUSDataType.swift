/// The data type of an attribute as named in FreeRADIUS dictionaries (RFC 8044 names in
/// parentheses). An open set: types RadiusKit has no reader for still load and print.
public struct RADIUSDataType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The dictionary keyword, lower-case.
    public var rawValue: String

    /// Wraps a dictionary keyword; it is lower-cased, as FreeRADIUS keywords are
    /// case-insensitive.
    public init(rawValue: String) {
        self.rawValue = rawValue.lowercased()
    }

    /// The keyword.
    public var description: String { rawValue }

    /// UTF-8 text (`text`, RFC 8044 §3.5).
    public static let string = Self(rawValue: "string")
    /// Opaque bytes (`string`, RFC 8044 §3.6).
    public static let octets = Self(rawValue: "octets")
    /// 32-bit unsigned integer (`integer`, RFC 8044 §3.1).
    public static let integer = Self(rawValue: "integer")
    /// Seconds since 1970 (`time`, RFC 8044 §3.4).
    public static let date = Self(rawValue: "date")
    /// IPv4 address (`ipv4addr`, RFC 8044 §3.8).
    public static let ipaddr = Self(rawValue: "ipaddr")
    /// IPv6 address (`ipv6addr`, RFC 8044 §3.9).
    public static let ipv6addr = Self(rawValue: "ipv6addr")
    /// IPv6 prefix (`ipv6prefix`, RFC 8044 §3.10).
    public static let ipv6prefix = Self(rawValue: "ipv6prefix")
    /// IPv4 prefix (`ipv4prefix`, RFC 8044 §3.11).
    public static let ipv4prefix = Self(rawValue: "ipv4prefix")
    /// 8-byte interface identifier (`ifid`, RFC 8044 §3.7).
    public static let ifid = Self(rawValue: "ifid")
    /// 64-bit unsigned integer (`integer64`, RFC 8044 §3.2).
    public static let integer64 = Self(rawValue: "integer64")
    /// 1-byte unsigned integer (FreeRADIUS `byte`).
    public static let byte = Self(rawValue: "byte")
    /// 2-byte unsigned integer (FreeRADIUS `short`).
    public static let short = Self(rawValue: "short")
    /// 32-bit signed integer (FreeRADIUS `signed`).
    public static let signed = Self(rawValue: "signed")
    /// 6-byte Ethernet address (FreeRADIUS `ether`).
    public static let ether = Self(rawValue: "ether")
    /// Nested attributes (`tlv`, RFC 8044 §3.13).
    public static let tlv = Self(rawValue: "tlv")
    /// Vendor-Specific container (`vsa`, RFC 8044 §3.14).
    public static let vsa = Self(rawValue: "vsa")
}
