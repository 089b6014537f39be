import CLinuxNet
import Glibc

/// An `AF_PACKET` socket bound to one interface that receives only DHCP frames.
///
/// A classic BPF program in the kernel passes IPv4 UDP frames to or from port 67 or 68 and
/// drops everything else before it is copied to user space, so data traffic never reaches us
/// (`tcpdump -dd 'ip and udp and (port 67 or port 68)'`). The socket listens with `ETH_P_ALL`
/// so it sees frames even on a port enslaved to a bridge, and ignores its own transmissions.
///
/// Calls are non-blocking; wait for readability with `poll` (see ``DHCPSocketPoller``).
/// Needs `CAP_NET_RAW`. The socket belongs to the network namespace of the thread that creates it.
public final class PacketSocket: @unchecked Sendable {
    /// The bound interface.
    public let interface: NetworkInterface
    /// The descriptor, for `poll`.
    public let fileDescriptor: Int32

    /// Largest frame read: Ethernet + 802.1Q + the largest DHCP message we accept.
    public static let maximumFrameLength = 65_535 + 18
    /// Receive buffer asked for (the kernel doubles it for bookkeeping): room for a burst of
    /// about 2,000 small frames between two reads. Root may exceed `net.core.rmem_max`.
    public static let receiveBufferBytes: Int32 = 4 << 20

