import NetworkTypes

/// An Ethernet II header (IEEE 802.3 with EtherType), optionally with one IEEE 802.1Q tag,
/// as access networks commonly deliver subscriber traffic on VLANs.
public struct EthernetHeader: Hashable, Sendable, Codable {
    /// EtherType for IPv4.
    public static let etherTypeIPv4: UInt16 = 0x0800
    /// EtherType (TPID) of an IEEE 802.1Q VLAN tag.
    public static let etherTypeVLAN: UInt16 = 0x8100
    /// Header length without a VLAN tag, bytes.
    public static let length = 14
    /// Header length with one VLAN tag, bytes.
    public static let taggedLength = 18
    /// Smallest Ethernet frame without FCS; shorter frames are zero-padded when built, bytes.
    public static let minimumFrameLength = 60

    /// Destination MAC address.
    public var destination: MACAddress
    /// Source MAC address.
    public var source: MACAddress
    /// The 802.1Q Tag Control Information (PCP, DEI, VLAN ID), when the frame is tagged.
    public var vlanTag: UInt16?
    /// EtherType of the payload (after any VLAN tag).
    public var etherType: UInt16

    /// Creates a header.
    public init(
        destination: MACAddress, source: MACAddress, vlanTag: UInt16? = nil,
        etherType: UInt16 = EthernetHeader.etherTypeIPv4
    ) {
        self.destination = destination
        self.source = source
        self.vlanTag = vlanTag
        self.etherType = etherType
    }

    /// The 12-bit VLAN ID of the tag, if tagged.
    public var vlanID: UInt16? { vlanTag.map { $0 & 0x0FFF } }

    /// Encoded length: 14, or 18 with a VLAN tag.
    public var encodedLength: Int { vlanTag == nil ? EthernetHeader.length : EthernetHeader.taggedLength }

    /// Parses the header at the start of `frame`; returns it and the payload offset.
    static func parse(_ frame: [UInt8]) throws(DHCPKitError) -> (EthernetHeader, Int) {
        var reader = ByteReader(frame)
        let destination = try reader.readBytes(6, .truncatedEthernetFrame, field: "ethernet.destination")
        let source = try reader.readBytes(6, .truncatedEthernetFrame, field: "ethernet.source")
        var etherType = try reader.readUInt16(.truncatedEthernetFrame, field: "ethernet.etherType")
        var vlanTag: UInt16?
        if etherType == EthernetHeader.etherTypeVLAN {
            vlanTag = try reader.readUInt16(.truncatedEthernetFrame, field: "ethernet.vlanTag")
            etherType = try reader.readUInt16(.truncatedEthernetFrame, field: "ethernet.etherType")
        }
        guard let destinationAddress = MACAddress(bytes: destination),
            let sourceAddress = MACAddress(bytes: source)
        else {
            throw DHCPKitError(
                .truncatedEthernetFrame, field: "ethernet", offset: 0,
                message: "frame too short for two MAC addresses")
        }
        let header = EthernetHeader(
            destination: destinationAddress, source: sourceAddress, vlanTag: vlanTag,
            etherType: etherType)
        return (header, reader.offset)
    }

    /// Appends the header to `bytes`.
    func encode(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: destination.bytes)
        bytes.append(contentsOf: source.bytes)
        if let vlanTag {
            bytes.appendBigEndian(EthernetHeader.etherTypeVLAN)
            bytes.appendBigEndian(vlanTag)
        }
        bytes.appendBigEndian(etherType)
    }
}
