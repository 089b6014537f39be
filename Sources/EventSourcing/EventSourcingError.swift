/// The one error type of the `EventSourcing` module.
///
/// `code` is stable and safe to match on; `message` says what went wrong and what to do.
/// Secrets (passwords, full connection strings) never appear in either.
public struct EventSourcingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers for every failure this module reports.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable identifier.
        public let rawValue: String
        /// Wraps an identifier.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The identifier.
        public var description: String { rawValue }

        /// libpq could not open a connection (server down, wrong socket, bad credentials).
        public static let postgresConnectionFailed = Code(rawValue: "postgresConnectionFailed")
        /// A statement failed on the server; `sqlState` carries the SQLSTATE.
        public static let postgresQueryFailed = Code(rawValue: "postgresQueryFailed")
        /// A result column or row was asked for that the result does not have.
        public static let postgresResultShape = Code(rawValue: "postgresResultShape")
        /// hiredis could not connect or authenticate.
        public static let redisConnectionFailed = Code(rawValue: "redisConnectionFailed")
        /// The connection broke while a command was in flight; reconnect and retry.
        public static let redisIOFailed = Code(rawValue: "redisIOFailed")
        /// Redis answered the command with an error reply.
        public static let redisCommandFailed = Code(rawValue: "redisCommandFailed")
        /// Redis answered with a reply whose shape the command does not produce (not an entry list, no ID).
        public static let redisUnexpectedReply = Code(rawValue: "redisUnexpectedReply")
        /// An event names a schema version this build does not understand; upgrade the reader.
        public static let unsupportedSchemaVersion = Code(rawValue: "unsupportedSchemaVersion")
        /// An event names an `event_type` this build does not know.
        public static let unknownEventType = Code(rawValue: "unknownEventType")
        /// An event's bytes are not a valid envelope (bad JSON, missing or out-of-range field).
        public static let malformedEvent = Code(rawValue: "malformedEvent")
        /// The embedded outbox (SQLite) failed to read or write.
        public static let outboxFailed = Code(rawValue: "outboxFailed")
        /// The outbox file belongs to another BNG than the one opening it.
        public static let outboxIdentityMismatch = Code(rawValue: "outboxIdentityMismatch")
        /// A migration file is unusable (bad name, duplicate version) or an applied one was edited.
        public static let migrationInvalid = Code(rawValue: "migrationInvalid")
        /// A pooled connection could not be had within the pool's wait limit.
        public static let poolExhausted = Code(rawValue: "poolExhausted")
        /// A column value could not be decoded as the requested Swift type.
        public static let postgresDecodingFailed = Code(rawValue: "postgresDecodingFailed")
        /// A retrying operation gave up after its attempt limit.
        public static let retriesExhausted = Code(rawValue: "retriesExhausted")
        /// The stream no longer holds an entry the producer had published (Redis restarted without
        /// its last writes); the outbox publishes again what no consumer group has committed.
        public static let streamLostEvents = Code(rawValue: "streamLostEvents")
        /// A configuration value is out of range (batch size 0, empty stream name, …).
        public static let invalidConfiguration = Code(rawValue: "invalidConfiguration")
    }

    /// What kind of failure this is; stable across releases.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String
    /// SQLSTATE for PostgreSQL server errors (`23505` unique violation, `57P01` admin shutdown, …).
    public let sqlState: String?
    /// Source file that raised the error.
    public let file: String
    /// Line in `file`.
    public let line: Int

    /// An error; `file` and `line` default to the caller's location.
    public init(_ code: Code, _ message: String, sqlState: String? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.file = file
        self.line = line
    }

    /// True when the failure is about reaching the server rather than the request itself:
    /// reconnecting and retrying the same work is the right response.
    public var isConnectionLoss: Bool {
        switch code {
        case .postgresConnectionFailed, .redisConnectionFailed, .redisIOFailed:
            return true
        case .postgresQueryFailed:
            // Class 08 = connection exception; 57P01-57P03 = admin/crash shutdown, cannot connect now.
            guard let sqlState else { return true }
            return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(sqlState)
        default:
            return false
        }
    }

    /// `code: message [SQLSTATE …]`.
    public var description: String {
        var text = "\(code): \(message)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }
}
