import Foundation
import Glibc

/// What `aether-lab status` reports about a lab of one profile, read from its `lab.json` and the
/// OSS: text for people, JSON for scripts (the task pages read `api_url` and `token_file`).
public struct LabStatusReport: Encodable, Sendable {
    public let state: LabState
    public let topology: LabTopology
    public let running: Bool
    public let sessions: [String: Int]

    /// The report of the lab running under `harness`, or nil when none was started.
    public static func read(harness: HarnessConfiguration) throws -> LabStatusReport? {
        guard let state = LabState.read(harness.stateDirectory + "/lab/lab.json") else { return nil }
        let topology = try LabTopology.load(path: state.topologyPath)
        let sessions = (try? LabStatus.sessions(layout: LabLayout(topology: topology, harness: harness))) ?? [:]
        return LabStatusReport(state: state, topology: topology, running: state.supervisor?.isAlive == true, sessions: sessions)
    }

    /// The supervisor and every component run.
    public var healthy: Bool { running && state.components.allSatisfy { $0.process?.isAlive == true } }

    public var text: String {
        var lines = [
            "lab \(state.name) (\(state.profile)): \(running ? (state.ready ? "up" : "coming up") : "supervisor gone; run `aether-lab down`")",
            "dashboard \(state.apiURL)/   token \(state.tokenPath)",
        ]
        lines += topology.bngs.map { "  \($0.id): \(sessions[$0.id] ?? 0) active sessions" }
        for entry in state.components {
            let restarts = entry.restarts == 0 ? "" : "  restarts \(entry.restarts)"
            lines.append("  \(entry.process?.isAlive == true ? "up  " : "down") \(entry.component.name.padding(toLength: 28, withPad: " ", startingAt: 0)) "
                         + "\(entry.process.map(String.init(describing:)) ?? "-")\(restarts)")
        }
        return lines.joined(separator: "\n")
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state.name, forKey: .name)
        try container.encode(state.profile, forKey: .profile)
        try container.encode(running, forKey: .running)
        try container.encode(state.ready, forKey: .ready)
        try container.encode(state.apiURL, forKey: .apiURL)
        try container.encode(state.tokenPath, forKey: .tokenPath)
        try container.encode(sessions, forKey: .sessions)
        try container.encode(state.components.map {
            Component(name: $0.component.name, namespace: $0.component.namespace, pid: $0.process?.pid,
                      running: $0.process?.isAlive == true, restarts: $0.restarts, log: $0.component.logPath)
        }, forKey: .components)
    }

    struct Component: Encodable {
        let name: String
        let namespace: String?
        let pid: Int32?
        let running: Bool
        let restarts: Int
        let log: String
    }

    enum CodingKeys: String, CodingKey {
        case name, profile, running, ready, sessions, components
        case apiURL = "api_url"
        case tokenPath = "token_file"
    }
}

extension Lab {
    /// Signals one component of the lab running under `harness` and waits until its supervisor
    /// has started it again; returns the new process and its restart count.
    public static func restart(_ component: String, signal: Int32, harness: HarnessConfiguration,
                               progress: @Sendable (String) -> Void) async throws -> (process: ProcessHandle?, restarts: Int) {
        let path = harness.stateDirectory + "/lab/lab.json"
        guard let state = LabState.read(path), state.supervisor?.isAlive == true else {
            throw LabKitError(.invalidConfiguration, "no lab runs under profile \(harness.profile)")
        }
        guard let process = state.components.first(where: { $0.component.name == component })?.process else {
            throw LabKitError(.invalidConfiguration,
                              "no component \(component); the lab has \(state.components.map(\.component.name).joined(separator: ", "))")
        }
        kill(process.pid, signal)
        progress("sent \(signal == SIGKILL ? "SIGKILL" : "SIGTERM") to \(component) (\(process)); waiting for the supervisor to start it again")
        func current() -> LabSupervisor.Entry? { LabState.read(path)?.components.first { $0.component.name == component } }
        try await Readiness.wait(for: "\(component) restarted", timeoutSeconds: 60) {
            guard let now = current()?.process else { return false }
            return now != process && now.isAlive
        }
        let restarted = current()
        return (restarted?.process, restarted?.restarts ?? 0)
    }

