import NetworkTypes

/// Typed constructors and readers for the RFC 8044 data types. Each reader checks the value's
/// length and content and throws `invalidValueLength` or `invalidValue` rather than guessing.
extension RADIUSAttribute {
    /// A `string` (text) attribute: UTF-8 bytes (RFC 8044 §3.5).
    public static func string(_ type: RADIUSAttributeType, _ text: String) -> RADIUSAttribute {
        RADIUSAttribute(type: type, value: Array(text.utf8))
    }

    /// An `octets` attribute: bytes taken as they are (RFC 8044 §3.6).
    public static func octets(_ type: RADIUSAttributeType, _ bytes: [UInt8]) -> RADIUSAttribute {
        RADIUSAttribute(type: type, value: bytes)
    }

    /// An `integer` attribute: 4 bytes, big-endian (RFC 8044 §3.1).
    public static func integer(_ type: RADIUSAttributeType, _ number: UInt32) -> RADIUSAttribute {
        var value: [UInt8] = []
        value.appendBigEndian(number)
        return RADIUSAttribute(type: type, value: value)
    }

    /// A `date` (time) attribute: seconds since 1970-01-01 00:00 UTC, 4 bytes, big-endian
    /// (RFC 8044 §3.4). RFC 2869 §5.3 uses it for Event-Timestamp.
    public static func date(_ type: RADIUSAttributeType, secondsSince1970: UInt32) -> RADIUSAttribute {
        integer(type, secondsSince1970)
    }

    /// An `ipaddr` attribute (RFC 8044 §3.8).
    public static func ipv4Address(_ type: RADIUSAttributeType, _ address: IPv4Address) -> RADIUSAttribute {
        RADIUSAttribute(type: type, value: address.bytes)
    }

    /// An `ipv6addr` attribute (RFC 8044 §3.9).
    public static func ipv6Address(_ type: RADIUSAttributeType, _ address: RADIUSIPv6Address) -> RADIUSAttribute {
        RADIUSAttribute(type: type, value: address.bytes)
    }

    /// An `ipv6prefix` attribute (RFC 8044 §3.10).
    public static func ipv6Prefix(_ type: RADIUSAttributeType, _ prefix: RADIUSIPv6Prefix) -> RADIUSAttribute {
        RADIUSAttribute(type: type, value: prefix.bytes)
    }

    /// An `ifid` attribute: an 8-byte IPv6 interface identifier, big-endian (RFC 8044 §3.7,
    /// RFC 3162 §2.2).
    public static func interfaceID(_ type: RADIUSAttributeType, _ identifier: UInt64) -> RADIUSAttribute {
        var value: [UInt8] = []
        value.appendBigEndian(identifier)
        return RADIUSAttribute(type: type, value: value)
    }

    /// An `integer64` attribute: 8 bytes, big-endian (RFC 8044 §3.2, RFC 6929).
    public static func integer64(_ type: RADIUSAttributeType, _ number: UInt64) -> RADIUSAttribute {
        var value: [UInt8] = []
        value.appendBigEndian(number)
        return RADIUSAttribute(type: type, value: value)
    }

    /// The value as UTF-8 text (RFC 8044 §3.5).
    ///
    /// - Throws: `invalidValue` if the bytes are not valid UTF-8.
    public func stringValue() throws(RADIUSError) -> String {
        guard let text = String(validating: value, as: UTF8.self) else {
            throw RADIUSError(.invalidValue, "\(type) is not valid UTF-8: 0x\(value.hexString)")
        }
        return text
    }

    /// The value as a 32-bit integer (RFC 8044 §3.1).
    ///
    /// - Throws: `invalidValueLength` unless the value is exactly 4 bytes.
    public func integerValue() throws(RADIUSError) -> UInt32 {
        try fixedWidth(4, "integer")
    }

    /// The value as seconds since 1970-01-01 00:00 UTC (RFC 8044 §3.4).
    ///
    /// - Throws: `invalidValueLength` unless the value is exactly 4 bytes.
    public func dateValue() throws(RADIUSError) -> UInt32 {
        try fixedWidth(4, "date")
    }

    /// The value as an IPv4 address (RFC 8044 §3.8).
    ///
    /// - Throws: `invalidValueLength` unless the value is exactly 4 bytes.
    public func ipv4AddressValue() throws(RADIUSError) -> IPv4Address {
        guard let address = IPv4Address(bytes: value) else {
            throw RADIUSError(.invalidValueLength, "ipaddr needs 4 bytes, got \(value.count)")
        }
        return address
    }

    /// The value as an IPv6 address (RFC 8044 §3.9).
    ///
    /// - Throws: `invalidValueLength` unless the value is exactly 16 bytes.
    public func ipv6AddressValue() throws(RADIUSError) -> RADIUSIPv6Address {
        try RADIUSIPv6Address(bytes: value)
    }

    /// The value as an IPv6 prefix (RFC 8044 §3.10).
    ///
    /// - Throws: see ``RADIUSIPv6Prefix/init(bytes:)``.
    public func ipv6PrefixValue() throws(RADIUSError) -> RADIUSIPv6Prefix {
        try RADIUSIPv6Prefix(bytes: value)
    }

    /// The value as an 8-byte interface identifier (RFC 8044 §3.7).
    ///
    /// - Throws: `invalidValueLength` unless the value is exactly 8 bytes.
    public func interfaceIDValue() throws(RADIUSError) -> UInt64 {
        try fixedWidth(8, "ifid")
    }

    /// The value as a 64-bit integer (RFC 8044 §3.2).
    ///
    /// - Throws: `invalidValueLength` unless the value is exactly 8 bytes.
    public func integer64Value() throws(RADIUSError) -> UInt64 {
        try fixedWidth(8, "integer64")
    }

    private func fixedWidth<T: FixedWidthInteger & UnsignedInteger>(_ width: Int, _ name: String) throws(RADIUSError) -> T {
        guard value.count == width else {
            throw RADIUSError(.invalidValueLength, "\(type) as \(name) needs \(width) bytes, got \(value.count)")
        }
        return bigEndianInteger(value[...], as: T.self)
    }
}
