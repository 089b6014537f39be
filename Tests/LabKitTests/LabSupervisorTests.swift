import Foundation
import Glibc
@testable import LabKit
import Synchronization
import Testing

@Suite("Lab supervisor")
struct LabSupervisorTests {
    /// A component that dies is started again, the restart is logged with its exit status and
    /// counted, and the recorded state follows the new process.
    @Test func aComponentThatDiesIsRestartedAndTheRestartLogged() async throws {
        let folder = NSTemporaryDirectory() + "aether-supervisor-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lines = Mutex<[String]>([])
        let recorded = Mutex<[LabSupervisor.Entry]>([])
        let supervisor = LabSupervisor(minimumRestartInterval: 0, log: { line in lines.withLock { $0.append(line) } },
                                       onChange: { entries in recorded.withLock { $0 = entries } })
        let component = LabComponent(name: "sleeper", namespace: nil, arguments: ["sleep", "60"], logPath: folder + "/sleeper.log")
        try await supervisor.start(component) { process in process.isRunning }
        let first = try #require(await supervisor.snapshot().first?.process)
        #expect(await supervisor.superviseOnce().isEmpty, "a running component is left alone")

        kill(first.pid, SIGKILL)
        try await Readiness.wait(for: "the killed component gone", timeoutSeconds: 10) { !first.isAlive }
        #expect(await supervisor.superviseOnce() == ["sleeper"])
        let entry = try #require(await supervisor.snapshot().first)
        #expect(entry.restarts == 1)
        #expect(entry.lastExit == 137)
        #expect(entry.process != first && entry.process?.isAlive == true)
        #expect(recorded.withLock { $0.first?.process } == entry.process)
        #expect(lines.withLock { $0 }.contains { $0.hasPrefix("sleeper exited (status 137); restarted it (restart 1)") })

        await supervisor.stopAll()
        #expect(entry.process?.isAlive == false)
        #expect(recorded.withLock { $0.isEmpty })
    }
}
