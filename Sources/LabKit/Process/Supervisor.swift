import CLinuxNet
import Dispatch
import Foundation
import Glibc
import Synchronization

/// Runs a foreground command while owning every process started beneath it.
///
/// Daemons fork away from whoever starts them (pg_ctl, `setsid -f`, dhclient). Where PID 1 does
/// not reap orphans (minimal container and VM inits), each stopped daemon would linger as a
/// zombie. A process that declares itself a *child subreaper* inherits those orphans instead,
/// and collects them once the work is done.
public enum Supervisor {
    /// Makes this process the reaper of its orphaned descendants (Linux `PR_SET_CHILD_SUBREAPER`).
    public static func becomeSubreaper() throws {
        guard cln_become_child_subreaper() == 0 else { throw LabKitError.errno("prctl(PR_SET_CHILD_SUBREAPER)") }
    }

    /// Collects every exited child. Call it when no other code is waiting for a specific child,
    /// otherwise that code's `waitpid` could lose its exit status.
    public static func reapExitedChildren() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    /// Runs `arguments` with our standard streams, forwards SIGINT and SIGTERM to it, and returns
    /// its exit code (128 + signal when killed).
    public static func runForeground(_ arguments: [String]) async throws -> Int32 {
        fflush(nil)  // what we printed so far must appear before the child's output
        let pid = try Spawn.start(arguments, environment: nil, stdin: 0, stdout: 1, stderr: 2)
        // Our own default action would kill us before we clean up; let the child decide instead.
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { kill(pid, number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Spawn.waitForExit(pid) })
            }
        }
        return Spawn.exitCode(fromWaitStatus: status)
    }

    /// Suspends until SIGINT or SIGTERM arrives and returns its number; the signals' default
    /// action (dying before cleanup) is disabled for the rest of the process.
    public static func waitForTerminationSignal() async -> Int32 {
        await withCheckedContinuation { continuation in
            let once = OnceFlag()
            let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
                signal(number, SIG_IGN)
                return DispatchSource.makeSignalSource(signal: number, queue: .global())
            }
            for (source, number) in zip(sources, [SIGINT, SIGTERM]) {
                source.setEventHandler {
                    guard once.set() else { return }
                    sources.forEach { $0.cancel() }
                    continuation.resume(returning: number)
                }
                source.resume()
            }
        }
    }
}

/// True exactly once, from whichever thread gets there first.
final class OnceFlag: Sendable {
    private let done = Mutex(false)

    func set() -> Bool {
        done.withLock { done in
            if done { return false }
            done = true
            return true
        }
    }
}
