/// A 48-bit IEEE 802 MAC address.
///
/// Prints and encodes (`Codable`) as lower-case colon-separated hex, `"aa:bb:cc:dd:ee:ff"`.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible,
    Codable
{
    /// The six octets in transmission order.
    public private(set) var bytes: [UInt8]

    /// ff:ff:ff:ff:ff:ff.
    public static let broadcast = MACAddress(uncheckedBytes: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    /// 00:00:00:00:00:00.
    public static let zero = MACAddress(uncheckedBytes: [0, 0, 0, 0, 0, 0])

    /// Length of a MAC address in bytes.
    public static let length = 6

    private init(uncheckedBytes: [UInt8]) {
        bytes = uncheckedBytes
    }

    /// Creates an address from exactly six bytes; `nil` for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == MACAddress.length else { return nil }
        self.bytes = bytes
    }

    /// Parses `"aa:bb:cc:dd:ee:ff"` (also accepts `-` separators and upper case).
    public init?(_ description: String) {
        guard let parsed = try? MACAddress(parsing: description) else { return nil }
        self = parsed
    }

    /// Parses `"aa:bb:cc:dd:ee:ff"`, throwing ``DHCPKitError/Code/invalidMACAddress``.
    public init(parsing text: String) throws(DHCPKitError) {
        let separator: Character = text.contains("-") ? "-" : ":"
        let parts = text.split(separator: separator, omittingEmptySubsequences: false)
        guard parts.count == MACAddress.length else {
            throw DHCPKitError(
                .invalidMACAddress, field: "macAddress",
                message: "\"\(text)\" does not have six separated octets")
        }
        var result: [UInt8] = []
        for part in parts {
            guard part.count == 2, let octet = UInt8(part, radix: 16) else {
                throw DHCPKitError(
                    .invalidMACAddress, field: "macAddress",
                    message: "\"\(part)\" in \"\(text)\" is not two hex digits")
            }
            result.append(octet)
        }
        bytes = result
    }

    /// Whether the group (multicast/broadcast) bit is set.
    public var isMulticast: Bool { (bytes.first ?? 0) & 0x01 != 0 }

    /// `"aa:bb:cc:dd:ee:ff"`.
    public var description: String {
        bytes.map { [$0].hexString }.joined(separator: ":")
    }

    /// Decodes from the colon-separated string form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try MACAddress(parsing: container.decode(String.self))
    }

    /// Encodes as the colon-separated string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
