import DHCPKit
import EventSourcing
import Foundation
import KeaControl
import Logging
import Metrics
import NetworkTypes
import RadiusKit
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// The BNG: the session engine driven by its I/O. One loop owns the session table and takes
/// events from the ``EngineInbox`` (DHCP first); every side effect leaves the loop without
/// waiting:
///
/// ```
///   relay (DHCP thread) ──observe──► ┌──────────────┐ ──authorize──► RADIUS client ──outcome──┐
///   RADIUS outcomes ───────────────► │  EngineInbox │ ──changes────► DataPlane (kernel thread) ─┤ reports
///   DataPlane reports ─────────────► │  4 lanes     │ ──batches────► StoreWriter (SQLite thread, group commit)
///   CoA/DM server, control socket ─► │      ▼       │                  │ after commit
///   timers (tick, counters, health,  │  SessionEngine                  ├──► OutboxPublisher ──► Redis Stream
///     reconcile) ──────────────────► └──────────────┘                  └──► AccountingSender ─► RADIUS accounting
/// ```
/// DHCP is relayed on its own thread and never waits for RADIUS, the kernel or the disk. A
/// session change, the events and the accounting it causes commit in one transaction, and
/// commits are grouped (one fsync for everything that queued during the previous one).
///
/// A ServiceLifecycle `Service`: ``run()`` adopts the kernel objects of the stored sessions,
/// reconciles with Kea, then serves until graceful shutdown. Sessions stay in the store and
/// the kernel for the next start to adopt (SIGTERM is not a reason to disconnect anybody).
public final class BNGRuntime: Service, Sendable {
    /// The settings.
    public let settings: BNGSettings
    /// The durable store.
    public let store: BNGStore
    let engine: Mutex<SessionEngine>
    let inbox: EngineInbox
    let relay: GatewayRelayService
    let authClient: RADIUSClient
    let accountingClient: RADIUSClient
    let coaServer: RADIUSDynamicAuthorizationServer
    let dataPlane: DataPlane
    let storeWriter: BatchingWorker<StoreBatch>
    let accounting: AccountingSender
    let publisher: OutboxPublisher<SQLiteOutbox, RedisStreamProducer>?
    let answers = AnswerBook()
    /// Closed while the store cannot write: new subscribers are refused at the relay.
    let admission = RelayAdmissionGate()
    let coldStart: Bool
    let metrics: BNGMetrics
    let logger: Logger

