import CLinuxNet
import Glibc
import NetworkTypes

/// A UDP socket for the server side of a relay: bound to port 67 (servers answer relays there,
/// RFC 2131 §4.1), optionally to one device, broadcast allowed, non-blocking.
public final class UDPSocket: @unchecked Sendable {
    /// The descriptor, for `poll`.
    public let fileDescriptor: Int32
    /// Device the socket is bound to (`SO_BINDTODEVICE`), if any.
    public let device: String?

    /// Opens and binds. `device` confines the socket to datagrams arriving on that interface,
    /// so broadcasts from subscribers on other interfaces never reach it.
    public init(address: IPv4Address = IPv4Address(0, 0, 0, 0), port: UInt16, device: String? = nil) throws(DHCPKitError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCall.error("socket(AF_INET, SOCK_DGRAM)") }
        do throws(DHCPKitError) {
            var one: Int32 = 1
            let size = socklen_t(MemoryLayout<Int32>.size)
            guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size) == 0 else { throw SystemCall.error("SO_REUSEADDR") }
            guard setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, size) == 0 else { throw SystemCall.error("SO_BROADCAST") }
            if let device {
                _ = try NetworkInterface(named: device)
                let name = Array(device.utf8) + [0]
                guard setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, socklen_t(name.count)) == 0 else {
                    throw SystemCall.error("SO_BINDTODEVICE \(device)")
                }
            }
            var sin = Self.socketAddress(address, port: port)
            let bound = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw SystemCall.error("bind \(address):\(port)") }
        } catch {
            close(fd)
            throw error
        }
        self.fileDescriptor = fd
        self.device = device
    }

    deinit { close(fileDescriptor) }

    /// The next datagram and its sender, or `nil` when none is waiting.
    public func receive() throws(DHCPKitError) -> (payload: [UInt8], source: IPv4Address, port: UInt16)? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        guard let received = try receive(into: &buffer) else { return nil }
        buffer.removeSubrange(received.length...)
        return (buffer, received.source, received.port)
    }

    /// The next datagram, written into `buffer` (reused across calls, so a busy loop allocates
    /// nothing per datagram), with its length and sender; `nil` when none is waiting. A datagram
    /// longer than the buffer is cut to it.
    public func receive(into buffer: inout [UInt8]) throws(DHCPKitError) -> (length: Int, source: IPv4Address, port: UInt16)? {
        var source = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        while true {
            let count = buffer.withUnsafeMutableBytes { bytes in
                withUnsafeMutablePointer(to: &source) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fileDescriptor, bytes.baseAddress, bytes.count, 0, $0, &length)
                    }
                }
            }
            if count >= 0 {
                return (count, IPv4Address(value: UInt32(bigEndian: source.sin_addr.s_addr)), UInt16(bigEndian: source.sin_port))
            }
            switch errno {
            case EINTR: continue
            case EAGAIN: return nil
            default: throw SystemCall.error("recvfrom")
            }
        }
    }

    /// Reads and discards every waiting datagram (a socket that exists only so the kernel does
    /// not answer with ICMP port-unreachable).
    public func discardAll() {
        var scratch = [UInt8](repeating: 0, count: 2048)
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 { continue }
            if errno == EINTR { continue }
            return
        }
    }

    /// Sends one datagram.
    public func send(_ payload: [UInt8], to address: IPv4Address, port: UInt16) throws(DHCPKitError) {
        var sin = Self.socketAddress(address, port: port)
        while true {
            let sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &sin) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fileDescriptor, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            if sent >= 0 { return }
            if errno == EINTR { continue }
            throw SystemCall.error("sendto \(address):\(port)")
        }
    }

    static func socketAddress(_ address: IPv4Address, port: UInt16) -> sockaddr_in {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = address.value.bigEndian
        return sin
    }
}
