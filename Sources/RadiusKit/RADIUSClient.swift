import Logging
import Synchronization

/// The async RADIUS client: authentication, accounting, CoA/Disconnect and Status-Server
/// requests to one or more servers, with retransmission, back-off, failover and dead-server
/// detection as ``RADIUSClientStateMachine`` decides.
///
/// Sockets are created in `init` on the calling thread, so they belong to that thread's
/// network namespace; one dedicated thread then polls them (no socket call runs on the
/// cooperative pool except the non-blocking `sendto`). Replies are matched by source address,
/// source port and identifier, and verified (Response Authenticator, Message-Authenticator)
/// before they are parsed; anything else is counted in ``statistics`` and dropped.
///
/// ```swift
/// let client = try RADIUSClient(servers: [RADIUSServer(name: "198.18.0.2:1812", secret: secret)])
/// let reply = try await client.authenticate(userName: "alice", password: "secret")
/// ```
public final class RADIUSClient: Sendable {
    /// The retry policy (see ``RADIUSClientStateMachine/Configuration``).
    public typealias Configuration = RADIUSClientStateMachine<UInt64, ContinuousClock.Instant>.Configuration
    typealias Machine = RADIUSClientStateMachine<UInt64, ContinuousClock.Instant>

    /// Counters for metrics and tests.
    public struct Statistics: Sendable, Hashable {
        /// Datagrams handed to the kernel (first sends, retransmissions and probes).
        public var datagramsSent = 0
        /// Datagrams the kernel would not take (full buffer); retransmission covers them.
        public var datagramsNotSent = 0
        /// Received datagrams dropped: unknown source, unknown identifier or failed checks.
        public var repliesDiscarded = 0
        /// Requests that got a verified reply.
        public var requestsCompleted = 0
        /// Requests that failed (timed out on every server, cancelled, shut down).
        public var requestsFailed = 0
        /// Times a server was marked dead.
        public var serversMarkedDead = 0
        /// Times a dead server answered again.
        public var serversRevived = 0
        /// Codes of the errors behind discarded replies, with counts.
        public var discardReasons: [RADIUSError.Code: Int] = [:]
    }

    private struct State {
        var machine: Machine
        var continuations: [UInt64: CheckedContinuation<Result<RADIUSPacket, RADIUSError>, Never>] = [:]
        var cancelledEarly: Set<UInt64> = []
        var nextToken: UInt64 = 0
        var statistics = Statistics()
        var closed = false
    }

    private typealias Resumption = (CheckedContinuation<Result<RADIUSPacket, RADIUSError>, Never>, Result<RADIUSPacket, RADIUSError>)

    /// The servers, in order of preference.
    public let servers: [RADIUSServer]
    /// Each server's parsed address.
    public let addresses: [RADIUSSocketAddress]
    private let state: Mutex<State>
    private let sockets: [Bool: [RADIUSUDPSocket]]
    private let serverByAddress: [RADIUSSocketAddress: Int]
    private let wakeup: RADIUSWakeup
    private let logger: Logger

    /// Opens `configuration.sourcePorts` sockets per address family in the calling thread's
    /// network namespace and starts the I/O thread.
    ///
    /// - Parameters:
    ///   - servers: in order of preference; names are `a.b.c.d:port` or `[v6]:port`.
    ///   - bindAddress: local IPv4 address to send from (default any); IPv6 servers are always
    ///     reached from `::`.
    /// - Throws: `invalidAddress` for a bad server name, `systemCallFailed` when a socket
    ///   cannot be opened.
    public init(
        servers: [RADIUSServer],
        configuration: Configuration = Configuration(),
        bindAddress: String = "0.0.0.0",
        logger: Logger = Logger(label: "RadiusKit.RADIUSClient")
    ) throws(RADIUSError) {
        guard !servers.isEmpty else { throw RADIUSError(.invalidAddress, "no RADIUS servers configured") }
        self.servers = servers
        var addresses: [RADIUSSocketAddress] = []
        for server in servers { addresses.append(try RADIUSSocketAddress(server.name)) }
        self.addresses = addresses
        var byAddress: [RADIUSSocketAddress: Int] = [:]
        for (index, address) in addresses.enumerated() where byAddress[address] == nil { byAddress[address] = index }
        serverByAddress = byAddress
        var sockets: [Bool: [RADIUSUDPSocket]] = [:]
        for isIPv6 in Set(addresses.map(\.isIPv6)) {
            let local = try RADIUSSocketAddress(host: isIPv6 ? "::" : bindAddress, port: 0)
            var family: [RADIUSUDPSocket] = []
            for _ in 0..<configuration.sourcePorts { family.append(try RADIUSUDPSocket(bindingTo: local)) }
            sockets[isIPv6] = family
        }
        self.sockets = sockets
        wakeup = try RADIUSWakeup()
        self.logger = logger
        state = Mutex(State(machine: Machine(servers: servers, configuration: configuration)))
        try RADIUSIOThread.start { [self] in self.run() }
    }

