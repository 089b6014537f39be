import Logging

/// A Redis connection that is opened on first use and again after it breaks.
///
/// Not thread-safe: one owner (a publisher or an ingestor loop) per instance. The owner decides
/// when to retry (its loop backs off); `withRetries` is there for one-off callers.
public final class ReconnectingRedis {
    /// Where to connect (with the password for `AUTH`).
    public let endpoint: RedisEndpoint
    /// Read/write timeout of each connection, ms (see `RedisConnection.init`).
    public let commandTimeoutMilliseconds: Int?
    /// Connections opened so far (1 after the first use; more after outages).
    public private(set) var connectCount = 0
    private var current: RedisConnection?
    private let logger: Logger

    /// A client; nothing connects until the first `withConnection`.
    public init(_ endpoint: RedisEndpoint, commandTimeoutMilliseconds: Int? = 10_000,
                logger: Logger = Logger(label: "aether.eventsourcing.redis")) {
        self.endpoint = endpoint
        self.commandTimeoutMilliseconds = commandTimeoutMilliseconds
        self.logger = logger
    }

    /// True when the next `withConnection` will open a new connection.
    public var needsConnect: Bool { current == nil }

    /// Runs `body` on the connection, opening one first when needed. A connection error drops
    /// the connection (the next call reconnects) and is rethrown.
    public func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        let connection: RedisConnection
        if let current {
            connection = current
        } else {
            connection = try RedisConnection(endpoint, commandTimeoutMilliseconds: commandTimeoutMilliseconds)
            connectCount += 1
            logger.debug("connected to redis", metadata: ["endpoint": "\(endpoint)", "connects": "\(connectCount)"])
            current = connection
        }
        do {
            let value = try body(connection)
            if connection.isBroken { current = nil }
            return value
        } catch let error as EventSourcingError where error.isConnectionLoss || connection.isBroken {
            current = nil
            throw error
        }
    }

    /// Closes the current connection, if any.
    public func disconnect() { current = nil }

    /// `withConnection`, retrying connection errors with back-off up to `maxAttempts`, then
    /// `retriesExhausted`. Only for commands that are safe to repeat.
    public func withRetries<T>(maxAttempts: Int, backoff: RetryBackoff = RetryBackoff(), sleep: (Double) -> Void = { RunControl().sleep(seconds: $0) },
                               _ body: (RedisConnection) throws -> T) throws -> T {
        try backoff.retryingConnectionLoss(maxAttempts: maxAttempts, target: "\(endpoint)", sleep: sleep) {
            try withConnection(body)
        }
    }
}
