import EventSourcing
import Foundation
import NetworkTypes

/// The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) that the API's document is
/// written in. One value serves three purposes, so they cannot disagree: it is rendered into
/// `/api/openapi.json`, it validates request bodies and query parameters, and the tests validate
/// every response against it.
public final class JSONSchema: Sendable {
    /// Allowed JSON types (`["string", "null"]` for a nullable string); empty = any.
    public let types: [String]
    /// `date-time`, `uuid`, `ipv4`, `mac`, `int64`.
    public let format: String?
    public let description: String?
    /// Object members, in documentation order.
    public let properties: [(String, JSONSchema)]
    /// Members that must be present.
    public let required: [String]
    /// Whether members other than `properties` are allowed (false for every API type).
    public let additionalProperties: Bool
    /// Schema of array elements.
    public let items: JSONSchema?
    /// Allowed values.
    public let allowed: [JSONValue]?
    public let minimum: Int64?
    public let maximum: Int64?
    public let minLength: Int?
    public let maxLength: Int?
    /// Value used when a parameter is absent.
    public let defaultValue: JSONValue?
    /// Name of a schema under `components/schemas`.
    public let reference: String?

    init(types: [String] = [], format: String? = nil, description: String? = nil, properties: [(String, JSONSchema)] = [],
         required: [String] = [], additionalProperties: Bool = true, items: JSONSchema? = nil, allowed: [JSONValue]? = nil,
         minimum: Int64? = nil, maximum: Int64? = nil, minLength: Int? = nil, maxLength: Int? = nil,
         defaultValue: JSONValue? = nil, reference: String? = nil) {
        self.types = types
        self.format = format
        self.description = description
        self.properties = properties
        self.required = required
        self.additionalProperties = additionalProperties
        self.items = items
        self.allowed = allowed
        self.minimum = minimum
        self.maximum = maximum
        self.minLength = minLength
        self.maxLength = maxLength
        self.defaultValue = defaultValue
        self.reference = reference
    }

    // MARK: Building

    static func string(_ description: String? = nil, format: String? = nil, minLength: Int? = nil, maxLength: Int? = 255,
                       allowed: [String]? = nil, default defaultValue: String? = nil) -> JSONSchema {
        JSONSchema(types: ["string"], format: format, description: description, allowed: allowed.map { $0.map(JSONValue.string) },
                   minLength: minLength, maxLength: format == nil ? maxLength : nil, defaultValue: defaultValue.map(JSONValue.string))
    }
    static func integer(_ description: String? = nil, minimum: Int64? = nil, maximum: Int64? = nil, default defaultValue: Int64? = nil) -> JSONSchema {
        JSONSchema(types: ["integer"], format: "int64", description: description, minimum: minimum, maximum: maximum,
                   defaultValue: defaultValue.map(JSONValue.integer))
    }
    static func number(_ description: String? = nil) -> JSONSchema { JSONSchema(types: ["number"], description: description) }
    static func boolean(_ description: String? = nil, default defaultValue: Bool? = nil) -> JSONSchema {
        JSONSchema(types: ["boolean"], description: description, defaultValue: defaultValue.map(JSONValue.bool))
    }
    static func timestamp(_ description: String? = nil) -> JSONSchema { .string(description, format: "date-time") }
    static func uuid(_ description: String? = nil) -> JSONSchema { .string(description, format: "uuid") }
    static func array(_ items: JSONSchema, _ description: String? = nil) -> JSONSchema {
        JSONSchema(types: ["array"], description: description, items: items)
    }
    static func ref(_ name: String) -> JSONSchema { JSONSchema(reference: name) }
    /// Any JSON object (event payloads).
    static func anyObject(_ description: String? = nil) -> JSONSchema { JSONSchema(types: ["object"], description: description) }
    /// An object whose every listed member is required unless it may be null (an absent
    /// optional is omitted) or is named in `optional`; no other member is allowed.
    static func object(_ description: String? = nil, _ properties: KeyValuePairs<String, JSONSchema>, optional: Set<String> = []) -> JSONSchema {
        JSONSchema(types: ["object"], description: description, properties: properties.map { ($0.key, $0.value) },
                   required: properties.filter { !optional.contains($0.key) && !$0.value.types.contains("null") }.map(\.key),
                   additionalProperties: false)
    }

    /// An object without a description (see ``object(_:_:optional:)``).
    static func object(_ properties: KeyValuePairs<String, JSONSchema>, optional: Set<String> = []) -> JSONSchema {
        object(nil, properties, optional: optional)
    }

    /// The same schema that also allows `null`.
    var orNull: JSONSchema {
        JSONSchema(types: types + ["null"], format: format, description: description, properties: properties, required: required,
                   additionalProperties: additionalProperties, items: items, allowed: allowed.map { $0 + [.null] },
                   minimum: minimum, maximum: maximum, minLength: minLength, maxLength: maxLength, defaultValue: defaultValue)
    }

