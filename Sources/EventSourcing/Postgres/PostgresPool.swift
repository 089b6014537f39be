import Foundation
import Logging

/// A small blocking pool of libpq connections to one server.
///
/// `withConnection` lends a connection to one caller at a time; connections are opened lazily up
/// to `maximumConnections`, and one that broke (server restarted, network gone) is dropped, so
/// the next caller gets a fresh one: that is the pool's reconnect. Thread-safe.
public final class PostgresPool: @unchecked Sendable {
    /// Where connections go.
    public let info: PostgresConnectionInfo
    /// Upper bound on open connections (default 4).
    public let maximumConnections: Int
    /// How long a caller waits for a free connection before `poolExhausted` (default 10 s).
    public let waitTimeoutSeconds: Double

    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var closed = false
    private let logger: Logger

    /// A pool; nothing connects until the first `withConnection`.
    public init(_ info: PostgresConnectionInfo, maximumConnections: Int = 4, waitTimeoutSeconds: Double = 10,
                logger: Logger = Logger(label: "aether.eventsourcing.postgres-pool")) throws {
        guard maximumConnections > 0 else {
            throw EventSourcingError(.invalidConfiguration, "pool maximumConnections must be positive, got \(maximumConnections)")
        }
        self.info = info
        self.maximumConnections = maximumConnections
        self.waitTimeoutSeconds = waitTimeoutSeconds
        self.logger = logger
    }

    /// Connections currently open (idle or lent).
    public var openConnections: Int {
        condition.lock()
        defer { condition.unlock() }
        return open
    }

    /// Lends a connection to `body`; a connection that ends unhealthy or whose error was a
    /// connection loss is closed instead of returned.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try checkOut()
        do {
            let value = try body(connection)
            checkIn(connection, keep: connection.isHealthy)
            return value
        } catch {
            let lost = (error as? EventSourcingError)?.isConnectionLoss ?? false
            checkIn(connection, keep: connection.isHealthy && !lost)
            throw error
        }
    }

    /// `withConnection` that retries connection losses with back-off, up to `maxAttempts`, then
    /// throws `retriesExhausted`. Only for work that is safe to repeat (idempotent transactions).
    public func withConnection<T>(maxAttempts: Int, backoff: RetryBackoff = RetryBackoff(),
                                  _ body: (PostgresConnection) throws -> T) throws -> T {
        try backoff.retryingConnectionLoss(maxAttempts: maxAttempts, target: "\(info)", sleep: { delay in
            logger.debug("postgres connection lost; retrying", metadata: ["delaySeconds": "\(delay)"])
            Thread.sleep(forTimeInterval: delay)
        }) {
            try withConnection(body)
        }
    }

    /// Closes idle connections and refuses new checkouts; lent ones close when returned.
    public func close() {
        condition.lock()
        closed = true
        open -= idle.count
        idle.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func checkOut() throws -> PostgresConnection {
        let deadline = Date().addingTimeInterval(waitTimeoutSeconds)
        condition.lock()
        while true {
            if closed {
                condition.unlock()
                throw EventSourcingError(.poolExhausted, "pool for \(info) is closed")
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if open < maximumConnections {
                open += 1
                condition.unlock()
                do {
                    return try PostgresConnection(info)
                } catch {
                    condition.lock()
                    open -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            if !condition.wait(until: deadline) {
                condition.unlock()
                throw EventSourcingError(.poolExhausted,
                                         "no connection to \(info) free within \(waitTimeoutSeconds) s (all \(maximumConnections) lent)")
            }
        }
    }

    private func checkIn(_ connection: PostgresConnection, keep: Bool) {
        condition.lock()
        if keep && !closed {
            idle.append(connection)
        } else {
            open -= 1
        }
        condition.signal()
        condition.unlock()
    }
}
