import NetworkTypes

/// An IPv4 header (RFC 791 §3.1), options included.
///
/// Parsed headers keep every field as received, so re-encoding is exact; built headers get
/// their total length and checksum from ``DHCPFrame``/``withComputedChecksum()``.
public struct IPv4Header: Hashable, Sendable, Codable {
    /// Length of a header without options, bytes (IHL 5).
    public static let minimumLength = 20
    /// Length of a header with the most options (IHL 15), bytes.
    public static let maximumLength = 60
    /// Protocol number of UDP.
    public static let protocolUDP: UInt8 = 17
    /// "More fragments" bit of the flags/fragment-offset field.
    public static let moreFragmentsFlag: UInt16 = 0x2000
    /// "Don't fragment" bit of the flags/fragment-offset field.
    public static let dontFragmentFlag: UInt16 = 0x4000

    /// Type of service byte: DSCP (6 bits) and ECN (2 bits).
    public var typeOfService: UInt8
    /// Total length of the datagram, header included, bytes.
    public var totalLength: UInt16
    /// Identification, for reassembly.
    public var identification: UInt16
    /// Flags (3 bits) and fragment offset (13 bits, in 8-byte units) as on the wire.
    public var flagsAndFragmentOffset: UInt16
    /// Time to live, hops.
    public var timeToLive: UInt8
    /// Payload protocol number (17 for UDP).
    public var protocolNumber: UInt8
    /// Header checksum as on the wire.
    public var checksum: UInt16
    /// Source address.
    public var source: IPv4Address
    /// Destination address.
    public var destination: IPv4Address
    /// Option bytes, a multiple of 4 and at most 40 bytes (padding included).
    public var options: [UInt8]

    /// Creates a header; `totalLength` and `checksum` are usually filled in by ``DHCPFrame``.
    public init(
        typeOfService: UInt8 = 0, totalLength: UInt16 = 0, identification: UInt16 = 0,
        flagsAndFragmentOffset: UInt16 = 0, timeToLive: UInt8 = 64,
        protocolNumber: UInt8 = IPv4Header.protocolUDP, checksum: UInt16 = 0,
        source: IPv4Address, destination: IPv4Address, options: [UInt8] = []
    ) {
        self.typeOfService = typeOfService
        self.totalLength = totalLength
        self.identification = identification
        self.flagsAndFragmentOffset = flagsAndFragmentOffset
        self.timeToLive = timeToLive
        self.protocolNumber = protocolNumber
        self.checksum = checksum
        self.source = source
        self.destination = destination
        self.options = options
    }

    /// Header length in bytes: 20 plus options rounded up to 4 bytes, at most 60.
    public var headerLength: Int {
        min(IPv4Header.maximumLength, IPv4Header.minimumLength + (options.count + 3) / 4 * 4)
    }

    /// Whether this datagram is a fragment (MF set or non-zero offset).
    public var isFragment: Bool {
        flagsAndFragmentOffset & IPv4Header.moreFragmentsFlag != 0
            || flagsAndFragmentOffset & 0x1FFF != 0
    }

    /// The checksum the header should carry (RFC 1071 over the header with checksum 0).
    public var computedChecksum: UInt16 {
        var copy = self
        copy.checksum = 0
        var bytes: [UInt8] = []
        copy.encode(into: &bytes)
        return InternetChecksum.compute(bytes)
    }

    /// A copy whose ``checksum`` is ``computedChecksum``.
    public func withComputedChecksum() -> IPv4Header {
        var copy = self
        copy.checksum = computedChecksum
        return copy
    }

