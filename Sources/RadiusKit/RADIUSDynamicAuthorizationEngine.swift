/// A CoA or Disconnect-Request that passed every check, as the handler sees it.
public struct RADIUSDynamicAuthorizationRequest: Sendable, Hashable {
    /// The verified, parsed request.
    public var packet: RADIUSPacket
    /// Where it came from.
    public var source: RADIUSSocketAddress
    /// The name of the allowed client it matched.
    public var clientName: String

    /// Creates a request value.
    public init(packet: RADIUSPacket, source: RADIUSSocketAddress, clientName: String) {
        self.packet = packet
        self.source = source
        self.clientName = clientName
    }

    /// Whether this is a Disconnect-Request (otherwise a CoA-Request).
    public var isDisconnect: Bool { packet.code == .disconnectRequest }
}

/// The handler's answer: ACK, or NAK with an Error-Cause (RFC 5176 §3.5).
public enum RADIUSDynamicAuthorizationResponse: Sendable, Hashable {
    /// Disconnect-ACK or CoA-ACK with `attributes`.
    case ack(attributes: [RADIUSAttribute] = [])
    /// Disconnect-NAK or CoA-NAK with Error-Cause `cause` and `attributes`.
    case nak(cause: RADIUSErrorCause, attributes: [RADIUSAttribute] = [])

    /// The reply packet to `request` (Code, Identifier, Error-Cause; authenticators are
    /// computed when it is encoded).
    public func packet(answering request: RADIUSPacket) -> RADIUSPacket {
        let disconnect = request.code == .disconnectRequest
        switch self {
        case let .ack(attributes):
            return RADIUSPacket(code: disconnect ? .disconnectACK : .coaACK, identifier: request.identifier, attributes: attributes)
        case let .nak(cause, attributes):
            return RADIUSPacket(
                code: disconnect ? .disconnectNAK : .coaNAK, identifier: request.identifier,
                attributes: [cause.attribute] + attributes)
        }
    }
}

/// One NAS-side peer allowed to send CoA/Disconnect: an address range and its secret.
public struct RADIUSDynamicAuthorizationClient: Sendable, Hashable, CustomStringConvertible {
    /// A name for logs.
    public var name: String
    /// Source addresses this entry covers (FreeRADIUS `clients.conf` `ipaddr`).
    public var range: RADIUSAddressRange
    /// The shared secret for these sources.
    public var secret: RADIUSSecret

    /// Creates an entry.
    public init(name: String, range: RADIUSAddressRange, secret: RADIUSSecret) {
        self.name = name
        self.range = range
        self.secret = secret
    }

    /// Name and range; never the secret.
    public var description: String { "\(name)(\(range))" }
}

/// The Dynamic Authorization Server of RFC 5176 without I/O: source allow-list with
/// per-client secrets, authenticator and Message-Authenticator checks, the Event-Timestamp
/// window, and the duplicate-request cache that replays an earlier response (RFC 5080 §2.2.2).
///
/// Every check failure is a silent discard (RFC 5176 §3.5, §5.1), reported as a
/// ``Action/discard(source:error:)`` for counting.
public struct RADIUSDynamicAuthorizationEngine<Instant: InstantProtocol & Sendable>: Sendable where Instant.Duration == Duration {
    /// Checks and cache policy.
    public struct Configuration: Sendable, Hashable {
        /// Largest allowed difference between Event-Timestamp and our clock. Default 300 s.
        public var eventTimestampWindow: Duration
        /// Whether requests without Event-Timestamp are refused. Default `false`.
        public var requireEventTimestamp: Bool
        /// Whether requests without Message-Authenticator are refused. Default `true` (SPEC §8).
        public var requireMessageAuthenticator: Bool
        /// How long an answered request's response is kept for duplicates. Default 30 s.
        public var duplicateLifetime: Duration
        /// Most responses kept; the oldest go first. Default 4096.
        public var maximumCached: Int

        /// Creates a configuration.
        public init(
            eventTimestampWindow: Duration = .seconds(300),
            requireEventTimestamp: Bool = false,
            requireMessageAuthenticator: Bool = true,
            duplicateLifetime: Duration = .seconds(30),
            maximumCached: Int = 4096
        ) {
            self.eventTimestampWindow = eventTimestampWindow
            self.requireEventTimestamp = requireEventTimestamp
            self.requireMessageAuthenticator = requireMessageAuthenticator
            self.duplicateLifetime = duplicateLifetime
            self.maximumCached = max(1, maximumCached)
        }
    }

    /// Identifies a request for duplicate detection: source, Identifier, Request Authenticator.
    public struct RequestKey: Sendable, Hashable {
        /// Source address and port.
        public var source: RADIUSSocketAddress
        /// The Identifier.
        public var identifier: UInt8
        /// The Request Authenticator.
        public var authenticator: [UInt8]
    }

    /// What happens to the engine.
    public enum Event: Sendable {
        /// A datagram arrived from `source`; `unixTime` is our wall clock in seconds since
        /// 1970, for the Event-Timestamp check.
        case received(bytes: [UInt8], source: RADIUSSocketAddress, now: Instant, unixTime: UInt32)
        /// The handler answered the request dispatched under `key`.
        case answered(key: RequestKey, response: RADIUSDynamicAuthorizationResponse, now: Instant)
        /// Time passed; expired cache entries go.
        case tick(now: Instant)
        /// The I/O layer could not take the request dispatched under `key` (overloaded); it is
        /// forgotten so the client's retransmission is handled afresh.
        case abandoned(key: RequestKey)
    }

