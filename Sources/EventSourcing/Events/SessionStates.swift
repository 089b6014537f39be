// Both types encode as a bare string through the standard library's Codable support for
// String-backed RawRepresentable types.

/// Where a session stands with RADIUS, as carried in session events (`auth_state`).
public struct SessionAuthState: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire spelling.
    public let rawValue: String
    /// Wraps a wire spelling, known or not.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The wire spelling.
    public var description: String { rawValue }

    /// Access-Request sent, no answer yet.
    public static let pendingAuth = SessionAuthState(rawValue: "PENDING_AUTH")
    /// Access-Accept received; forwarding allowed.
    public static let authorized = SessionAuthState(rawValue: "AUTHORIZED")
    /// Access-Reject received; the lease is kept but forwarding is blocked.
    public static let rejected = SessionAuthState(rawValue: "REJECTED")
}

/// The lifecycle status of a session (`status`).
public struct SessionStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire spelling.
    public let rawValue: String
    /// Wraps a wire spelling, known or not.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The wire spelling.
    public var description: String { rawValue }

    /// The session holds an address.
    public static let active = SessionStatus(rawValue: "ACTIVE")
    /// The session ended.
    public static let stopped = SessionStatus(rawValue: "STOPPED")
}
