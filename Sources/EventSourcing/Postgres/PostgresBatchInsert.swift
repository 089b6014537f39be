/// Builds multi-row `INSERT … VALUES ($1,…),($n,…)` statements: one round trip for many rows,
/// parameters only, split so no statement exceeds PostgreSQL's 65 535 parameters.
public struct PostgresBatchInsert: Sendable {
    /// PostgreSQL's limit on parameters in one statement (the protocol's Int16 count).
    public static let maximumParameters = 65_535

    /// Target table (trusted identifier, e.g. `session_events`).
    public let table: String
    /// Column names in value order.
    public let columns: [String]
    /// Text appended after VALUES (e.g. `ON CONFLICT (…) DO NOTHING RETURNING seq`).
    public let suffix: String
    /// Optional per-column casts, e.g. `::uuid`; empty string for none.
    public let casts: [String]

    /// A builder; `casts` defaults to none.
    public init(table: String, columns: [String], casts: [String]? = nil, suffix: String = "") throws {
        guard !columns.isEmpty, (casts?.count ?? columns.count) == columns.count else {
            throw EventSourcingError(.invalidConfiguration, "batch insert into \(table) needs columns and one cast per column")
        }
        self.table = table
        self.columns = columns
        self.casts = casts ?? Array(repeating: "", count: columns.count)
        self.suffix = suffix
    }

    /// Rows per statement that stay within the parameter limit.
    public var maximumRowsPerStatement: Int { Self.maximumParameters / columns.count }

    /// The statement for `rowCount` rows.
    public func statement(rowCount: Int) -> String {
        var sql = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        sql.reserveCapacity(sql.utf8.count + rowCount * columns.count * 8 + suffix.utf8.count)
        var parameter = 1
        for row in 0..<rowCount {
            sql += row == 0 ? "(" : ", ("
            for column in columns.indices {
                if column > 0 { sql += ", " }
                sql += "$\(parameter)\(casts[column])"
                parameter += 1
            }
            sql += ")"
        }
        if !suffix.isEmpty { sql += " " + suffix }
        return sql
    }

    /// Inserts `rows` (each with one value per column) in as few statements as the limit allows;
    /// returns each statement's result in order.
    @discardableResult
    public func run(_ rows: [[String?]], on connection: PostgresConnection) throws -> [PostgresResult] {
        guard let bad = rows.first(where: { $0.count != columns.count }) else {
            var results: [PostgresResult] = []
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(start + maximumRowsPerStatement, rows.count)]
                results.append(try connection.query(statement(rowCount: chunk.count), chunk.flatMap { $0 }))
                start += chunk.count
            }
            return results
        }
        throw EventSourcingError(.invalidConfiguration, "row has \(bad.count) values for \(columns.count) columns of \(table)")
    }
}