    /// Builds the BNG in the calling thread's network namespace (sockets and netlink handles
    /// belong to it) and loads the store; nothing runs until ``run()``.
    public init(settings: BNGSettings, metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger = Logger(label: "aether.bng")) throws {
        self.settings = settings
        self.logger = logger
        metrics = BNGMetrics(factory: metricsFactory)
        try FileManager.default.createDirectory(atPath: settings.stateDirectory, withIntermediateDirectories: true)
        let producerMetrics = EventProducerMetrics(bng: settings.engine.bngID, factory: metricsFactory)
        store = try BNGStore(path: settings.storePath, bngID: settings.engine.bngID, producerMetrics: producerMetrics)
        let sessions = try store.sessions()
        coldStart = sessions.isEmpty
        engine = Mutex(SessionEngine(configuration: settings.engine, sessions: sessions, tombstones: try store.tombstones()))
        let inbox = EngineInbox(metricsFactory: metricsFactory)
        self.inbox = inbox
        let seed = sessions.filter { $0.phase == .active }.map { ($0.key.mac, $0.interface) }
        relay = try GatewayRelayService(configuration: settings.relay, serverDevice: settings.serverInterface,
                                        metrics: DHCPRelayMetrics(relay: settings.engine.bngID, factory: metricsFactory),
                                        seed: seed, gate: admission, logger: logger) { observation in
            inbox.push(.dhcp(observation), lane: .dhcp)
        }
        let radiusConfiguration = RADIUSClient.Configuration(timeout: .milliseconds(Int64(settings.radiusTimeout * 1000)),
                                                             attemptsPerServer: settings.radiusAttempts)
        authClient = try RADIUSClient(servers: settings.authenticationServers, configuration: radiusConfiguration,
                                      metrics: RADIUSClientMetrics(client: "auth", servers: settings.authenticationServers, factory: metricsFactory),
                                      logger: logger)
        accountingClient = try RADIUSClient(servers: settings.accountingServers, configuration: radiusConfiguration,
                                            metrics: RADIUSClientMetrics(client: "acct", servers: settings.accountingServers, factory: metricsFactory),
                                            logger: logger)
        dataPlane = try DataPlane(configuration: settings.dataPlane, metricsFactory: metricsFactory, logger: logger) { report in
            switch report {
            case .counters(let readings): inbox.push(.counters(readings), lane: .periodic)
            case .removed(let id, let counters): inbox.push(.removed(sessionID: id, finalCounters: counters), lane: .results)
            }
        }
        let store = self.store
        let accounting = AccountingSender(store: store, client: accountingClient, metricsFactory: metricsFactory, logger: logger)
        self.accounting = accounting
        let (metrics, admission) = (self.metrics, self.admission)
        storeWriter = try BatchingWorker(name: "aether-store", depth: Gauge(label: "aether_bng_store_queue_depth", factory: metricsFactory)) { batches in
            var merged = StoreBatch()
            for batch in batches { merged.merge(batch) }
            Self.commit(merged, to: store, metrics: metrics, admission: admission, logger: logger)
            if !merged.accounting.isEmpty { accounting.notify() }
        }
        if let redis = settings.redis {
            let endpoint = RedisEndpoint(address: redis.socket.map { .unixSocket(path: $0) } ?? .tcp(host: "\(redis.address ?? .loopback)", port: Int(redis.port)),
                                         password: redis.password)
            publisher = try OutboxPublisher(outbox: store.outbox,
                                            producer: RedisStreamProducer(redis: ReconnectingRedis(endpoint), stream: redis.stream,
                                                                          retention: redis.retention),
                                            metrics: producerMetrics, logger: logger)
        } else {
            publisher = nil
        }
        let answers = self.answers
        coaServer = try RADIUSDynamicAuthorizationServer(
            address: settings.coaAddress, clients: settings.coaClients,
            handler: RADIUSDynamicAuthorizationClosureHandler { request in
                await Self.dynamicAuthorization(request, inbox: inbox, answers: answers)
            },
            metrics: RADIUSDynamicAuthorizationMetrics(server: settings.engine.bngID, factory: metricsFactory), logger: logger)
    }

    /// The sessions now (a copy), for the operator.
    public var sessions: [Session] { engine.withLock { Array($0.sessions.values) }.sorted { $0.startedAt < $1.startedAt } }

    /// Disconnects the sessions `selector` names (operator or CoA), answering as RFC 5176 does.
    public func disconnect(_ selector: SessionSelector, cause: TerminateCause = .adminReset) async -> RADIUSDynamicAuthorizationResponse {
        await answers.ask(inbox) { token in .disconnect(selector, cause: cause, token: token) }
    }

