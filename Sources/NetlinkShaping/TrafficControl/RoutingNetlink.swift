import CLinuxNet
import Glibc
import Metrics

/// rtnetlink (`NETLINK_ROUTE`) for links and traffic control: what `ip link` and `tc` do, as
/// typed calls on one socket, without a subprocess.
///
/// Every call blocks until the kernel answers. Create it on a thread inside the network namespace
/// to program (see `NetlinkSocket`); the namespace is fixed at creation.
public final class RoutingNetlink: Sendable {
    /// The underlying socket, for batching requests built by the tc value types.
    public let socket: NetlinkSocket

    /// Opens an rtnetlink socket in the calling thread's network namespace; its request, failure
    /// and latency metrics (`aether_netlink_*{family="route"}`) go to `metricsFactory`.
    public init(metricsFactory: any MetricsFactory = MetricsSystem.factory) throws {
        socket = try NetlinkSocket(protocol: NETLINK_ROUTE, metricsFactory: metricsFactory)
    }

    // MARK: - Links

    /// Every interface (`ip link show`).
    public func links() throws -> [NetworkLink] {
        try socket.dump(NetlinkRequest(type: UInt16(RTM_GETLINK), payload: LinkRequests.header().bytes, summary: "list links"))
            .filter { $0.type == UInt16(RTM_NEWLINK) }
            .map(NetworkLink.init)
    }

    /// The interface called `name`; throws `interfaceNotFound` when there is none.
    public func link(named name: String) throws -> NetworkLink {
        try LinkRequests.validate(name: name)
        var writer = LinkRequests.header()
        writer.append(UInt16(IFLA_IFNAME), string: name)
        let replies = try socket.execute(NetlinkRequest(type: UInt16(RTM_GETLINK), payload: writer.bytes,
                                                        summary: "look up interface \"\(name)\""))
        guard let reply = replies.first(where: { $0.type == UInt16(RTM_NEWLINK) }) else {
            throw NetlinkShapingError(.interfaceNotFound, "look up interface \"\(name)\": the kernel returned no link")
        }
        return try NetworkLink(reply)
    }

    /// The interface with index `index`; throws `interfaceNotFound` when there is none.
    public func link(index: Int32) throws -> NetworkLink {
        let replies = try socket.execute(NetlinkRequest(type: UInt16(RTM_GETLINK), payload: LinkRequests.header(index: index).bytes,
                                                        summary: "look up interface index \(index)"))
        guard let reply = replies.first(where: { $0.type == UInt16(RTM_NEWLINK) }) else {
            throw NetlinkShapingError(.interfaceNotFound, "look up interface index \(index): the kernel returned no link")
        }
        return try NetworkLink(reply)
    }

    /// Creates an IFB device (`ip link add NAME type ifb`), brings it up and returns it.
    /// Throws `objectExists` when an interface of that name exists.
    @discardableResult
    public func createIFB(named name: String) throws -> NetworkLink {
        try LinkRequests.validate(name: name)
        var writer = LinkRequests.header()
        writer.append(UInt16(IFLA_IFNAME), string: name)
        writer.nest(UInt16(IFLA_LINKINFO)) { info in
            info.append(UInt16(IFLA_INFO_KIND), string: "ifb")
        }
        try socket.execute(NetlinkRequest(type: UInt16(RTM_NEWLINK), flags: Netlink.create | Netlink.exclusive,
                                          payload: writer.bytes, summary: "create IFB \"\(name)\""))
        let link = try link(named: name)
        try setUp(index: link.index)
        return try self.link(index: link.index)
    }

    /// Brings an interface up (`ip link set DEV up`).
    public func setUp(index: Int32) throws {
        let up = UInt32(IFF_UP)
        try socket.execute(NetlinkRequest(type: UInt16(RTM_NEWLINK), payload: LinkRequests.header(index: index, flags: up, change: up).bytes,
                                          summary: "set interface index \(index) up"))
    }

    /// Deletes an interface (`ip link del DEV`), e.g. an IFB we created.
    public func deleteLink(index: Int32) throws {
        try socket.execute(NetlinkRequest(type: UInt16(RTM_DELLINK), payload: LinkRequests.header(index: index).bytes,
                                          summary: "delete interface index \(index)"))
    }

    // MARK: - Traffic control

    /// The qdiscs of one interface (`tc qdisc show dev DEV`), with counters.
    public func qdiscs(interfaceIndex: Int32) throws -> [TrafficControlObject] {
        try socket.dump(TrafficControlRequests.dump(Int32(RTM_GETQDISC), interfaceIndex: interfaceIndex, summary: "list qdiscs of interface \(interfaceIndex)"))
            .filter { $0.type == UInt16(RTM_NEWQDISC) }
            .map(TrafficControlObject.init)
            .filter { $0.interfaceIndex == interfaceIndex }
    }

