/// Builds `INSERT … SELECT * FROM unnest($1::type[], $2::type[], …)`: many rows in one
/// statement with one parameter per column, whatever the row count.
///
/// PostgreSQL parses a multi-row `VALUES` list with thousands of parameters slowly (about 10 ms
/// for 500 rows of 20 columns here); arrays are parsed as data. Use it for hot, wide batches;
/// `PostgresBatchInsert` stays the simple choice for small ones.
public struct PostgresArrayInsert: Sendable {
    /// Target table (trusted identifier).
    public let table: String
    /// Column names in value order.
    public let columns: [String]
    /// Each column's element type (`uuid`, `text`, `bigint`, `timestamptz`, …; trusted).
    public let types: [String]
    /// Text appended after the SELECT (e.g. `ON CONFLICT (…) DO UPDATE SET …`).
    public let suffix: String
    /// The statement.
    public let statement: String

    /// A builder; throws `invalidConfiguration` unless there is one type per column.
    public init(table: String, columns: [String], types: [String], suffix: String = "") throws {
        guard !columns.isEmpty, types.count == columns.count else {
            throw EventSourcingError(.invalidConfiguration, "array insert into \(table) needs columns and one type per column")
        }
        self.table = table
        self.columns = columns
        self.types = types
        self.suffix = suffix
        statement = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT * FROM unnest(\(Self.arrayParameters(types)))"
            + (suffix.isEmpty ? "" : " " + suffix)
    }

    /// `$1::t1[], $2::t2[], …` for `types`: the argument list of `unnest`.
    public static func arrayParameters(_ types: [String]) -> String {
        types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
    }

    /// Inserts `rows` (each with one text value per column, `nil` for NULL) in one statement.
    @discardableResult
    public func run(_ rows: [[String?]], on connection: PostgresConnection) throws -> PostgresResult {
        try connection.query(statement, try PostgresArray.columns(of: rows, count: columns.count, what: "columns of \(table)"))
    }
}

/// Any statement over column arrays: `$1 … $n` are one array per column of `rows`
/// (`UPDATE t SET … FROM unnest($1::uuid[], $2::bigint[]) AS u(id, n) WHERE t.id = u.id`).
public struct PostgresArrayStatement: Sendable {
    /// The SQL, with one array parameter per column.
    public let sql: String
    /// How many columns each row has.
    public let columnCount: Int

    /// A statement taking `columnCount` arrays.
    public init(sql: String, columnCount: Int) {
        self.sql = sql
        self.columnCount = columnCount
    }

    /// Runs the statement once with `rows` turned into column arrays.
    @discardableResult
    public func run(_ rows: [[String?]], on connection: PostgresConnection) throws -> PostgresResult {
        try connection.query(sql, try PostgresArray.columns(of: rows, count: columnCount, what: "array parameters"))
    }
}

extension PostgresArray {
    /// `rows` transposed into one array literal per column; throws when a row has another width.
    static func columns(of rows: [[String?]], count: Int, what: String) throws -> [String?] {
        var arrays = Array(repeating: [String?](), count: count)
        for index in arrays.indices { arrays[index].reserveCapacity(rows.count) }
        for row in rows {
            guard row.count == count else {
                throw EventSourcingError(.invalidConfiguration, "row has \(row.count) values for \(count) \(what)")
            }
            for (index, value) in row.enumerated() { arrays[index].append(value) }
        }
        return arrays.map { PostgresArray(texts: $0).postgresText }
    }
}
