import CLinuxNet
import Foundation
import Glibc
import ServiceSupport

/// A named Linux network namespace (`ip netns`), the unit every lab node and test host lives in.
///
/// Names are files under `/run/netns`. Interfaces are always created directly inside their
/// namespace, so two namespaces may use the same interface names without colliding.
public struct NetworkNamespace: Hashable, Sendable, Codable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    /// `/run/netns/<name>`, the handle `setns(2)` and `ip netns exec` use.
    public var path: String { "/run/netns/\(name)" }

    public var exists: Bool { access(path, F_OK) == 0 }

    /// Creates the namespace with its loopback up. Harmless when it already exists.
    @discardableResult
    public static func create(_ name: String) async throws -> NetworkNamespace {
        let namespace = NetworkNamespace(name)
        if !namespace.exists {
            try await CommandRunner.check(["ip", "netns", "add", name])
        }
        try await namespace.ip("link", "set", "lo", "up")
        return namespace
    }

    /// Kills every process still inside, then deletes the namespace. Harmless when it is gone.
    public func delete() async throws {
        guard exists else { return }
        for pid in try await processIDs() {
            await ProcessHandle(pid: pid)?.terminate(timeoutSeconds: 3)
        }
        try await CommandRunner.check(["ip", "netns", "delete", name])
    }

    /// PIDs of processes whose network namespace is this one.
    public func processIDs() async throws -> [Int32] {
        let output = try await CommandRunner.check(["ip", "netns", "pids", name])
        return output.standardOutput.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    /// Runs `ip <arguments>` inside the namespace (`ip -n <name> …`) and throws on failure.
    @discardableResult
    public func ip(_ arguments: String...) async throws -> CommandOutput {
        try await CommandRunner.check(["ip", "-n", name] + arguments)
    }

    /// Runs a command inside the namespace and returns its output whatever its status.
    public func run(_ arguments: [String], environment: [String: String]? = nil,
                    timeoutSeconds: Double = 120) async throws -> CommandOutput {
        try await CommandRunner.run(["ip", "netns", "exec", name] + arguments,
                                    environment: environment, timeoutSeconds: timeoutSeconds)
    }

    /// Runs a command inside the namespace and throws `commandFailed` unless it exits 0.
    @discardableResult
    public func check(_ arguments: [String], environment: [String: String]? = nil,
                      timeoutSeconds: Double = 120) async throws -> CommandOutput {
        try await CommandRunner.check(["ip", "netns", "exec", name] + arguments,
                                      environment: environment, timeoutSeconds: timeoutSeconds)
    }

    /// Starts a long-running command inside the namespace, output appended to `logPath`.
    public func spawn(_ arguments: [String], logPath: String,
                      environment: [String: String]? = nil) throws -> BackgroundProcess {
        try BackgroundProcess(["ip", "netns", "exec", name] + arguments, logPath: logPath, environment: environment)
    }

    /// Runs `body` on a fresh thread that has entered this namespace.
    ///
    /// Sockets created inside `body` belong to the namespace for their whole life, whichever
    /// thread later uses them: this is how an in-process client talks to a daemon in a lab node.
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await DedicatedThread.run(name: "netns", inNetworkNamespace: path, body)
    }
}
