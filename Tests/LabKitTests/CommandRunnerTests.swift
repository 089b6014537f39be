import Foundation
import LabKit
import Testing

@Suite("Commands and processes")
struct CommandRunnerTests {
    @Test func capturesBothStreamsAndTheExitStatus() async throws {
        let output = try await CommandRunner.run(["sh", "-c", "echo out; echo err >&2; exit 7"])
        #expect(output.status == 7)
        #expect(output.standardOutput == "out\n")
        #expect(output.standardError == "err\n")
        #expect(!output.succeeded)
    }

    @Test func feedsStandardInput() async throws {
        let output = try await CommandRunner.run(["tr", "a-z", "A-Z"], input: "aether\n")
        #expect(output.standardOutput == "AETHER\n")
    }

    @Test func checkThrowsCommandFailedWithStandardError() async throws {
        let error = try await #require(throws: LabKitError.self) {
            try await CommandRunner.check(["sh", "-c", "echo broken-on-purpose >&2; exit 3"])
        }
        #expect(error.code == .commandFailed)
        #expect(error.message.contains("broken-on-purpose"))
        #expect(error.message.contains("exited 3"))
    }

    @Test func missingExecutableNamesTheRemedy() async throws {
        let error = try await #require(throws: LabKitError.self) {
            try await CommandRunner.run(["aether-no-such-tool"])
        }
        #expect(error.code == .executableNotFound)
        #expect(error.message.contains("make deps"))
    }

    @Test func commandPastItsTimeoutIsKilled() async throws {
        let error = try await #require(throws: LabKitError.self) {
            try await CommandRunner.run(["sleep", "30"], timeoutSeconds: 0.3)
        }
        #expect(error.code == .timedOut)
    }

    @Test func backgroundProcessTerminatesAndIsReaped() async throws {
        let log = NSTemporaryDirectory() + "aether-bg-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try BackgroundProcess(["sh", "-c", "echo started; exec sleep 300"], logPath: log)
        try await Readiness.wait(for: "the child's first line", timeoutSeconds: 10) { process.log().contains("started") }
        #expect(process.isRunning)
        await process.terminate()
        #expect(!process.isRunning)
        // Reaped, not a zombie: /proc no longer has it.
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(process.handle.pid)"))
    }

    @Test func processHandleRefusesMissingProcesses() {
        #expect(ProcessHandle(pid: 0) == nil)
        #expect(ProcessHandle(pid: -5) == nil)
        #expect(ProcessHandle(pid: getpid())?.isAlive == true)
    }

    @Test func readinessTimeoutSaysWhatItAwaited() async throws {
        let error = try await #require(throws: LabKitError.self) {
            try await Readiness.wait(for: "a condition that never holds", timeoutSeconds: 0.2) { false }
        }
        #expect(error.code == .timedOut)
        #expect(error.message.contains("a condition that never holds"))
    }
}
