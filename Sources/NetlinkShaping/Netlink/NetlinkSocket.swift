import CLinuxNet
import Foundation
import Glibc
import Metrics

/// A blocking netlink socket: batches of requests in one `sendmsg`, replies matched by sequence
/// number, dumps reassembled, kernel errors turned into `NetlinkShapingError`.
///
/// **Namespaces.** A netlink socket talks to the network namespace of the thread that created
/// it, for its whole life. Create it on a thread that is in the namespace you want to program
/// (e.g. inside `NetworkNamespace.perform`); afterwards any thread may use it.
///
/// **Threads.** Every call blocks until the kernel has answered (rtnetlink processes a batch
/// synchronously, so that is microseconds to milliseconds). Calls are serialised by a lock, so the
/// socket may be shared, but keep it off Swift's cooperative pool in hot paths: call it from a
/// dedicated thread or executor.
///
/// **Metrics.** Requests, refusals by errno, batch and dump latency and datagrams go to the
/// `metricsFactory` given at creation (see `NetlinkMetrics` for the names).
// Every mutable field (sequence, buffer, metrics' caches) is touched only while holding `lock`.
public final class NetlinkSocket: @unchecked Sendable {
    /// The netlink protocol: `NETLINK_ROUTE` (rtnetlink) or `NETLINK_NETFILTER` (ctnetlink).
    public let netlinkProtocol: Int32
    private let descriptor: Int32
    private let lock = NSLock()
    private var nextSequence: UInt32 = 1
    private var receiveBuffer: [UInt8]
    private let metrics: NetlinkMetrics

    /// Most bytes put into one `sendmsg`; larger batches are split. Acknowledgements for one
    /// chunk must fit in the receive buffer, which this bounds.
    public static let maximumBatchBytes = 128 * 1024
    static let receiveBufferBytes: Int32 = 8 * 1024 * 1024
    static let sendBufferBytes: Int32 = 1024 * 1024

