/// Tagged attributes (RFC 2868 §3): a Tag octet 0x01–0x1F groups attributes that describe the
/// same tunnel.
extension RADIUSAttribute {
    /// Largest legal tag (RFC 2868 §3.1).
    public static let maximumTag: UInt8 = 0x1F

    /// A tagged string such as Tunnel-Private-Group-Id (RFC 2868 §3.6).
    ///
    /// With `tag` `nil` the Tag octet is left out, unless the text starts with a byte
    /// ≤ 0x1F, which a receiver would take for a tag; then a zero Tag is written
    /// (RFC 2868 §3: a Tag above 0x1F is the first byte of the string).
    ///
    /// - Throws: `invalidValue` if `tag` is 0 or above 0x1F.
    public static func taggedString(_ type: RADIUSAttributeType, tag: UInt8?, _ bytes: [UInt8]) throws(RADIUSError) -> RADIUSAttribute {
        if let tag {
            try checkTag(tag, type)
            return RADIUSAttribute(type: type, value: [tag] + bytes)
        }
        if let first = bytes.first, first <= maximumTag {
            return RADIUSAttribute(type: type, value: [0] + bytes)
        }
        return RADIUSAttribute(type: type, value: bytes)
    }

    /// A tagged integer such as Tunnel-Type: the Tag octet, then a 3-byte big-endian value
    /// (RFC 2868 §3.1). The Tag octet is always present; `nil` writes 0.
    ///
    /// - Throws: `invalidValue` if `tag` is 0 or above 0x1F, or `number` does not fit 24 bits.
    public static func taggedInteger(_ type: RADIUSAttributeType, tag: UInt8?, _ number: UInt32) throws(RADIUSError) -> RADIUSAttribute {
        if let tag { try checkTag(tag, type) }
        guard number <= 0xFF_FFFF else {
            throw RADIUSError(.invalidValue, "\(type) value \(number) does not fit the 24 bits of a tagged integer")
        }
        var value: [UInt8] = []
        value.appendBigEndian(number)
        value[0] = tag ?? 0
        return RADIUSAttribute(type: type, value: value)
    }

    /// Reads a tagged string: the tag (`nil` when absent or zero) and the remaining bytes.
    public func taggedStringValue() -> (tag: UInt8?, bytes: [UInt8]) {
        guard let first = value.first, first <= Self.maximumTag else { return (nil, value) }
        return (first == 0 ? nil : first, Array(value.dropFirst()))
    }

    /// Reads a tagged integer: the tag (`nil` when zero) and the 24-bit value.
    ///
    /// - Throws: `invalidValueLength` unless the value is 4 bytes; `invalidValue` for a Tag
    ///   above 0x1F.
    public func taggedIntegerValue() throws(RADIUSError) -> (tag: UInt8?, value: UInt32) {
        guard value.count == 4 else {
            throw RADIUSError(.invalidValueLength, "\(type) as tagged integer needs 4 bytes, got \(value.count)")
        }
        let tag = value[0]
        guard tag <= Self.maximumTag else {
            throw RADIUSError(.invalidValue, "\(type) has Tag 0x\([tag].hexString), the maximum is 0x1f")
        }
        return (tag == 0 ? nil : tag, bigEndianInteger(value[1...], as: UInt32.self))
    }

    static func checkTag(_ tag: UInt8, _ type: RADIUSAttributeType) throws(RADIUSError) {
        guard (1...maximumTag).contains(tag) else {
            throw RADIUSError(.invalidValue, "\(type) Tag \(tag) is outside 1...31")
        }
    }
}
