/// Byte-level helpers shared by every netlink codec in the module.
///
/// Netlink headers and most attribute payloads are in the host's byte order (that is the
/// protocol's definition, not an accident of x86); addresses, ports and u32 selector keys are in
/// network byte order. Every read and write below names which one it uses.
extension Array where Element == UInt8 {
    /// Appends `value` in host byte order.
    mutating func appendHost<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Appends `value` in network (big-endian) byte order.
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    /// Appends zero bytes until the count is a multiple of 4 (NLMSG_ALIGN / RTA_ALIGN).
    mutating func padToFourBytes() {
        while count % 4 != 0 { append(0) }
    }

    /// Overwrites a host-order value at `offset` (used to patch lengths once they are known).
    mutating func setHost<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value) { raw in
            for (index, byte) in raw.enumerated() { self[offset + index] = byte }
        }
    }
}

extension ArraySlice where Element == UInt8 {
    /// Reads a host-order integer at `offset` from the slice start, or nil when it does not fit.
    func host<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= count else { return nil }
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    /// Reads a big-endian integer at `offset` from the slice start, or nil when it does not fit.
    func bigEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        host(T.self, at: offset).map { T(bigEndian: $0) }
    }

    /// The bytes `offset..<offset+length` relative to the slice start, or nil when out of range.
    func bytes(at offset: Int, count length: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, length >= 0, offset + length <= count else { return nil }
        return self[(startIndex + offset)..<(startIndex + offset + length)]
    }
}

/// Rounds a length up to netlink's 4-byte alignment (NLMSG_ALIGN, NLA_ALIGN).
@inline(__always)
func netlinkAligned(_ length: Int) -> Int { (length + 3) & ~3 }
