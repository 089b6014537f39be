import CLinuxNet
import NetworkTypes
import Glibc
import Metrics

/// The kernel's connection-tracking table over ctnetlink (`NETLINK_NETFILTER`), without the
/// `conntrack` tool: list entries and flush every flow of one subscriber address.
///
/// Flushing ends a disconnected subscriber's flows when the BNG does not let conntrack pick a
/// flow up again mid-stream: set `net.netfilter.nf_conntrack_tcp_loose=0` so the next segment of
/// a flushed TCP flow is `ct state invalid`, which `SubscriberFirewall`'s chain drops on subscriber
/// interfaces (and under NAT the mapping is simply gone). Blocking like every netlink call here;
/// create it on a thread in the namespace to act on.
public final class ConntrackTable: Sendable {
    /// The ctnetlink socket.
    public let socket: NetlinkSocket
    /// `aether_netlink_conntrack_flushed_entries_total`: entries `flush(address:)` deleted.
    private let flushedEntries: Counter

    /// Opens a `NETLINK_NETFILTER` socket in the calling thread's network namespace. Its metrics
    /// (`aether_netlink_*{family="netfilter"}` and the flushed-entries counter) go to `metricsFactory`.
    public init(metricsFactory: any MetricsFactory = MetricsSystem.factory) throws {
        socket = try NetlinkSocket(protocol: NETLINK_NETFILTER, metricsFactory: metricsFactory)
        flushedEntries = Counter(label: "aether_netlink_conntrack_flushed_entries_total", factory: metricsFactory)
    }

    static func messageType(_ command: Int) -> UInt16 { UInt16(NFNL_SUBSYS_CTNETLINK << 8) | UInt16(command) }

    /// `struct nfgenmsg`: family, version, resource id (network order).
    static func header() -> NetlinkAttributeWriter {
        var bytes: [UInt8] = [UInt8(AF_INET), UInt8(NFNETLINK_V0)]
        bytes.appendBigEndian(UInt16(0))
        return NetlinkAttributeWriter(bytes: bytes)
    }

    /// Every IPv4 entry (one dump).
    public func entries() throws -> [ConntrackEntry] {
        try socket.dump(NetlinkRequest(type: Self.messageType(Int(IPCTNL_MSG_CT_GET.rawValue)), payload: Self.header().bytes,
                                       summary: "list conntrack entries"))
            .compactMap(ConntrackEntry.init)
    }

    /// Entries where `address` is an end of either direction, selected by the kernel: four dumps
    /// filtered with `CTA_FILTER` (original source, original destination, reply source, reply
    /// destination — the last two catch NAT), so only matching entries cross the socket however
    /// large the table is. An entry found by several dumps is returned once.
    ///
    /// A kernel before 5.8 ignores `CTA_FILTER` and sends the whole table; that shows in the
    /// first dump (an entry that does not match), which is then filtered here and the rest skipped.
    public func entries(involving address: IPv4Address) throws -> [ConntrackEntry] {
        var found: [ConntrackEntry] = []
        var seen = Set<EntryKey>()
        for selector in ConntrackDumpFilter.Selector.allCases {
            let filter = ConntrackDumpFilter(selector: selector, address: address)
            let dumped = try socket.dump(filter.request()).compactMap(ConntrackEntry.init)
            if selector == .originalSource, !dumped.allSatisfy(filter.matches) {
                return dumped.filter { $0.involves(address) }
            }
            for entry in dumped where entry.involves(address) && seen.insert(EntryKey(entry)).inserted {
                found.append(entry)
            }
        }
        return found
    }

    /// What tells two dumped entries apart: the kernel's id and the original tuple.
    private struct EntryKey: Hashable {
        let id: UInt32?
        let original: ConntrackEntry.Tuple
        init(_ entry: ConntrackEntry) {
            id = entry.id
            original = entry.original
        }
    }

    /// Deletes every entry involving `address` (the filtered dumps of `entries(involving:)`, then
    /// all deletes by tuple and id in one batch) and returns how many were deleted. Entries that
    /// expired meanwhile are not an error.
    @discardableResult
    public func flush(address: IPv4Address) throws -> Int {
        let doomed = try entries(involving: address)
        guard !doomed.isEmpty else { return 0 }
        let requests = doomed.map { entry in
            var writer = Self.header()
            writer.append(UInt16(CTA_TUPLE_ORIG.rawValue) | NetlinkAttribute.nestedFlag, bytes: Array(entry.originalAttribute.payload))
            if let zone = entry.zoneAttribute { writer.append(UInt16(CTA_ZONE.rawValue), bytes: Array(zone.payload)) }
            if let id = entry.id { writer.append(UInt16(CTA_ID.rawValue), bigEndian: id) }
            return NetlinkRequest(type: Self.messageType(Int(IPCTNL_MSG_CT_DELETE.rawValue)), payload: writer.bytes,
                                  summary: "delete conntrack entry \(entry.original.source):\(entry.original.sourcePort) → \(entry.original.destination):\(entry.original.destinationPort)")
        }
        var deleted = 0
        for outcome in try socket.perform(requests) {
            switch outcome {
            case .success: deleted += 1
            case .failure(let error) where error.code == .objectNotFound: continue
            case .failure(let error):
                flushedEntries.increment(by: Int64(deleted))
                throw error
            }
        }
        flushedEntries.increment(by: Int64(deleted))
        return deleted
    }
}
