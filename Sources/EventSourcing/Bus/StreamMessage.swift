/// A Redis Stream entry ID (`<milliseconds>-<sequence>`), ordered as Redis orders them.
public struct StreamMessageID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The text form, e.g. `1732200000123-0`.
    public let rawValue: String
    /// Wraps a text ID.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The start of every stream (`0-0`).
    public static let zero = StreamMessageID(rawValue: "0-0")

    /// The ID `<milliseconds>-<sequence>`.
    public init(milliseconds: UInt64, sequence: UInt64) {
        rawValue = "\(milliseconds)-\(sequence)"
    }

    /// The smallest ID above this one (what `MINID` needs to keep nothing at or below this);
    /// the largest ID is its own successor.
    public var successor: StreamMessageID {
        let (ms, seq) = parts
        if seq < .max { return StreamMessageID(milliseconds: ms, sequence: seq + 1) }
        return ms < .max ? StreamMessageID(milliseconds: ms + 1, sequence: 0) : self
    }

    /// The two numbers of the ID; `(0, 0)` for text that is not an ID.
    public var parts: (milliseconds: UInt64, sequence: UInt64) {
        let halves = rawValue.split(separator: "-", maxSplits: 1)
        let ms = halves.first.flatMap { UInt64($0) } ?? 0
        let seq = halves.count > 1 ? UInt64(halves[1]) ?? 0 : 0
        return (ms, seq)
    }

    /// Numeric order, as Redis compares IDs.
    public static func < (lhs: StreamMessageID, rhs: StreamMessageID) -> Bool {
        let l = lhs.parts, r = rhs.parts
        return l.milliseconds != r.milliseconds ? l.milliseconds < r.milliseconds : l.sequence < r.sequence
    }

    /// The text form.
    public var description: String { rawValue }
}

/// One stream entry: its ID and its field/value pairs in the order they were written.
public struct StreamMessage: Hashable, Sendable {
    /// The entry's ID.
    public var id: StreamMessageID
    /// Field/value pairs; values are raw bytes.
    public var fields: [StreamField]

    /// A message.
    public init(id: StreamMessageID, fields: [StreamField]) {
        self.id = id
        self.fields = fields
    }

    /// The value of the first field named `name`.
    public func value(_ name: String) -> [UInt8]? {
        fields.first { $0.name == name }?.value
    }
}

/// One field of a stream entry.
public struct StreamField: Hashable, Sendable {
    /// Field name.
    public var name: String
    /// Field value, binary-safe.
    public var value: [UInt8]

    /// A field.
    public init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// A text field.
    public init(_ name: String, _ text: String) {
        self.init(name, Array(text.utf8))
    }
}
