/// The one error type of `ServiceSupport`, shaped like every Aether module's error: a stable
/// ``Code``, a message that says what failed, and where it was thrown.
public struct ServiceSupportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers of every failure.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// A thread could not be started (`pthread_create`).
        case threadFailed
        /// A pipe or another descriptor for waking a poll loop could not be made.
        case descriptorFailed
        /// A network namespace could not be entered (missing, or no permission to `setns`).
        case namespaceUnavailable
    }

    /// The stable failure identifier.
    public var code: Code
    /// What failed, for people; not stable.
    public var message: String
    /// Source file that threw (excluded from equality).
    public var file: String
    /// Source line that threw (excluded from equality).
    public var line: Int

    /// Creates an error; `file` and `line` default to the caller's location.
    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// Errors compare by code and message.
    public static func == (lhs: ServiceSupportError, rhs: ServiceSupportError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    /// Hashes what ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}