    /// Opens, filters and binds the socket.
    public init(interface name: String) throws(DHCPKitError) {
        let interface = try NetworkInterface(named: name)
        let protocolAll = UInt16(truncatingIfNeeded: ETH_P_ALL).bigEndian
        let fd = socket(AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                        Int32(protocolAll))
        guard fd >= 0 else { throw SystemCall.error("socket(AF_PACKET) on \(name)") }
        do throws(DHCPKitError) {
            try Self.attachFilter(fd, interface: name)
            var one: Int32 = 1
            guard setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw SystemCall.error("PACKET_AUXDATA on \(name)")
            }
            var buffer = Self.receiveBufferBytes
            if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                // Without CAP_NET_ADMIN: as much as net.core.rmem_max allows.
                _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
            }
            var ignore: Int32 = 1
            guard setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &ignore, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw SystemCall.error("PACKET_IGNORE_OUTGOING on \(name)")
            }
            var address = sockaddr_ll()
            address.sll_family = UInt16(AF_PACKET)
            address.sll_protocol = protocolAll
            address.sll_ifindex = interface.index
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
            }
            guard bound == 0 else { throw SystemCall.error("bind(AF_PACKET) to \(name)") }
            // Frames queued between socket() and the filter were not filtered: discard them.
            var scratch = [UInt8](repeating: 0, count: 2048)
            while scratch.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
        } catch {
            close(fd)
            throw error
        }
        self.interface = interface
        self.fileDescriptor = fd
    }

    deinit { close(fileDescriptor) }

    /// One received frame.
    public struct ReceivedFrame: Sendable, Hashable {
        /// The Ethernet frame without FCS.
        public var bytes: [UInt8]
        /// The sender's stack left the UDP checksum to offload (veth and other virtual links):
        /// the field holds only the pseudo-header sum, so it cannot be verified (`TP_STATUS_CSUMNOTREADY`).
        public var checksumPending: Bool
    }

    /// The next frame, or `nil` when none is waiting; frames larger than
    /// ``maximumFrameLength`` are dropped.
    public func receiveFrame() throws(DHCPKitError) -> ReceivedFrame? {
        var buffer = [UInt8](repeating: 0, count: Self.maximumFrameLength)
        guard let received = try receiveFrame(into: &buffer) else { return nil }
        buffer.removeSubrange(received.length...)
        return ReceivedFrame(bytes: buffer, checksumPending: received.checksumPending)
    }

    /// Reads the next frame into `buffer`, which the caller keeps and reuses (a load generator
    /// reads millions of frames): the frame is `buffer[..<length]`. `nil` when none is waiting;
    /// frames longer than the buffer are dropped.
    public func receiveFrame(into buffer: inout [UInt8]) throws(DHCPKitError) -> (length: Int, checksumPending: Bool)? {
        var status: UInt32 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes {
                cln_packet_recv(fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_TRUNC), &status)
            }
            if count >= 0 {
                guard count <= buffer.count else { continue }
                return (count, status & CLN_TP_STATUS_CSUMNOTREADY != 0)
            }
            switch errno {
            case EINTR: continue
            case EAGAIN: return nil
            default: throw SystemCall.error("recvmsg on \(interface.name)")
            }
        }
    }

    /// The next frame's bytes, or `nil` when none is waiting (see ``receiveFrame()``).
    public func receive() throws(DHCPKitError) -> [UInt8]? {
        try receiveFrame()?.bytes
    }

    /// Frames the kernel dropped since the last call because the receive buffer was full.
    public func takeKernelDrops() -> Int { Int(cln_packet_take_drops(fileDescriptor)) }

    /// Frames one ``drainDHCP(metrics:side:maximumFrames:_:)`` call reads by default: a poll
    /// loop over several sockets then serves each in turn, so a flood on one port delays a
    /// neighbour's frame by at most this many of the flood's.
    public static let drainBatch = 64

    /// Reads up to `maximumFrames` waiting frames and hands each parsed DHCP frame and message to
    /// `handle`, with the time it was read. Frames are counted as received on `side`; malformed
    /// ones, receive errors and frames the kernel dropped for want of buffer space are counted
    /// in `metrics` and dropped: hostile input never stops a relay. Frames left waiting keep the
    /// socket readable, so a level-triggered poll loop comes back to them after the others.
    public func drainDHCP(metrics: DHCPRelayMetrics, side: DHCPRelayMetrics.Side, maximumFrames: Int = PacketSocket.drainBatch,
                          _ handle: (DHCPFrame, DHCPMessage, ContinuousClock.Instant) -> Void) {
        defer {
            let drops = takeKernelDrops()
            if drops > 0 { metrics.dropped.increment(.receiveBufferFull, by: drops) }
        }
        for _ in 0..<max(1, maximumFrames) {
            let received: ReceivedFrame?
            do {
                received = try receiveFrame()
            } catch {
                metrics.errors.increment(.receive)
                return
            }
            guard let received else { return }
            let arrival = ContinuousClock.now
            metrics.received.increment(side)
            do {
                let frame = try DHCPFrame(parsing: received.bytes, verifyingUDPChecksum: !received.checksumPending)
                handle(frame, try frame.message(), arrival)
            } catch {
                metrics.malformed(error.code)
            }
        }
    }

    /// Transmits one complete Ethernet frame on the interface.
    public func send(_ frame: [UInt8]) throws(DHCPKitError) {
        while true {
            let sent = frame.withUnsafeBytes { Glibc.send(fileDescriptor, $0.baseAddress, $0.count, 0) }
            if sent == frame.count { return }
            if sent < 0, errno == EINTR { continue }
            if sent < 0 { throw SystemCall.error("send on \(interface.name)") }
            throw DHCPKitError(.socketFailed, field: "send on \(interface.name)",
                               message: "sent \(sent) of \(frame.count) bytes")
        }
    }

    /// Classic BPF: IPv4, UDP, not a fragment, source or destination port 67 or 68.
    static let dhcpFilter: [sock_filter] = {
        func statement(_ code: Int32, _ k: UInt32) -> sock_filter { cln_bpf_stmt(UInt16(code), k) }
        func jump(_ code: Int32, _ k: UInt32, _ ifTrue: UInt8, _ ifFalse: UInt8) -> sock_filter {
            cln_bpf_jump(UInt16(code), k, ifTrue, ifFalse)
        }
        return [
            statement(BPF_LD | BPF_H | BPF_ABS, 12), jump(BPF_JMP | BPF_JEQ | BPF_K, UInt32(ETH_P_IP), 0, 12),
            statement(BPF_LD | BPF_B | BPF_ABS, 23), jump(BPF_JMP | BPF_JEQ | BPF_K, UInt32(IPPROTO_UDP), 0, 10),
            statement(BPF_LD | BPF_H | BPF_ABS, 20), jump(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 8, 0),
            statement(BPF_LDX | BPF_B | BPF_MSH, 14), statement(BPF_LD | BPF_H | BPF_IND, 14),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 67, 4, 0), jump(BPF_JMP | BPF_JEQ | BPF_K, 68, 3, 0),
            statement(BPF_LD | BPF_H | BPF_IND, 16), jump(BPF_JMP | BPF_JEQ | BPF_K, 67, 1, 0),
            jump(BPF_JMP | BPF_JEQ | BPF_K, 68, 0, 1),
            statement(BPF_RET | BPF_K, 0x40000), statement(BPF_RET | BPF_K, 0),
        ]
    }()

    private static func attachFilter(_ fd: Int32, interface: String) throws(DHCPKitError) {
        var program = dhcpFilter
        let status = program.withUnsafeMutableBufferPointer { instructions in
            var filter = sock_fprog(len: UInt16(instructions.count), filter: instructions.baseAddress)
            return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, socklen_t(MemoryLayout<sock_fprog>.size))
        }
        guard status == 0 else { throw SystemCall.error("SO_ATTACH_FILTER on \(interface)") }
    }
}
