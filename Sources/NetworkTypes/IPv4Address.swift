/// An IPv4 address: four bytes in network order (RFC 791).
///
/// The one address type of every Aether module: DHCP fields, RADIUS `ipaddr` attributes
/// (RFC 8044 §3.8), tc/nft objects and event payloads all carry it. Prints and encodes
/// (`Codable`) as a dotted quad such as `"192.0.2.1"`.
public struct IPv4Address: Hashable, Sendable, Comparable, CustomStringConvertible,
    LosslessStringConvertible, Codable
{
    /// The address as a host-order integer, e.g. `0xC000_0201` for 192.0.2.1.
    public var value: UInt32

    /// 0.0.0.0, the "unspecified" address a client uses before it has one (RFC 2131 §4.1).
    public static let any = IPv4Address(value: 0)
    /// 255.255.255.255, the limited broadcast address (RFC 919).
    public static let broadcast = IPv4Address(value: 0xFFFF_FFFF)
    /// 127.0.0.1.
    public static let loopback = IPv4Address(127, 0, 0, 1)

    /// Creates an address from its host-order integer value.
    public init(value: UInt32) {
        self.value = value
    }

    /// Creates an address from four octets, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Creates an address from exactly four network-order bytes; `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Parses a dotted quad (`"10.0.0.1"`); `nil` when ``init(parsing:)`` would throw.
    public init?(_ description: String) {
        guard let parsed = try? IPv4Address(parsing: description) else { return nil }
        self = parsed
    }

    /// Parses a dotted quad. Leading zeros are refused (some parsers read them as octal), as are
    /// signs, spaces and octets above 255.
    ///
    /// - Throws: ``NetworkTypesError/Code/invalidIPv4Address``.
    public init(parsing text: String) throws(NetworkTypesError) {
        var result: UInt32 = 0
        var octets = 0
        var digits = 0
        var octet: UInt32 = 0
        var leadingZero = false
        func fail(_ why: String) -> NetworkTypesError {
            NetworkTypesError(.invalidIPv4Address, input: text, message: "\"\(text)\" is not an IPv4 address: \(why)")
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if leadingZero { throw fail("an octet has a leading zero") }
                if digits == 0, byte == UInt8(ascii: "0") { leadingZero = true }
                digits += 1
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard digits <= 3, octet <= 255 else { throw fail("an octet is above 255") }
            case UInt8(ascii: "."):
                guard digits > 0 else { throw fail("an octet is empty") }
                octets += 1
                guard octets < 4 else { throw fail("more than four octets") }
                result = result << 8 | octet
                (digits, octet, leadingZero) = (0, 0, false)
            default:
                throw fail("it contains a character other than digits and dots")
            }
        }
        guard digits > 0, octets == 3 else { throw fail("it does not have four dot-separated octets") }
        value = result << 8 | octet
    }

    /// The four bytes in network order.
    public var bytes: [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// Dotted-quad form, e.g. `"192.0.2.1"`.
    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    /// Whether this is 0.0.0.0.
    public var isUnspecified: Bool { value == 0 }

    /// Whether this is in 224.0.0.0/4 (RFC 5771).
    public var isMulticast: Bool { value >> 28 == 0xE }

    /// Whether this is in 127.0.0.0/8.
    public var isLoopback: Bool { value >> 24 == 127 }

    /// The address `offset` places further on (wrapping at 255.255.255.255).
    public func advanced(by offset: Int) -> IPv4Address {
        IPv4Address(value: UInt32(truncatingIfNeeded: Int64(value) + Int64(offset)))
    }

    /// Orders addresses numerically.
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool {
        lhs.value < rhs.value
    }

    /// Decodes from a dotted-quad string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try IPv4Address(parsing: text)
        } catch {
            // As a DecodingError the failure keeps its coding path, so config errors can name the key.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as a dotted-quad string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
