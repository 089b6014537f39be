import Foundation
import Dispatch
import Glibc

/// What a finished command printed and how it ended.
public struct CommandOutput: Sendable, Hashable {
    /// Exit code, or 128 + signal number when the command was killed.
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
    public var succeeded: Bool { status == 0 }
}

/// Runs short-lived commands (`ip`, `kea-admin`, `dhclient -1`) and collects their output.
///
/// The blocking work (pipes, `waitpid`) happens on a Dispatch thread, never on Swift's
/// cooperative pool. These are setup and test tools only: nothing in a data path runs a command.
public enum CommandRunner {
    /// Runs a command to completion. Does not throw for a non-zero exit: inspect `status`.
    public static func run(_ arguments: [String], environment: [String: String]? = nil,
                           input: String? = nil, timeoutSeconds: Double = 120) async throws -> CommandOutput {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try runBlocking(arguments, environment: environment, input: input, timeoutSeconds: timeoutSeconds)
                })
            }
        }
    }

    /// Runs a command and throws `commandFailed`, with its standard error, unless it exits 0.
    @discardableResult
    public static func check(_ arguments: [String], environment: [String: String]? = nil,
                             input: String? = nil, timeoutSeconds: Double = 120) async throws -> CommandOutput {
        let output = try await run(arguments, environment: environment, input: input, timeoutSeconds: timeoutSeconds)
        guard output.succeeded else {
            let detail = (output.standardError.isEmpty ? output.standardOutput : output.standardError)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            throw LabKitError(.commandFailed,
                              "`\(arguments.joined(separator: " "))` exited \(output.status): \(detail)")
        }
        return output
    }

    static func runBlocking(_ arguments: [String], environment: [String: String]?, input: String?,
                            timeoutSeconds: Double) throws -> CommandOutput {
        let stdinPipe = try FilePipe()
        let stdoutPipe = try FilePipe()
        let stderrPipe = try FilePipe()
        defer { [stdinPipe, stdoutPipe, stderrPipe].forEach { $0.closeBoth() } }

        let pid = try Spawn.start(arguments, environment: environment,
                                  stdin: stdinPipe.read, stdout: stdoutPipe.write, stderr: stderrPipe.write)
        stdinPipe.closeRead()
        stdoutPipe.closeWrite()
        stderrPipe.closeWrite()
        if let input {
            // Inputs here are small (SQL, a config line); one write before reading cannot deadlock.
            _ = Array(input.utf8).withUnsafeBytes { write(stdinPipe.write, $0.baseAddress, $0.count) }
        }
        stdinPipe.closeWrite()

        var out: [UInt8] = []
        var err: [UInt8] = []
        let deadline = MonotonicClock.now + timeoutSeconds
        var open = [stdoutPipe.read, stderrPipe.read]
        var killed = false
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let remaining = max(0, deadline - MonotonicClock.now)
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1) * 1000))
            if ready < 0 {
                if errno == EINTR { continue }
                throw LabKitError.errno("poll")
            }
            if MonotonicClock.now >= deadline, !killed {
                kill(pid, SIGKILL)
                killed = true
            }
            // A grandchild that outlives the killed command may hold the pipes open forever:
            // stop reading shortly after the kill instead of waiting for an EOF that never comes.
            if killed, MonotonicClock.now >= deadline + 2 { break }
            for entry in fds where entry.revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if entry.fd == stdoutPipe.read { out += chunk[0..<count] } else { err += chunk[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open.removeAll { $0 == entry.fd }
                }
            }
        }
        let status = Spawn.exitCode(fromWaitStatus: try Spawn.waitForExit(pid))
        if killed {
            throw LabKitError(.timedOut, "`\(arguments.joined(separator: " "))` ran longer than \(timeoutSeconds) s and was killed")
        }
        return CommandOutput(status: status,
                             standardOutput: String(decoding: out, as: UTF8.self),
                             standardError: String(decoding: err, as: UTF8.self))
    }
}

/// A pipe whose two ends are closed exactly once.
final class FilePipe {
    private(set) var read: Int32
    private(set) var write: Int32

    init() throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw LabKitError.errno("pipe") }
        // Spawned children close every inherited descriptor anyway; CLOEXEC also covers other exec paths.
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        read = fds[0]
        write = fds[1]
    }

    func closeRead() { if read >= 0 { close(read); read = -1 } }
    func closeWrite() { if write >= 0 { close(write); write = -1 } }
    func closeBoth() { closeRead(); closeWrite() }
}

/// Seconds on the monotonic clock, for deadlines that wall-clock changes cannot move.
enum MonotonicClock {
    static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
