import Foundation
import NetworkTypes

/// A Swift type that can be read from a column's text output.
public protocol PostgresDecodable {
    /// Parses PostgreSQL's text output; `nil` when the text is not a value of this type.
    init?(postgresText: String)
}

extension String: PostgresDecodable {
    /// The text itself.
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresDecodable {
    /// Decimal digits.
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresDecodable {
    /// Decimal digits.
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresDecodable {
    /// Decimal digits.
    public init?(postgresText: String) { self.init(postgresText) }
}

extension UInt64: PostgresDecodable {
    /// Decimal digits (negative values fail).
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresDecodable {
    /// Decimal, `NaN`, `Infinity`, `-Infinity`.
    public init?(postgresText: String) {
        switch postgresText {
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default: self.init(postgresText)
        }
    }
}

extension Bool: PostgresDecodable {
    /// `t` or `f`.
    public init?(postgresText: String) {
        switch postgresText {
        case "t": self = true
        case "f": self = false
        default: return nil
        }
    }
}

extension UUID: PostgresDecodable {
    /// Canonical hyphenated form.
    public init?(postgresText: String) { self.init(canonicalText: postgresText) }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// `bytea` hex output (`\x0aff…`).
    public init?(postgresText: String) {
        let text = Array(postgresText.utf8)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((text.count - 2) / 2)
        var index = 2
        while index < text.count {
            guard let high = Hex.value(of: text[index]), let low = Hex.value(of: text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }
}

/// One row of a result, with typed access by column name.
public struct PostgresRow: Sendable, Hashable {
    /// Column names in result order.
    public let columns: [String]
    /// Text values; `nil` is SQL NULL.
    public let values: [String?]

    /// The value of `column` as `T`; throws `postgresResultShape` for an unknown column,
    /// `postgresDecodingFailed` for NULL or text that is not a `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw EventSourcingError(.postgresDecodingFailed, "column \"\(column)\" is NULL; expected \(T.self)")
        }
        return value
    }

    /// The value of `column` as `T`, or `nil` for SQL NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        guard let index = columns.firstIndex(of: column) else {
            throw EventSourcingError(.postgresResultShape, "result has no column \"\(column)\" (columns: \(columns))")
        }
        guard let text = values[index] else { return nil }
        guard let value = T(postgresText: text) else {
            throw EventSourcingError(.postgresDecodingFailed, "column \"\(column)\" holds \"\(text.prefix(64))\", not a \(T.self)")
        }
        return value
    }
}

extension PostgresResult {
    /// The rows with typed access.
    public var typedRows: [PostgresRow] {
        rows.map { PostgresRow(columns: columns, values: $0) }
    }

    /// The value of `column` in `row` as `T` (see `PostgresRow.decode`).
    public func decode<T: PostgresDecodable>(_ column: String, row: Int = 0, as type: T.Type = T.self) throws -> T {
        guard rows.indices.contains(row) else {
            throw EventSourcingError(.postgresResultShape, "result has \(rows.count) row(s); row \(row) was asked for")
        }
        return try PostgresRow(columns: columns, values: rows[row]).decode(column, as: type)
    }
}
