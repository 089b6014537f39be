import Glibc
import LabKit

/// One datagram out, one back, on a socket created in the calling thread's namespace.
public enum UDPExchange {
    public static func send(_ bytes: [UInt8], to host: String, port: UInt16, timeoutSeconds: Double) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabKitError(.systemCallFailed, "socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw LabKitError(.systemCallFailed, "connect: errno \(errno)") }
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw LabKitError(.systemCallFailed, "send: errno \(errno)")
        }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeoutSeconds * 1000)) == 1 else {
            throw LabKitError(.timedOut, "no RADIUS reply from \(host):\(port) within \(timeoutSeconds) s")
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw LabKitError(.systemCallFailed, "recv: errno \(errno)") }
        return Array(buffer[0..<count])
    }
}
