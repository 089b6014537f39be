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
        let arrays = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }.joined(separator: ", ")
        statement = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT * FROM unnest(\(arrays))"
            + (suffix.isEmpty ? "" : " " + suffix)
    }

    /// Inserts `rows` (each with one text value per column, `nil` for NULL) in one statement.
    @discardableResult
    public func run(_ rows: [[String?]], on connection: PostgresConnection) throws -> PostgresResult {
        var arrays = Array(repeating: [String?](), count: columns.count)
        for index in arrays.indices { arrays[index].reserveCapacity(rows.count) }
        for row in rows {
            guard row.count == columns.count else {
                throw EventSourcingError(.invalidConfiguration, "row has \(row.count) values for \(columns.count) columns of \(table)")
            }
            for (index, value) in row.enumerated() { arrays[index].append(value) }
        }
        return try connection.query(statement, arrays.map { PostgresArray(texts: $0).postgresText })
    }
}
