import EventSourcing
import EventSourcingTestConsumer
import Foundation
import LabKit

/// Starts the `EventSourcingTestConsumer` executable built next to the test bundle.
enum TestConsumerProcess {
    static var executable: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (me as NSString).deletingLastPathComponent + "/EventSourcingTestConsumer"
    }

    static func start(_ configuration: TestConsumerConfiguration, log: String) throws -> BackgroundProcess {
        let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        return try BackgroundProcess([executable, json], logPath: log)
    }

    /// Runs `append <path> <bng> <count>` and returns the sequence numbers it reported before dying.
    static func appendThenDie(path: String, bngID: String, count: Int) async throws -> [UInt64] {
        let output = try await CommandRunner.run([executable, "append", path, bngID, String(count)])
        guard output.status == 128 + SIGKILL else {
            throw EventSourcingError(.invalidConfiguration, "append helper exited \(output.status): \(output.standardOutput)")
        }
        return output.standardOutput.split(separator: "\n").compactMap { line in
            line.hasPrefix("appended ") ? UInt64(line.dropFirst("appended ".count)) : nil
        }
    }
}
