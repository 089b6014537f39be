/// One RADIUS server as the client sees it: an opaque name for the I/O layer (such as
/// `"192.0.2.1:1812"`) and the shared secret.
public struct RADIUSServer: Sendable, Hashable, CustomStringConvertible {
    /// How the I/O layer finds the server; also printed in logs.
    public var name: String
    /// The shared secret (never printed).
    public var secret: RADIUSSecret

    /// Creates a server entry.
    public init(name: String, secret: RADIUSSecret) {
        self.name = name
        self.secret = secret
    }

    /// The name only.
    public var description: String { name }
}

/// The client side of RADIUS without I/O: identifier allocation, signing, retransmission,
/// failover between servers and reply matching (RFC 2865 §2.5, RFC 5080 §2.2.1).
///
/// Feed it events with ``handle(_:)`` and carry out the actions it returns. Time comes in
/// with each event (`Instant` is any clock's instant, `ContinuousClock.Instant` in
/// production), so tests drive it without sleeping.
///
/// Retransmissions repeat the same bytes: same Identifier and Authenticator (RFC 5080
/// §2.2.1). Moving to the next server allocates a new Identifier there and signs again with
/// that server's secret and a new authenticator.
public struct RADIUSClientStateMachine<Token: Hashable & Sendable, Instant: InstantProtocol & Sendable>: Sendable
where Instant.Duration == Duration {
    /// Timing and retry policy.
    public struct Configuration: Sendable, Hashable {
        /// How long to wait for a reply before each retransmission. Default 3 s.
        public var timeout: Duration
        /// Transmissions to one server (first send included) before failing over. Default 3.
        public var attemptsPerServer: Int
        /// Whether replies must carry Message-Authenticator (SPEC §8). Default `true`.
        public var requireMessageAuthenticator: Bool

        /// Creates a configuration.
        public init(timeout: Duration = .seconds(3), attemptsPerServer: Int = 3, requireMessageAuthenticator: Bool = true) {
            self.timeout = timeout
            self.attemptsPerServer = max(1, attemptsPerServer)
            self.requireMessageAuthenticator = requireMessageAuthenticator
        }
    }

    /// What happens to the state machine.
    public enum Event: Sendable {
        /// Send `request` (its Identifier and Authenticator are filled in here) on behalf of
        /// `token`. `userPassword` is hidden with each server's secret (RFC 2865 §5.2).
        case submit(token: Token, request: RADIUSPacket, userPassword: [UInt8]?, now: Instant)
        /// A datagram arrived from ``RADIUSServer`` number `server`.
        case received(bytes: [UInt8], server: Int, now: Instant)
        /// Time passed; due retransmissions and failovers happen.
        case tick(now: Instant)
        /// The caller gave up on `token`; its identifier is freed and no action follows.
        case cancel(token: Token)
    }

    /// What the I/O layer must do.
    public enum Action: Sendable, Equatable {
        /// Send `bytes` to server number `server`.
        case send(token: Token, server: Int, bytes: [UInt8])
        /// The request got a verified reply.
        case complete(token: Token, response: RADIUSPacket, server: Int)
        /// The request failed for good.
        case fail(token: Token, error: RADIUSError)
        /// A datagram was dropped (unknown identifier, bad authenticator, …); count it.
        case discard(server: Int, error: RADIUSError)
    }

    private struct Pending: Sendable {
        var request: RADIUSPacket
        var userPassword: [UInt8]?
        var server: Int
        var bytes: [UInt8]
        var attempts: Int
        var deadline: Instant
        var serversTried: Int
    }

    /// The servers, in order of preference.
    public let servers: [RADIUSServer]
    /// The policy.
    public let configuration: Configuration
    /// Index of the server new requests go to: the last one that answered.
    public private(set) var currentServer = 0

    private let makeAuthenticator: @Sendable () -> [UInt8]
    private var pools: [RADIUSIdentifierPool]
    private var pending: [Token: Pending] = [:]
    private var tokens: [Int: [UInt8: Token]] = [:]

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
        self.pools = servers.map { _ in RADIUSIdentifierPool() }
    }

    /// Number of requests awaiting a reply.
    public var outstandingCount: Int { pending.count }

    /// The earliest retransmission deadline, for the I/O layer's timer.
    public var nextDeadline: Instant? {
        pending.values.map(\.deadline).min()
    }

    /// Applies `event` and returns the actions to carry out, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case let .submit(token, request, userPassword, now):
            guard !servers.isEmpty else {
                return [.fail(token: token, error: RADIUSError(.requestTimedOut, "no servers configured"))]
            }
            let entry = Pending(
                request: request, userPassword: userPassword, server: currentServer, bytes: [],
                attempts: 0, deadline: now, serversTried: 1)
            return start(token, entry, on: currentServer, now: now)
        case let .received(bytes, server, now):
            return receive(bytes, from: server, now: now)
        case let .tick(now):
            return expire(now: now)
        case let .cancel(token):
            if let entry = pending.removeValue(forKey: token) { release(entry) }
            return []
        }
    }

    /// Allocates an identifier on `server`, signs and sends.
    private mutating func start(_ token: Token, _ entry: Pending, on server: Int, now: Instant) -> [Action] {
        var entry = entry
        do throws(RADIUSError) {
            let identifier = try pools[server].allocate()
            var request = entry.request
            request.identifier = identifier
            if !request.code.hasComputedRequestAuthenticator {
                request.authenticator = makeAuthenticator()
            }
            let secret = servers[server].secret
            if let password = entry.userPassword {
                request.removeAttributes(ofType: .userPassword)
                request.attributes.append(
                    RADIUSAttribute(
                        type: .userPassword,
                        value: try RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: request.authenticator)))
            }
            let bytes: [UInt8]
            do throws(RADIUSError) {
                bytes = try request.encodedRequest(secret: secret)
            } catch {
                pools[server].release(identifier)
                throw error
            }
            // Keep the authenticator actually sent: replies are checked against it.
            request.authenticator = Array(bytes[4..<RADIUSLimits.headerLength])
            entry.request = request
            entry.server = server
            entry.bytes = bytes
            entry.attempts = 1
            entry.deadline = now.advanced(by: configuration.timeout)
            pending[token] = entry
            tokens[server, default: [:]][identifier] = token
            return [.send(token: token, server: server, bytes: bytes)]
        } catch {
            return [.fail(token: token, error: error)]
        }
    }

    private mutating func receive(_ bytes: [UInt8], from server: Int, now: Instant) -> [Action] {
        guard bytes.count >= RADIUSLimits.headerLength else {
            return [.discard(server: server, error: RADIUSError(.packetTooShort, "\(bytes.count) bytes"))]
        }
        guard let token = tokens[server]?[bytes[1]], let entry = pending[token] else {
            return [.discard(server: server, error: RADIUSError(.identifierMismatch, "no request with id=\(bytes[1]) outstanding"))]
        }
        do throws(RADIUSError) {
            let response = try RADIUSPacketVerifier.response(
                bytes, to: entry.request, secret: servers[server].secret,
                requireMessageAuthenticator: configuration.requireMessageAuthenticator)
            pending[token] = nil
            release(entry)
            currentServer = server
            return [.complete(token: token, response: response, server: server)]
        } catch {
            // RFC 2865 §3: an invalid reply is silently discarded; the request stays pending.
            return [.discard(server: server, error: error)]
        }
    }

    private mutating func expire(now: Instant) -> [Action] {
        var actions: [Action] = []
        let due = pending.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
        for (token, entry) in due {
            var entry = entry
            if entry.attempts < configuration.attemptsPerServer {
                entry.attempts += 1
                entry.deadline = now.advanced(by: configuration.timeout)
                pending[token] = entry
                actions.append(.send(token: token, server: entry.server, bytes: entry.bytes))
                continue
            }
            pending[token] = nil
            release(entry)
            guard entry.serversTried < servers.count else {
                actions.append(.fail(
                    token: token,
                    error: RADIUSError(.requestTimedOut, "\(entry.request.code) unanswered by \(servers.count) server(s)")))
                continue
            }
            let next = (entry.server + 1) % servers.count
            currentServer = next
            entry.serversTried += 1
            actions += start(token, entry, on: next, now: now)
        }
        return actions
    }

    private mutating func release(_ entry: Pending) {
        pools[entry.server].release(entry.request.identifier)
        tokens[entry.server]?[entry.request.identifier] = nil
    }
}
