import CLinuxNet
import Glibc
import NetworkTypes

/// A network interface of the calling thread's network namespace, looked up by name.
public struct NetworkInterface: Hashable, Sendable, CustomStringConvertible {
    /// Kernel name, e.g. `eth0` (at most 15 bytes).
    public let name: String
    /// Kernel interface index (`if_nametoindex`).
    public let index: Int32
    /// Hardware address (`SIOCGIFHWADDR`).
    public let macAddress: MACAddress
    /// Primary IPv4 address (`SIOCGIFADDR`), if the interface has one.
    public let ipv4Address: IPv4Address?

    /// Looks `name` up; throws `interfaceNotFound` when it does not exist here.
    public init(named name: String) throws(DHCPKitError) {
        guard !name.isEmpty, name.utf8.count < Int(IF_NAMESIZE) else {
            throw DHCPKitError(.interfaceNotFound, field: "interface", message: "\"\(name)\" is not a valid interface name")
        }
        let index = if_nametoindex(name)
        guard index != 0 else {
            throw DHCPKitError(.interfaceNotFound, field: "interface",
                               message: "no interface \"\(name)\" in this network namespace")
        }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCall.error("socket(AF_INET) for \(name)") }
        defer { close(fd) }

        var request = Self.request(for: name)
        guard cln_ioctl_ifreq(fd, UInt(SIOCGIFHWADDR), &request) == 0 else {
            throw SystemCall.error("SIOCGIFHWADDR \(name)")
        }
        let mac = withUnsafeBytes(of: request.ifr_ifru.ifru_hwaddr.sa_data) { Array($0.prefix(6)) }

        var addressRequest = Self.request(for: name)
        var address: IPv4Address?
        if cln_ioctl_ifreq(fd, UInt(SIOCGIFADDR), &addressRequest) == 0 {
            // sockaddr_in: family (2), port (2), then the address (4).
            let bytes = withUnsafeBytes(of: addressRequest.ifr_ifru.ifru_addr.sa_data) { Array($0[2..<6]) }
            address = IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3])
        }
        self.name = name
        self.index = Int32(index)
        guard let macAddress = MACAddress(bytes: mac) else {
            throw DHCPKitError(.interfaceNotFound, field: "interface", message: "\(name) has no Ethernet address")
        }
        self.macAddress = macAddress
        self.ipv4Address = address
    }

    public var description: String { "\(name) (#\(index), \(macAddress))" }

    private static func request(for name: String) -> ifreq {
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { buffer in
            buffer.copyBytes(from: Array(name.utf8).prefix(buffer.count - 1))
        }
        return request
    }
}

/// errno → `socketFailed`, read at once so nothing can overwrite it.
enum SystemCall {
    static func error(_ call: String, file: String = #fileID, line: Int = #line) -> DHCPKitError {
        let number = errno
        return DHCPKitError(.socketFailed, field: call,
                            message: "\(call): \(String(cString: strerror(number))) (errno \(number))",
                            file: file, line: line)
    }
}
