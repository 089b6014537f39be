/// A DHCP message inside UDP inside IPv4 inside Ethernet: what a relay or server sends and
/// receives on an `AF_PACKET` socket, where clients without an address can still be reached.
public struct DHCPFrame: Hashable, Sendable, Codable {
    /// The Ethernet header.
    public var ethernet: EthernetHeader
    /// The IPv4 header.
    public var ipv4: IPv4Header
    /// The UDP header.
    public var udp: UDPHeader
    /// The UDP payload (normally a DHCP message).
    public var payload: [UInt8]
    /// Bytes after the IPv4 datagram, typically zero padding up to the 60-byte Ethernet minimum.
    public var trailer: [UInt8]

    /// Largest UDP payload that fits the 16-bit IPv4 total length with a 20-byte header, bytes.
    public static let maximumPayloadLength = 65_535 - IPv4Header.minimumLength - UDPHeader.length

    /// Creates a frame from parts as they are; see ``init(message:ethernet:ipv4:udp:)`` to
    /// fill in lengths and checksums.
    public init(
        ethernet: EthernetHeader, ipv4: IPv4Header, udp: UDPHeader, payload: [UInt8],
        trailer: [UInt8] = []
    ) {
        self.ethernet = ethernet
        self.ipv4 = ipv4
        self.udp = udp
        self.payload = payload
        self.trailer = trailer
    }

    /// Builds a frame carrying `payload`: sets the IPv4 total length and header checksum,
    /// the UDP length and checksum, and pads the frame to the 60-byte Ethernet minimum.
    ///
    /// Throws `payloadTooLong` when the payload does not fit the 16-bit length fields.
    public init(
        payload: [UInt8], ethernet: EthernetHeader, ipv4: IPv4Header, udp: UDPHeader,
        computeUDPChecksum: Bool = true
    ) throws(DHCPKitError) {
        let maximum = 65_535 - ipv4.headerLength - UDPHeader.length
        guard payload.count <= maximum else {
            throw DHCPKitError(
                .payloadTooLong, field: "udp.payload",
                message: "a \(payload.count)-byte payload does not fit in one IPv4 datagram"
                    + " (at most \(maximum) bytes with this header)")
        }
        var udp = udp
        udp.length = UInt16(UDPHeader.length + payload.count)
        udp.checksum = 0
        if computeUDPChecksum {
            udp.checksum = udp.computedChecksum(
                source: ipv4.source, destination: ipv4.destination, payload: payload)
        }
        var ipv4 = ipv4
        ipv4.protocolNumber = IPv4Header.protocolUDP
        ipv4.totalLength = UInt16(ipv4.headerLength + Int(udp.length))
        ipv4 = ipv4.withComputedChecksum()
        let length = ethernet.encodedLength + Int(ipv4.totalLength)
        let padding = max(0, EthernetHeader.minimumFrameLength - length)
        self.init(
            ethernet: ethernet, ipv4: ipv4, udp: udp, payload: payload,
            trailer: [UInt8](repeating: 0, count: padding))
    }

    /// Builds a frame carrying `message`; see ``init(payload:ethernet:ipv4:udp:computeUDPChecksum:)``.
    public init(
        message: DHCPMessage, ethernet: EthernetHeader, ipv4: IPv4Header, udp: UDPHeader
    ) throws(DHCPKitError) {
        try self.init(payload: message.encoded(), ethernet: ethernet, ipv4: ipv4, udp: udp)
    }

    /// Parses an Ethernet frame (without FCS) down to the UDP payload.
    ///
    /// Pass `verifyingUDPChecksum: false` only for frames whose checksum the kernel reports as
    /// not yet computed (``PacketSocket/ReceivedFrame/checksumPending``, checksum offload on
    /// virtual links), where the field holds a partial sum.
    ///
    /// Checks: Ethernet length and EtherType IPv4 (one 802.1Q tag allowed), IPv4 version,
    /// IHL, total length and header checksum, no fragmentation, protocol UDP, UDP length equal
    /// to the IPv4 payload and a non-zero UDP checksum verified over the pseudo-header.
    public init(parsing frame: [UInt8], verifyingUDPChecksum: Bool = true) throws(DHCPKitError) {
        let (ethernet, ipOffset) = try EthernetHeader.parse(frame)
        guard ethernet.etherType == EthernetHeader.etherTypeIPv4 else {
            throw DHCPKitError(
                .unsupportedEtherType, field: "ethernet.etherType", offset: ipOffset - 2,
                message: "EtherType 0x\(bigEndianBytes(ethernet.etherType).hexString) is not IPv4")
        }
        let (ipv4, ipPayload) = try IPv4Header.parse(frame, at: ipOffset)
        guard !ipv4.isFragment else {
            throw DHCPKitError(
                .fragmentedIPv4Packet, field: "ipv4.fragment", offset: ipOffset + 6,
                message: "the datagram is a fragment; reassemble before parsing DHCP")
        }
        guard ipv4.protocolNumber == IPv4Header.protocolUDP else {
            throw DHCPKitError(
                .unsupportedIPProtocol, field: "ipv4.protocol", offset: ipOffset + 9,
                message: "IP protocol \(ipv4.protocolNumber) is not UDP (17)")
        }
        let (udp, payloadRange) = try UDPHeader.parse(
            frame, range: ipPayload, source: ipv4.source, destination: ipv4.destination,
            verifyingChecksum: verifyingUDPChecksum)
        self.init(
            ethernet: ethernet, ipv4: ipv4, udp: udp, payload: Array(frame[payloadRange]),
            trailer: Array(frame[ipPayload.upperBound...]))
    }

    /// The frame bytes (without FCS); a parsed frame re-encodes to its input exactly.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ethernet.encodedLength + Int(ipv4.totalLength) + trailer.count)
        ethernet.encode(into: &bytes)
        ipv4.encode(into: &bytes)
        udp.encode(into: &bytes)
        bytes.append(contentsOf: payload)
        bytes.append(contentsOf: trailer)
        return bytes
    }

    /// Parses the payload as a DHCP message.
    public func message() throws(DHCPKitError) -> DHCPMessage {
        try DHCPMessage(parsing: payload)
    }
}
