/// The Internet checksum: ones' complement of the ones' complement sum of 16-bit big-endian
/// words (RFC 1071 §1), used by the IPv4 header (RFC 791) and UDP (RFC 768).
public struct InternetChecksum: Sendable {
    private var sum: UInt32 = 0
    /// A pending odd byte, kept so data may be fed in pieces of any length.
    private var pendingHighByte: UInt8?

    /// Creates an empty accumulator.
    public init() {}

    /// Adds `bytes` to the sum as if they followed the bytes added so far.
    public mutating func add(_ bytes: [UInt8]) {
        for byte in bytes {
            if let high = pendingHighByte {
                sum &+= UInt32(high) << 8 | UInt32(byte)
                pendingHighByte = nil
                // Fold early so the 32-bit accumulator can never overflow.
                if sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            } else {
                pendingHighByte = byte
            }
        }
    }

    /// Adds one 16-bit word (must be called on an even byte boundary).
    public mutating func add(_ word: UInt16) {
        add([UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)])
    }

    /// The checksum of everything added: an odd final byte is padded with zero (RFC 1071 §4.1).
    public var value: UInt16 {
        var total = sum
        if let high = pendingHighByte {
            total &+= UInt32(high) << 8
        }
        while total > 0xFFFF {
            total = (total & 0xFFFF) + (total >> 16)
        }
        return ~UInt16(truncatingIfNeeded: total)
    }

    /// The checksum of `bytes`. Over data that includes a correct checksum field this is 0.
    public static func compute(_ bytes: [UInt8]) -> UInt16 {
        var checksum = InternetChecksum()
        checksum.add(bytes)
        return checksum.value
    }
}
