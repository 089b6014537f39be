import CLinuxNet
import Glibc
import Metrics
import NetworkTypes

/// Reads the per-element counters of an nftables set of IPv4 addresses straight from the kernel
/// (`NFT_MSG_GETSETELEM` dumps over `NETLINK_NETFILTER`), without libnftables.
///
/// libnftables answers a listing by building its whole cache and printing JSON, which the caller
/// must parse again: at 50,000 subscribers that was most of a second of CPU and a transient heap
/// of hundreds of megabytes every counter interval. A dump is the kernel's own binary answer,
/// decoded as it arrives. Blocking, like every netlink call here; create it on a thread in the
/// namespace of the table.
public final class NFTSetCounters: Sendable {
    /// One element's counter.
    public struct Counter: Hashable, Sendable {
        public var bytes: UInt64
        public var packets: UInt64
    }

    /// `NFPROTO_INET` (linux/netfilter.h, which cannot be imported beside glibc's netinet/in.h).
    public static let familyInet: UInt8 = 1

    /// The nfnetlink socket.
    public let socket: NetlinkSocket

    /// Opens a `NETLINK_NETFILTER` socket in the calling thread's network namespace.
    public init(metricsFactory: any MetricsFactory = MetricsSystem.factory) throws {
        socket = try NetlinkSocket(protocol: NETLINK_NETFILTER, metricsFactory: metricsFactory)
    }

    /// Every element of `set` in table `table` (family `inet` unless given) with its counter;
    /// elements without a counter expression are left out.
    ///
    /// - Throws: `NetlinkShapingError` with the kernel's errno (`objectNotFound` when the table
    ///   or set does not exist).
    public func counters(table: String, set: String, family: UInt8 = familyInet) throws -> [IPv4Address: Counter] {
        let writer = Self.elementList(table: table, set: set, family: family)
        let type = UInt16(NFNL_SUBSYS_NFTABLES << 8) | UInt16(NFT_MSG_GETSETELEM.rawValue)
        let messages = try socket.dump(NetlinkRequest(type: type, payload: writer.bytes, summary: "list set \(table) \(set)"))
        var result: [IPv4Address: Counter] = [:]
        for message in messages {
            try Self.decode(message.payload[...], into: &result)
        }
        return result
    }

    /// The counters of just `addresses` in `set`: one `NFT_MSG_GETSETELEM` per address, sent in
    /// as few datagrams as fit (``NetlinkSocket/perform(_:)``), so reading a few elements costs
    /// what they cost and not what the whole set does. An address that is not in the set, or has
    /// no counter, is left out.
    ///
    /// - Throws: `NetlinkShapingError` when the table or set does not exist, or the kernel
    ///   refuses a request for another reason than the element being absent.
    public func counters(table: String, set setName: String, of addresses: some Collection<IPv4Address>,
                         family: UInt8 = familyInet) throws -> [IPv4Address: Counter] {
        guard !addresses.isEmpty else { return [:] }
        let elementType = UInt16(NFNL_SUBSYS_NFTABLES << 8) | UInt16(NFT_MSG_GETSETELEM.rawValue)
        // The set itself first, in the same datagram: ENOENT for an element then only ever means
        // that element is absent, and a missing table or set is named by its own request.
        var set = NetlinkAttributeWriter(bytes: [family, UInt8(NFNETLINK_V0), 0, 0])
        set.append(UInt16(NFTA_SET_TABLE.rawValue), string: table)
        set.append(UInt16(NFTA_SET_NAME.rawValue), string: setName)
        var requests = [NetlinkRequest(type: UInt16(NFNL_SUBSYS_NFTABLES << 8) | UInt16(NFT_MSG_GETSET.rawValue),
                                       payload: set.bytes, summary: "get set \(table) \(setName)")]
        requests.reserveCapacity(addresses.count + 1)
        for address in addresses {
            var writer = Self.elementList(table: table, set: setName, family: family)
            writer.nest(UInt16(NFTA_SET_ELEM_LIST_ELEMENTS.rawValue)) { list in
                list.nest(UInt16(NFTA_LIST_ELEM.rawValue)) { element in
                    element.nest(UInt16(NFTA_SET_ELEM_KEY.rawValue)) { key in
                        key.append(UInt16(NFTA_DATA_VALUE.rawValue), bigEndian: address.value)
                    }
                }
            }
            requests.append(NetlinkRequest(type: elementType, payload: writer.bytes, summary: "get element \(address) of set \(table) \(setName)"))
        }
        let outcomes = try socket.perform(requests)
        if case .failure(let error) = outcomes[0] { throw error }
        var result: [IPv4Address: Counter] = [:]
        result.reserveCapacity(addresses.count)
        for outcome in outcomes.dropFirst() {
            switch outcome {
            case .success(let messages):
                for message in messages { try Self.decode(message.payload[...], into: &result) }
            case .failure(let error) where error.errno == ENOENT:
                continue   // not in the set
            case .failure(let error):
                throw error
            }
        }
        return result
    }

    /// `nfgenmsg` and the table and set an element-list request is about.
    private static func elementList(table: String, set: String, family: UInt8) -> NetlinkAttributeWriter {
        var writer = NetlinkAttributeWriter(bytes: [family, UInt8(NFNETLINK_V0), 0, 0])
        writer.append(UInt16(NFTA_SET_ELEM_LIST_TABLE.rawValue), string: table)
        writer.append(UInt16(NFTA_SET_ELEM_LIST_SET.rawValue), string: set)
        return writer
    }

    /// One `NFT_MSG_NEWSETELEM` answer: `nfgenmsg`, then the element list.
    package static func decode(_ payload: ArraySlice<UInt8>, into result: inout [IPv4Address: Counter]) throws {
        guard payload.count >= 4 else { return }
        let attributes = try NetlinkAttribute.parse(payload.dropFirst(4))
        guard let list = attributes.first(UInt16(NFTA_SET_ELEM_LIST_ELEMENTS.rawValue)) else { return }
        for element in try list.nested() where element.type == UInt16(NFTA_LIST_ELEM.rawValue) {
            let fields = try element.nested()
            guard let key = try fields.first(UInt16(NFTA_SET_ELEM_KEY.rawValue))?.nested().first(UInt16(NFTA_DATA_VALUE.rawValue)),
                  key.payload.count == 4, let value = key.payload.bigEndian(UInt32.self, at: 0) else { continue }
            // One expression comes as NFTA_SET_ELEM_EXPR, several as a list in NFTA_SET_ELEM_EXPRESSIONS.
            var expressions: [NetlinkAttribute] = []
            if let single = fields.first(UInt16(NFTA_SET_ELEM_EXPR.rawValue)) { expressions.append(single) }
            if let many = fields.first(UInt16(NFTA_SET_ELEM_EXPRESSIONS.rawValue)) {
                expressions += try many.nested().filter { $0.type == UInt16(NFTA_LIST_ELEM.rawValue) }
            }
            for expression in expressions {
                let parts = try expression.nested()
                guard parts.first(UInt16(NFTA_EXPR_NAME.rawValue))?.string == "counter",
                      let data = try parts.first(UInt16(NFTA_EXPR_DATA.rawValue))?.nested(),
                      let bytes = data.first(UInt16(NFTA_COUNTER_BYTES.rawValue))?.payload.bigEndian(UInt64.self, at: 0),
                      let packets = data.first(UInt16(NFTA_COUNTER_PACKETS.rawValue))?.payload.bigEndian(UInt64.self, at: 0) else { continue }
                result[IPv4Address(value: value)] = Counter(bytes: bytes, packets: packets)
            }
        }
    }
}
