import Logging
import NetworkTypes
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// The async RADIUS client: authentication, accounting, CoA/Disconnect and Status-Server
/// requests to one or more servers, with retransmission, back-off, failover and dead-server
/// detection as ``RADIUSClientStateMachine`` decides.
///
/// Sockets are created in `init` on the calling thread, so they belong to that thread's
/// network namespace. The client is a ServiceLifecycle `Service`: ``run()`` polls the sockets
/// on a thread of its own (no socket call runs on the cooperative pool except the non-blocking
/// `sendto`) until graceful shutdown or cancellation, then fails every request still waiting
/// with `clientShutDown` and returns once its thread is gone. Requests sent before `run()`
/// starts wait for it. Replies are matched by source address, source port and identifier, and
/// verified (Response Authenticator, Message-Authenticator) before they are parsed; anything
/// else is counted (``RADIUSClientMetrics``) and dropped.
///
/// ```swift
/// let client = try RADIUSClient(servers: [RADIUSServer(address: radius, port: 1812, secret: secret)])
/// try await withRunningService(client) {
///     let reply = try await client.authenticate(userName: "alice", password: "secret")
/// }
/// ```
public final class RADIUSClient: Service, Sendable {
    /// The retry policy (see ``RADIUSClientStateMachine/Configuration``).
    public typealias Configuration = RADIUSClientStateMachine<UInt64, ContinuousClock.Instant>.Configuration
    typealias Machine = RADIUSClientStateMachine<UInt64, ContinuousClock.Instant>

    private struct State {
        var machine: Machine
        var continuations: [UInt64: CheckedContinuation<Result<RADIUSPacket, RADIUSError>, Never>] = [:]
        var submitted: [UInt64: (code: RADIUSCode, at: ContinuousClock.Instant)] = [:]
        var cancelledEarly: Set<UInt64> = []
        var nextToken: UInt64 = 0
        var closed = false
    }

    private typealias Resumption = (CheckedContinuation<Result<RADIUSPacket, RADIUSError>, Never>, Result<RADIUSPacket, RADIUSError>)

    /// The servers, in order of preference.
    public let servers: [RADIUSServer]
    /// Each server's parsed address.
    public let addresses: [RADIUSSocketAddress]
    /// What the client counts.
    public let metrics: RADIUSClientMetrics
    private let state: Mutex<State>
    private let sockets: [Bool: [RADIUSUDPSocket]]
    private let serverByAddress: [RADIUSSocketAddress: Int]
    private let wakeup: PollWakeup
    private let logger: Logger

