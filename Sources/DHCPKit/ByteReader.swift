import NetworkTypes

/// A bounds-checked cursor over received bytes.
///
/// Every read checks the remaining length first and throws ``DHCPKitError`` with the absolute
/// offset, so parsers never subscript untrusted input directly. Multi-byte reads are
/// big-endian (network byte order) because every protocol in this module is.
struct ByteReader {
    let bytes: [UInt8]
    /// Absolute index of the next byte to read.
    private(set) var offset: Int
    /// Absolute index one past the last readable byte.
    let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
    }

    /// A reader limited to `range` of `bytes`; offsets in errors stay absolute.
    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.offset = max(0, min(range.lowerBound, bytes.count))
        self.end = max(self.offset, min(range.upperBound, bytes.count))
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    /// Throws `code` unless at least `count` bytes remain.
    func require(_ count: Int, _ code: DHCPKitError.Code, field: String) throws(DHCPKitError) {
        guard count >= 0, remaining >= count else {
            throw DHCPKitError(
                code, field: field, offset: offset,
                message: "needed \(count) bytes for \(field) but only \(remaining) remain")
        }
    }

    mutating func readUInt8(_ code: DHCPKitError.Code, field: String) throws(DHCPKitError) -> UInt8 {
        try require(1, code, field: field)
        let value = bytes[offset]
        offset += 1
        return value
    }

    mutating func readUInt16(_ code: DHCPKitError.Code, field: String) throws(DHCPKitError) -> UInt16 {
        try require(2, code, field: field)
        let value = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        offset += 2
        return value
    }

    mutating func readUInt32(_ code: DHCPKitError.Code, field: String) throws(DHCPKitError) -> UInt32 {
        try require(4, code, field: field)
        var value: UInt32 = 0
        for index in offset..<(offset + 4) {
            value = value << 8 | UInt32(bytes[index])
        }
        offset += 4
        return value
    }

    mutating func readBytes(
        _ count: Int, _ code: DHCPKitError.Code, field: String
    ) throws(DHCPKitError) -> [UInt8] {
        try require(count, code, field: field)
        let value = Array(bytes[offset..<(offset + count)])
        offset += count
        return value
    }

    /// The bytes not yet read, without consuming them.
    func peekRemaining() -> [UInt8] {
        Array(bytes[offset..<end])
    }

    mutating func skip(_ count: Int, _ code: DHCPKitError.Code, field: String) throws(DHCPKitError) {
        try require(count, code, field: field)
        offset += count
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in network byte order.
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `value` in network byte order.
    mutating func appendBigEndian(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Reads a big-endian `UInt32` from exactly four bytes, or `nil` for any other count.
    func bigEndianUInt32() -> UInt32? {
        guard count == 4 else { return nil }
        return reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Reads a big-endian `UInt16` from exactly two bytes, or `nil` for any other count.
    func bigEndianUInt16() -> UInt16? {
        guard count == 2 else { return nil }
        return reduce(0) { $0 << 8 | UInt16($1) }
    }

    /// Lower-case hex without separators, e.g. `"0a1b"`.
    var hexString: String { Hex.encode(self) }
}

/// Big-endian encoding of a `UInt32` as four bytes.
func bigEndianBytes(_ value: UInt32) -> [UInt8] {
    var out: [UInt8] = []
    out.appendBigEndian(value)
    return out
}

/// Big-endian encoding of a `UInt16` as two bytes.
func bigEndianBytes(_ value: UInt16) -> [UInt8] {
    var out: [UInt8] = []
    out.appendBigEndian(value)
    return out
}

/// Parses a hex string (`"0a1B"`, optional `0x` prefix, optional `:`/`-`/space separators),
/// reporting failures as ``DHCPKitError/Code/invalidHexString`` on `field`.
func parseHex(_ text: String, field: String) throws(DHCPKitError) -> [UInt8] {
    do {
        return try Hex.decode(text)
    } catch {
        throw DHCPKitError(.invalidHexString, field: field, message: error.message)
    }
}

/// Parses a dotted quad, reporting failures as ``DHCPKitError/Code/invalidIPv4Address`` on `field`.
func parseIPv4Address(_ text: String, field: String) throws(DHCPKitError) -> IPv4Address {
    do {
        return try IPv4Address(parsing: text)
    } catch {
        throw DHCPKitError(.invalidIPv4Address, field: field, message: error.message)
    }
}
