import Glibc

/// A non-blocking UDP socket: the one place RadiusKit calls `socket`, `bind`, `sendto`,
/// `recvfrom` and `poll`. EINTR is retried and errno read at once (house style rule 3).
///
/// The socket belongs to the network namespace of the thread that creates it, for its whole
/// life, whichever thread uses it later.
final class RADIUSUDPSocket: @unchecked Sendable {
    /// The descriptor; `-1` after ``close()``.
    private(set) var descriptor: Int32
    /// The local address after `bind`.
    let localAddress: RADIUSSocketAddress

    /// Opens a socket of `address`'s family and binds it there (port 0 picks a free port).
    init(bindingTo address: RADIUSSocketAddress) throws(RADIUSError) {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw Self.failure("socket", errno) }
        var one: Int32 = 1
        if address.isIPv6 {
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Room for bursts of replies while the I/O thread is busy.
        var size: Int32 = 4 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Self.failure("bind \(address)", code)
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, let local = RADIUSSocketAddress(storage: storage) else {
            let code = errno
            Glibc.close(fd)
            throw Self.failure("getsockname", code)
        }
        descriptor = fd
        localAddress = local
    }

    deinit { close() }

    /// Closes the descriptor once.
    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    /// Sends one datagram. A full send buffer (EAGAIN) counts as a lost datagram: the caller's
    /// retransmission covers it, so it is reported as `false` rather than thrown.
    @discardableResult
    func send(_ bytes: [UInt8], to address: RADIUSSocketAddress) throws(RADIUSError) -> Bool {
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                address.withSockaddr { sendto(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, $1) }
            }
            if sent >= 0 { return true }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS { return false }
            throw Self.failure("sendto \(address)", code)
        }
    }

    /// Receives one datagram, or `nil` when none is waiting.
    func receive(into buffer: inout [UInt8]) throws(RADIUSError) -> (bytes: [UInt8], source: RADIUSSocketAddress)? {
        var storage = sockaddr_storage()
        while true {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(descriptor, raw.baseAddress, raw.count, Int32(MSG_TRUNC), $0, &length)
                    }
                }
            }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { return nil }
                // ICMP errors from an earlier send surface here on some kernels; not fatal.
                if code == ECONNREFUSED || code == EHOSTUNREACH || code == ENETUNREACH { continue }
                throw Self.failure("recvfrom", code)
            }
            guard let source = RADIUSSocketAddress(storage: storage) else { continue }
            // MSG_TRUNC reports the real length: a datagram larger than the buffer is kept
            // whole in length so the codec refuses it as too large rather than parsing a prefix.
            if count > buffer.count {
                return (buffer + [UInt8](repeating: 0, count: 1), source)
            }
            return (Array(buffer[0..<count]), source)
        }
    }

    /// Waits until one of `descriptors` is readable or `timeoutMilliseconds` pass (-1: forever).
    /// Returns the readable ones.
    static func poll(_ descriptors: [Int32], timeoutMilliseconds: Int32) throws(RADIUSError) -> [Int32] {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while true {
            let result = Glibc.poll(&entries, nfds_t(entries.count), timeoutMilliseconds)
            if result >= 0 { break }
            let code = errno
            if code == EINTR { continue }
            throw failure("poll", code)
        }
        return entries.filter { $0.revents != 0 }.map(\.fd)
    }

    static func failure(_ call: String, _ code: Int32) -> RADIUSError {
        RADIUSError(.systemCallFailed, "\(call): \(String(cString: strerror(code))) (errno \(code))")
    }
}
