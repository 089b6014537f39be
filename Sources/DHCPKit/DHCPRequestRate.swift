/// A request rate limit: a token bucket of `burst` tokens refilled at `perSecond`.
public struct DHCPRequestRate: Hashable, Sendable, Codable {
    /// Tokens added per second.
    public var perSecond: Double
    /// Bucket size: requests allowed back to back.
    public var burst: Int

    /// A limit of `perSecond` with bursts of `burst`.
    public init(perSecond: Double, burst: Int) {
        self.perSecond = max(0, perSecond)
        self.burst = max(1, burst)
    }
}

/// The state of one ``DHCPRequestRate`` bucket, on an injected clock.
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    private var refilledAt: ContinuousClock.Instant

    /// A full bucket.
    init(_ rate: DHCPRequestRate, now: ContinuousClock.Instant) {
        tokens = Double(rate.burst)
        refilledAt = now
    }

    /// Refills for the time since the last call and takes one token; false when there is none.
    mutating func take(_ rate: DHCPRequestRate, now: ContinuousClock.Instant) -> Bool {
        let elapsed = now - refilledAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(Double(rate.burst), tokens + max(0, seconds) * rate.perSecond)
        refilledAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
