import CLinuxNet
import Glibc

/// A network interface as rtnetlink reports it (`ip link show`).
public struct NetworkLink: Hashable, Sendable {
    /// The interface index (`ifindex`), the number every tc request names.
    public let index: Int32
    /// The interface name (`IFLA_IFNAME`).
    public let name: String
    /// The link kind (`IFLA_INFO_KIND`: "veth", "ifb", "bridge"), empty for physical devices and `lo`.
    public let kind: String
    /// `IFF_*` flags.
    public let flags: UInt32
    /// MTU in bytes.
    public let mtu: UInt32

    /// Whether the interface is administratively up (`IFF_UP`).
    public var isUp: Bool { flags & UInt32(IFF_UP) != 0 }

    /// Parses an `RTM_NEWLINK` message (`struct ifinfomsg` plus attributes).
    public init(_ message: NetlinkMessage) throws {
        let payload = message.payload[...]
        guard let index = payload.host(Int32.self, at: 4), let flags = payload.host(UInt32.self, at: 8) else {
            throw NetlinkShapingError(.malformedMessage, "ifinfomsg shorter than 16 bytes (\(payload.count))")
        }
        let attributes = try NetlinkAttribute.parse(payload.dropFirst(LinkRequests.headerLength))
        self.index = index
        self.flags = flags
        name = attributes.first(UInt16(IFLA_IFNAME))?.string ?? ""
        mtu = attributes.first(UInt16(IFLA_MTU))?.integer(UInt32.self) ?? 0
        let info = try attributes.first(UInt16(IFLA_LINKINFO))?.nested() ?? []
        kind = info.first(UInt16(IFLA_INFO_KIND))?.string ?? ""
    }
}

/// Builders for `RTM_*LINK` requests.
enum LinkRequests {
    static let headerLength = 16

    /// `struct ifinfomsg`: family, pad, type, index, flags, change.
    static func header(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> NetlinkAttributeWriter {
        var bytes: [UInt8] = [UInt8(AF_UNSPEC), 0]
        bytes.appendHost(UInt16(0))
        bytes.appendHost(index)
        bytes.appendHost(flags)
        bytes.appendHost(change)
        return NetlinkAttributeWriter(bytes: bytes)
    }

    static func validate(name: String) throws {
        guard !name.isEmpty, name.utf8.count < Int(IFNAMSIZ), !name.contains("/"), !name.contains(where: \.isWhitespace) else {
            throw NetlinkShapingError(.invalidArgument, "interface name \"\(name)\" must be 1–15 bytes without '/' or spaces (IFNAMSIZ)")
        }
    }
}
