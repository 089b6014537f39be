/// The one error type of `BNGKit`: a stable ``Code``, and a message saying what failed and,
/// for configuration, the file and the key.
public struct BNGError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers of every failure.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// The configuration file is missing, not YAML, or a key holds an unusable value.
        case invalidConfiguration
        /// The session store (SQLite) could not be opened, read or written (a full disk, for one).
        case storeFailed
        /// The kernel refused a data-plane change (nftables, tc, conntrack).
        case dataPlaneFailed
        /// The operator's control socket could not be served or reached, or got a bad request.
        case controlFailed
    }

    /// The stable failure identifier.
    public var code: Code
    /// What went wrong; not stable.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
