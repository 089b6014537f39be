import Foundation

/// A configuration problem: the message names the file and the key.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, with the file and the key.
    public let message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// A secret: inline, from a file, or from the environment (exactly one).
public struct Secret: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Where the secret comes from.
    public enum Source: Hashable, Sendable {
        case value(String), file(String), environment(String)
    }

    /// Where it comes from.
    public var source: Source

    /// A secret from `source`.
    public init(_ source: Source) { self.source = source }

    /// Reads the secret (a file's contents without the trailing newline).
    public func resolve(key: String, file: String) throws -> String {
        let text: String?
        switch source {
        case .value(let value): text = value
        case .file(let path): text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .newlines)
        case .environment(let name): text = ProcessInfo.processInfo.environment[name]
        }
        guard let text, !text.isEmpty else {
            throw ConfigurationError("\(file): key \"\(key)\": \(describeSource) gives no secret")
        }
        return text
    }

    var describeSource: String {
        switch source {
        case .value: "the inline value"
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }

    /// Never the secret itself.
    public var description: String { describeSource }

    /// `"text"`, `{file: path}` or `{env: NAME}`.
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            source = .value(text)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let path = try container.decodeIfPresent(String.self, forKey: .file) {
            source = .file(path)
        } else if let name = try container.decodeIfPresent(String.self, forKey: .env) {
            source = .environment(name)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a secret is a string, {file: path} or {env: NAME}"))
        }
    }

    /// Encodes the source, never a resolved value from a file or the environment.
    public func encode(to encoder: any Encoder) throws {
        switch source {
        case .value(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .file(let path):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .file)
        case .environment(let name):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .env)
        }
    }

    enum CodingKeys: String, CodingKey { case file, env }
}

extension DecodingError {
    /// Where in a configuration document the error is (`a.b.0.c`, `(document)` at the root) and why.
    public var configurationProblem: (key: String, reason: String) {
        let error = self
        func path(_ context: DecodingError.Context, _ extra: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (extra.map { [$0] } ?? [])
            let text = keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return text.isEmpty ? "(document)" : text
        }
        switch error {
        case .keyNotFound(let key, let context): return (path(context, key), "is missing")
        case .typeMismatch(let type, let context): return (path(context), "is not a \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context): return (path(context), "needs a \(type)")
        case .dataCorrupted(let context):
            return (path(context), context.debugDescription + (context.underlyingError.map { " \($0)" } ?? ""))
        @unknown default: return ("(document)", "\(error)")
        }
    }
}