    /// `up --detach`: runs `arguments` (this command line without `--detach`) again in a session
    /// of its own, output to `logPath`, and returns once its lab records that it is ready (or
    /// throws with the log's last lines when it exits first).
    public static func startDetached(arguments: [String], harness: HarnessConfiguration, logPath: String,
                                     progress: @Sendable (String) -> Void) async throws -> BackgroundProcess {
        try? FileManager.default.createDirectory(atPath: (logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: logPath)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
        let child = try BackgroundProcess(["setsid", executable] + arguments.dropFirst(), logPath: logPath)
        progress("lab supervisor started (\(child.handle)); progress in \(logPath)")
        let statePath = harness.stateDirectory + "/lab/lab.json"
        try await Readiness.wait(for: "the lab", timeoutSeconds: 600) {
            if LabState.read(statePath)?.ready == true { return true }
            guard child.isRunning else {
                throw LabKitError(.daemonExited, "the lab did not come up:\n\(child.log().split(separator: "\n").suffix(20).joined(separator: "\n"))")
            }
            return false
        }
        return child
    }

    /// `up` in the foreground: Ctrl-C no longer kills the process half-way once this starts (the
    /// lab comes up whole, then goes); the simulator, when configured, is the last component;
    /// supervises until SIGINT or SIGTERM, then removes the lab. Returns the signal's number.
    public func runInForeground(seed: UInt64, keepServices: Bool) async throws -> Int32 {
        let termination = Task { await Supervisor.waitForTerminationSignal() }
        do {
            try await up()
            try await startSimulator(seed: seed)
        } catch {
            await teardown(stopServices: false)
            throw error
        }
        markReady()
        progress("The lab is running. Press Ctrl-C (or send SIGTERM, or run `aether-lab down`) to stop it.")
        let signal = await runUntilSignal(termination)
        progress("\nreceived signal \(signal), removing the lab")
        await teardown(stopServices: !keepServices)
        Supervisor.reapExitedChildren()
        progress("lab removed")
        return signal
    }
}

extension ServiceEndpoints {
    /// What `aether-lab services up` prints: where each service answers (never a secret).
    public var summary: String {
        """
        Aether services (\(profile)), state in \(stateDirectory):
          PostgreSQL  \(postgres.socketDirectory) and 127.0.0.1:\(postgres.port) (databases oss, kea, radius)
          Redis       \(redis) and \(redisTCP)
          Kea DHCPv4  \(servicesAddress):67 in namespace \(servicesNamespace), \(kea.subnets.count) subnets
          Kea agent   http://\(kea.controlAgentHost):\(kea.controlAgentPort)/
          FreeRADIUS  \(radius.address):\(radius.authenticationPort)/\(radius.accountingPort) in namespace \(servicesNamespace)
          Passwords and secrets: \(stateDirectory)/endpoints.json (mode 0600)
        """
    }
}

extension ServiceHarness {
    /// `make test`'s core: the services up, `command` in the foreground (signals forwarded), the
    /// services down whatever the command did; returns the command's status (1 when the services
    /// could not start or stop). The services' summary goes to `output`, failures to `errors`.
    public func runWhileUp(_ command: [String], purge: Bool, output: @Sendable (String) -> Void,
                           errors: @Sendable (String) -> Void) async -> Int32 {
        var status: Int32 = 1
        do {
            output(try await start().summary)
            status = try await Supervisor.runForeground(command)
        } catch {
            errors("aether-lab: \(error)")
        }
        do {
            try await stop(purge: purge)
        } catch {
            errors("aether-lab: stopping services failed: \(error)")
            if status == 0 { status = 1 }
        }
        Supervisor.reapExitedChildren()
        return status
    }
}

extension ServiceHarness {
    /// `aether-lab services status`: one line per service (up/down, name, detail), and whether
    /// all of them run; `nil` when the harness has no state.
    public func statusReport() async -> (text: String, allRunning: Bool)? {
        let rows = await status()
        guard !rows.isEmpty else { return nil }
        let lines = rows.map { "\($0.running ? "up  " : "down") \($0.service.padding(toLength: 15, withPad: " ", startingAt: 0)) \($0.detail)" }
        return (lines.joined(separator: "\n"), rows.allSatisfy(\.running))
    }
}
