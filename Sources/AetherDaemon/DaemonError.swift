import Glibc

/// The one error type of `AetherDaemon`: a stable ``Code`` and a message naming what failed
/// (the file and key for configuration, the call and errno for the system).
public struct DaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// A system call failed.
        case systemCallFailed
        /// A configuration value is unusable.
        case invalidConfiguration
    }

    /// The stable failure identifier.
    public var code: Code
    /// What failed and what to do; not stable.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    static func system(_ call: String) -> DaemonError {
        let number = errno
        return DaemonError(.systemCallFailed, "\(call): \(String(cString: strerror(number))) (errno \(number))")
    }
}