    /// Parses the header at `offset` of `bytes`, verifying version, IHL, total length
    /// against the bytes available, and the checksum. Returns the header and the payload range
    /// (bytes past `totalLength`, such as Ethernet padding, are outside it).
    static func parse(_ bytes: [UInt8], at offset: Int) throws(DHCPKitError) -> (IPv4Header, Range<Int>) {
        var reader = ByteReader(bytes, range: offset..<bytes.count)
        try reader.require(IPv4Header.minimumLength, .truncatedIPv4Header, field: "ipv4")
        let versionAndIHL = try reader.readUInt8(.truncatedIPv4Header, field: "ipv4.version")
        guard versionAndIHL >> 4 == 4 else {
            throw DHCPKitError(
                .badIPv4Version, field: "ipv4.version", offset: offset,
                message: "IP version \(versionAndIHL >> 4) is not 4")
        }
        let headerLength = Int(versionAndIHL & 0x0F) * 4
        let available = bytes.count - offset
        guard headerLength >= IPv4Header.minimumLength, headerLength <= available else {
            throw DHCPKitError(
                .badIPv4HeaderLength, field: "ipv4.ihl", offset: offset,
                message: "IHL gives a \(headerLength)-byte header; it must be 20-60 bytes and"
                    + " within the \(available) bytes received")
        }
        let typeOfService = try reader.readUInt8(.truncatedIPv4Header, field: "ipv4.tos")
        let totalLengthOffset = reader.offset
        let totalLength = try reader.readUInt16(.truncatedIPv4Header, field: "ipv4.totalLength")
        guard Int(totalLength) >= headerLength, Int(totalLength) <= available else {
            throw DHCPKitError(
                .badIPv4TotalLength, field: "ipv4.totalLength", offset: totalLengthOffset,
                message: "total length \(totalLength) must cover the \(headerLength)-byte header"
                    + " and fit in the \(available) bytes received")
        }
        let identification = try reader.readUInt16(.truncatedIPv4Header, field: "ipv4.identification")
        let fragment = try reader.readUInt16(.truncatedIPv4Header, field: "ipv4.fragment")
        let ttl = try reader.readUInt8(.truncatedIPv4Header, field: "ipv4.ttl")
        let protocolNumber = try reader.readUInt8(.truncatedIPv4Header, field: "ipv4.protocol")
        let checksum = try reader.readUInt16(.truncatedIPv4Header, field: "ipv4.checksum")
        let source = IPv4Address(value: try reader.readUInt32(.truncatedIPv4Header, field: "ipv4.source"))
        let destination = IPv4Address(
            value: try reader.readUInt32(.truncatedIPv4Header, field: "ipv4.destination"))
        let options = try reader.readBytes(
            headerLength - IPv4Header.minimumLength, .badIPv4HeaderLength, field: "ipv4.options")
        let header = IPv4Header(
            typeOfService: typeOfService, totalLength: totalLength, identification: identification,
            flagsAndFragmentOffset: fragment, timeToLive: ttl, protocolNumber: protocolNumber,
            checksum: checksum, source: source, destination: destination, options: options)
        let raw = Array(bytes[offset..<(offset + headerLength)])
        guard InternetChecksum.compute(raw) == 0 else {
            throw DHCPKitError(
                .badIPv4Checksum, field: "ipv4.checksum", offset: offset + 10,
                message: "header checksum 0x\(bigEndianBytes(checksum).hexString) does not verify;"
                    + " expected 0x\(bigEndianBytes(header.computedChecksum).hexString)")
        }
        return (header, (offset + headerLength)..<(offset + Int(totalLength)))
    }

    /// Appends the header (options zero-padded to a multiple of 4, at most 40 bytes).
    func encode(into bytes: inout [UInt8]) {
        let length = headerLength
        bytes.append(0x40 | UInt8(length / 4))
        bytes.append(typeOfService)
        bytes.appendBigEndian(totalLength)
        bytes.appendBigEndian(identification)
        bytes.appendBigEndian(flagsAndFragmentOffset)
        bytes.append(timeToLive)
        bytes.append(protocolNumber)
        bytes.appendBigEndian(checksum)
        bytes.appendBigEndian(source.value)
        bytes.appendBigEndian(destination.value)
        let optionLength = length - IPv4Header.minimumLength
        bytes.append(contentsOf: DHCPMessage.fit(options, to: optionLength))
    }
}