    /// Adopts the kernel, reconciles, then serves until graceful shutdown or cancellation.
    ///
    /// Shutdown runs in order: the inputs (relay, CoA, timers) stop and the loop drains what is
    /// queued; then the store writer and the data plane finish their queues; then the publisher,
    /// the accounting sender and the RADIUS clients stop. Nothing queued is lost: what is not
    /// sent stays in the store for the next start.
    public func run() async throws {
        let sessions = engine.withLock { Array($0.sessions.values) }
        let adopted = try await DedicatedThread.run(name: "aether-adopt") { [dataPlane] in try dataPlane.start(adopting: sessions) }
        logger.info("BNG starting", metadata: ["sessions": "\(sessions.count)", "kernel-changes": "\(adopted.changes)",
                                               "orphans-removed": "\(adopted.orphansRemoved)", "cold-start": "\(coldStart)",
                                               "changes-by-kind": "\(adopted.breakdown.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"])
        metrics.adoptionChanges.record(adopted.changes)
        if coldStart {
            // Only with nothing to adopt: FreeRADIUS closes every open radacct row of the NAS on Accounting-On.
            var batch = StoreBatch()
            batch.accounting.append(RADIUSAccountingRecord(
                statusType: .accountingOn, sessionID: store.outbox.source.instanceID.uuidString.lowercased(),
                eventTimestamp: EventTimestamp.now.unixSeconds,
                attributes: [.string(.nasIdentifier, settings.engine.nasIdentifier), .ipv4Address(.nasIPAddress, settings.engine.nasIPAddress)]))
            storeWriter.submit(batch)
        }
        // Detached: they must not see the graceful shutdown before the loop has drained.
        let backends: [Task<Void, Never>] = [
            Task.detached { try? await self.storeWriter.run() },
            Task.detached { try? await self.dataPlane.run() },
        ]
        let senders: [Task<Void, Never>] = [
            Task.detached { try? await self.accounting.run() },
            Task.detached { [publisher] in if let publisher { try? await publisher.run() } },
        ]
        let clients: [Task<Void, Never>] = [
            Task.detached { try? await self.authClient.run() },
            Task.detached { try? await self.accountingClient.run() },
        ]
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { try? await self.relay.run() }
                group.addTask { try? await self.coaServer.run() }
                group.addTask { await self.timers() }
                await withGracefulShutdownHandler {
                    await self.loop()
                } onGracefulShutdown: {
                    self.stopInputs()
                }
                self.stopInputs()
            }
        } onCancel: {
            self.stopInputs()
        }
        for tasks in [backends, senders, clients] {
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
        }
        logger.info("BNG stopped; sessions stay for the next start", metadata: ["sessions": "\(engine.withLock { $0.sessions.count })"])
    }

    let stopping = Atomic<Bool>(false)
    let timerBell = Doorbell()

    /// Ends the loop (once the inbox is drained) and the timers.
    func stopInputs() {
        stopping.store(true, ordering: .releasing)
        inbox.close()
        timerBell.ring()
    }

    // MARK: - The loop

    /// The single writer: takes events (DHCP first), runs the engine, hands the actions out.
    /// Returns once the inbox is closed and drained; Disconnect/CoA requests still waiting then
    /// get a NAK (Resources-Unavailable), and Access-Requests in flight are abandoned (the
    /// sessions ask again after the next start).
    func loop() async {
        var lastGauges = ContinuousClock.now - .seconds(10)
        await withDiscardingTaskGroup { radius in
            while let events = await inbox.next() {
                let started = ContinuousClock.now
                let now = EventTimestamp.now
                let actions = engine.withLock { engine in events.flatMap { engine.handle($0, now: now) } }
                dispatch(actions, now: now, radius: &radius)
                metrics.batch.record(duration: ContinuousClock.now - started)
                if started - lastGauges >= .seconds(1) {
                    lastGauges = started
                    metrics.record(engine.withLock { $0.sessions.values.map { ($0.phase, $0.authState) } })
                }
            }
            radius.cancelAll()
        }
        answers.failAll()
    }

    func dispatch(_ actions: [SessionEngineAction], now: EventTimestamp, radius: inout DiscardingTaskGroup) {
        var batch = StoreBatch()
        var operations: [DataPlane.Operation] = []
        for action in actions {
            switch action {
            case let .authorize(id, userName, attributes):
                let (client, password, inbox, metrics) = (authClient, settings.engine.password, self.inbox, self.metrics)
                radius.addTask {
                    let outcome: AuthorizationOutcome
                    do {
                        let reply = try await client.authenticate(userName: userName, password: password, attributes: attributes)
                        outcome = reply.code == .accessAccept ? .accepted(reply) : .rejected(reply)
                    } catch {
                        outcome = .unanswered("\(error)")
                    }
                    metrics.authorization(outcome)
                    inbox.push(.authorization(sessionID: id, outcome), lane: .results)
                }
            case .install(let address): operations.append(.install(address))
            case let .allow(address, mac, rates): operations.append(.allow(address, mac, rates))
            case .block(let address): operations.append(.block(address))
            case let .reshape(address, rates): operations.append(.reshape(address, rates))
            case let .remove(id, address): operations.append(.remove(id, address))
            case .account(let record): batch.accounting.append(record)
            case .emit(let payload):
                batch.events.append(EventDraft(timestamp: now, payload: payload))
                metrics.event(payload)
            case .save(let session): batch.changes.append(.save(session))
            case .delete(let id): batch.changes.append(.delete(id))
            case .bury(let tombstone): batch.changes.append(.bury(tombstone))
            case .exhume(let key): batch.changes.append(.exhume(key))
            case let .answer(token, response):
                answers.resolve(token, with: response)
            }
        }
        if !operations.isEmpty { dataPlane.submit(operations) }
        if !batch.isEmpty { storeWriter.submit(batch) }
    }

    /// Commits, retrying while the disk refuses (a full disk): sessions keep forwarding meanwhile,
    /// nothing queued is dropped, and new subscribers are refused at the relay (``admission``)
    /// until a commit succeeds again — a session the BNG could not keep is not begun.
    static func commit(_ batch: StoreBatch, to store: BNGStore, metrics: BNGMetrics, admission: RelayAdmissionGate, logger: Logger) {
        var delay = 0.05
        while true {
            let started = ContinuousClock.now
            do {
                try store.commit(batch)
                metrics.commit.record(duration: ContinuousClock.now - started)
                if admission.set(open: true) {
                    metrics.admitting.record(1)
                    logger.notice("store writes again: new subscribers admitted", metadata: ["store": "\(store.path)"])
                }
                return
            } catch {
                metrics.storeFailures.increment()
                if admission.set(open: false) {
                    metrics.admitting.record(0)
                    logger.critical("store cannot write: new subscribers refused until it can; existing sessions keep forwarding",
                                    metadata: ["store": "\(store.path)", "error": "\(error)"])
                }
                logger.error("store commit failed; retrying", metadata: ["error": "\(error)", "retry-in-seconds": "\(delay)"])
                usleep(UInt32(delay * 1_000_000))
                delay = min(delay * 2, 5)
            }
        }
    }

    // MARK: - Timers

    func timers() async {
        let sampler = HealthSampler()
        var lastSample = sampler.sample()
        var nextCounters = ContinuousClock.now + .milliseconds(Int64(settings.countersInterval * 1000))
        var nextHealth = ContinuousClock.now
        var nextReconcile = ContinuousClock.now
        while !stopping.load(ordering: .acquiring), !Task.isCancelled {
            let now = ContinuousClock.now
            inbox.push(.tick, lane: .periodic)
            if now >= nextCounters {
                dataPlane.submit([.readCounters])
                nextCounters = now + .milliseconds(Int64(settings.countersInterval * 1000))
            }
            if now >= nextHealth {
                let sample = sampler.sample()
                var batch = StoreBatch()
                batch.events.append(EventDraft(timestamp: .now, payload: .bngHealthUpdate(sampler.payload(from: lastSample, to: sample))))
                storeWriter.submit(batch)
                lastSample = sample
                nextHealth = now + .milliseconds(Int64(settings.healthInterval * 1000))
            }
            if let kea = settings.kea, now >= nextReconcile {
                nextReconcile = settings.reconcileInterval > 0 ? now + .milliseconds(Int64(settings.reconcileInterval * 1000)) : now + .seconds(86400 * 365)
                let (client, inbox, logger, bngID) = (KeaControlClient(kea, timeoutSeconds: 10), self.inbox, self.logger, settings.engine.bngID)
                do {
                    let leases = try await client.allLeases(pageSize: 1000) { $0.relayAgentInformation?.relayID?.description == bngID }
                    inbox.push(.leases(leases), lane: .periodic)
                } catch {
                    logger.warning("reconciliation with Kea failed; retrying later", metadata: ["error": "\(error)"])
                }
            }
            await timerBell.wait(atMost: .seconds(1))
        }
    }

    // MARK: - CoA and Disconnect

    static func dynamicAuthorization(_ request: RADIUSDynamicAuthorizationRequest, inbox: EngineInbox,
                                     answers: AnswerBook) async -> RADIUSDynamicAuthorizationResponse {
        guard let selector = SessionSelector(packet: request.packet) else { return .nak(cause: .missingAttribute) }
        return await answers.ask(inbox) { token in
            request.isDisconnect ? SessionEngineEvent.disconnect(selector, cause: .adminReset, token: token)
                : .changePolicy(selector, request.packet, token: token)
        }
    }
}

