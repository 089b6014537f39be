import Glibc
import Logging
import Metrics
import ServiceLifecycle
import ServiceSupport
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

/// The clocks a server reads: a monotonic one for its caches and a wall clock (seconds since
/// 1970) for the Event-Timestamp window (RFC 5176 §3.4). Tests move either.
public struct RADIUSServerClock: Sendable {
    /// Monotonic time.
    public var now: @Sendable () -> ContinuousClock.Instant
    /// Wall-clock seconds since 1970-01-01 UTC.
    public var unixTime: @Sendable () -> UInt32

    /// Clocks from closures.
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant, unixTime: @escaping @Sendable () -> UInt32) {
        self.now = now
        self.unixTime = unixTime
    }

    /// The system's clocks.
    public static let system = RADIUSServerClock(now: { .now }, unixTime: { UInt32(clamping: time(nil)) })
}

/// The UDP listener of a Dynamic Authorization Server (RFC 5176, port 3799): checks are those
/// of ``RADIUSDynamicAuthorizationEngine``, answers come from a
/// ``RADIUSDynamicAuthorizationHandler``.
///
/// The socket is bound in `init`, in the calling thread's network namespace. The server is a
/// ServiceLifecycle `Service`: ``run()`` reads the socket on a thread of its own and runs each
/// verified request's handler in a child task, at most ``Configuration-swift.struct/maximumConcurrentHandlers``
/// at once with up to ``Configuration-swift.struct/maximumWaitingRequests`` waiting (more are dropped and counted
/// as `overloaded`: the client retransmits). On graceful shutdown or cancellation it stops
/// reading, lets the running handlers finish and send their answers, and returns once every
/// handler task and its thread are done.
public final class RADIUSDynamicAuthorizationServer: Service, Sendable {
    /// Checks, cache and concurrency policy.
    public struct Configuration: Sendable, Hashable {
        /// The engine's checks and duplicate cache.
        public var checks: RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>.Configuration
        /// Handlers running at once (default 64).
        public var maximumConcurrentHandlers: Int
        /// Verified requests waiting for a free handler slot (default 1,024).
        public var maximumWaitingRequests: Int

        /// Creates a configuration; counts below 1 are raised to 1.
        public init(checks: RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>.Configuration = .init(),
                    maximumConcurrentHandlers: Int = 64, maximumWaitingRequests: Int = 1024) {
            self.checks = checks
            self.maximumConcurrentHandlers = max(1, maximumConcurrentHandlers)
            self.maximumWaitingRequests = max(1, maximumWaitingRequests)
        }
    }

    typealias Engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>
    private typealias Job = (key: Engine.RequestKey, request: RADIUSDynamicAuthorizationRequest)

    private struct State {
        var engine: Engine
        var closed = false
        var waiting = 0
        var running = 0
    }

    /// The bound address (with the real port when 0 was asked for).
    public let localAddress: RADIUSSocketAddress
    /// What the server counts.
    public let metrics: RADIUSDynamicAuthorizationMetrics
    private let configuration: Configuration
    private let socket: RADIUSUDPSocket
    private let wakeup: PollWakeup
    private let state: Mutex<State>
    private let jobs: AsyncStream<Job>
    private let jobSink: AsyncStream<Job>.Continuation
    private let handler: any RADIUSDynamicAuthorizationHandler
    private let clock: RADIUSServerClock
    private let logger: Logger

    /// Binds `address` (default `0.0.0.0:3799`); ``run()`` starts answering.
    ///
    /// - Throws: `invalidAddress`, `systemCallFailed`.
    public init(
        address: String = "0.0.0.0:3799",
        clients: [RADIUSDynamicAuthorizationClient],
        configuration: Configuration = Configuration(),
        handler: any RADIUSDynamicAuthorizationHandler,
        clock: RADIUSServerClock = .system,
        metrics: RADIUSDynamicAuthorizationMetrics? = nil,
        logger: Logger = Logger(label: "RadiusKit.RADIUSDynamicAuthorizationServer")
    ) throws(RADIUSError) {
        socket = try RADIUSUDPSocket(bindingTo: try RADIUSSocketAddress(address, defaultPort: 3799))
        localAddress = socket.localAddress
        do {
            wakeup = try PollWakeup()
        } catch {
            throw RADIUSError(.systemCallFailed, error.message)
        }
        self.configuration = configuration
        state = Mutex(State(engine: Engine(clients: clients, configuration: configuration.checks)))
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self)
        self.handler = handler
        self.clock = clock
        self.metrics = metrics ?? RADIUSDynamicAuthorizationMetrics(server: "\(socket.localAddress)")
        self.logger = logger
    }

    deinit { socket.close() }

    /// Handlers running now.
    public var runningHandlers: Int { state.withLock { $0.running } }

    /// Answers until graceful shutdown or cancellation, then lets running handlers finish.
    public func run() async throws {
        async let reader: Void = readUntilShutdown()
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await job in jobs {
                while running >= configuration.maximumConcurrentHandlers {
                    await group.next()
                    running -= 1
                }
                running += 1
                state.withLock { state in
                    state.waiting -= 1
                    state.running += 1
                    metrics.waiting.record(state.waiting)
                    metrics.running.record(state.running)
                }
                group.addTask { [self] in await answer(job) }
            }
            await group.waitForAll()
        }
        await reader
    }

    /// The reading thread; when it ends on shutdown, no new job can arrive.
    private func readUntilShutdown() async {
        _ = try? await BlockingService.run(name: "coa-\(metrics.server)", stop: { [self] in shutdown() }) { [self] in
            receiveLoop()
        }
        jobSink.finish()
    }

    /// Stops reading; handlers already running still answer. ``run()`` returns once they have.
    public func shutdown() {
        state.withLock { $0.closed = true }
        wakeup.signal()
    }

    private func answer(_ job: Job) async {
        let started = ContinuousClock.now
        let response = await handler.handle(job.request)
        metrics.handling.record(duration: ContinuousClock.now - started)
        let followUps = state.withLock { state in
            state.running -= 1
            metrics.running.record(state.running)
            return state.engine.handle(.answered(key: job.key, response: response, now: clock.now()))
        }
        perform(followUps)
    }

    private func receiveLoop() {
        var buffer = [UInt8](repeating: 0, count: RADIUSLimits.maximumPacketLength)
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
            let now = clock.now()
            let unixTime = clock.unixTime()
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
                let accepted = state.withLock { state -> Bool in
                    guard state.waiting < configuration.maximumWaitingRequests else { return false }
                    state.waiting += 1
                    metrics.waiting.record(state.waiting)
                    return true
                }
                guard accepted else {
                    metrics.overloaded.increment()
                    // Forget the request so the client's retransmission is handled afresh.
                    state.withLock { _ = $0.engine.handle(.abandoned(key: key)) }
                    continue
                }
                metrics.requests.increment(request.packet.code)
                jobSink.yield((key, request))
            case let .send(bytes, destination, replayed):
                if (try? socket.send(bytes, to: destination)) == true {
                    metrics.responses.increment(RADIUSCode(rawValue: bytes.first ?? 0))
                    if replayed { metrics.replayed.increment() }
                } else {
                    metrics.unsent.increment()
                }
            case let .duplicateInProgress(source):
                metrics.duplicatesInProgress.increment()
                logger.debug("duplicate while in progress", metadata: ["source": "\(source)"])
            case let .discard(source, error):
                metrics.discarded.increment(error.code)
                logger.debug("request discarded", metadata: ["source": "\(source)", "code": "\(error.code.rawValue)"])
            }
        }
    }
}

