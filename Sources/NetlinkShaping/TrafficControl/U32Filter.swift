import CLinuxNet
import NetworkTypes

/// A u32 filter handle: hash table id (12 bits), bucket (8 bits), node (12 bits), shown by tc as
/// `2:5:3` (hex). The root table of a filter priority is `800:`.
public struct U32Handle: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 32-bit wire value.
    public let rawValue: UInt32
    /// Wraps a wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `table:bucket:node`; a table itself is `table:0:0`.
    public init(table: UInt16, bucket: UInt8 = 0, node: UInt16 = 0) {
        rawValue = UInt32(table & 0xFFF) << 20 | UInt32(bucket) << 12 | UInt32(node & 0xFFF)
    }
    /// The hash table id (tc's first field).
    public var table: UInt16 { UInt16(rawValue >> 20) }
    /// The bucket within the table.
    public var bucket: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 12) }
    /// The node within the bucket (1…4095).
    public var node: UInt16 { UInt16(rawValue & 0xFFF) }
    /// The same table, without bucket and node.
    public var tableOnly: U32Handle { U32Handle(table: table) }
    /// `800:`, the table the kernel creates for each u32 priority.
    public static let rootTable = U32Handle(table: 0x800)

    /// tc's notation, `table:bucket:node` in hex.
    public var description: String {
        "\(String(table, radix: 16)):\(String(bucket, radix: 16)):\(String(node, radix: 16))"
    }
}

/// Which IPv4 header field a u32 match or hash looks at.
public enum IPv4Field: Hashable, Sendable {
    /// The source address (offset 12): upload traffic.
    case source
    /// The destination address (offset 16): download traffic.
    case destination

    /// Offset of the field in the IPv4 header.
    public var offset: Int32 { self == .source ? 12 : 16 }
}

/// A u32 filter (`tc filter add dev D parent P prio N protocol ip handle H u32 …`), in one of the
/// shapes the shaper uses.
public struct U32Filter: Hashable, Sendable {
    /// What the filter does.
    public enum Action: Hashable, Sendable {
        /// Creates hash table `handle` with `divisor` buckets (`handle 2: u32 divisor 256`).
        case hashTable(divisor: UInt32)
        /// In the root table, matches every IPv4 packet and continues in `table`, in the bucket
        /// picked by the last octet of `field` (`ht 800:: match u32 0 0 hashkey mask 0xff at 16 link 2:`).
        case hashByLastOctet(of: IPv4Field, table: U32Handle)
        /// Like `hashByLastOctet`, with the bucket picked by the third octet of `field`
        /// (`… hashkey mask 0xff00 at 16 link 2:`; the kernel shifts the masked key down by 8).
        case hashByThirdOctet(of: IPv4Field, table: U32Handle)
        /// Sends every IPv4 packet that reaches this node to `classID` (`match u32 0 0 flowid 1:100`):
        /// one node per bucket steers a whole bucket to one class.
        case matchAll(classID: TCHandle)
        /// Sends packets whose `field` equals `address` to `classID` (`match ip dst A/32 flowid 1:10`).
        case classify(address: IPv4Address, field: IPv4Field, classID: TCHandle)
        /// Redirects every IPv4 packet to interface `interfaceIndex`'s egress
        /// (`match u32 0 0 action mirred egress redirect dev ifb0`).
        case redirect(toInterfaceIndex: Int32)

        /// The `hmask` of a hashing filter (which octet of the address picks the bucket), else 0.
        var hashMask: UInt32 {
            switch self {
            case .hashByLastOctet: 0x0000_00FF
            case .hashByThirdOctet: 0x0000_FF00
            default: 0
            }
        }
    }

    /// The qdisc the filter is attached to (`parent`).
    public var parent: TCHandle
    /// Filter priority (`prio`); each priority has its own root table.
    public var priority: UInt16
    /// The handle; for `classify`, its table and bucket say where the node goes.
    public var handle: U32Handle
    /// What the filter does.
    public var action: Action

    /// Creates a filter description.
    public init(parent: TCHandle, priority: UInt16, handle: U32Handle, action: Action) {
        self.parent = parent
        self.priority = priority
        self.handle = handle
        self.action = action
    }

