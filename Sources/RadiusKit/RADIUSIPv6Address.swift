/// An IPv6 address as RADIUS carries it: 16 bytes, network order (RFC 3162 §2.1,
/// RFC 8044 §3.9 `ipv6addr`).
public struct RADIUSIPv6Address: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The 16 address bytes, network order. Always exactly 16 bytes.
    public private(set) var bytes: [UInt8]

    /// Parses the 16-byte wire form.
    ///
    /// - Throws: `invalidValueLength` unless `bytes` has exactly 16 bytes.
    public init(bytes: [UInt8]) throws(RADIUSError) {
        guard bytes.count == 16 else {
            throw RADIUSError(.invalidValueLength, "ipv6addr needs 16 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// Creates an address from its eight 16-bit groups, first group first.
    public init(groups: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16)) {
        var bytes: [UInt8] = []
        for group in [groups.0, groups.1, groups.2, groups.3, groups.4, groups.5, groups.6, groups.7] {
            bytes.appendBigEndian(group)
        }
        self.bytes = bytes
    }

    /// Eight colon-separated hex groups without zero compression, such as `2001:db8:0:0:0:0:0:1`.
    public var description: String {
        stride(from: 0, to: 16, by: 2)
            .map { String(bigEndianInteger(bytes[$0..<($0 + 2)], as: UInt16.self), radix: 16) }
            .joined(separator: ":")
    }
}

/// An IPv6 prefix: Reserved (0), Prefix-Length (0–128) and the prefix bytes
/// (RFC 3162 §2.3, RFC 8044 §3.10 `ipv6prefix`).
public struct RADIUSIPv6Prefix: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The prefix address; bits past ``prefixLength`` are zero.
    public private(set) var address: RADIUSIPv6Address
    /// Number of leading bits that form the prefix, 0–128.
    public private(set) var prefixLength: UInt8

    /// Creates a prefix.
    ///
    /// - Throws: `invalidValue` when `prefixLength` exceeds 128 or `address` has bits set past
    ///   it (RFC 8044 §3.10 requires them to be zero).
    public init(address: RADIUSIPv6Address, prefixLength: UInt8) throws(RADIUSError) {
        guard prefixLength <= 128 else {
            throw RADIUSError(.invalidValue, "ipv6prefix length \(prefixLength) exceeds 128")
        }
        for bit in Int(prefixLength)..<128 where address.bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 {
            throw RADIUSError(.invalidValue, "ipv6prefix \(address)/\(prefixLength) has bits set past the prefix length")
        }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses the wire form: 2 to 18 bytes, the prefix field holding at least
    /// ⌈length / 8⌉ bytes (RFC 3162 §2.3); missing trailing bytes are zero.
    ///
    /// - Throws: `invalidValueLength` for a value shorter than 2 or longer than 18 bytes, or a
    ///   prefix field too short for its length; `invalidValue` as for ``init(address:prefixLength:)``.
    public init(bytes: [UInt8]) throws(RADIUSError) {
        guard (2...18).contains(bytes.count) else {
            throw RADIUSError(.invalidValueLength, "ipv6prefix needs 2 to 18 bytes, got \(bytes.count)")
        }
        let length = bytes[1]
        guard length <= 128 else {
            throw RADIUSError(.invalidValue, "ipv6prefix length \(length) exceeds 128")
        }
        let needed = (Int(length) + 7) / 8
        guard bytes.count - 2 >= needed else {
            throw RADIUSError(.invalidValueLength, "ipv6prefix /\(length) needs \(needed) prefix bytes, got \(bytes.count - 2)")
        }
        var padded = Array(bytes[2...])
        padded.append(contentsOf: [UInt8](repeating: 0, count: 16 - padded.count))
        try self.init(address: try RADIUSIPv6Address(bytes: padded), prefixLength: length)
    }

    /// The wire form: a zero Reserved byte, the length, then ⌈length / 8⌉ prefix bytes.
    public var bytes: [UInt8] {
        [0, prefixLength] + address.bytes.prefix((Int(prefixLength) + 7) / 8)
    }

    /// `address/length`.
    public var description: String {
        "\(address)/\(prefixLength)"
    }
}
