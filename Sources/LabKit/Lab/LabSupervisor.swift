import Foundation
import Glibc

/// One long-running part of the lab: a daemon in a namespace (or on the machine itself) with
/// its log under the lab's `logs/` folder.
public struct LabComponent: Hashable, Sendable, Codable {
    /// `aether-bng@bng-01`, `aether-relay@an-03`, `aether-api`, `upstream-dns`, …
    public var name: String
    /// The namespace it runs in; `nil` for the machine's own.
    public var namespace: String?
    public var arguments: [String]
    public var logPath: String

    public init(name: String, namespace: NetworkNamespace?, arguments: [String], logPath: String) {
        self.name = name
        self.namespace = namespace?.name
        self.arguments = arguments
        self.logPath = logPath
    }

    enum CodingKeys: String, CodingKey {
        case name, namespace, arguments
        case logPath = "log"
    }

    func spawn() throws -> BackgroundProcess {
        if let namespace { return try NetworkNamespace(namespace).spawn(arguments, logPath: logPath) }
        return try BackgroundProcess(arguments, logPath: logPath)
    }
}

/// Keeps the lab's components running: each is started and awaited by its own readiness check;
/// one that exits is started again (at most once per `minimumRestartInterval`, so a component
/// that cannot start does not spin) and the restart is logged with the exit status.
public actor LabSupervisor {
    public struct Entry: Sendable, Codable {
        public var component: LabComponent
        public var process: ProcessHandle?
        public var restarts: Int
        public var lastExit: Int32?
    }

    private var order: [String] = []
    private var entries: [String: (entry: Entry, process: BackgroundProcess?, startedAt: Double)] = [:]
    private let log: @Sendable (String) -> Void
    private let onChange: @Sendable ([Entry]) -> Void
    public let minimumRestartInterval: Double

    public init(minimumRestartInterval: Double = 2, log: @escaping @Sendable (String) -> Void,
                onChange: @escaping @Sendable ([Entry]) -> Void = { _ in }) {
        self.minimumRestartInterval = minimumRestartInterval
        self.log = log
        self.onChange = onChange
    }

    /// Starts `component` and waits until `ready` holds (or the component exits, or the deadline).
    public func start(_ component: LabComponent, timeoutSeconds: Double = 60,
                      ready: @escaping @Sendable (BackgroundProcess) async throws -> Bool) async throws {
        try? FileManager.default.createDirectory(atPath: (component.logPath as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        let process = try component.spawn()
        order.append(component.name)
        entries[component.name] = (Entry(component: component, process: process.handle, restarts: 0), process, MonotonicClock.now)
        onChange(snapshot())
        do {
            try await Readiness.wait(for: component.name, timeoutSeconds: timeoutSeconds) {
                guard process.isRunning else {
                    let tail = process.log().split(separator: "\n").suffix(12).joined(separator: "\n")
                    throw LabKitError(.daemonExited, "\(component.name) exited; last lines of \(component.logPath):\n\(tail)")
                }
                return try await ready(process)
            }
        } catch let error as LabKitError where error.code == .daemonExited {
            throw error
        } catch {
            let tail = process.log().split(separator: "\n").suffix(12).joined(separator: "\n")
            throw LabKitError(.timedOut, "\(error); last lines of \(component.logPath):\n\(tail)")
        }
    }

    /// What runs now, in start order.
    public func snapshot() -> [Entry] { order.compactMap { entries[$0]?.entry } }

    /// One pass: every component that has exited is started again. Returns the names restarted.
    @discardableResult
    public func superviseOnce() -> [String] {
        var restarted: [String] = []
        for name in order {
            // A component runs, or it exited, or its last restart could not even spawn it (nil).
            guard var slot = entries[name], slot.process?.isRunning != true else { continue }
            guard MonotonicClock.now - slot.startedAt >= minimumRestartInterval else { continue }
            let status = slot.process?.exitStatus ?? slot.entry.lastExit
            slot.entry.lastExit = status
            slot.entry.restarts += 1
            do {
                let next = try slot.entry.component.spawn()
                slot.process = next
                slot.entry.process = next.handle
                log("\(name) exited (status \(status.map(String.init) ?? "unknown")); restarted it (restart \(slot.entry.restarts)), log \(slot.entry.component.logPath)")
            } catch {
                slot.process = nil
                slot.entry.process = nil
                log("\(name) exited (status \(status.map(String.init) ?? "unknown")) and could not be restarted: \(error)")
            }
            slot.startedAt = MonotonicClock.now
            entries[name] = slot
            restarted.append(name)
        }
        if !restarted.isEmpty { onChange(snapshot()) }
        return restarted
    }

    /// Stops every component, last started first.
    public func stopAll() async {
        for name in order.reversed() {
            guard let process = entries[name]?.process else { continue }
            await process.terminate(timeoutSeconds: 10)
        }
        order.removeAll()
        entries.removeAll()
        onChange([])
    }
}