    /// The same schema with a description.
    func described(_ text: String) -> JSONSchema {
        JSONSchema(types: types, format: format, description: text, properties: properties, required: required,
                   additionalProperties: additionalProperties, items: items, allowed: allowed, minimum: minimum, maximum: maximum,
                   minLength: minLength, maxLength: maxLength, defaultValue: defaultValue, reference: reference)
    }

    /// This object schema with every member optional (the body of a partial update).
    var allOptional: JSONSchema {
        JSONSchema(types: types, format: format, description: description, properties: properties, required: [],
                   additionalProperties: additionalProperties, items: items)
    }

    // MARK: Rendering

    /// The schema as JSON Schema 2020-12.
    public var document: JSONValue {
        if let reference { return .object(["$ref": .string("#/components/schemas/\(reference)")]) }
        var members: [String: JSONValue] = [:]
        if types.count == 1 { members["type"] = .string(types[0]) } else if !types.isEmpty { members["type"] = .array(types.map(JSONValue.string)) }
        if let format { members["format"] = .string(format) }
        if let description { members["description"] = .string(description) }
        if !properties.isEmpty || types == ["object"] && !additionalProperties {
            members["properties"] = .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.0, $0.1.document) }))
        }
        if !required.isEmpty { members["required"] = .array(required.map(JSONValue.string)) }
        if !additionalProperties { members["additionalProperties"] = .bool(false) }
        if let items { members["items"] = items.document }
        if let allowed { members["enum"] = .array(allowed) }
        if let minimum { members["minimum"] = .integer(minimum) }
        if let maximum { members["maximum"] = .integer(maximum) }
        if let minLength { members["minLength"] = .integer(Int64(minLength)) }
        if let maxLength { members["maxLength"] = .integer(Int64(maxLength)) }
        if let defaultValue { members["default"] = defaultValue }
        return .object(members)
    }

    // MARK: Validation

    /// Problems of `value` against this schema, each as `path: what is wrong`; empty when valid.
    public func problems(of value: JSONValue, at path: String = "$", components: [String: JSONSchema]) -> [String] {
        if let reference {
            guard let target = components[reference] else { return ["\(path): unknown schema \(reference)"] }
            return target.problems(of: value, at: path, components: components)
        }
        if !types.isEmpty {
            let actual = value.typeName
            let accepted = types.contains(actual) || (actual == "integer" && types.contains("number"))
            guard accepted else { return ["\(path): expected \(types.joined(separator: " or ")), got \(actual)"] }
        }
        if let allowed, !allowed.contains(value) {
            return ["\(path): must be one of \(allowed.map(Self.literal).joined(separator: ", "))"]
        }
        switch value {
        case .string(let text):
            var found: [String] = []
            if let minLength, text.count < minLength { found.append("\(path): must have at least \(minLength) characters") }
            if let maxLength, text.count > maxLength { found.append("\(path): must have at most \(maxLength) characters") }
            if let format, !Self.matches(text, format: format) { found.append("\(path): \"\(Self.clip(text))\" is not a valid \(format)") }
            return found
        case .integer(let number):
            if let minimum, number < minimum { return ["\(path): must be ≥ \(minimum)"] }
            if let maximum, number > maximum { return ["\(path): must be ≤ \(maximum)"] }
            return []
        case .array(let elements):
            guard let items else { return [] }
            return elements.enumerated().flatMap { items.problems(of: $1, at: "\(path)[\($0)]", components: components) }
        case .object(let members):
            var found: [String] = []
            for name in required where members[name] == nil { found.append("\(path).\(name): is required") }
            let known = Dictionary(properties, uniquingKeysWith: { first, _ in first })
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let schema = known[name] {
                    found += schema.problems(of: member, at: "\(path).\(name)", components: components)
                } else if !additionalProperties {
                    found.append("\(path).\(name): is not a known field")
                }
            }
            return found
        default:
            return []
        }
    }

    static func matches(_ text: String, format: String) -> Bool {
        switch format {
        case "date-time": EventTimestamp(iso8601: text) != nil && text.contains(where: { $0 == "T" || $0 == "t" })
        case "uuid": UUID(canonicalText: text.lowercased()) != nil && text.utf8.count == 36
        case "ipv4": IPv4Address(text) != nil
        case "mac": MACAddress(text) != nil
        default: true
        }
    }

    static func literal(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .integer(let number): "\(number)"
        case .null: "null"
        default: "\(value)"
        }
    }

    static func clip(_ text: String) -> String { text.count > 64 ? String(text.prefix(64)) + "…" : text }
}
