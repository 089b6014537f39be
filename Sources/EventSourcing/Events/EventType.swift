/// The kind of an event, as it appears in the `event_type` field on the wire.
///
/// An open set: unknown values are representable (and printable) so a reader can name what it
/// refused, but `EventPayload` only decodes the types listed here.
public struct EventType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire spelling, e.g. `SESSION_START`.
    public let rawValue: String
    /// Wraps a wire spelling, known or not.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The wire spelling.
    public var description: String { rawValue }

    /// A subscriber session started (DHCP ACK with a new address).
    public static let sessionStart = EventType(rawValue: "SESSION_START")
    /// Periodic counters of a live session (interim interval).
    public static let sessionUpdate = EventType(rawValue: "SESSION_UPDATE")
    /// A session ended, with final counters and the RFC 2866 terminate cause.
    public static let sessionStop = EventType(rawValue: "SESSION_STOP")
    /// An authorization outcome or rate change was applied to a session.
    public static let policyApply = EventType(rawValue: "POLICY_APPLY")
    /// An access node became alive or stale.
    public static let routerUpdate = EventType(rawValue: "ROUTER_UPDATE")
    /// Periodic CPU and memory report of a BNG.
    public static let bngHealthUpdate = EventType(rawValue: "BNG_HEALTH_UPDATE")

    /// Every type this build can decode.
    public static let known: [EventType] = [.sessionStart, .sessionUpdate, .sessionStop, .policyApply, .routerUpdate, .bngHealthUpdate]
}
