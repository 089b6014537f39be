import CLinuxNet
import NetworkTypes

/// A kernel-side filter for a ctnetlink dump (`CTA_FILTER`, kernel 5.8 and later): the kernel
/// returns only entries whose original or reply tuple has `address` as its source or destination,
/// instead of the whole table. There is no OR in one filter, so "involving an address" takes four
/// dumps, one per `Selector`. Flushes cannot be filtered this way (the kernel ignores
/// `CTA_FILTER` for `IPCTNL_MSG_CT_DELETE`), so matches are deleted one by one by tuple.
struct ConntrackDumpFilter: Hashable, Sendable {
    /// Which address of which tuple must match.
    enum Selector: CaseIterable, Hashable, Sendable {
        case originalSource, originalDestination, replySource, replyDestination
    }

    let selector: Selector
    let address: IPv4Address

    /// `CTA_FILTER_F_CTA_IP_SRC` and `_DST`: bits of `CTA_FILTER_{ORIG,REPLY}_FLAGS` saying which
    /// tuple fields to compare (defined in net/netfilter/nf_conntrack_netlink.c, not in the UAPI).
    static let sourceFlag: UInt32 = 1 << 0
    static let destinationFlag: UInt32 = 1 << 1

    /// Whether `entry` is one this filter selects (to check what the kernel sent).
    func matches(_ entry: ConntrackEntry) -> Bool {
        switch selector {
        case .originalSource: entry.original.source == address
        case .originalDestination: entry.original.destination == address
        case .replySource: entry.reply.source == address
        case .replyDestination: entry.reply.destination == address
        }
    }

    /// The dump request: `nfgenmsg` (AF_INET, so IPv4 entries only), the tuple to compare
    /// (`CTA_TUPLE_ORIG` or `CTA_TUPLE_REPLY` → `CTA_TUPLE_IP` → `CTA_IP_V4_SRC|DST`, network
    /// order) and `CTA_FILTER` with the flags that name that one field. The kernel parses
    /// `CTA_FILTER` strictly, so it must carry `NLA_F_NESTED`.
    func request() -> NetlinkRequest {
        let original = selector == .originalSource || selector == .originalDestination
        let source = selector == .originalSource || selector == .replySource
        var writer = ConntrackTable.header()
        writer.nest(UInt16(original ? CTA_TUPLE_ORIG.rawValue : CTA_TUPLE_REPLY.rawValue), flagged: true) { tuple in
            tuple.nest(UInt16(CTA_TUPLE_IP.rawValue), flagged: true) { ip in
                ip.append(UInt16(source ? CTA_IP_V4_SRC.rawValue : CTA_IP_V4_DST.rawValue), bigEndian: address.value)
            }
        }
        writer.nest(UInt16(CTA_FILTER.rawValue), flagged: true) { filter in
            filter.append(UInt16(original ? CTA_FILTER_ORIG_FLAGS.rawValue : CTA_FILTER_REPLY_FLAGS.rawValue),
                          host: source ? Self.sourceFlag : Self.destinationFlag)
        }
        return NetlinkRequest(type: ConntrackTable.messageType(Int(IPCTNL_MSG_CT_GET.rawValue)), payload: writer.bytes,
                              summary: "list conntrack entries with \(selector) \(address)")
    }
}
