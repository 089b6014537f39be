import CLibPQ
import Glibc

/// One blocking libpq connection.
///
/// Every call blocks the calling thread until the server answers, so call it from a thread of
/// your own (or a dedicated executor), never from Swift's cooperative pool in a hot path.
/// Statements take parameters separately from SQL text (`$1`, `$2`, …): values are never
/// spliced into SQL.
public final class PostgresConnection {
    let handle: OpaquePointer
    /// Where this connection points.
    public let info: PostgresConnectionInfo
    /// Open `transaction` blocks (nesting uses savepoints).
    private var transactionDepth = 0
    /// Server-side prepared statements of this connection, by SQL text.
    private var prepared: [String: String] = [:]
    /// Upper bound on ``prepared`` (the least useful are not tracked: the whole cache is dropped).
    static let maximumPreparedStatements = 256

    /// Opens a connection; throws `postgresConnectionFailed` with libpq's reason.
    public init(_ info: PostgresConnectionInfo) throws {
        self.info = info
        let pairs = info.keywordValues
        guard let conn = withCStringArrays(pairs.map(\.0), pairs.map(\.1), { PQconnectdbParams($0, $1, 0) }) else {
            throw EventSourcingError(.postgresConnectionFailed, "libpq could not allocate a connection to \(info)")
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(conn)).trimmingTrailingWhitespace()
            PQfinish(conn)
            throw EventSourcingError(.postgresConnectionFailed, "cannot connect to \(info): \(reason)")
        }
        self.handle = conn
    }

    deinit { PQfinish(handle) }

    /// Asks whether a server accepts connections, without authenticating (libpq `PQpingParams`).
    public static func ping(_ info: PostgresConnectionInfo) -> PostgresPingStatus {
        let pairs = info.keywordValues
        let status = withCStringArrays(pairs.map(\.0), pairs.map(\.1)) { PQpingParams($0, $1, 0) }
        switch status {
        case PQPING_OK: return .accepting
        case PQPING_REJECT: return .rejecting
        case PQPING_NO_RESPONSE: return .noResponse
        default: return .invalidParameters
        }
    }

    /// Runs one statement with text-format parameters and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresResult {
        let result = withOptionalCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try PostgresResult.checked(result, connection: handle, statement: sql)
    }

    /// Runs one statement with typed parameters (`nil` = SQL NULL) and returns its rows.
    @discardableResult
    public func query(_ sql: String, bindings: [(any PostgresBindable)?]) throws -> PostgresResult {
        try query(sql, bindings.map { $0?.postgresText })
    }

    /// Runs one statement like ``query(_:bindings:)``, but prepared once per connection and SQL
    /// text (`PQprepare`), so repeated statements skip parsing and planning: for a server's fixed
    /// set of queries. Parameters stay separate from the SQL as always.
    @discardableResult
    public func preparedQuery(_ sql: String, bindings: [(any PostgresBindable)?]) throws -> PostgresResult {
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            if prepared.count >= Self.maximumPreparedStatements {
                try execute(script: "DEALLOCATE ALL")
                prepared.removeAll()
            }
            name = "aether_\(prepared.count + 1)"
            _ = try PostgresResult.checked(PQprepare(handle, name, sql, Int32(bindings.count), nil), connection: handle, statement: sql)
            prepared[sql] = name
        }
        let parameters = bindings.map { $0?.postgresText }
        let result = withOptionalCStrings(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try PostgresResult.checked(result, connection: handle, statement: sql)
    }

    /// True while libpq considers the connection usable (`PQstatus` is `CONNECTION_OK`).
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs `body` in a transaction: `BEGIN`, then `COMMIT` when it returns, `ROLLBACK` when it
    /// throws (the error is rethrown). Nested calls use savepoints. When `COMMIT` itself fails
    /// (server gone), the outcome is unknown to the client: make the work idempotent.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let savepoint = transactionDepth > 0 ? "aether_sp_\(transactionDepth)" : nil
        try execute(script: savepoint.map { "SAVEPOINT \($0)" } ?? "BEGIN")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let value: T
        do {
            value = try body(self)
        } catch {
            // The rollback can fail too when the connection is gone; the original error matters more.
            try? execute(script: savepoint.map { "ROLLBACK TO SAVEPOINT \($0)" } ?? "ROLLBACK")
            throw error
        }
        try execute(script: savepoint.map { "RELEASE SAVEPOINT \($0)" } ?? "COMMIT")
        return value
    }

    /// Runs a script of several statements with no parameters (schema files, migrations).
    public func execute(script: String) throws {
        _ = try PostgresResult.checked(PQexec(handle, script), connection: handle, statement: "script")
    }
}

/// What `PostgresConnection.ping` learned about a server.
public enum PostgresPingStatus: Sendable, Hashable {
    /// The server accepts connections.
    case accepting
    /// The server is up but refuses connections (starting up, shutting down, recovery).
    case rejecting
    /// Nothing answered at that address.
    case noResponse
    /// The connection parameters themselves are unusable.
    case invalidParameters
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}

/// Calls `body` with two NUL-terminated arrays of C strings (libpq's keyword/value convention).
func withCStringArrays<R>(_ keys: [String], _ values: [String],
                          _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let keyStorage = keys.map { strdup($0) }
    let valueStorage = values.map { strdup($0) }
    defer { (keyStorage + valueStorage).forEach { free($0) } }
    let keyPointers = keyStorage.map { $0.map { UnsafePointer<CChar>($0) } } + [nil]
    let valuePointers = valueStorage.map { $0.map { UnsafePointer<CChar>($0) } } + [nil]
    return keyPointers.withUnsafeBufferPointer { k in
        valuePointers.withUnsafeBufferPointer { v in
            body(k.baseAddress!, v.baseAddress!)
        }
    }
}

/// Calls `body` with an array of C strings where `nil` stays a NULL pointer (SQL NULL).
func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let storage = strings.map { $0.map { strdup($0) } ?? nil }
    defer { storage.forEach { free($0) } }
    let pointers = storage.map { $0.map { UnsafePointer<CChar>($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
