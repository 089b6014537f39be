import NetworkTypes

/// One RADIUS server as the client sees it: an opaque name for the I/O layer (such as
/// `"192.0.2.1:1812"`) and the shared secret.
public struct RADIUSServer: Sendable, Hashable, CustomStringConvertible {
    /// How the I/O layer finds the server; also printed in logs. ``RADIUSClient`` reads it as
    /// `"a.b.c.d:port"` or `"[v6]:port"`.
    public var name: String
    /// The shared secret (never printed).
    public var secret: RADIUSSecret

    /// Creates a server entry.
    public init(name: String, secret: RADIUSSecret) {
        self.name = name
        self.secret = secret
    }

    /// A server at an IPv4 address and port.
    public init(address: IPv4Address, port: UInt16, secret: RADIUSSecret) {
        self.init(name: "\(address):\(port)", secret: secret)
    }

    /// The name only.
    public var description: String { name }
}

/// The client side of RADIUS without I/O: identifier allocation over several source ports,
/// signing, retransmission with exponential back-off, failover between servers, dead-server
/// detection with Status-Server probes and reply matching (RFC 2865 §2.5, RFC 5080 §2.2.1,
/// RFC 5997 §4).
///
/// Feed it events with ``handle(_:)`` and carry out the actions it returns. Time comes in
/// with each event (`Instant` is any clock's instant, `ContinuousClock.Instant` in
/// production), so tests drive it without sleeping.
///
/// - Retransmissions repeat the same bytes: same Identifier and Authenticator (RFC 5080
///   §2.2.1); the wait before each one doubles up to ``Configuration/maximumTimeout``.
/// - A request unanswered after ``Configuration/attemptsPerServer`` sends moves to the next
///   server with a new Identifier, a new authenticator and that server's secret.
/// - A server that answered nothing since such a request was first sent to it is marked dead
///   (RFC 5997 §4): new requests go to the first live server in configured order, and the dead
///   one gets a Status-Server every ``Configuration/statusServerInterval``. Its first valid
///   answer marks it alive, so a recovered primary is preferred again.
/// - Identifiers are per (server, source port): with ``Configuration/sourcePorts`` sockets,
///   `256 × sourcePorts` requests can be outstanding towards one server; more wait in a FIFO.
public struct RADIUSClientStateMachine<Token: Hashable & Sendable, Instant: InstantProtocol & Sendable>: Sendable
where Instant.Duration == Duration {
    /// Timing and retry policy.
    public struct Configuration: Sendable, Hashable {
        /// How long to wait for a reply before the first retransmission. Default 3 s.
        public var timeout: Duration
        /// Upper bound of the doubling wait between retransmissions (RFC 5080 MRT). Default 16 s.
        public var maximumTimeout: Duration
        /// Transmissions to one server (first send included) before failing over. Default 3.
        public var attemptsPerServer: Int
        /// Number of source ports (sockets) the I/O layer opens; each has its own 256
        /// identifiers per server. Default 4.
        public var sourcePorts: Int
        /// Wait between Status-Server probes to a dead server (RFC 5997 §4). Default 10 s.
        public var statusServerInterval: Duration
        /// Requests allowed to wait for a free identifier before submissions fail with
        /// `identifiersExhausted`. Default 65 536.
        public var maximumQueued: Int
        /// Whether replies must carry Message-Authenticator (SPEC §8). Default `true`.
        public var requireMessageAuthenticator: Bool

        /// Creates a configuration; counts below 1 are raised to 1.
        public init(
            timeout: Duration = .seconds(3),
            maximumTimeout: Duration = .seconds(16),
            attemptsPerServer: Int = 3,
            sourcePorts: Int = 4,
            statusServerInterval: Duration = .seconds(10),
            maximumQueued: Int = 65_536,
            requireMessageAuthenticator: Bool = true
        ) {
            self.timeout = timeout
            self.maximumTimeout = max(timeout, maximumTimeout)
            self.attemptsPerServer = max(1, attemptsPerServer)
            self.sourcePorts = max(1, sourcePorts)
            self.statusServerInterval = statusServerInterval
            self.maximumQueued = max(0, maximumQueued)
            self.requireMessageAuthenticator = requireMessageAuthenticator
        }
    }

    /// What happens to the state machine.
    public enum Event: Sendable {
        /// Send `request` (its Identifier and Authenticator are filled in here) on behalf of
        /// `token`. `userPassword` is hidden with each server's secret (RFC 2865 §5.2).
        case submit(token: Token, request: RADIUSPacket, userPassword: [UInt8]?, now: Instant)
        /// A datagram arrived from ``RADIUSServer`` number `server` on source port `socket`.
        case received(bytes: [UInt8], server: Int, socket: Int, now: Instant)
        /// Time passed; due retransmissions, failovers and probes happen.
        case tick(now: Instant)
        /// The caller gave up on `token`; its identifier is freed and no action follows.
        case cancel(token: Token)
    }

    /// Why a datagram is sent (a metrics label).
    public enum SendPurpose: String, Sendable, Hashable, CaseIterable {
        /// A request's first transmission.
        case request
        /// The same bytes again after a timeout (RFC 5080 §2.2.1).
        case retransmission
        /// A request moved to the next server after its attempts ran out.
        case failover
        /// A Status-Server probe of a dead server (RFC 5997 §4).
        case statusServer = "status_server"
    }

    /// What the I/O layer must do.
    public enum Action: Sendable, Equatable {
        /// Send `bytes` to server number `server` from source port number `socket`.
        case send(server: Int, socket: Int, bytes: [UInt8], purpose: SendPurpose)
        /// The request got a verified reply.
        case complete(token: Token, response: RADIUSPacket, server: Int)
        /// The request failed for good.
        case fail(token: Token, error: RADIUSError)
        /// A datagram was dropped (unknown identifier, bad authenticator, …); count it.
        case discard(server: Int, error: RADIUSError)
        /// Server number `server` stopped answering and is probed with Status-Server.
        case serverDown(server: Int)
        /// Server number `server` answered again and takes requests.
        case serverUp(server: Int)
    }

    private struct Pending: Sendable {
        var request: RADIUSPacket
        var userPassword: [UInt8]?
        var server: Int
        var socket: Int
        var bytes: [UInt8]
        var attempts: Int
        var timeout: Duration
        var deadline: Instant
        var firstSent: Instant
        var tried: [Int]
    }

    private struct Slot: Hashable, Sendable {
        var server: Int
        var socket: Int
        var identifier: UInt8
    }

    private enum Owner: Sendable {
        case request(Token)
        case probe
    }

    private struct Probe: Sendable {
        var request: RADIUSPacket
        var slot: Slot
        var deadline: Instant
    }

    private struct ServerState: Sendable {
        var isAlive = true
        var lastReply: Instant?
        var nextProbe: Instant?
        var probe: Probe?
        var nextSocket = 0
    }

    /// The servers, in order of preference.
    public let servers: [RADIUSServer]
    /// The policy.
    public let configuration: Configuration

    private let makeAuthenticator: @Sendable () -> [UInt8]
    private var pools: [[RADIUSIdentifierPool]]
    private var states: [ServerState]
    private var pending: [Token: Pending] = [:]
    private var owners: [Slot: Owner] = [:]
    private var queue: [(token: Token, entry: Pending)] = []
    private var queueHead = 0
    /// Never later than the earliest deadline; exact after each `tick`.
    private var earliestDeadline: Instant?

    /// Creates a client for `servers` (at least one).
    ///
    /// - Parameter makeAuthenticator: source of Request Authenticators for Access-Request and
    ///   Status-Server; tests inject fixed bytes.
    public init(
        servers: [RADIUSServer],
        configuration: Configuration = Configuration(),
        makeAuthenticator: @escaping @Sendable () -> [UInt8] = RADIUSAuthenticator.random
    ) {
        self.servers = servers
        self.configuration = configuration
        self.makeAuthenticator = makeAuthenticator
        self.pools = servers.map { _ in (0..<configuration.sourcePorts).map { RADIUSIdentifierPool(start: UInt8($0 & 0xFF)) } }
        self.states = servers.map { _ in ServerState() }
    }

    /// Number of requests sent and awaiting a reply.
    public var outstandingCount: Int { pending.count }

    /// Number of requests waiting for a free identifier.
    public var queuedCount: Int { queue.count - queueHead }

    /// Whether server number `server` is taking requests (not marked dead).
    public func isAlive(_ server: Int) -> Bool { states.indices.contains(server) && states[server].isAlive }

    /// The server a new request goes to: the first live one in configured order, or the
    /// first server when all are dead.
    public var preferredServer: Int { states.firstIndex(where: \.isAlive) ?? 0 }

    /// When the I/O layer must next send a `tick`: never later than the earliest due
    /// retransmission or probe (it may be earlier; a tick with nothing due does nothing).
    public var nextDeadline: Instant? { earliestDeadline }

    /// Applies `event` and returns the actions to carry out, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case let .submit(token, request, userPassword, now):
            guard !servers.isEmpty else {
                return [.fail(token: token, error: RADIUSError(.requestTimedOut, "no servers configured"))]
            }
            let entry = Pending(
                request: request, userPassword: userPassword, server: 0, socket: 0, bytes: [], attempts: 0,
                timeout: configuration.timeout, deadline: now, firstSent: now, tried: [])
            if queuedCount > 0 {
                return enqueue(token, entry)
            }
            return start(token, entry, now: now)
        case let .received(bytes, server, socket, now):
            var actions = receive(bytes, from: server, socket: socket, now: now)
            actions += drainQueue(now: now)
            return actions
        case let .tick(now):
            var actions = expire(now: now)
            actions += drainQueue(now: now)
            return actions
        case let .cancel(token):
            if let entry = pending.removeValue(forKey: token) {
                release(Slot(server: entry.server, socket: entry.socket, identifier: entry.request.identifier))
            } else if let index = queue[queueHead...].firstIndex(where: { $0.token == token }) {
                queue.remove(at: index)
            }
            return []
        }
    }

    // MARK: - Sending

    /// The server for a request that has tried `tried`: the first live untried one, else the
    /// first untried one, else none.
    private func nextServer(after tried: [Int]) -> Int? {
        let untried = servers.indices.filter { !tried.contains($0) }
        return untried.first { states[$0].isAlive } ?? untried.first
    }

    private mutating func enqueue(_ token: Token, _ entry: Pending) -> [Action] {
        guard queuedCount < configuration.maximumQueued else {
            return [.fail(token: token, error: RADIUSError(
                .identifiersExhausted, "\(configuration.maximumQueued) requests already wait for an identifier"))]
        }
        queue.append((token, entry))
        return []
    }

    private mutating func drainQueue(now: Instant) -> [Action] {
        var actions: [Action] = []
        while queueHead < queue.count {
            let (token, entry) = queue[queueHead]
            guard let server = nextServer(after: entry.tried), freeSocket(on: server) != nil else { break }
            queueHead += 1
            actions += start(token, entry, now: now)
        }
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        return actions
    }

    private func freeSocket(on server: Int) -> Int? {
        let count = configuration.sourcePorts
        let first = states[server].nextSocket
        for offset in 0..<count {
            let socket = (first + offset) % count
            if pools[server][socket].count < 256 { return socket }
        }
        return nil
    }

    /// Picks a server and source port, allocates an identifier, signs and sends; queues the
    /// request when every identifier towards that server is taken.
    private mutating func start(_ token: Token, _ entry: Pending, now: Instant) -> [Action] {
        guard let server = nextServer(after: entry.tried) else {
            return [.fail(token: token, error: RADIUSError(
                .requestTimedOut, "\(entry.request.code) unanswered by \(servers.count) server(s)"))]
        }
        guard let socket = freeSocket(on: server) else {
            return enqueue(token, entry)
        }
        states[server].nextSocket = (socket + 1) % configuration.sourcePorts
        var entry = entry
        do throws(RADIUSError) {
            let identifier = try pools[server][socket].allocate()
            let slot = Slot(server: server, socket: socket, identifier: identifier)
            var request = entry.request
            request.identifier = identifier
            if !request.code.hasComputedRequestAuthenticator {
                request.authenticator = makeAuthenticator()
            }
            let secret = servers[server].secret
            let bytes: [UInt8]
            do throws(RADIUSError) {
                if let password = entry.userPassword {
                    request.removeAttributes(ofType: .userPassword)
                    request.attributes.append(RADIUSAttribute(
                        type: .userPassword,
                        value: try RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: request.authenticator)))
                }
                bytes = try request.encodedRequest(secret: secret)
            } catch {
                pools[server][socket].release(identifier)
                throw error
            }
            // Keep the authenticator actually sent: replies are checked against it.
            request.authenticator = Array(bytes[4..<RADIUSLimits.headerLength])
            entry.request = request
            entry.server = server
            entry.socket = socket
            entry.bytes = bytes
            entry.attempts = 1
            entry.timeout = configuration.timeout
            entry.deadline = now.advanced(by: configuration.timeout)
            entry.firstSent = now
            let purpose: SendPurpose = entry.tried.isEmpty ? .request : .failover
            entry.tried.append(server)
            pending[token] = entry
            owners[slot] = .request(token)
            lowerDeadline(to: entry.deadline)
            return [.send(server: server, socket: socket, bytes: bytes, purpose: purpose)]
        } catch {
            return [.fail(token: token, error: error)]
        }
    }

    // MARK: - Receiving

    private mutating func receive(_ bytes: [UInt8], from server: Int, socket: Int, now: Instant) -> [Action] {
        guard bytes.count >= RADIUSLimits.headerLength else {
            return [.discard(server: server, error: RADIUSError(.packetTooShort, "\(bytes.count) bytes"))]
        }
        let slot = Slot(server: server, socket: socket, identifier: bytes[1])
        let outstanding: RADIUSPacket?
        switch owners[slot] {
        case let .request(token)?: outstanding = pending[token]?.request
        case .probe?: outstanding = states[server].probe?.request
        case nil: outstanding = nil
        }
        guard let request = outstanding else {
            return [.discard(server: server, error: RADIUSError(
                .identifierMismatch, "no request with id=\(bytes[1]) outstanding on source port \(socket)"))]
        }
        let response: RADIUSPacket
        do throws(RADIUSError) {
            response = try RADIUSPacketVerifier.response(
                bytes, to: request, secret: servers[server].secret,
                requireMessageAuthenticator: configuration.requireMessageAuthenticator || request.code == .statusServer)
        } catch {
            // RFC 2865 §3: an invalid reply is silently discarded; the request stays pending.
            return [.discard(server: server, error: error)]
        }
        var actions: [Action] = []
        states[server].lastReply = now
        if !states[server].isAlive {
            states[server].isAlive = true
            states[server].nextProbe = nil
            actions.append(.serverUp(server: server))
        }
        switch owners[slot] {
        case let .request(token)?:
            pending[token] = nil
            actions.append(.complete(token: token, response: response, server: server))
        default:
            states[server].probe = nil
        }
        release(slot)
        return actions
    }

    // MARK: - Time

    private mutating func lowerDeadline(to instant: Instant) {
        if let current = earliestDeadline, current <= instant { return }
        earliestDeadline = instant
    }

    private mutating func expire(now: Instant) -> [Action] {
        guard let earliest = earliestDeadline, earliest <= now else { return [] }
        var actions: [Action] = []
        var next: Instant?
        func consider(_ instant: Instant) {
            if next.map({ instant < $0 }) ?? true { next = instant }
        }
        let due = pending.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
        var failedOver: [(Token, Pending)] = []
        for (token, entry) in due {
            var entry = entry
            if entry.attempts < configuration.attemptsPerServer {
                entry.attempts += 1
                entry.timeout = min(entry.timeout * 2, configuration.maximumTimeout)
                entry.deadline = now.advanced(by: entry.timeout)
                pending[token] = entry
                actions.append(.send(server: entry.server, socket: entry.socket, bytes: entry.bytes, purpose: .retransmission))
                continue
            }
            pending[token] = nil
            release(Slot(server: entry.server, socket: entry.socket, identifier: entry.request.identifier))
            // RFC 5997 §4: silent since this request first went out, so presumed dead.
            let server = entry.server
            if states[server].isAlive, servers.count > 1,
                states[server].lastReply.map({ $0 < entry.firstSent }) ?? true
            {
                states[server].isAlive = false
                states[server].nextProbe = now
                actions.append(.serverDown(server: server))
            }
            failedOver.append((token, entry))
        }
        for (token, entry) in failedOver {
            actions += start(token, entry, now: now)
        }
        for server in states.indices {
            if let probe = states[server].probe, probe.deadline <= now {
                release(probe.slot)
                states[server].probe = nil
                states[server].nextProbe = now.advanced(by: configuration.statusServerInterval)
            }
            if !states[server].isAlive, states[server].probe == nil,
                let due = states[server].nextProbe, due <= now
            {
                actions += sendProbe(to: server, now: now)
            }
        }
        for entry in pending.values { consider(entry.deadline) }
        for state in states {
            if let probe = state.probe { consider(probe.deadline) }
            if !state.isAlive, state.probe == nil, let due = state.nextProbe { consider(due) }
        }
        earliestDeadline = next
        return actions
    }

    /// A Status-Server with Message-Authenticator (RFC 5997 §3) from any free source port.
    private mutating func sendProbe(to server: Int, now: Instant) -> [Action] {
        guard let socket = freeSocket(on: server) else {
            states[server].nextProbe = now.advanced(by: configuration.statusServerInterval)
            return []
        }
        do throws(RADIUSError) {
            let identifier = try pools[server][socket].allocate()
            let slot = Slot(server: server, socket: socket, identifier: identifier)
            var request = RADIUSPacket(code: .statusServer, identifier: identifier, authenticator: makeAuthenticator())
            let bytes = try request.encodedRequest(secret: servers[server].secret)
            request.attributes = try RADIUSPacket(bytes: bytes).attributes
            owners[slot] = .probe
            states[server].probe = Probe(request: request, slot: slot, deadline: now.advanced(by: configuration.timeout))
            return [.send(server: server, socket: socket, bytes: bytes, purpose: .statusServer)]
        } catch {
            states[server].nextProbe = now.advanced(by: configuration.statusServerInterval)
            return [.discard(server: server, error: error)]
        }
    }

    private mutating func release(_ slot: Slot) {
        pools[slot.server][slot.socket].release(slot.identifier)
        owners[slot] = nil
    }
}
