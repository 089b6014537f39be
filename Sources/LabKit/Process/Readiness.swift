import Foundation

/// Waits for a real condition (a socket answering, a file appearing, a log line) with a deadline.
///
/// The check runs at once and then at a short, growing interval; the deadline is what bounds the
/// wait, and a timeout says what was awaited and what was last observed.
public enum Readiness {
    public static func wait(for what: String, timeoutSeconds: Double = 30,
                            check: () async throws -> Bool) async throws {
        let deadline = MonotonicClock.now + timeoutSeconds
        var interval = 0.01
        var lastError: (any Error)?
        while true {
            do {
                if try await check() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            if MonotonicClock.now >= deadline {
                let detail = lastError.map { " (last error: \($0))" } ?? ""
                throw LabKitError(.timedOut, "\(what) not ready after \(timeoutSeconds) s\(detail)")
            }
            try await Task.sleep(for: .seconds(interval))
            interval = min(interval * 1.5, 0.25)
        }
    }
}
