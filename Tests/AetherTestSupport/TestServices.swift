import Foundation
import LabKit

/// The running `test`-profile harness, started at most once per test process.
///
/// `make test` starts the services before `swift test`, so this normally just confirms they
/// answer; a bare `swift test` starts them itself (and leaves them up; `make test-down` stops them).
public enum TestServices {
    private static let shared = SharedStart()

    /// Endpoints of the harness, starting it first when needed.
    public static func endpoints() async throws -> ServiceEndpoints {
        try await shared.endpoints()
    }

    /// The `test` profile (or its `AETHER_TEST_INSTANCE` twin); `AETHER_TEST_PROFILE=bench` runs
    /// the process on the benchmark's harness instead (`make bench`).
    public static var configuration: HarnessConfiguration {
        ProcessInfo.processInfo.environment["AETHER_TEST_PROFILE"] == "bench" ? .bench() : .test()
    }
}

private actor SharedStart {
    private var task: Task<ServiceEndpoints, any Error>?

    func endpoints() async throws -> ServiceEndpoints {
        if let task { return try await task.value }
        let task = Task { try await ServiceHarness(configuration: TestServices.configuration).start() }
        self.task = task
        return try await task.value
    }
}