extension BNGRuntime {
    /// The operator's control socket for this BNG (at ``BNGSettings/controlSocket``).
    public func controlServer(logger: Logger = Logger(label: "aether.bng.control")) throws -> ControlServer {
        try ControlServer(path: settings.controlSocket, logger: logger) { [self] request in
            switch request.command {
            case "sessions":
                return ControlResponse(result: "ok", sessions: sessions.map(ControlSession.init))
            case "disconnect":
                guard let target = request.target, let selector = SessionSelector(target: target) else {
                    return ControlResponse(result: "error", reason: "disconnect needs a target: a session id, an IPv4 address or a User-Name")
                }
                let answer = await disconnect(selector)
                if case .ack = answer { return ControlResponse(result: "ok") }
                return ControlResponse(result: "not-found", reason: "no session for \(selector)")
            default:
                return ControlResponse(result: "error", reason: "unknown command \"\(request.command)\"; use sessions or disconnect")
            }
        }
    }
}

extension SessionSelector {
    /// A session id, an IPv4 address, or else a User-Name.
    public init?(target: String) {
        guard !target.isEmpty else { return nil }
        if let id = UUID(uuidString: target) {
            self = .sessionID(id)
        } else if let address = IPv4Address(target) {
            self = .address(address)
        } else {
            self = .userName(target)
        }
    }
}

