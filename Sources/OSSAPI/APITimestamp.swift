import EventSourcing

/// A point in time in the API: ISO 8601 in UTC with microseconds (`2026-12-01T15:04:05.123456Z`).
public struct APITimestamp: Hashable, Sendable, Codable, Comparable, PostgresDecodable, PostgresBindable {
    public var value: EventTimestamp

    public init(_ value: EventTimestamp) { self.value = value }

    public init?(postgresText: String) {
        guard let value = EventTimestamp(iso8601: postgresText) else { return nil }
        self.value = value
    }

    public var postgresText: String { value.postgresText }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = EventTimestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an ISO 8601 time")
        }
        self.value = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.iso8601)
    }

    public static func < (lhs: APITimestamp, rhs: APITimestamp) -> Bool { lhs.value < rhs.value }
}
