import Foundation

/// Where the ingestor puts stream entries it can never process (unsupported schema version,
/// unknown type, bad JSON), so they are kept for a human instead of blocking the group or vanishing.
public protocol DeadLetterSink: AnyObject {
    /// Keeps `message` with the reason; after it returns the message is acknowledged.
    func deadLetter(_ message: StreamMessage, reason: EventSourcingError) throws
}

/// Keeps dead letters in memory (tests, embedding).
public final class InMemoryDeadLetters: DeadLetterSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(StreamMessage, EventSourcingError)] = []

    /// An empty sink.
    public init() {}

    /// Keeps one.
    public func deadLetter(_ message: StreamMessage, reason: EventSourcingError) throws {
        lock.lock()
        stored.append((message, reason))
        lock.unlock()
    }

    /// Everything kept, oldest first.
    public var letters: [(message: StreamMessage, reason: EventSourcingError)] {
        lock.lock()
        defer { lock.unlock() }
        return stored.map { (message: $0.0, reason: $0.1) }
    }
}