/// Disconnect and CoA requests waiting for the engine's answer, by token.
final class AnswerBook: Sendable {
    private let waiting = Mutex<[UInt64: CheckedContinuation<RADIUSDynamicAuthorizationResponse, Never>]>([:])
    private let nextToken = Atomic<UInt64>(0)

    /// Puts the event `make(token)` in the control lane and waits for its answer; a closed inbox
    /// answers NAK (Resources-Unavailable) at once.
    func ask(_ inbox: EngineInbox, _ make: (UInt64) -> SessionEngineEvent) async -> RADIUSDynamicAuthorizationResponse {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let event = make(token)
        return await withCheckedContinuation { continuation in
            waiting.withLock { $0[token] = continuation }
            if !inbox.push(event, lane: .control) { resolve(token, with: .nak(cause: .resourcesUnavailable)) }
        }
    }

    /// Answers the request `token`.
    func resolve(_ token: UInt64, with response: RADIUSDynamicAuthorizationResponse) {
        waiting.withLock { $0.removeValue(forKey: token) }?.resume(returning: response)
    }

    /// Answers every waiting request with NAK (Resources-Unavailable).
    func failAll() {
        let all = waiting.withLock { waiting -> [CheckedContinuation<RADIUSDynamicAuthorizationResponse, Never>] in
            defer { waiting.removeAll() }
            return Array(waiting.values)
        }
        for continuation in all { continuation.resume(returning: .nak(cause: .resourcesUnavailable)) }
    }
}