    /// The classes of one interface with their counters (`tc -s class show dev DEV`), in one dump —
    /// or, with `qdisc`, only that qdisc's classes (`tc -s class show dev DEV parent 10a:`).
    ///
    /// Prefer `qdisc` when the interface has many qdiscs: a whole-interface dump visits every
    /// qdisc of the interface again for each 32 KiB part of the answer, the hidden default leaf
    /// qdisc of every HTB class included, so it costs O(classes²); a dump of one qdisc looks it
    /// up once and lists just its classes.
    public func classes(interfaceIndex: Int32, qdisc: TCHandle? = nil) throws -> [TrafficControlObject] {
        let scope = qdisc.map { " qdisc \($0)" } ?? ""
        return try socket.dump(TrafficControlRequests.dump(Int32(RTM_GETTCLASS), interfaceIndex: interfaceIndex,
                                                           parent: qdisc ?? TCHandle(rawValue: 0),
                                                           summary: "list classes of\(scope) interface \(interfaceIndex)"))
            .filter { $0.type == UInt16(RTM_NEWTCLASS) }
            .map(TrafficControlObject.init)
            .filter { qdisc == nil || $0.handle.major == qdisc?.major }
    }

    /// Counters of every class of one interface (or of one of its qdiscs) by class id, in one dump.
    public func classStatistics(interfaceIndex: Int32, qdisc: TCHandle? = nil) throws -> [TCHandle: TrafficControlStatistics] {
        var result: [TCHandle: TrafficControlStatistics] = [:]
        for object in try classes(interfaceIndex: interfaceIndex, qdisc: qdisc) {
            if let statistics = object.statistics { result[object.handle] = statistics }
        }
        return result
    }

    /// The filters attached to qdisc `parent` of one interface (`tc filter show dev DEV parent P`).
    public func filters(interfaceIndex: Int32, parent: TCHandle) throws -> [TrafficControlObject] {
        try socket.dump(TrafficControlRequests.dump(Int32(RTM_GETTFILTER), interfaceIndex: interfaceIndex, parent: parent,
                                                    summary: "list filters of \(parent) on interface \(interfaceIndex)"))
            .filter { $0.type == UInt16(RTM_NEWTFILTER) }
            .map(TrafficControlObject.init)
    }

    /// Adds an HTB qdisc; `objectExists` when the interface already has one at that place.
    public func add(_ qdisc: HTBQdisc, interfaceIndex: Int32) throws {
        try socket.execute(qdisc.createRequest(interfaceIndex: interfaceIndex))
    }

    /// Adds the ingress qdisc.
    public func add(_ qdisc: IngressQdisc, interfaceIndex: Int32) throws {
        try socket.execute(qdisc.createRequest(interfaceIndex: interfaceIndex))
    }

    /// Deletes a qdisc and everything under it.
    public func deleteQdisc(interfaceIndex: Int32, handle: TCHandle, parent: TCHandle) throws {
        try socket.execute(QdiscRequests.delete(interfaceIndex: interfaceIndex, handle: handle, parent: parent))
    }

    /// Adds an HTB class; `objectExists` for a duplicate class id.
    public func add(_ htbClass: HTBClass, interfaceIndex: Int32) throws {
        try htbClass.validate()
        try socket.execute(htbClass.request(.create, interfaceIndex: interfaceIndex))
    }

    /// Changes an existing HTB class in place (`tc class change`): its queue and the flows in it
    /// survive. `objectNotFound` when there is no such class.
    public func change(_ htbClass: HTBClass, interfaceIndex: Int32) throws {
        try htbClass.validate()
        try socket.execute(htbClass.request(.change, interfaceIndex: interfaceIndex))
    }

    /// Deletes a class.
    public func deleteClass(interfaceIndex: Int32, classID: TCHandle) throws {
        try socket.execute(ClassRequests.delete(interfaceIndex: interfaceIndex, classID: classID))
    }

    /// Adds a u32 filter.
    public func add(_ filter: U32Filter, interfaceIndex: Int32) throws {
        try socket.execute(filter.createRequest(interfaceIndex: interfaceIndex))
    }

    /// Deletes a u32 filter node.
    public func deleteFilter(interfaceIndex: Int32, parent: TCHandle, priority: UInt16, handle: U32Handle) throws {
        try socket.execute(U32Filter.deleteRequest(interfaceIndex: interfaceIndex, parent: parent, priority: priority, handle: handle))
    }
}