    /// Opens `configuration.sourcePorts` sockets per address family in the calling thread's
    /// network namespace; ``run()`` starts answering.
    ///
    /// - Parameters:
    ///   - servers: in order of preference; names are `a.b.c.d:port` or `[v6]:port`.
    ///   - bindAddress: local IPv4 address to send from (default any); IPv6 servers are always
    ///     reached from `::`.
    ///   - metrics: where to count (default: labelled `client=radius` on the global factory).
    /// - Throws: `invalidAddress` for a bad server name, `systemCallFailed` when a socket
    ///   cannot be opened.
    public init(
        servers: [RADIUSServer],
        configuration: Configuration = Configuration(),
        bindAddress: IPv4Address = .any,
        metrics: RADIUSClientMetrics? = nil,
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
            let local = isIPv6 ? try RADIUSSocketAddress(host: "::", port: 0) : RADIUSSocketAddress(bindAddress, port: 0)
            var family: [RADIUSUDPSocket] = []
            for _ in 0..<configuration.sourcePorts { family.append(try RADIUSUDPSocket(bindingTo: local)) }
            sockets[isIPv6] = family
        }
        self.sockets = sockets
        do {
            wakeup = try PollWakeup()
        } catch {
            throw RADIUSError(.systemCallFailed, error.message)
        }
        self.metrics = metrics ?? RADIUSClientMetrics(client: "radius", servers: servers)
        self.logger = logger
        state = Mutex(State(machine: Machine(servers: servers, configuration: configuration)))
    }

    deinit {
        for family in sockets.values { for socket in family { socket.close() } }
    }

    /// The local ports requests leave from (IPv4 sockets first).
    public var sourcePorts: [UInt16] {
        (sockets[false] ?? []).map(\.localAddress.port) + (sockets[true] ?? []).map(\.localAddress.port)
    }

    /// Whether server number `server` takes requests (it has not been marked dead).
    public func isAlive(_ server: Int) -> Bool { state.withLock { $0.machine.isAlive(server) } }

    /// The server new requests go to: the first live one in configured order.
    public var preferredServer: Int { state.withLock { $0.machine.preferredServer } }

    /// Requests waiting for a reply or an identifier.
    public var outstandingRequests: Int { state.withLock { $0.continuations.count } }

    /// Polls the sockets until graceful shutdown or cancellation; then every outstanding
    /// request fails with `clientShutDown`.
    public func run() async throws {
        // Named after the metrics label, so a process with several clients can tell their threads apart.
        try await BlockingService.run(name: "rad-\(metrics.client)", stop: { [self] in shutdown() }) { [self] in
            ioLoop()
        }
    }

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
                    state.submitted[token] = (request.code, .now)
                    metrics.requests.increment(request.code)
                    metrics.outstanding.record(state.continuations.count)
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
                state.submitted[token] = nil
                metrics.failures.increment(.cancelled)
                metrics.outstanding.record(state.continuations.count)
                return continuation
            }
            continuation?.resume(returning: .failure(RADIUSError(.cancelled, "\(request.code) cancelled")))
        }
        return try result.get()
    }

    /// Makes ``run()`` return and fails every outstanding request with `clientShutDown`.
    /// Later calls to ``send(_:userPassword:)`` fail the same way.
    public func shutdown() {
        let continuations = state.withLock { state in
            state.closed = true
            let all = Array(state.continuations.values)
            metrics.failures.increment(.clientShutDown, by: all.count)
            state.continuations.removeAll()
            state.submitted.removeAll()
            metrics.outstanding.record(0)
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
            case let .send(server, socket, bytes, purpose):
                let address = addresses[server]
                do {
                    if try sockets[address.isIPv6]?[socket].send(bytes, to: address) == true {
                        metrics.datagrams.increment(purpose)
                    } else {
                        metrics.unsent.increment()
                    }
                } catch {
                    metrics.unsent.increment()
                    logger.debug("send failed", metadata: ["server": "\(address)", "error": "\(error)"])
                }
            case let .complete(token, response, _):
                metrics.responses.increment(response.code)
                if let submitted = state.submitted.removeValue(forKey: token) {
                    metrics.latency[submitted.code]?.record(duration: ContinuousClock.now - submitted.at)
                }
                if let continuation = state.continuations.removeValue(forKey: token) {
                    resumptions.append((continuation, .success(response)))
                }
            case let .fail(token, error):
                metrics.failures.increment(error.code)
                state.submitted[token] = nil
                if let continuation = state.continuations.removeValue(forKey: token) {
                    resumptions.append((continuation, .failure(error)))
                }
            case let .discard(server, error):
                metrics.discarded.increment(error.code)
                logger.debug("reply discarded", metadata: ["server": "\(servers[server])", "code": "\(error.code.rawValue)"])
            case let .serverDown(server):
                metrics.serverDown[server].increment()
                metrics.serverAlive[server].record(0)
                logger.debug("server marked dead", metadata: ["server": "\(servers[server])"])
            case let .serverUp(server):
                metrics.serverUp[server].increment()
                metrics.serverAlive[server].record(1)
                logger.debug("server alive again", metadata: ["server": "\(servers[server])"])
            }
        }
        metrics.outstanding.record(state.continuations.count)
        return resumptions
    }

    /// The I/O thread: wait for replies or the next deadline, feed the machine, repeat.
    private func ioLoop() {
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
                        metrics.discarded.increment(.unknownSource)
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