    deinit {
        for family in sockets.values { for socket in family { socket.close() } }
    }

    /// The local ports requests leave from (IPv4 sockets first).
    public var sourcePorts: [UInt16] {
        (sockets[false] ?? []).map(\.localAddress.port) + (sockets[true] ?? []).map(\.localAddress.port)
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Whether server number `server` takes requests (it has not been marked dead).
    public func isAlive(_ server: Int) -> Bool { state.withLock { $0.machine.isAlive(server) } }

    /// The server new requests go to: the first live one in configured order.
    public var preferredServer: Int { state.withLock { $0.machine.preferredServer } }

    /// Sends `request` and returns the verified reply.
    ///
    /// The Identifier and, for Access-Request and Status-Server, the Authenticator are filled
    /// in; `userPassword` is hidden per server (RFC 2865 §5.2). Message-Authenticator is added.
    ///
    /// - Throws: `requestTimedOut` when no server answered, `identifiersExhausted` when too
    ///   many requests wait, `cancelled` when the task is cancelled, `clientShutDown` after
    ///   ``shutdown()``, and encoding errors.
    public func send(_ request: RADIUSPacket, userPassword: [UInt8]? = nil) async throws(RADIUSError) -> RADIUSPacket {
        let token = state.withLock { state -> UInt64 in
            state.nextToken &+= 1
            return state.nextToken
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<RADIUSPacket, RADIUSError>, Never>) in
                let (resumptions, wake) = state.withLock { state -> ([Resumption], Bool) in
                    if state.closed {
                        return ([(continuation, .failure(RADIUSError(.clientShutDown, "\(request.code) after shutdown")))], false)
                    }
                    if state.cancelledEarly.remove(token) != nil {
                        return ([(continuation, .failure(RADIUSError(.cancelled, "\(request.code) cancelled")))], false)
                    }
                    state.continuations[token] = continuation
                    let wasIdle = state.machine.nextDeadline == nil
                    let actions = state.machine.handle(.submit(token: token, request: request, userPassword: userPassword, now: .now))
                    return (perform(actions, in: &state), wasIdle)
                }
                if wake { wakeup.signal() }
                for (continuation, result) in resumptions { continuation.resume(returning: result) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Result<RADIUSPacket, RADIUSError>, Never>? in
                guard let continuation = state.continuations.removeValue(forKey: token) else {
                    state.cancelledEarly.insert(token)
                    return nil
                }
                _ = state.machine.handle(.cancel(token: token))
                state.statistics.requestsFailed += 1
                return continuation
            }
            continuation?.resume(returning: .failure(RADIUSError(.cancelled, "\(request.code) cancelled")))
        }
        return try result.get()
    }

    /// Stops the I/O thread and fails every outstanding request with `clientShutDown`.
    /// Later calls to ``send(_:userPassword:)`` fail the same way.
    public func shutdown() {
        let continuations = state.withLock { state in
            state.closed = true
            let all = Array(state.continuations.values)
            state.statistics.requestsFailed += all.count
            state.continuations.removeAll()
            return all
        }
        wakeup.signal()
        for continuation in continuations {
            continuation.resume(returning: .failure(RADIUSError(.clientShutDown, "client shut down with the request outstanding")))
        }
    }

