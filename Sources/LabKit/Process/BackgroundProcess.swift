import CLinuxNet
import Foundation
import Glibc
import Synchronization

/// A long-running child (dhcrelay in a test, a traffic generator) whose output goes to a log file.
///
/// Stop it with `terminate()`; it is our child, so its exit status is collected and no zombie stays.
public final class BackgroundProcess: Sendable {
    public let handle: ProcessHandle
    public let arguments: [String]
    /// Where the child's standard output and standard error are appended.
    public let logPath: String
    private let reapedStatus = Mutex<Int32?>(nil)

    /// Starts `arguments` with stdin from /dev/null and stdout+stderr appended to `logPath`.
    public init(_ arguments: [String], logPath: String, environment: [String: String]? = nil) throws {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw LabKitError.errno("open \(logPath)") }
        defer { close(log) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard null >= 0 else { throw LabKitError.errno("open /dev/null") }
        defer { close(null) }
        let pid = try Spawn.start(arguments, environment: environment, stdin: null, stdout: log, stderr: log)
        guard let handle = ProcessHandle(pid: pid) else {
            let status = (try? Spawn.waitForExit(pid)).map(Spawn.exitCode(fromWaitStatus:)) ?? -1
            throw LabKitError(.daemonExited, "\(arguments.joined(separator: " ")) exited at once (status \(status)); see \(logPath)")
        }
        self.handle = handle
        self.arguments = arguments
        self.logPath = logPath
    }

    public var isRunning: Bool {
        if let status = ProcessHandle.reapIfChild(handle.pid) {
            reapedStatus.withLock { $0 = status }
            return false
        }
        if handle.isAlive { return true }
        // It died between the two looks and is a zombie now: collect its status, so a caller
        // that saw it stop can also say how (the lab supervisor once logged "status unknown").
        if let status = ProcessHandle.reapIfChild(handle.pid) { reapedStatus.withLock { $0 = status } }
        return false
    }

    /// The exit code (128 + n for a signal) once ``isRunning`` has seen the process end.
    public var exitStatus: Int32? { reapedStatus.withLock { $0 } }

    /// Everything the process has written so far.
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` and waits up to `timeoutSeconds` for the child to exit; returns its exit
    /// status (128 + n for a signal), or `nil` when it is still running at the deadline.
    public func stop(signal: Int32 = SIGTERM, withinSeconds timeoutSeconds: Double) async -> Int32? {
        let pidfd = cln_pidfd_open(handle.pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        guard pidfd >= 0 else { return nil }
        kill(handle.pid, signal)
        let exited: Bool = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                // The pidfd turns readable when the process exits.
                var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                continuation.resume(returning: poll(&entry, 1, Int32(timeoutSeconds * 1000)) > 0)
            }
        }
        guard exited else { return nil }
        var status: Int32 = 0
        guard waitpid(handle.pid, &status, 0) == handle.pid else { return nil }
        return Spawn.exitCode(fromWaitStatus: status)
    }

    /// Sends `signal` now without waiting (usable in a `defer`, where nothing can be awaited);
    /// a child already gone is reaped, one still exiting is reaped when this process ends.
    public func send(_ signal: Int32) {
        Glibc.kill(handle.pid, signal)
        _ = isRunning
    }

    /// SIGTERM, wait, SIGKILL after `timeoutSeconds`; returns when the child is gone and reaped.
    public func terminate(timeoutSeconds: Double = 5) async {
        await handle.terminate(timeoutSeconds: timeoutSeconds)
        ProcessHandle.reapIfChild(handle.pid)
    }
}
