import Foundation
import LabKit
import ServiceLifecycle

/// Throwaway namespaces for one test, named `aet-test-<random>-<role>` so parallel tests never
/// collide and `make test`'s final sweep finds anything a crashed test left behind.
public final class TestNetwork: @unchecked Sendable {
    public let tag: String
    private let lock = NSLock()
    private var namespaces: [NetworkNamespace] = []
    private var processes: [BackgroundProcess] = []
    private var cleanups: [@Sendable () async -> Void] = []
    /// A folder for this test's logs and lease files, removed with the network.
    public let directory: String

    init() throws {
        tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        directory = NSTemporaryDirectory() + "aether-test-\(tag)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Creates `aet-test-<tag>-<role>`, deleted when the test ends.
    public func namespace(_ role: String) async throws -> NetworkNamespace {
        let name = "\(TestServices.configuration.namespacePrefix)-\(tag)-\(role)"
        let namespace = try await NetworkNamespace.create(name)
        lock.withLock { namespaces.append(namespace) }
        // dhclient-script writes resolv.conf; `ip netns exec` bind-mounts this one instead of the host's.
        let etc = "/etc/netns/\(name)"
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        try Data("# aether test\n".utf8).write(to: URL(fileURLWithPath: etc + "/resolv.conf"))
        return namespace
    }

    /// Starts a long-running command in `namespace`, terminated when the test ends.
    public func spawn(_ arguments: [String], in namespace: NetworkNamespace, log name: String) throws -> BackgroundProcess {
        let process = try namespace.spawn(arguments, logPath: directory + "/\(name).log")
        lock.withLock { processes.append(process) }
        return process
    }

    /// Registers extra cleanup (a route in the services namespace, a database row).
    public func onCleanup(_ work: @escaping @Sendable () async -> Void) {
        lock.withLock { cleanups.append(work) }
    }

    func tearDown() async {
        let (processes, cleanups, namespaces) = lock.withLock { (self.processes, self.cleanups, self.namespaces) }
        for process in processes.reversed() { await process.terminate() }
        for cleanup in cleanups.reversed() { await cleanup() }
        for namespace in namespaces.reversed() {
            try? await namespace.delete()
            try? FileManager.default.removeItem(atPath: "/etc/netns/\(namespace.name)")
        }
        // AETHER_KEEP_TEST_LOGS=1 keeps the directory (daemon logs, configs) for a post-mortem.
        if ProcessInfo.processInfo.environment["AETHER_KEEP_TEST_LOGS"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

/// Runs `body` with a fresh `TestNetwork` and always tears it down, also when `body` throws.
public func withTestNetwork<T>(_ body: (TestNetwork) async throws -> T) async throws -> T {
    let network = try TestNetwork()
    do {
        let result = try await body(network)
        await network.tearDown()
        return result
    } catch {
        await network.tearDown()
        throw error
    }
}

extension TestNetwork {
    /// Runs `service` in a task for the rest of the test; at cleanup the task is cancelled
    /// (the service's stop path) and awaited, so nothing it started outlives the test.
    public func run(_ service: some Service) {
        let task = Task { try await service.run() }
        onCleanup {
            task.cancel()
            _ = try? await task.value
        }
    }
}
