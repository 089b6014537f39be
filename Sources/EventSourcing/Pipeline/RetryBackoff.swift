/// Exponential back-off with jitter for reconnecting to Redis or PostgreSQL.
///
/// Delays grow `initialSeconds × multiplier^n` up to `maximumSeconds`; each is drawn uniformly
/// from the upper half of that value so many clients restarting together spread out.
public struct RetryBackoff: Hashable, Sendable {
    /// First delay, seconds (default 0.05).
    public var initialSeconds: Double
    /// Largest delay, seconds (default 5).
    public var maximumSeconds: Double
    /// Growth per failure (default 2).
    public var multiplier: Double
    /// Consecutive failures so far.
    public private(set) var failures: Int = 0

    /// A back-off policy.
    public init(initialSeconds: Double = 0.05, maximumSeconds: Double = 5, multiplier: Double = 2) {
        self.initialSeconds = initialSeconds
        self.maximumSeconds = maximumSeconds
        self.multiplier = multiplier
    }

    /// The delay before the next attempt; `unit` is a random number in 0..<1 (injected for tests).
    public mutating func nextDelay(unit: Double = Double.random(in: 0..<1)) -> Double {
        var ceiling = initialSeconds
        for _ in 0..<min(failures, 64) {
            ceiling *= multiplier
            if ceiling >= maximumSeconds { break }
        }
        ceiling = min(ceiling, maximumSeconds)
        failures += 1
        return ceiling / 2 + ceiling / 2 * min(max(unit, 0), 1)
    }

    /// Forgets past failures after a success.
    public mutating func reset() { failures = 0 }

    /// Runs `body` until it succeeds, retrying only connection losses with this back-off,
    /// at most `maxAttempts` times in all; then throws `retriesExhausted`, which names `target`.
    /// Only for work that is safe to repeat.
    func retryingConnectionLoss<T>(maxAttempts: Int, target: String, sleep: (Double) -> Void,
                                   _ body: () throws -> T) throws -> T {
        var backoff = self
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try body()
            } catch let error as EventSourcingError where error.isConnectionLoss {
                guard attempt < maxAttempts else {
                    throw EventSourcingError(.retriesExhausted, "gave up on \(target) after \(attempt) attempt(s): \(error.message)",
                                             sqlState: error.sqlState)
                }
                sleep(backoff.nextDelay())
            }
        }
    }
}
