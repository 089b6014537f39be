import CLinuxNet

/// An HTB qdisc (`tc qdisc add dev D root handle 1: htb default 2 r2q 10`).
public struct HTBQdisc: Hashable, Sendable {
    /// The qdisc handle (minor 0), e.g. `1:`.
    public var handle: TCHandle
    /// Where it attaches: `.root` for the interface's egress root.
    public var parent: TCHandle
    /// Minor of the class unclassified traffic goes to (`default`); 0 sends it unshaped.
    public var defaultClass: UInt16
    /// `r2q`: divides a class's rate (bytes/s) into its quantum when no quantum is given.
    public var rateToQuantum: UInt32

    /// Creates the description of an HTB qdisc; defaults match `tc`'s (`r2q 10`, root).
    public init(handle: TCHandle, parent: TCHandle = .root, defaultClass: UInt16, rateToQuantum: UInt32 = 10) {
        self.handle = handle
        self.parent = parent
        self.defaultClass = defaultClass
        self.rateToQuantum = rateToQuantum
    }

    /// The netlink request that adds (exclusively) this qdisc on `interfaceIndex`.
    public func createRequest(interfaceIndex: Int32) -> NetlinkRequest {
        var writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: handle.rawValue, parent: parent.rawValue)
        writer.append(UInt16(TCA_KIND), string: "htb")
        writer.nest(UInt16(TCA_OPTIONS)) { options in
            // struct tc_htb_glob { version, rate2quantum, defcls, debug, direct_pkts }
            var glob: [UInt8] = []
            glob.appendHost(UInt32(TC_HTB_PROTOVER))
            glob.appendHost(rateToQuantum)
            glob.appendHost(UInt32(defaultClass))
            glob.appendHost(UInt32(0))
            glob.appendHost(UInt32(0))
            options.append(UInt16(TCA_HTB_INIT), bytes: glob)
        }
        return NetlinkRequest(type: UInt16(RTM_NEWQDISC), flags: Netlink.create | Netlink.exclusive, payload: writer.bytes,
                              summary: "add HTB qdisc \(handle) \(parent) on interface \(interfaceIndex)")
    }

    /// Reads the default class of an HTB qdisc from a dump, or nil when `object` is not HTB.
    public static func defaultClass(of object: TrafficControlObject) -> UInt16? {
        guard object.kind == "htb", let glob = object.options.first(UInt16(TCA_HTB_INIT))?.payload,
              let value = glob.host(UInt32.self, at: 8) else { return nil }
        return UInt16(truncatingIfNeeded: value)
    }
}

/// The ingress qdisc (`tc qdisc add dev D handle ffff: ingress`), where upload traffic is
/// redirected to an IFB for shaping.
public struct IngressQdisc: Hashable, Sendable {
    /// Creates the description; an ingress qdisc has no parameters.
    public init() {}

    /// The netlink request that adds it on `interfaceIndex`.
    public func createRequest(interfaceIndex: Int32) -> NetlinkRequest {
        var writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: TCHandle.ingress.rawValue,
                                                   parent: TCHandle.ingressParent.rawValue)
        writer.append(UInt16(TCA_KIND), string: "ingress")
        writer.nest(UInt16(TCA_OPTIONS)) { _ in }
        return NetlinkRequest(type: UInt16(RTM_NEWQDISC), flags: Netlink.create | Netlink.exclusive, payload: writer.bytes,
                              summary: "add ingress qdisc on interface \(interfaceIndex)")
    }
}

/// Requests that act on any qdisc by handle.
public enum QdiscRequests {
    /// Deletes the qdisc `handle` under `parent` on `interfaceIndex` (and every class and filter in it).
    public static func delete(interfaceIndex: Int32, handle: TCHandle, parent: TCHandle) -> NetlinkRequest {
        let writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: handle.rawValue, parent: parent.rawValue)
        return NetlinkRequest(type: UInt16(RTM_DELQDISC), payload: writer.bytes,
                              summary: "delete qdisc \(handle) \(parent) on interface \(interfaceIndex)")
    }
}
