/// An IPv4 address: four bytes in network order (RFC 791).
///
/// Prints and encodes (`Codable`) as a dotted quad such as `"192.0.2.1"`.
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible,
    LosslessStringConvertible, Codable
{
    /// The address as a host-order integer, e.g. `0xC000_0201` for 192.0.2.1.
    public var value: UInt32

    /// 0.0.0.0, the "unspecified" address a client uses before it has one (RFC 2131 §4.1).
    public static let any = IPv4Address(value: 0)
    /// 255.255.255.255, the limited broadcast address (RFC 2131 §4.1).
    public static let broadcast = IPv4Address(value: 0xFFFF_FFFF)

    /// Creates an address from its host-order integer value.
    public init(value: UInt32) {
        self.value = value
    }

    /// Creates an address from four octets, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Creates an address from exactly four network-order bytes; `nil` for any other count.
    public init?(bytes: [UInt8]) {
        guard let value = bytes.bigEndianUInt32() else { return nil }
        self.value = value
    }

    /// Parses a dotted quad (`"10.0.0.1"`); leading zeros and out-of-range octets are rejected.
    public init?(_ description: String) {
        guard let parsed = try? IPv4Address(parsing: description) else { return nil }
        self = parsed
    }

    /// Parses a dotted quad, throwing ``DHCPKitError/Code/invalidIPv4Address`` on failure.
    public init(parsing text: String) throws(DHCPKitError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else {
            throw DHCPKitError(
                .invalidIPv4Address, field: "ipv4Address",
                message: "\"\(text)\" does not have four dot-separated octets")
        }
        var result: UInt32 = 0
        for part in parts {
            // Leading zeros are refused because some parsers read them as octal.
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part == "0" || !part.hasPrefix("0"), let octet = UInt8(part)
            else {
                throw DHCPKitError(
                    .invalidIPv4Address, field: "ipv4Address",
                    message: "\"\(part)\" in \"\(text)\" is not an octet 0-255")
            }
            result = result << 8 | UInt32(octet)
        }
        value = result
    }

    /// The four bytes in network order.
    public var bytes: [UInt8] { bigEndianBytes(value) }

    /// Dotted-quad form, e.g. `"192.0.2.1"`.
    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    /// Whether this is 0.0.0.0.
    public var isUnspecified: Bool { value == 0 }

    /// Orders addresses numerically.
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool {
        lhs.value < rhs.value
    }

    /// Decodes from a dotted-quad string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try IPv4Address(parsing: container.decode(String.self))
    }

    /// Encodes as a dotted-quad string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