/// The swift-metrics a ``RADIUSDynamicAuthorizationServer`` reports, labelled `server=<address>`:
///
/// | metric | labels | what |
/// |---|---|---|
/// | `aether_radius_dae_requests_total` | `code` | verified requests given to the handler (`CoA-Request`, `Disconnect-Request`) |
/// | `aether_radius_dae_responses_total` | `code` | answers sent (`CoA-ACK`, `Disconnect-NAK`, …), replays included |
/// | `aether_radius_dae_replayed_total` | | answers replayed from the duplicate cache |
/// | `aether_radius_dae_duplicates_in_progress_total` | | retransmissions dropped while their handler ran |
/// | `aether_radius_dae_discarded_total` | `reason` | datagrams dropped, by ``RADIUSError/Code`` (`unknownSource`, `badRequestAuthenticator`, …) |
/// | `aether_radius_dae_overloaded_total` | | verified requests dropped because every handler slot and waiting place was taken |
/// | `aether_radius_dae_unsent_total` | | answers the kernel would not take |
/// | `aether_radius_dae_handlers_running` | | handlers running (gauge) |
/// | `aether_radius_dae_requests_waiting` | | verified requests waiting for a handler (gauge) |
/// | `aether_radius_dae_handling_seconds` | | handler time per request (timer) |
public struct RADIUSDynamicAuthorizationMetrics: Sendable {
    /// The `server` label value.
    public let server: String
    let requests: LabelledCounters<RADIUSCode>
    let responses: LabelledCounters<RADIUSCode>
    let replayed: Counter
    let duplicatesInProgress: Counter
    let discarded: LabelledCounters<RADIUSError.Code>
    let overloaded: Counter
    let unsent: Counter
    let running: Gauge
    let waiting: Gauge
    let handling: Metrics.Timer

    /// Metrics for the server called `server`, made by `factory`.
    public init(server: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.server = server
        let fixed = [("server", server)]
        requests = LabelledCounters(label: "aether_radius_dae_requests_total", dimension: "code",
                                    keys: [RADIUSCode.coaRequest, .disconnectRequest], value: \.description,
                                    fixed: fixed, other: "other", factory: factory)
        responses = LabelledCounters(label: "aether_radius_dae_responses_total", dimension: "code",
                                     keys: [RADIUSCode.coaACK, .coaNAK, .disconnectACK, .disconnectNAK], value: \.description,
                                     fixed: fixed, other: "other", factory: factory)
        replayed = Counter(label: "aether_radius_dae_replayed_total", dimensions: fixed, factory: factory)
        duplicatesInProgress = Counter(label: "aether_radius_dae_duplicates_in_progress_total", dimensions: fixed, factory: factory)
        discarded = LabelledCounters(label: "aether_radius_dae_discarded_total", dimension: "reason", fixed: fixed, factory: factory)
        overloaded = Counter(label: "aether_radius_dae_overloaded_total", dimensions: fixed, factory: factory)
        unsent = Counter(label: "aether_radius_dae_unsent_total", dimensions: fixed, factory: factory)
        running = Gauge(label: "aether_radius_dae_handlers_running", dimensions: fixed, factory: factory)
        waiting = Gauge(label: "aether_radius_dae_requests_waiting", dimensions: fixed, factory: factory)
        handling = Metrics.Timer(label: "aether_radius_dae_handling_seconds", dimensions: fixed, factory: factory)
    }
}