    /// Carries out the machine's actions under the lock; returns the continuations to resume
    /// once the lock is released.
    private func perform(_ actions: [Machine.Action], in state: inout State) -> [Resumption] {
        var resumptions: [Resumption] = []
        for action in actions {
            switch action {
            case let .send(server, socket, bytes):
                let address = addresses[server]
                do {
                    if try sockets[address.isIPv6]?[socket].send(bytes, to: address) == true {
                        state.statistics.datagramsSent += 1
                    } else {
                        state.statistics.datagramsNotSent += 1
                    }
                } catch {
                    state.statistics.datagramsNotSent += 1
                    logger.debug("send failed", metadata: ["server": "\(address)", "error": "\(error)"])
                }
            case let .complete(token, response, _):
                state.statistics.requestsCompleted += 1
                if let continuation = state.continuations.removeValue(forKey: token) {
                    resumptions.append((continuation, .success(response)))
                }
            case let .fail(token, error):
                state.statistics.requestsFailed += 1
                if let continuation = state.continuations.removeValue(forKey: token) {
                    resumptions.append((continuation, .failure(error)))
                }
            case let .discard(server, error):
                state.statistics.repliesDiscarded += 1
                state.statistics.discardReasons[error.code, default: 0] += 1
                logger.debug("reply discarded", metadata: ["server": "\(servers[server])", "code": "\(error.code.rawValue)"])
            case let .serverDown(server):
                state.statistics.serversMarkedDead += 1
                logger.debug("server marked dead", metadata: ["server": "\(servers[server])"])
            case let .serverUp(server):
                state.statistics.serversRevived += 1
                logger.debug("server alive again", metadata: ["server": "\(servers[server])"])
            }
        }
        return resumptions
    }

    /// The I/O thread: wait for replies or the next deadline, feed the machine, repeat.
    private func run() {
        var socketList: [(descriptor: Int32, isIPv6: Bool, index: Int)] = []
        for (isIPv6, family) in sockets {
            for (index, socket) in family.enumerated() { socketList.append((socket.descriptor, isIPv6, index)) }
        }
        let descriptors = socketList.map(\.descriptor) + [wakeup.descriptor]
        var buffer = [UInt8](repeating: 0, count: RADIUSLimits.maximumPacketLength)
        while true {
            let timeout = state.withLock { state -> Int32? in
                guard !state.closed else { return nil }
                guard let deadline = state.machine.nextDeadline else { return -1 }
                let remaining = ContinuousClock.now.duration(to: deadline)
                if remaining <= .zero { return 0 }
                let (seconds, attoseconds) = remaining.components
                return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            guard let timeout else { return }
            let ready: [Int32]
            do {
                ready = try RADIUSUDPSocket.poll(descriptors, timeoutMilliseconds: timeout)
            } catch {
                logger.error("poll failed; RADIUS client stops", metadata: ["error": "\(error)"])
                shutdown()
                return
            }
            if ready.contains(wakeup.descriptor) { wakeup.drain() }
            var received: [(bytes: [UInt8], source: RADIUSSocketAddress, socket: Int)] = []
            for entry in socketList where ready.contains(entry.descriptor) {
                guard let socket = sockets[entry.isIPv6]?[entry.index] else { continue }
                // A bounded batch per socket keeps the timer serviced under load.
                for _ in 0..<64 {
                    guard let datagram = try? socket.receive(into: &buffer) else { break }
                    received.append((datagram.bytes, datagram.source, entry.index))
                }
            }
            let resumptions = state.withLock { state -> [Resumption] in
                let now = ContinuousClock.now
                var resumptions: [Resumption] = []
                for datagram in received {
                    guard let server = serverByAddress[datagram.source] else {
                        state.statistics.repliesDiscarded += 1
                        state.statistics.discardReasons[.unknownSource, default: 0] += 1
                        logger.debug("datagram from unknown source", metadata: ["source": "\(datagram.source)"])
                        continue
                    }
                    let actions = state.machine.handle(.received(bytes: datagram.bytes, server: server, socket: datagram.socket, now: now))
                    resumptions += perform(actions, in: &state)
                }
                resumptions += perform(state.machine.handle(.tick(now: now)), in: &state)
                return resumptions
            }
            for (continuation, result) in resumptions { continuation.resume(returning: result) }
        }
    }
}
