import Foundation

/// A Swift value that can be sent as a statement parameter, in PostgreSQL's text input format.
///
/// Parameters travel separately from the SQL text (`$1`, `$2`, …): they are never spliced in.
public protocol PostgresBindable {
    /// The text PostgreSQL's input function for the target type accepts.
    var postgresText: String { get }
}

extension String: PostgresBindable {
    /// The string itself.
    public var postgresText: String { self }
}

extension Int: PostgresBindable {
    /// Decimal digits.
    public var postgresText: String { String(self) }
}

extension Int64: PostgresBindable {
    /// Decimal digits.
    public var postgresText: String { String(self) }
}

extension Int32: PostgresBindable {
    /// Decimal digits.
    public var postgresText: String { String(self) }
}

extension UInt64: PostgresBindable {
    /// Decimal digits (a `bigint` column holds up to 2^63 − 1; larger values fail on the server).
    public var postgresText: String { String(self) }
}

extension Bool: PostgresBindable {
    /// `t` or `f`.
    public var postgresText: String { self ? "t" : "f" }
}

extension Double: PostgresBindable {
    /// Shortest round-tripping decimal form; `NaN`, `Infinity`, `-Infinity` as PostgreSQL spells them.
    public var postgresText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return String(self)
    }
}

extension UUID: PostgresBindable {
    /// Lower-case canonical form.
    public var postgresText: String { lowercasedText }
}

extension EventTimestamp: PostgresBindable {}

extension Array: PostgresBindable where Element == UInt8 {
    /// `bytea` hex format: `\x` then two hex digits per byte.
    public var postgresText: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A one-dimensional array parameter (`$1::uuid[]`, `$1::text[]`) in PostgreSQL's array input
/// format: every element double-quoted with `"` and `\` escaped, `nil` as `NULL`.
public struct PostgresArray: PostgresBindable, Hashable, Sendable {
    /// Each element's text form; `nil` is SQL NULL.
    public var elements: [String?]

    /// An array of `elements`' text forms.
    public init(_ elements: [(any PostgresBindable)?]) {
        self.elements = elements.map { $0?.postgresText }
    }

    /// An array of elements already in text form.
    public init(texts: [String?]) {
        self.elements = texts
    }

    /// `{"a","b",NULL}`.
    public var postgresText: String {
        var text: [UInt8] = [UInt8(ascii: "{")]
        text.reserveCapacity(2 + elements.reduce(0) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            guard let element else { text += Array("NULL".utf8); continue }
            text.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { text.append(UInt8(ascii: "\\")) }
                text.append(byte)
            }
            text.append(UInt8(ascii: "\""))
        }
        text.append(UInt8(ascii: "}"))
        return String(decoding: text, as: UTF8.self)
    }
}
