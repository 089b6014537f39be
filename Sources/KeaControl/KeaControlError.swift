/// The one error type of `KeaControl`: a stable ``Code``, the command concerned and a message
/// that says what went wrong and what to check.
public struct KeaControlError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers of every failure.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// The socket could not be opened, connected, written or read (Kea or its agent is down).
        case transportFailed
        /// No complete answer within the client's timeout.
        case timedOut
        /// The answer is not Kea's JSON (an HTTP error, truncated JSON, a field of the wrong type).
        case malformedAnswer
        /// Kea answered `result` 1 (error) or 2 (command not supported, e.g. the lease_cmds hook is not loaded).
        case commandFailed
        /// A client setting is unusable (a socket path too long, a host that is not an IPv4 address).
        case invalidConfiguration
    }

    /// The stable failure identifier.
    public var code: Code
    /// The command sent, e.g. `lease4-get-page`.
    public var command: String
    /// What went wrong; not stable.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, command: String, _ message: String) {
        self.code = code
        self.command = command
        self.message = message
    }

    /// `code: command: message`.
    public var description: String { "\(code.rawValue): \(command): \(message)" }
}
