/// An IPv4 address as RADIUS carries it: 4 bytes, network order (RFC 8044 §3.8 `ipv4addr`,
/// FreeRADIUS `ipaddr`).
public struct RADIUSIPv4Address: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The address as a host-order integer; `192.168.1.16` is `0xC0A8_0110`.
    public var rawValue: UInt32

    /// Wraps a host-order integer.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Creates an address from four octets, first octet first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad text such as `192.0.2.1`; `nil` for anything else.
    public init?(_ description: String) {
        let parts = description.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0 >= "0" && $0 <= "9" }), let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        rawValue = value
    }

    /// Parses the 4-byte wire form.
    ///
    /// - Throws: `invalidValueLength` unless `bytes` has exactly 4 bytes.
    public init(bytes: [UInt8]) throws(RADIUSError) {
        guard bytes.count == 4 else {
            throw RADIUSError(.invalidValueLength, "ipaddr needs 4 bytes, got \(bytes.count)")
        }
        rawValue = bigEndianInteger(bytes[...], as: UInt32.self)
    }

    /// The 4-byte wire form, network order.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(rawValue)
        return bytes
    }

    /// Dotted-quad text.
    public var description: String {
        bytes.map(String.init).joined(separator: ".")
    }
}
