import CLinuxNet

/// What a netlink request does, named like the tool's verb and object (`add_class`,
/// `delete_filter`, `get_conntrack`): the `operation` dimension of the socket's metrics.
///
/// A closed set per protocol, so every counter can be created once, up front.
struct NetlinkOperation: RawRepresentable, Hashable, Sendable {
    let rawValue: String
    init(rawValue: String) { self.rawValue = rawValue }

    /// A message type the metrics do not name.
    static let other = NetlinkOperation(rawValue: "other")

    private static let verbs = ["add", "change", "delete", "get"]
    /// rtnetlink objects by their `RTM_NEW*` type; `RTM_DEL*` and `RTM_GET*` follow it.
    private static let routeObjects: [(type: Int, name: String)] = [
        (Int(RTM_NEWLINK), "link"), (Int(RTM_NEWQDISC), "qdisc"), (Int(RTM_NEWTCLASS), "class"), (Int(RTM_NEWTFILTER), "filter"),
    ]

    /// Every operation a socket of `netlinkProtocol` can report.
    static func all(protocol netlinkProtocol: Int32) -> [NetlinkOperation] {
        let objects = netlinkProtocol == NETLINK_NETFILTER ? ["conntrack"] : routeObjects.map(\.name)
        return objects.flatMap { object in verbs.map { NetlinkOperation(rawValue: "\($0)_\(object)") } } + [.other]
    }

    /// The operation of a request of `type` with `flags` (`NLM_F_CREATE` tells add from change).
    init(protocol netlinkProtocol: Int32, type: UInt16, flags: UInt16) {
        let object: String
        let command: Int
        if netlinkProtocol == NETLINK_NETFILTER {
            guard Int(type >> 8) == Int(NFNL_SUBSYS_CTNETLINK) else { self = .other; return }
            object = "conntrack"
            switch UInt32(type & 0xFF) {
            case IPCTNL_MSG_CT_NEW.rawValue: command = 0
            case IPCTNL_MSG_CT_DELETE.rawValue: command = 1
            case IPCTNL_MSG_CT_GET.rawValue: command = 2
            default: self = .other; return
            }
        } else if netlinkProtocol == NETLINK_ROUTE,
                  let match = Self.routeObjects.first(where: { Int(type) >= $0.type && Int(type) <= $0.type + 2 }) {
            object = match.name
            command = Int(type) - match.type
        } else {
            self = .other
            return
        }
        let verb = switch command {
        case 0: flags & Netlink.create != 0 ? "add" : "change"
        case 1: "delete"
        default: "get"
        }
        self.init(rawValue: "\(verb)_\(object)")
    }
}