    /// `tcm_info` of a filter: priority in the upper 16 bits, protocol (network order) in the lower.
    static var ipProtocol: UInt16 { UInt16(ETH_P_IP).bigEndian }

    /// The request that creates the filter (exclusively) on `interfaceIndex`.
    public func createRequest(interfaceIndex: Int32) -> NetlinkRequest {
        var writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: handle.rawValue,
                                                   parent: parent.rawValue,
                                                   info: UInt32(priority) << 16 | UInt32(Self.ipProtocol))
        writer.append(UInt16(TCA_KIND), string: "u32")
        writer.nest(UInt16(TCA_OPTIONS)) { options in
            switch action {
            case .hashTable(let divisor):
                options.append(UInt16(TCA_U32_DIVISOR), host: divisor)
            case .hashByLastOctet(let field, let table), .hashByThirdOctet(let field, let table):
                options.append(UInt16(TCA_U32_HASH), host: U32Handle.rootTable.rawValue)
                options.append(UInt16(TCA_U32_LINK), host: table.tableOnly.rawValue)
                options.append(UInt16(TCA_U32_SEL), bytes: Self.selector(flags: 0, hashOffset: Int16(field.offset),
                                                                         hashMask: action.hashMask, keys: [(0, 0, 0)]))
            case .matchAll(let classID):
                options.append(UInt16(TCA_U32_HASH), host: handle.rawValue & 0xFFFF_F000)
                options.append(UInt16(TCA_U32_CLASSID), host: classID.rawValue)
                options.append(UInt16(TCA_U32_SEL), bytes: Self.selector(flags: UInt8(TC_U32_TERMINAL), hashOffset: 0, hashMask: 0,
                                                                         keys: [(0, 0, 0)]))
            case .classify(let address, let field, let classID):
                options.append(UInt16(TCA_U32_HASH), host: handle.rawValue & 0xFFFF_F000)
                options.append(UInt16(TCA_U32_CLASSID), host: classID.rawValue)
                options.append(UInt16(TCA_U32_SEL), bytes: Self.selector(flags: UInt8(TC_U32_TERMINAL), hashOffset: 0, hashMask: 0,
                                                                         keys: [(0xFFFF_FFFF, address.value, field.offset)]))
            case .redirect(let target):
                options.append(UInt16(TCA_U32_SEL), bytes: Self.selector(flags: UInt8(TC_U32_TERMINAL), hashOffset: 0, hashMask: 0,
                                                                         keys: [(0, 0, 0)]))
                options.nest(UInt16(TCA_U32_ACT)) { actions in
                    actions.nest(1) { first in
                        first.append(UInt16(TCA_ACT_KIND), string: "mirred")
                        first.nest(UInt16(TCA_ACT_OPTIONS)) { mirred in
                            // struct tc_mirred { index, capab, action, refcnt, bindcnt, eaction, ifindex }
                            var parameters: [UInt8] = []
                            parameters.appendHost(UInt32(0))
                            parameters.appendHost(UInt32(0))
                            parameters.appendHost(Int32(TC_ACT_STOLEN))
                            parameters.appendHost(Int32(0))
                            parameters.appendHost(Int32(0))
                            parameters.appendHost(Int32(TCA_EGRESS_REDIR))
                            parameters.appendHost(UInt32(bitPattern: target))
                            mirred.append(UInt16(TCA_MIRRED_PARMS), bytes: parameters)
                        }
                    }
                }
            }
        }
        return NetlinkRequest(type: UInt16(RTM_NEWTFILTER), flags: Netlink.create | Netlink.exclusive, payload: writer.bytes,
                              summary: "add u32 filter \(handle) prio \(priority) (\(action)) on interface \(interfaceIndex)")
    }

    /// The request that deletes this filter's node (or, for a whole priority, every u32 filter in it
    /// when `handle` is zero).
    public static func deleteRequest(interfaceIndex: Int32, parent: TCHandle, priority: UInt16, handle: U32Handle) -> NetlinkRequest {
        var writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: handle.rawValue, parent: parent.rawValue,
                                                   info: UInt32(priority) << 16 | UInt32(ipProtocol))
        writer.append(UInt16(TCA_KIND), string: "u32")
        return NetlinkRequest(type: UInt16(RTM_DELTFILTER), payload: writer.bytes,
                              summary: "delete u32 filter \(handle) prio \(priority) on interface \(interfaceIndex)")
    }

    /// Serialises `struct tc_u32_sel` and its keys (`struct tc_u32_key`: mask, value in network
    /// order, offset, offmask). The selector header is 16 bytes: flags, offshift, nkeys, a pad
    /// byte, offmask (be16), off, offoff, hoff, hmask (be32).
    static func selector(flags: UInt8, hashOffset: Int16, hashMask: UInt32, keys: [(mask: UInt32, value: UInt32, offset: Int32)]) -> [UInt8] {
        var bytes: [UInt8] = [flags, 0, UInt8(keys.count), 0]
        bytes.appendBigEndian(UInt16(0))
        bytes.appendHost(UInt16(0))
        bytes.appendHost(Int16(0))
        bytes.appendHost(hashOffset)
        bytes.appendBigEndian(hashMask)
        for key in keys {
            bytes.appendBigEndian(key.mask)
            bytes.appendBigEndian(key.value & key.mask)
            bytes.appendHost(key.offset)
            bytes.appendHost(Int32(0))
        }
        return bytes
    }

    /// Reads a filter back from a dump, recognising the shapes above; nil for anything else
    /// (the per-priority root table, filters of other kinds).
    public init?(_ object: TrafficControlObject) {
        guard object.messageType == UInt16(RTM_NEWTFILTER), object.kind == "u32", object.filterProtocol == UInt16(ETH_P_IP) else {
            return nil
        }
        parent = object.parent
        priority = object.filterPriority
        handle = U32Handle(rawValue: object.handle.rawValue)
        let options = object.options
        if let divisor = options.first(UInt16(TCA_U32_DIVISOR))?.integer(UInt32.self) {
            action = .hashTable(divisor: divisor)
            return
        }
        guard let selector = options.first(UInt16(TCA_U32_SEL))?.payload, selector.count >= 16 + 16,
              let hashOffset = selector.host(Int16.self, at: 10), let hashMask = selector.bigEndian(UInt32.self, at: 12),
              let mask = selector.bigEndian(UInt32.self, at: 16), let value = selector.bigEndian(UInt32.self, at: 20),
              let offset = selector.host(Int32.self, at: 24) else { return nil }
        if let link = options.first(UInt16(TCA_U32_LINK))?.integer(UInt32.self) {
            guard let field = [IPv4Field.source, .destination].first(where: { $0.offset == Int32(hashOffset) }) else { return nil }
            switch hashMask {
            case 0x0000_00FF: action = .hashByLastOctet(of: field, table: U32Handle(rawValue: link))
            case 0x0000_FF00: action = .hashByThirdOctet(of: field, table: U32Handle(rawValue: link))
            default: return nil
            }
        } else if let classID = options.first(UInt16(TCA_U32_CLASSID))?.integer(UInt32.self) {
            if mask == 0 {
                action = .matchAll(classID: TCHandle(rawValue: classID))
                return
            }
            guard mask == 0xFFFF_FFFF, let field = [IPv4Field.source, .destination].first(where: { $0.offset == offset }) else { return nil }
            action = .classify(address: IPv4Address(value: value), field: field, classID: TCHandle(rawValue: classID))
        } else if let actions = try? options.first(UInt16(TCA_U32_ACT))?.nested(), mask == 0,
                  let first = try? actions.first?.nested(), first.first(UInt16(TCA_ACT_KIND))?.string == "mirred",
                  let mirred = try? first.first(UInt16(TCA_ACT_OPTIONS))?.nested(),
                  let parameters = mirred.first(UInt16(TCA_MIRRED_PARMS))?.payload,
                  let target = parameters.host(Int32.self, at: 24) {
            action = .redirect(toInterfaceIndex: target)
        } else {
            return nil
        }
    }
}
