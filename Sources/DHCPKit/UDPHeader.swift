import NetworkTypes

/// A UDP header (RFC 768).
public struct UDPHeader: Hashable, Sendable, Codable {
    /// Header length, bytes.
    public static let length = 8
    /// DHCP server port (RFC 2131 §4.1).
    public static let dhcpServerPort: UInt16 = 67
    /// DHCP client port (RFC 2131 §4.1).
    public static let dhcpClientPort: UInt16 = 68

    /// Source port.
    public var sourcePort: UInt16
    /// Destination port.
    public var destinationPort: UInt16
    /// Length of header plus payload, bytes.
    public var length: UInt16
    /// Checksum as on the wire; 0 means "not computed" (RFC 768).
    public var checksum: UInt16

    /// Creates a header; `length` and `checksum` are usually filled in by ``DHCPFrame``.
    public init(sourcePort: UInt16, destinationPort: UInt16, length: UInt16 = 0, checksum: UInt16 = 0) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
        self.checksum = checksum
    }

    /// The checksum over the IPv4 pseudo-header, this header (checksum 0) and `payload`
    /// (RFC 768). A computed 0 is sent as 0xFFFF, since 0 means "no checksum".
    public func computedChecksum(
        source: IPv4Address, destination: IPv4Address, payload: [UInt8]
    ) -> UInt16 {
        var sum = InternetChecksum()
        sum.add(source.bytes)
        sum.add(destination.bytes)
        sum.add([0, IPv4Header.protocolUDP])
        sum.add(length)
        sum.add(sourcePort)
        sum.add(destinationPort)
        sum.add(length)
        sum.add(UInt16(0))
        sum.add(payload)
        let value = sum.value
        return value == 0 ? 0xFFFF : value
    }

    /// Parses the UDP header in `range` of `bytes` (the IPv4 payload), checks its length
    /// against the payload, and verifies a non-zero checksum. Returns header and payload range.
    static func parse(
        _ bytes: [UInt8], range: Range<Int>, source: IPv4Address, destination: IPv4Address,
        verifyingChecksum: Bool = true
    ) throws(DHCPKitError) -> (UDPHeader, Range<Int>) {
        var reader = ByteReader(bytes, range: range)
        let start = reader.offset
        try reader.require(UDPHeader.length, .truncatedUDPHeader, field: "udp")
        let sourcePort = try reader.readUInt16(.truncatedUDPHeader, field: "udp.sourcePort")
        let destinationPort = try reader.readUInt16(.truncatedUDPHeader, field: "udp.destinationPort")
        let length = try reader.readUInt16(.truncatedUDPHeader, field: "udp.length")
        let checksum = try reader.readUInt16(.truncatedUDPHeader, field: "udp.checksum")
        // The UDP datagram must fill the IP payload exactly: shorter leaves unexplained bytes,
        // longer runs past what IP delivered.
        guard Int(length) >= UDPHeader.length, Int(length) == range.count else {
            throw DHCPKitError(
                .badUDPLength, field: "udp.length", offset: start + 4,
                message: "UDP length \(length) must be at least 8 and equal the"
                    + " \(range.count)-byte IPv4 payload")
        }
        let header = UDPHeader(
            sourcePort: sourcePort, destinationPort: destinationPort, length: length,
            checksum: checksum)
        let payloadRange = reader.offset..<range.upperBound
        if checksum != 0, verifyingChecksum {
            let payload = Array(bytes[payloadRange])
            let expected = header.computedChecksum(
                source: source, destination: destination, payload: payload)
            guard expected == checksum else {
                throw DHCPKitError(
                    .badUDPChecksum, field: "udp.checksum", offset: start + 6,
                    message: "checksum 0x\(bigEndianBytes(checksum).hexString) does not verify;"
                        + " expected 0x\(bigEndianBytes(expected).hexString)")
            }
        }
        return (header, payloadRange)
    }

    /// Appends the header.
    func encode(into bytes: inout [UInt8]) {
        bytes.appendBigEndian(sourcePort)
        bytes.appendBigEndian(destinationPort)
        bytes.appendBigEndian(length)
        bytes.appendBigEndian(checksum)
    }
}
