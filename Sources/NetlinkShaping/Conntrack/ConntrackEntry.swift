import CLinuxNet
import NetworkTypes

/// One IPv4 connection-tracking entry as ctnetlink reports it (`conntrack -L`).
public struct ConntrackEntry: Hashable, Sendable {
    /// Addresses and ports of one direction of a flow.
    public struct Tuple: Hashable, Sendable {
        /// Source address.
        public var source: IPv4Address
        /// Destination address.
        public var destination: IPv4Address
        /// IP protocol number (6 TCP, 17 UDP, 1 ICMP).
        public var protocolNumber: UInt8
        /// Source port (TCP/UDP), else 0.
        public var sourcePort: UInt16
        /// Destination port (TCP/UDP), else 0.
        public var destinationPort: UInt16
    }

    /// The direction that opened the flow.
    public let original: Tuple
    /// The expected answer (differs from the reversed original under NAT).
    public let reply: Tuple
    /// The kernel's id for the entry (`CTA_ID`), which makes a delete hit exactly this entry.
    public let id: UInt32?
    /// The original tuple's attribute, kept as received to name the entry in a delete.
    let originalAttribute: NetlinkAttribute
    /// The zone attribute, if any (`CTA_ZONE`).
    let zoneAttribute: NetlinkAttribute?

    /// Whether `address` is either end of either direction.
    public func involves(_ address: IPv4Address) -> Bool {
        original.source == address || original.destination == address || reply.source == address || reply.destination == address
    }

    /// Parses an `IPCTNL_MSG_CT_NEW` message (`struct nfgenmsg` then attributes); nil for non-IPv4.
    package init?(_ message: NetlinkMessage) throws {
        let payload = message.payload[...]
        guard payload.count >= 4, payload[payload.startIndex] == UInt8(AF_INET) else { return nil }
        let attributes = try NetlinkAttribute.parse(payload.dropFirst(4))
        guard let original = attributes.first(UInt16(CTA_TUPLE_ORIG.rawValue)), let reply = attributes.first(UInt16(CTA_TUPLE_REPLY.rawValue)),
              let originalTuple = try Self.tuple(original.nested()), let replyTuple = try Self.tuple(reply.nested()) else { return nil }
        self.original = originalTuple
        self.reply = replyTuple
        id = attributes.first(UInt16(CTA_ID.rawValue)).flatMap { $0.payload.bigEndian(UInt32.self, at: 0) }
        originalAttribute = original
        zoneAttribute = attributes.first(UInt16(CTA_ZONE.rawValue))
    }

    private static func tuple(_ attributes: [NetlinkAttribute]) throws -> Tuple? {
        guard let ip = try attributes.first(UInt16(CTA_TUPLE_IP.rawValue))?.nested(),
              let source = ip.first(UInt16(CTA_IP_V4_SRC.rawValue))?.payload.bigEndian(UInt32.self, at: 0),
              let destination = ip.first(UInt16(CTA_IP_V4_DST.rawValue))?.payload.bigEndian(UInt32.self, at: 0),
              let proto = try attributes.first(UInt16(CTA_TUPLE_PROTO.rawValue))?.nested(),
              let number = proto.first(UInt16(CTA_PROTO_NUM.rawValue))?.payload.first else { return nil }
        return Tuple(source: IPv4Address(value: source), destination: IPv4Address(value: destination), protocolNumber: number,
                     sourcePort: proto.first(UInt16(CTA_PROTO_SRC_PORT.rawValue))?.payload.bigEndian(UInt16.self, at: 0) ?? 0,
                     destinationPort: proto.first(UInt16(CTA_PROTO_DST_PORT.rawValue))?.payload.bigEndian(UInt16.self, at: 0) ?? 0)
    }
}
