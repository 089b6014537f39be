import EventSourcing
import Foundation
import NetworkTypes
import ServiceSupport
import Synchronization

/// Follows a BNG's event stream (plain `XREAD`, no consumer group, so it takes nothing from
/// the ingestors) and hands the load generator what it needs of each session event: which MAC,
/// which session, what happened, and when it was read.
public final class SessionEventWatcher: Sendable {
    /// One event as the generator sees it.
    public struct Observation: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case started
            case authorized
            case rejected
            case stopped(cause: String)
        }

        public var mac: MACAddress
        public var sessionID: UUID
        public var kind: Kind
        /// When the watcher read it (the generator's clock, not the BNG's timestamp).
        public var readAt: ContinuousClock.Instant
    }

    private let endpoint: RedisEndpoint
    private let stream: String
    private let inbox = Mutex<[Observation]>([])
    private let state = Mutex<(running: Bool, error: String?)>((true, nil))
    private let cursor: Mutex<StreamMessageID>
    private let thread = Mutex<DedicatedThread.Joinable?>(nil)

    /// Reads from the stream's current end: events already in it belong to earlier runs.
    public init(endpoint: RedisEndpoint, stream: String) throws {
        self.endpoint = endpoint
        self.stream = stream
        let connection = try RedisConnection(endpoint, commandTimeoutMilliseconds: 5000)
        let last = try connection.command(["XREVRANGE", stream, "+", "-", "COUNT", "1"])
        let entries = try RedisStreamReplies.entries(last)
        cursor = Mutex(entries.first?.id ?? .zero)
    }

    /// The Redis of the command line's `--redis-socket PATH` or `--redis HOST:PORT`, with the
    /// password in `--redis-password-file`.
    public static func endpoint(socket: String?, address: String?, passwordFile: String?) throws -> RedisEndpoint {
        let password = try passwordFile.map { try Secret(.file($0)).resolve(key: "--redis-password-file", file: "the command line") }
        if let socket { return RedisEndpoint(address: .unixSocket(path: socket), password: password) }
        guard let address, let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw LabKitError(.invalidConfiguration, "load: give --redis-socket PATH or --redis HOST:PORT (or --no-events)")
        }
        return RedisEndpoint(address: .tcp(host: String(address[..<colon]), port: port), password: password)
    }

    /// Starts reading on a thread of its own.
    public func start() throws {
        let joinable = try DedicatedThread.start(name: "aether-load-events") { [self] in self.readLoop() }
        thread.withLock { $0 = joinable }
    }

    /// Stops reading and waits for the thread.
    public func stop() {
        state.withLock { $0.running = false }
        thread.withLock { $0 }?.join()
    }

    /// Everything read since the last call.
    public func take() -> [Observation] {
        inbox.withLock { observations in
            defer { observations.removeAll(keepingCapacity: true) }
            return observations
        }
    }

    /// Why reading stopped early, if it did.
    public var failure: String? { state.withLock { $0.error } }

    private func readLoop() {
        var connection: RedisConnection?
        while state.withLock({ $0.running }) {
            do {
                if connection == nil || connection?.isBroken == true {
                    connection = try RedisConnection(endpoint, commandTimeoutMilliseconds: 5000)
                }
                let after = cursor.withLock { $0 }
                let reply = try connection!.command(["XREAD", "COUNT", "4096", "BLOCK", "100", "STREAMS", stream, after.rawValue])
                let messages = try RedisStreamReplies.readReply(reply)
                guard let last = messages.last?.id else { continue }
                cursor.withLock { $0 = last }
                let readAt = ContinuousClock.now
                let observations = messages.compactMap { Self.observation(of: $0, readAt: readAt) }
                if !observations.isEmpty { inbox.withLock { $0.append(contentsOf: observations) } }
            } catch {
                connection = nil
                state.withLock { $0.error = "\(error)" }
                // Redis away (a drill may do that): try again shortly, the cursor keeps our place.
                usleep(100_000)
            }
        }
    }

    private static let interesting: Set<String> = [EventType.sessionStart.rawValue, EventType.policyApply.rawValue, EventType.sessionStop.rawValue]

    static func observation(of message: StreamMessage, readAt: ContinuousClock.Instant) -> Observation? {
        guard let type = message.value("event_type"), interesting.contains(String(decoding: type, as: UTF8.self)),
              let envelope = try? EventStreamFormat.envelope(from: message) else { return nil }
        switch envelope.payload {
        case .sessionStart(let payload):
            return Observation(mac: payload.line.macAddress, sessionID: payload.line.sessionID, kind: .started, readAt: readAt)
        case .policyApply(let payload):
            let kind: Observation.Kind
            switch payload.authState {
            case .authorized: kind = .authorized
            case .rejected: kind = .rejected
            default: return nil
            }
            return Observation(mac: payload.line.macAddress, sessionID: payload.line.sessionID, kind: kind, readAt: readAt)
        case .sessionStop(let payload):
            return Observation(mac: payload.line.macAddress, sessionID: payload.line.sessionID,
                               kind: .stopped(cause: payload.terminateCause), readAt: readAt)
        default:
            return nil
        }
    }
}
