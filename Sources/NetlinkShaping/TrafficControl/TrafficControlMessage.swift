import CLinuxNet

/// A qdisc, class or filter as the kernel reports it in a dump (`struct tcmsg` plus attributes).
public struct TrafficControlObject: Hashable, Sendable {
    /// `RTM_NEWQDISC`, `RTM_NEWTCLASS` or `RTM_NEWTFILTER`.
    public let messageType: UInt16
    /// Interface index (`tcm_ifindex`).
    public let interfaceIndex: Int32
    /// Handle (qdisc handle, class id, or filter handle).
    public let handle: TCHandle
    /// Parent handle.
    public let parent: TCHandle
    /// `tcm_info`: for filters, priority in the upper and protocol (network order) in the lower 16 bits.
    public let info: UInt32
    /// `TCA_KIND`: "htb", "ingress", "u32", …
    public let kind: String
    /// The attributes inside `TCA_OPTIONS` (empty when the kind puts a bare struct there).
    public let options: [NetlinkAttribute]
    /// `TCA_OPTIONS` as bytes.
    public let rawOptions: ArraySlice<UInt8>
    /// Counters from `TCA_STATS2`, when present.
    public let statistics: TrafficControlStatistics?

    /// A filter's priority (`tc filter … prio N`).
    public var filterPriority: UInt16 { UInt16(truncatingIfNeeded: info >> 16) }
    /// A filter's protocol in host order (`ETH_P_IP`).
    public var filterProtocol: UInt16 { UInt16(bigEndian: UInt16(truncatingIfNeeded: info)) }

    /// Parses an `RTM_NEW{QDISC,TCLASS,TFILTER}` message.
    public init(_ message: NetlinkMessage) throws {
        let payload = message.payload[...]
        guard let index = payload.host(Int32.self, at: 4), let handle = payload.host(UInt32.self, at: 8),
              let parent = payload.host(UInt32.self, at: 12), let info = payload.host(UInt32.self, at: 16) else {
            throw NetlinkShapingError(.malformedMessage, "tcmsg shorter than 20 bytes (\(payload.count))")
        }
        let attributes = try NetlinkAttribute.parse(payload.dropFirst(TrafficControlRequests.headerLength))
        messageType = message.type
        interfaceIndex = index
        self.handle = TCHandle(rawValue: handle)
        self.parent = TCHandle(rawValue: parent)
        self.info = info
        kind = attributes.first(UInt16(TCA_KIND))?.string ?? ""
        // Some kinds (pfifo_fast, fifo) put a bare struct in TCA_OPTIONS instead of attributes.
        rawOptions = attributes.first(UInt16(TCA_OPTIONS))?.payload ?? []
        options = (try? NetlinkAttribute.parse(rawOptions)) ?? []
        statistics = try attributes.first(UInt16(TCA_STATS2)).map { try TrafficControlStatistics(stats2: $0.nested()) }
    }
}

/// Counters of one qdisc or class (`tc -s`): from `TCA_STATS2`'s basic and queue blocks.
public struct TrafficControlStatistics: Hashable, Sendable, Codable {
    /// Bytes sent through the object.
    public var bytes: UInt64
    /// Packets sent (GSO super-packets on veth count once).
    public var packets: UInt64
    /// Packets dropped.
    public var drops: UInt32
    /// Times the object was over its limit (HTB: had to wait for tokens).
    public var overlimits: UInt32
    /// Bytes queued now.
    public var backlog: UInt32
    /// Packets queued now.
    public var queueLength: UInt32

    /// Creates counters (all zero by default).
    public init(bytes: UInt64 = 0, packets: UInt64 = 0, drops: UInt32 = 0, overlimits: UInt32 = 0,
                backlog: UInt32 = 0, queueLength: UInt32 = 0) {
        self.bytes = bytes
        self.packets = packets
        self.drops = drops
        self.overlimits = overlimits
        self.backlog = backlog
        self.queueLength = queueLength
    }

    init(stats2 attributes: [NetlinkAttribute]) {
        self.init()
        if let basic = attributes.first(UInt16(TCA_STATS_BASIC))?.payload {
            // struct gnet_stats_basic { __u64 bytes; __u32 packets; }
            bytes = basic.host(UInt64.self, at: 0) ?? 0
            packets = basic.host(UInt32.self, at: 8).map(UInt64.init) ?? 0
        }
        if let packets64 = attributes.first(UInt16(TCA_STATS_PKT64))?.integer(UInt64.self) {
            packets = packets64
        }
        if let queue = attributes.first(UInt16(TCA_STATS_QUEUE))?.payload {
            // struct gnet_stats_queue { qlen, backlog, drops, requeues, overlimits } (u32 each)
            queueLength = queue.host(UInt32.self, at: 0) ?? 0
            backlog = queue.host(UInt32.self, at: 4) ?? 0
            drops = queue.host(UInt32.self, at: 8) ?? 0
            overlimits = queue.host(UInt32.self, at: 16) ?? 0
        }
    }
}

/// Builders for `tcmsg` requests; every tc object type adds its `TCA_KIND` and `TCA_OPTIONS`.
package enum TrafficControlRequests {
    static let headerLength = 20

    /// `struct tcmsg`: family, 3 pad bytes, ifindex, handle, parent, info (host order).
    static func header(interfaceIndex: Int32, handle: UInt32, parent: UInt32, info: UInt32 = 0) -> NetlinkAttributeWriter {
        var bytes: [UInt8] = [UInt8(AF_UNSPEC), 0, 0, 0]
        bytes.appendHost(interfaceIndex)
        bytes.appendHost(handle)
        bytes.appendHost(parent)
        bytes.appendHost(info)
        return NetlinkAttributeWriter(bytes: bytes)
    }

    /// A dump of one interface's qdiscs, classes or filters (`RTM_GET*` with `NLM_F_DUMP`).
    static func dump(_ type: Int32, interfaceIndex: Int32, parent: TCHandle = TCHandle(rawValue: 0), summary: String) -> NetlinkRequest {
        NetlinkRequest(type: UInt16(type), flags: Netlink.dump,
                       payload: header(interfaceIndex: interfaceIndex, handle: 0, parent: parent.rawValue).bytes,
                       summary: summary)
    }

    /// What the request does to the kernel: create (fail if present), replace in place, or delete.
    package enum Operation {
        case create, change, delete

        func messageType(new: Int32, delete: Int32) -> UInt16 {
            self == .delete ? UInt16(delete) : UInt16(new)
        }

        var flags: UInt16 {
            switch self {
            case .create: Netlink.create | Netlink.exclusive
            case .change: 0
            case .delete: 0
            }
        }

        var verb: String {
            switch self {
            case .create: "add"
            case .change: "change"
            case .delete: "delete"
            }
        }
    }
}
