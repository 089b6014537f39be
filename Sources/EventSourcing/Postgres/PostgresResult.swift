import CLibPQ

/// The rows of one statement, copied out of libpq's result (text format).
public struct PostgresResult: Sendable, Hashable {
    /// Column names in result order.
    public let columns: [String]
    /// Values as PostgreSQL's text output; `nil` is SQL NULL.
    public let rows: [[String?]]
    /// Rows touched by INSERT/UPDATE/DELETE (libpq `PQcmdTuples`), 0 when not applicable.
    public let affectedRows: Int

    /// The value of `column` in row `row`; throws when either does not exist.
    public func value(_ column: String, row: Int = 0) throws -> String? {
        guard let index = columns.firstIndex(of: column) else {
            throw EventSourcingError(.postgresResultShape, "result has no column \"\(column)\" (columns: \(columns))")
        }
        guard rows.indices.contains(row) else {
            throw EventSourcingError(.postgresResultShape, "result has \(rows.count) row(s); row \(row) was asked for")
        }
        return rows[row][index]
    }

    /// Converts a libpq result, clearing it, or throws the server's error with its SQLSTATE.
    static func checked(_ result: OpaquePointer?, connection: OpaquePointer, statement: String) throws -> PostgresResult {
        guard let result else {
            let reason = String(cString: PQerrorMessage(connection)).trimmingTrailingWhitespace()
            throw EventSourcingError(.postgresQueryFailed, "no result (\(reason))")
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let reason = String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace()
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw EventSourcingError(.postgresQueryFailed, reason, sqlState: state)
        }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<Int32(rowCount) {
            rows.append((0..<Int32(columnCount)).map { c in
                PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c))
            })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(columns: columns, rows: rows, affectedRows: affected)
    }
}