    /// Opens and binds a socket in the calling thread's network namespace.
    /// - Parameters:
    ///   - protocol: `NETLINK_ROUTE` (default) or `NETLINK_NETFILTER`.
    ///   - timeoutSeconds: how long a receive may wait for the kernel before failing (default 30 s).
    ///   - metricsFactory: where the socket's metrics go (default: the bootstrapped `MetricsSystem`).
    public init(protocol netlinkProtocol: Int32 = NETLINK_ROUTE, timeoutSeconds: Int = 30,
                metricsFactory: any MetricsFactory = MetricsSystem.factory) throws {
        self.netlinkProtocol = netlinkProtocol
        metrics = NetlinkMetrics(protocol: netlinkProtocol, factory: metricsFactory)
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkProtocol)
        guard fd >= 0 else { throw NetlinkShapingError.systemCall("socket(AF_NETLINK, \(netlinkProtocol))", errno: errno) }
        descriptor = fd
        receiveBuffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            var address = sockaddr_nl()
            address.nl_family = sa_family_t(AF_NETLINK)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
            guard bound == 0 else { throw NetlinkShapingError.systemCall("bind netlink socket", errno: errno) }
            // Extended ACKs carry the kernel's reason in words; capped ACKs do not echo our request back.
            try setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1, "NETLINK_EXT_ACK")
            try setOption(SOL_NETLINK, NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK")
            // FORCE variants pass the sysctl caps as root; fall back to what an unprivileged caller may set.
            if (try? setOption(SOL_SOCKET, SO_RCVBUFFORCE, Self.receiveBufferBytes, "SO_RCVBUFFORCE")) == nil {
                try setOption(SOL_SOCKET, SO_RCVBUF, Self.receiveBufferBytes, "SO_RCVBUF")
            }
            if (try? setOption(SOL_SOCKET, SO_SNDBUFFORCE, Self.sendBufferBytes, "SO_SNDBUFFORCE")) == nil {
                try setOption(SOL_SOCKET, SO_SNDBUF, Self.sendBufferBytes, "SO_SNDBUF")
            }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                throw NetlinkShapingError.systemCall("SO_RCVTIMEO", errno: errno)
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ label: String) throws {
        var value = value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw NetlinkShapingError.systemCall("setsockopt \(label)", errno: errno)
        }
    }

    // MARK: - Requests

    /// Sends `requests` in as few `sendmsg` calls as fit `maximumBatchBytes` and returns one
    /// outcome per request, in order: the reply messages (for a GET) or the kernel's error.
    ///
    /// The kernel handles every request even when an earlier one fails. Only the last request of
    /// each `sendmsg` asks for an ACK; errors come back for any request, so when the last ACK
    /// arrives every earlier request has been answered. Dumps cannot be batched; use `dump`.
    public func perform(_ requests: [NetlinkRequest]) throws -> [Result<[NetlinkMessage], NetlinkShapingError>] {
        if let dump = requests.first(where: \.isDump) {
            throw NetlinkShapingError(.invalidArgument, "\(dump.summary): dumps cannot be batched; use dump(_:)")
        }
        lock.lock()
        defer { lock.unlock() }
        let started = ContinuousClock.now
        defer { metrics.batchDuration.record(duration: ContinuousClock.now - started) }
        var outcomes: [Result<[NetlinkMessage], NetlinkShapingError>] = []
        outcomes.reserveCapacity(requests.count)
        var start = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Self.maximumBatchBytes + 4096)
        while start < requests.count {
            buffer.removeAll(keepingCapacity: true)
            var end = start
            var size = 0
            let firstSequence = nextSequence
            while end < requests.count {
                let length = netlinkAligned(NetlinkMessage.headerLength + requests[end].payload.count)
                guard end == start || size + length <= Self.maximumBatchBytes else { break }
                size += length
                end += 1
            }
            for index in start..<end {
                metrics.sent(operation(of: requests[index]))
                var flags = Netlink.request | requests[index].flags
                if index == end - 1 { flags |= Netlink.acknowledge }
                NetlinkMessage(type: requests[index].type, flags: flags, sequence: sequence(), payload: requests[index].payload)
                    .serialize(into: &buffer)
            }
            try send(buffer)
            try collect(requests[start..<end], firstSequence: firstSequence, into: &outcomes)
            start = end
        }
        return outcomes
    }

    /// Sends one request and returns its replies, throwing the kernel's error.
    @discardableResult
    public func execute(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        try perform([request])[0].get()
    }

    /// Sends requests in batches and throws the first failure (after all were handled).
    public func executeAll(_ requests: [NetlinkRequest]) throws {
        for outcome in try perform(requests) { _ = try outcome.get() }
    }

    /// Runs a dump request (`NLM_F_DUMP` is added) and returns every message of every part.
    /// Restarts when the kernel flags the dump as interrupted by a concurrent change.
    public func dump(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        lock.lock()
        defer { lock.unlock() }
        let operation = operation(of: request)
        for _ in 0..<5 {
            let started = ContinuousClock.now
            metrics.sent(operation)
            let sequence = sequence()
            let message = NetlinkMessage(type: request.type, flags: Netlink.request | Netlink.dump | request.flags,
                                         sequence: sequence, payload: request.payload)
            try send(message.serialized())
            var replies: [NetlinkMessage] = []
            var interrupted = false
            receiving: while true {
                for reply in try receive() where reply.sequence == sequence {
                    if reply.flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
                    switch reply.type {
                    case Netlink.done:
                        let status = reply.payload[...].host(Int32.self, at: 0) ?? 0
                        if status < 0 {
                            let ack = try? NetlinkAcknowledgement(reply)
                            metrics.refused(operation, errno: -status)
                            throw NetlinkShapingError.kernel(errno: -status, extendedAck: ack?.message, summary: request.summary)
                        }
                        break receiving
                    case Netlink.error:
                        let ack = try NetlinkAcknowledgement(reply)
                        if ack.errno != 0 {
                            metrics.refused(operation, errno: ack.errno)
                            throw NetlinkShapingError.kernel(errno: ack.errno, extendedAck: ack.message, summary: request.summary)
                        }
                        break receiving
                    case Netlink.noop, Netlink.overrun:
                        continue
                    default:
                        replies.append(reply)
                    }
                }
            }
            metrics.dumped(operation, messages: replies.count, duration: ContinuousClock.now - started)
            if !interrupted { return replies }
        }
        throw NetlinkShapingError(.kernelRejected, "\(request.summary): dump kept being interrupted by concurrent changes")
    }

    // MARK: - I/O

    private func operation(of request: NetlinkRequest) -> NetlinkOperation {
        NetlinkOperation(protocol: netlinkProtocol, type: request.type, flags: request.flags)
    }

    private func sequence() -> UInt32 {
        defer { nextSequence = nextSequence &+ 1 == 0 ? 1 : nextSequence &+ 1 }
        return nextSequence
    }

    private func collect(_ requests: ArraySlice<NetlinkRequest>, firstSequence: UInt32,
                         into outcomes: inout [Result<[NetlinkMessage], NetlinkShapingError>]) throws {
        let base = outcomes.count
        let count = requests.count
        for _ in 0..<count { outcomes.append(.success([])) }
        let lastIndex = count - 1
        var finished = false
        while !finished {
            for reply in try receive() {
                let index = Int(reply.sequence &- firstSequence)
                guard index >= 0, index < count else { continue }   // stale reply of an earlier, abandoned call
                let request = requests[requests.startIndex + index]
                if reply.type == Netlink.error {
                    let ack = try NetlinkAcknowledgement(reply)
                    if ack.errno != 0 {
                        metrics.refused(operation(of: request), errno: ack.errno)
                        outcomes[base + index] = .failure(.kernel(errno: ack.errno, extendedAck: ack.message, summary: request.summary))
                    }
                    if index == lastIndex { finished = true }
                } else if reply.type != Netlink.noop, case .success(var messages) = outcomes[base + index] {
                    messages.append(reply)
                    outcomes[base + index] = .success(messages)
                }
            }
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
            if sent == bytes.count {
                metrics.datagramsSent.increment()
                return
            }
            let error = errno
            if sent < 0, error == EINTR { continue }
            metrics.socketFailed(errno: sent < 0 ? error : EMSGSIZE)
            if sent < 0 { throw NetlinkShapingError.systemCall("sendmsg of \(bytes.count) netlink bytes", errno: error) }
            throw NetlinkShapingError(.netlinkSocketFailed, "netlink sendmsg wrote \(sent) of \(bytes.count) bytes")
        }
    }

    private func receive() throws -> [NetlinkMessage] {
        while true {
            let received = receiveBuffer.withUnsafeMutableBytes { raw in
                recv(descriptor, raw.baseAddress, raw.count, Int32(MSG_TRUNC))
            }
            if received >= 0 {
                guard received <= receiveBuffer.count else {
                    throw NetlinkShapingError(.malformedMessage, "netlink datagram of \(received) bytes exceeds the \(receiveBuffer.count)-byte buffer")
                }
                return try NetlinkMessage.parseAll(receiveBuffer[0..<received])
            }
            let error = errno
            if error == EINTR { continue }
            metrics.socketFailed(errno: error)
            if error == EAGAIN || error == EWOULDBLOCK {
                throw NetlinkShapingError(.netlinkSocketFailed, "the kernel did not answer within the socket timeout", errno: error)
            }
            if error == ENOBUFS {
                throw NetlinkShapingError(.netlinkSocketFailed, "netlink receive buffer overrun: replies were lost (ENOBUFS)", errno: error)
            }
            throw NetlinkShapingError.systemCall("recv on netlink socket", errno: error)
        }
    }
}
