import NetworkTypes

/// Big-endian ("network order", RFC 2865 §3) helpers for `[UInt8]`, the one byte
/// representation used throughout RadiusKit.
extension Array where Element == UInt8 {
    /// Appends `value` as 2 bytes, most significant first.
    mutating func appendBigEndian(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    /// Appends `value` as 4 bytes, most significant first.
    mutating func appendBigEndian(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// Appends `value` as 8 bytes, most significant first.
    mutating func appendBigEndian(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Lower-case hex without separators, for error contexts and descriptions.
    var hexString: String { Hex.encode(self) }
}

/// Reads big-endian integers from a byte slice as if it were a number of `width` bytes.
///
/// Callers check the length first; this never indexes outside `bytes`.
func bigEndianInteger<T: FixedWidthInteger & UnsignedInteger>(_ bytes: ArraySlice<UInt8>, as: T.Type = T.self) -> T {
    var value: T = 0
    for byte in bytes {
        value = (value << 8) | T(byte)
    }
    return value
}

/// Compares two byte sequences in time that depends only on their lengths, so an attacker
/// cannot learn how many leading bytes of a forged authenticator were right
/// (house style rule 10).
func constantTimeEqual(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for (left, right) in zip(lhs, rhs) {
        difference |= left ^ right
    }
    return difference == 0
}
