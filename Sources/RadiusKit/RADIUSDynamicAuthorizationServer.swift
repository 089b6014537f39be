import Glibc
import Logging
import Synchronization

/// Decides what to do with a verified CoA-Request or Disconnect-Request.
public protocol RADIUSDynamicAuthorizationHandler: Sendable {
    /// Carries out `request` (change rates, end a session, …) and says how it went.
    func handle(_ request: RADIUSDynamicAuthorizationRequest) async -> RADIUSDynamicAuthorizationResponse
}

/// A handler made of a closure.
public struct RADIUSDynamicAuthorizationClosureHandler: RADIUSDynamicAuthorizationHandler {
    private let body: @Sendable (RADIUSDynamicAuthorizationRequest) async -> RADIUSDynamicAuthorizationResponse

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (RADIUSDynamicAuthorizationRequest) async -> RADIUSDynamicAuthorizationResponse) {
        self.body = body
    }

    /// Calls the closure.
    public func handle(_ request: RADIUSDynamicAuthorizationRequest) async -> RADIUSDynamicAuthorizationResponse {
        await body(request)
    }
}

/// The UDP listener of a Dynamic Authorization Server (RFC 5176, port 3799): checks are those
/// of ``RADIUSDynamicAuthorizationEngine``, answers come from a
/// ``RADIUSDynamicAuthorizationHandler``.
///
/// The socket is bound in `init`, in the calling thread's network namespace; one dedicated
/// thread reads it, and each verified request runs the handler in its own task.
public final class RADIUSDynamicAuthorizationServer: Sendable {
    /// Checks and cache policy.
    public typealias Configuration = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>.Configuration
    typealias Engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>

    /// Counters for metrics and tests.
    public struct Statistics: Sendable, Hashable {
        /// Requests given to the handler.
        public var requestsDispatched = 0
        /// Responses handed to the kernel, replays included.
        public var responsesSent = 0
        /// Responses replayed from the duplicate cache.
        public var responsesReplayed = 0
        /// Retransmissions dropped while the handler was still working.
        public var duplicatesInProgress = 0
        /// Datagrams dropped, by error code.
        public var discarded: [RADIUSError.Code: Int] = [:]
    }

    private struct State {
        var engine: Engine
        var statistics = Statistics()
        var closed = false
    }

    /// The bound address (with the real port when 0 was asked for).
    public let localAddress: RADIUSSocketAddress
    private let socket: RADIUSUDPSocket
    private let wakeup: RADIUSWakeup
    private let state: Mutex<State>
    private let handler: any RADIUSDynamicAuthorizationHandler
    private let logger: Logger

    /// Binds `address` (default `0.0.0.0:3799`) and starts answering.
    ///
    /// - Throws: `invalidAddress`, `systemCallFailed`.
    public init(
        address: String = "0.0.0.0:3799",
        clients: [RADIUSDynamicAuthorizationClient],
        configuration: Configuration = Configuration(),
        handler: any RADIUSDynamicAuthorizationHandler,
        logger: Logger = Logger(label: "RadiusKit.RADIUSDynamicAuthorizationServer")
    ) throws(RADIUSError) {
        socket = try RADIUSUDPSocket(bindingTo: try RADIUSSocketAddress(address, defaultPort: 3799))
        localAddress = socket.localAddress
        wakeup = try RADIUSWakeup()
        state = Mutex(State(engine: Engine(clients: clients, configuration: configuration)))
        self.handler = handler
        self.logger = logger
        try RADIUSIOThread.start { [self] in self.run() }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Stops reading and closes the socket; requests still in the handler get no answer.
    public func shutdown() {
        state.withLock { $0.closed = true }
        wakeup.signal()
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: RADIUSLimits.maximumPacketLength)
        defer { socket.close() }
        while true {
            let (closed, timeout) = state.withLock { state -> (Bool, Int32) in
                (state.closed, state.engine.cachedCount > 0 ? 1000 : -1)
            }
            if closed { return }
            let ready: [Int32]
            do {
                ready = try RADIUSUDPSocket.poll([socket.descriptor, wakeup.descriptor], timeoutMilliseconds: timeout)
            } catch {
                logger.error("poll failed; CoA server stops", metadata: ["error": "\(error)"])
                return
            }
            if ready.contains(wakeup.descriptor) { wakeup.drain() }
            var datagrams: [(bytes: [UInt8], source: RADIUSSocketAddress)] = []
            if ready.contains(socket.descriptor) {
                for _ in 0..<64 {
                    guard let datagram = try? socket.receive(into: &buffer) else { break }
                    datagrams.append(datagram)
                }
            }
            let now = ContinuousClock.now
            let unixTime = UInt32(clamping: time(nil))
            let actions = state.withLock { state in
                var actions = state.engine.handle(.tick(now: now))
                for datagram in datagrams {
                    actions += state.engine.handle(.received(bytes: datagram.bytes, source: datagram.source, now: now, unixTime: unixTime))
                }
                return actions
            }
            perform(actions)
        }
    }

    private func perform(_ actions: [Engine.Action]) {
        for action in actions {
            switch action {
            case let .dispatch(key, request):
                state.withLock { $0.statistics.requestsDispatched += 1 }
                let handler = self.handler
                Task { [self] in
                    let response = await handler.handle(request)
                    let followUps = state.withLock { state in
                        state.closed ? [] : state.engine.handle(.answered(key: key, response: response, now: .now))
                    }
                    perform(followUps)
                }
            case let .send(bytes, destination, replayed):
                // Counted before sending, so a peer that has the answer sees the count too.
                state.withLock { state in
                    state.statistics.responsesSent += 1
                    if replayed { state.statistics.responsesReplayed += 1 }
                }
                if (try? socket.send(bytes, to: destination)) != true {
                    state.withLock { $0.statistics.responsesSent -= 1 }
                }
            case let .duplicateInProgress(source):
                state.withLock { $0.statistics.duplicatesInProgress += 1 }
                logger.debug("duplicate while in progress", metadata: ["source": "\(source)"])
            case let .discard(source, error):
                state.withLock { $0.statistics.discarded[error.code, default: 0] += 1 }
                logger.debug("request discarded", metadata: ["source": "\(source)", "code": "\(error.code.rawValue)"])
            }
        }
    }
}
