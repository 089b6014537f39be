/// A 48-bit IEEE 802 MAC address.
///
/// Stored in one integer, so it hashes and compares without touching the heap (the relay and
/// session tables key on it). Prints and encodes (`Codable`) as lower-case colon-separated
/// hex, `"aa:bb:cc:dd:ee:ff"`.
public struct MACAddress: Hashable, Sendable, Comparable, CustomStringConvertible, LosslessStringConvertible,
    Codable
{
    /// The 48 bits, first octet in bits 40–47.
    public let rawValue: UInt64

    /// ff:ff:ff:ff:ff:ff.
    public static let broadcast = MACAddress(rawValue: 0xFFFF_FFFF_FFFF)
    /// 00:00:00:00:00:00.
    public static let zero = MACAddress(rawValue: 0)

    /// Length of a MAC address in bytes.
    public static let length = 6

    /// Wraps 48 bits; bits above 47 are ignored.
    public init(rawValue: UInt64) {
        self.rawValue = rawValue & 0xFFFF_FFFF_FFFF
    }

    /// Creates an address from six octets, first octet first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8) {
        self.init(rawValue: [a, b, c, d, e, f].reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// Creates an address from exactly six bytes; `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == MACAddress.length else { return nil }
        rawValue = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses `"aa:bb:cc:dd:ee:ff"`; `nil` when ``init(parsing:)`` would throw.
    public init?(_ description: String) {
        guard let parsed = try? MACAddress(parsing: description) else { return nil }
        self = parsed
    }

    /// Parses six two-digit hex octets separated by `:` or `-`, either case.
    ///
    /// - Throws: ``NetworkTypesError/Code/invalidMACAddress``.
    public init(parsing text: String) throws(NetworkTypesError) {
        let separator: Character = text.contains("-") ? "-" : ":"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == MACAddress.length else {
            throw NetworkTypesError(.invalidMACAddress, input: text, message: "\"\(text)\" does not have six separated octets")
        }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 2, part.utf8.allSatisfy(Hex.isDigit), let octet = UInt8(part, radix: 16) else {
                throw NetworkTypesError(.invalidMACAddress, input: text, message: "\"\(part)\" in \"\(text)\" is not two hex digits")
            }
            value = value << 8 | UInt64(octet)
        }
        rawValue = value
    }

    /// The six octets in transmission order.
    public var bytes: [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: rawValue >> UInt64(40 - 8 * $0)) }
    }

    /// Whether the group (multicast/broadcast) bit is set.
    public var isMulticast: Bool { rawValue >> 40 & 0x01 != 0 }

    /// Whether the locally-administered bit is set (IEEE 802 U/L bit).
    public var isLocallyAdministered: Bool { rawValue >> 40 & 0x02 != 0 }

    /// `"aa:bb:cc:dd:ee:ff"`.
    public var description: String {
        bytes.map { Hex.encode([$0]) }.joined(separator: ":")
    }

    /// Numeric order of the 48 bits.
    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Decodes from the colon-separated string form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try MACAddress(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as the colon-separated string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
