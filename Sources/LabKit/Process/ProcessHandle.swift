import CLinuxNet
import Foundation
import Glibc

/// A process we did not necessarily start ourselves (a daemon that forked away), identified by
/// PID *and* kernel start time so a recycled PID is never mistaken for it.
public struct ProcessHandle: Hashable, Sendable, Codable, CustomStringConvertible {
    public let pid: Int32
    /// Field 22 of `/proc/<pid>/stat`: clock ticks after boot when the process started.
    public let startTime: UInt64

    /// Captures the identity of a running process; `nil` if it is gone.
    public init?(pid: Int32) {
        guard pid > 0, let stat = Self.stat(pid), stat.state != "Z" else { return nil }
        self.pid = pid
        self.startTime = stat.startTime
    }

    /// True while the same process (not a zombie, not a PID reused by another) exists.
    public var isAlive: Bool {
        guard let stat = Self.stat(pid) else { return false }
        return stat.startTime == startTime && stat.state != "Z"
    }

    public var description: String { "pid \(pid)" }

    /// Sends `signal`, then waits for exit through a pidfd; escalates to SIGKILL after `timeout`.
    /// Returns once the process is gone. Harmless when it has already exited.
    public func terminate(signal: Int32 = SIGTERM, timeoutSeconds: Double = 10) async {
        guard isAlive else { return }
        let pidfd = cln_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        // Re-check after opening the pidfd: from here on the descriptor pins this exact process.
        guard isAlive else { return }
        kill(pid, signal)
        if await Self.waitForExit(pidfd: pidfd, handle: self, timeoutSeconds: timeoutSeconds) { return }
        kill(pid, SIGKILL)
        _ = await Self.waitForExit(pidfd: pidfd, handle: self, timeoutSeconds: 5)
    }

    private static func waitForExit(pidfd: Int32, handle: ProcessHandle, timeoutSeconds: Double) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let deadline = MonotonicClock.now + timeoutSeconds
                while handle.isAlive {
                    let remaining = deadline - MonotonicClock.now
                    if remaining <= 0 { continuation.resume(returning: false); return }
                    if pidfd >= 0 {
                        // The pidfd turns readable when the process exits (even before it is reaped).
                        var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                        let ready = poll(&entry, 1, Int32(min(remaining, 0.5) * 1000))
                        if ready > 0 { reapIfChild(handle.pid) }
                    } else {
                        usleep(20_000)
                    }
                    reapIfChild(handle.pid)
                }
                continuation.resume(returning: true)
            }
        }
    }

    /// Collects the exit status when the process happens to be our child, so it does not linger
    /// as a zombie; returns its exit code (128 + n for a signal) when this call reaped it.
    @discardableResult
    static func reapIfChild(_ pid: Int32) -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        return Spawn.exitCode(fromWaitStatus: status)
    }

    static func stat(_ pid: Int32) -> (state: Character, startTime: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the parenthesised command name; the name itself may contain spaces.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        return (state, start)
    }
}
