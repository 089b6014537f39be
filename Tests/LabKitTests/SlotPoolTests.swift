@testable import AetherTestSupport
import Foundation
import LabKit
import Testing

/// Test subnet slots are shared out across processes: one another process holds is skipped.
@Suite("Test subnet slots across processes")
struct SlotPoolTests {
    @Test func aSlotAnotherProcessHoldsIsSkippedAndFreeAgainOnceItEnds() async throws {
        let scratch = try ScratchDirectory("slots")
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/slots", withIntermediateDirectories: true)
        let lock = scratch.path + "/slots/0.lock"
        // The holder is the process itself (exec), so ending it releases the lock.
        let other = try BackgroundProcess(["sh", "-c", "exec 9>\"$0\"; flock 9; exec sleep 60", lock], logPath: scratch.path + "/flock.log")
        try await Readiness.wait(for: "the other process to hold slot 0", timeoutSeconds: 10) {
            try await CommandRunner.run(["flock", "-n", lock, "true"]).status != 0
        }
        let pool = SlotPool()
        #expect(try await pool.take(from: [0, 1], stateDirectory: scratch.path) == 1)
        await #expect(throws: LabKitError.self) { try await pool.take(from: [0, 1], stateDirectory: scratch.path) }
        await other.terminate()
        #expect(try await pool.take(from: [0, 1], stateDirectory: scratch.path) == 0, "the kernel released the lock with the process")
        await pool.give(1)
        #expect(try await CommandRunner.run(["flock", "-n", scratch.path + "/slots/1.lock", "true"]).status == 0, "given back: free for others")
    }
}
