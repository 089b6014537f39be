import EventSourcing
import Foundation
import Hummingbird

/// A declared query or path parameter: documented in the OpenAPI document and validated
/// against its schema before the handler runs.
public struct APIParameter: Sendable {
    public enum Location: String, Sendable { case query, path }
    public var name: String
    public var location: Location
    public var schema: JSONSchema
    public var required: Bool
    public var description: String

    static func query(_ name: String, _ schema: JSONSchema, _ description: String) -> APIParameter {
        APIParameter(name: name, location: .query, schema: schema, required: false, description: description)
    }
    static func path(_ name: String, _ schema: JSONSchema, _ description: String) -> APIParameter {
        APIParameter(name: name, location: .path, schema: schema, required: true, description: description)
    }

    /// `limit`, 1–1000, default 50.
    static let limit = query("limit", .integer(minimum: 1, maximum: 1000, default: 50), "Rows per page.")
    /// `offset`, ≥ 0, default 0.
    static let offset = query("offset", .integer(minimum: 0, maximum: 10_000_000, default: 0), "Rows to skip.")

    /// The text's typed value per the schema, or why it is not one.
    func value(of text: String) -> Result<JSONValue, APIError> {
        let value: JSONValue
        switch schema.types.first {
        case "integer":
            guard let number = Int64(text) else { return .failure(.invalidParameter("\(name): \"\(JSONSchema.clip(text))\" is not an integer")) }
            value = .integer(number)
        case "boolean":
            switch text {
            case "true": value = .bool(true)
            case "false": value = .bool(false)
            default: return .failure(.invalidParameter("\(name): \"\(JSONSchema.clip(text))\" is not true or false"))
            }
        default:
            value = .string(text)
        }
        let problems = schema.problems(of: value, at: name, components: [:])
        guard problems.isEmpty else { return .failure(.invalidParameter(problems.joined(separator: "; "))) }
        return .success(value)
    }
}

/// The validated parameters of one request: every name declared, every value of its type.
public struct APIParameters: Sendable {
    private var values: [String: JSONValue]

    /// Validates the request's query (unknown names are an error, so a typo is not silently
    /// ignored) and path parameters against `declared`.
    init(query: [(String, String)], path: [String: String], declared: [APIParameter]) throws(APIError) {
        var values: [String: JSONValue] = [:]
        let byName = Dictionary(declared.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, text) in query {
            guard let parameter = byName[name], parameter.location == .query else {
                let known = declared.filter { $0.location == .query }.map(\.name)
                throw .init(.badRequest, "unknown_parameter",
                            "unknown query parameter \"\(JSONSchema.clip(name))\"" + (known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))"))
            }
            guard values[name] == nil else { throw .invalidParameter("\(name) is given more than once") }
            values[name] = try parameter.value(of: text).get()
        }
        for parameter in declared where parameter.location == .path {
            guard let text = path[parameter.name] else { throw .invalidParameter("\(parameter.name) is missing") }
            do {
                values[parameter.name] = try parameter.value(of: text).get()
            } catch {
                // A malformed id names nothing: the resource does not exist.
                throw APIError(.notFound, "not_found", error.reason)
            }
        }
        for parameter in declared where values[parameter.name] == nil {
            if let defaultValue = parameter.schema.defaultValue { values[parameter.name] = defaultValue }
        }
        self.values = values
    }

    public func string(_ name: String) -> String? {
        if case .string(let text) = values[name] { return text }
        return nil
    }
    public func int(_ name: String) -> Int64? {
        if case .integer(let number) = values[name] { return number }
        return nil
    }
    public func bool(_ name: String) -> Bool? {
        if case .bool(let flag) = values[name] { return flag }
        return nil
    }
    public func uuid(_ name: String) -> UUID? { string(name).flatMap { UUID(canonicalText: $0.lowercased()) } }
    public func timestamp(_ name: String) -> APITimestamp? { string(name).flatMap { EventTimestamp(iso8601: $0) }.map(APITimestamp.init) }
    /// `limit` and `offset`.
    public var page: (limit: Int64, offset: Int64) { (int("limit") ?? 50, int("offset") ?? 0) }
}
