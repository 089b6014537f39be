/// The one error type of the `EventSourcing` module.
///
/// `code` is stable and safe to match on; `message` says what went wrong and what to do.
/// Secrets (passwords, full connection strings) never appear in either.
public struct EventSourcingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers for every failure this module reports.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
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
    }

    public let code: Code
    public let message: String
    /// SQLSTATE for PostgreSQL server errors (`23505` unique violation, `57P01` admin shutdown, …).
    public let sqlState: String?
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, sqlState: String? = nil,
                file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.file = file
        self.line = line
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }
}