    /// What the I/O layer must do.
    public enum Action: Sendable, Equatable {
        /// Give `request` to the handler, then report its answer as ``Event/answered(key:response:now:)``.
        case dispatch(key: RequestKey, request: RADIUSDynamicAuthorizationRequest)
        /// Send `bytes` to `destination`; `replayed` when it comes from the duplicate cache.
        case send(bytes: [UInt8], to: RADIUSSocketAddress, replayed: Bool)
        /// A retransmission of a request the handler is still working on; dropped.
        case duplicateInProgress(source: RADIUSSocketAddress)
        /// A datagram was dropped; count it.
        case discard(source: RADIUSSocketAddress, error: RADIUSError)
    }

    private struct Entry: Sendable {
        var request: [UInt8]
        var requestPacket: RADIUSPacket
        var secret: RADIUSSecret
        var response: [UInt8]?
        var expires: Instant?
    }

    /// The allowed clients; the first whose range contains the source wins.
    public let clients: [RADIUSDynamicAuthorizationClient]
    /// The policy.
    public let configuration: Configuration
    private var cache: [RequestKey: Entry] = [:]
    private var order: [RequestKey] = []

    /// Creates an engine for `clients`.
    public init(clients: [RADIUSDynamicAuthorizationClient], configuration: Configuration = Configuration()) {
        self.clients = clients
        self.configuration = configuration
    }

    /// Requests remembered for duplicate detection (in progress or answered).
    public var cachedCount: Int { cache.count }

    /// Applies `event` and returns the actions to carry out.
    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case let .received(bytes, source, now, unixTime):
            expire(now: now)
            return receive(bytes, from: source, unixTime: unixTime)
        case let .answered(key, response, now):
            guard var entry = cache[key], entry.response == nil else { return [] }
            do throws(RADIUSError) {
                let bytes = try response.packet(answering: entry.requestPacket)
                    .encodedResponse(toRequestAuthenticator: key.authenticator, secret: entry.secret)
                entry.response = bytes
                entry.expires = now.advanced(by: configuration.duplicateLifetime)
                cache[key] = entry
                return [.send(bytes: bytes, to: key.source, replayed: false)]
            } catch {
                forget(key)
                return [.discard(source: key.source, error: error)]
            }
        case let .tick(now):
            expire(now: now)
            return []
        case let .abandoned(key):
            if cache[key]?.response == nil { forget(key) }
            return []
        }
    }

    private mutating func receive(_ bytes: [UInt8], from source: RADIUSSocketAddress, unixTime: UInt32) -> [Action] {
        guard let client = clients.first(where: { $0.range.contains(source.address) }) else {
            return [.discard(source: source, error: RADIUSError(.unknownSource, "\(source) is in no allowed client range"))]
        }
        guard bytes.count >= RADIUSLimits.headerLength else {
            return [.discard(source: source, error: RADIUSError(.packetTooShort, "\(bytes.count) bytes"))]
        }
        let key = RequestKey(source: source, identifier: bytes[1], authenticator: Array(bytes[4..<RADIUSLimits.headerLength]))
        if let entry = cache[key], entry.request == bytes {
            guard let response = entry.response else { return [.duplicateInProgress(source: source)] }
            return [.send(bytes: response, to: source, replayed: true)]
        }
        let packet: RADIUSPacket
        do throws(RADIUSError) {
            let code = RADIUSCode(rawValue: bytes[0])
            guard code == .coaRequest || code == .disconnectRequest else {
                throw RADIUSError(.unexpectedResponseCode, "\(code) is not a CoA-Request or Disconnect-Request")
            }
            packet = try RADIUSPacketVerifier.request(
                bytes, secret: client.secret, requireMessageAuthenticator: configuration.requireMessageAuthenticator)
            try checkEventTimestamp(packet, unixTime: unixTime)
        } catch {
            return [.discard(source: source, error: error)]
        }
        remember(key, Entry(request: bytes, requestPacket: packet, secret: client.secret, response: nil, expires: nil))
        return [.dispatch(key: key, request: RADIUSDynamicAuthorizationRequest(packet: packet, source: source, clientName: client.name))]
    }

    /// RFC 5176 §3.5: an Event-Timestamp outside the window means a replay or a bad clock.
    private func checkEventTimestamp(_ packet: RADIUSPacket, unixTime: UInt32) throws(RADIUSError) {
        guard let attribute = packet.attributes.first(where: { $0.type == .eventTimestamp }) else {
            if configuration.requireEventTimestamp {
                throw RADIUSError(.staleEventTimestamp, "\(packet.code) id=\(packet.identifier) has no Event-Timestamp")
            }
            return
        }
        let stamp = try attribute.dateValue()
        let difference = stamp > unixTime ? stamp - unixTime : unixTime - stamp
        guard Duration.seconds(Int64(difference)) <= configuration.eventTimestampWindow else {
            throw RADIUSError(
                .staleEventTimestamp,
                "\(packet.code) id=\(packet.identifier) Event-Timestamp \(stamp) is \(difference) s from our clock \(unixTime)")
        }
    }

    private mutating func remember(_ key: RequestKey, _ entry: Entry) {
        if cache.updateValue(entry, forKey: key) == nil { order.append(key) }
        while cache.count > configuration.maximumCached, let oldest = order.first {
            order.removeFirst()
            cache[oldest] = nil
        }
    }

    private mutating func forget(_ key: RequestKey) {
        cache[key] = nil
        order.removeAll { $0 == key }
    }

    private mutating func expire(now: Instant) {
        // Entries are answered roughly in arrival order, so expired ones gather at the front.
        while let oldest = order.first, let entry = cache[oldest], let expires = entry.expires, expires <= now {
            order.removeFirst()
            cache[oldest] = nil
        }
        while let oldest = order.first, cache[oldest] == nil { order.removeFirst() }
    }
}
