import AetherTestSupport
import Foundation
import Glibc
import LabKit
import Testing

/// The user's main job, end to end: `aether-lab up` of the small topology with the simulator,
/// subscribers online through real DHCP clients, access nodes, BNG, Kea and FreeRADIUS, the
/// dashboard live in Chromium, the operator task pages run as written, and `aether-lab down`
/// leaving nothing behind. Runs its own harness (profile `labtest`) beside the test one.
@Suite("The lab, end to end", .serialized)
struct LabEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let profile = "labtest"

    /// What a lab can leave on the machine: its namespaces and `/etc/netns` entries, processes
    /// that name its state folder, the root namespace's links, nftables ruleset and qdiscs,
    /// cgroups named after Aether, and its state folder.
    struct Footprint: Equatable, CustomStringConvertible {
        var namespaces: [String]
        var netnsFiles: [String]
        var processes: [String]
        var rootLinks: [String]
        var rootRuleset: String
        var rootQdiscs: String
        var cgroups: [String]
        /// What a running lab keeps in its state folder and must not outlive it: `lab.json`,
        /// sockets and pid files (databases and logs may stay: they are data; so may lock files,
        /// inert unless a running process holds them, and every process is in `processes`).
        var runtimeFiles: [String]

        static func capture(state: String) async throws -> Footprint {
            let prefix = "aet-\(profile)-"
            let namespaces = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
            let netns = ((try? FileManager.default.contentsOfDirectory(atPath: "/etc/netns")) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
            var processes: [String] = []
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
                guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
                let command = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                if command.contains(state + "/") || command.contains(prefix), !command.contains("swift-test"), !command.contains(".xctest") {
                    processes.append(command)
                }
            }
            // The namespace the test process started in (its main thread's, which never enters
            // another), whichever namespace the calling thread is in.
            let host = ["nsenter", "--net=/proc/\(getpid())/ns/net", "--"]
            let links = try await CommandRunner.check(host + ["ip", "-o", "link", "show"]).standardOutput.split(separator: "\n")
                .compactMap { $0.split(separator: ":").dropFirst().first.map { String($0).trimmingCharacters(in: .whitespaces) } }.sorted()
            var cgroups: [String] = []
            for hierarchy in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
                for group in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup/\(hierarchy)")) ?? []
                where group.lowercased().contains("aether") || group.contains(profile) {
                    cgroups.append("\(hierarchy)/\(group)")
                }
            }
            var runtime: [String] = []
            let enumerator = FileManager.default.enumerator(atPath: state)
            while let path = enumerator?.nextObject() as? String {
                let name = (path as NSString).lastPathComponent
                if path == "lab/lab.json" || name.hasSuffix(".pid") || name.hasSuffix(".sock") || name.hasPrefix(".s.PGSQL") {
                    runtime.append(path)
                }
            }
            return Footprint(namespaces: namespaces, netnsFiles: netns, processes: processes.sorted(), rootLinks: links,
                             rootRuleset: try await CommandRunner.check(host + ["nft", "list", "ruleset"]).standardOutput,
                             rootQdiscs: try await CommandRunner.check(host + ["tc", "qdisc", "show"]).standardOutput,
                             cgroups: cgroups.sorted(), runtimeFiles: runtime.sorted())
        }

        var description: String {
            "namespaces \(namespaces), /etc/netns \(netnsFiles), processes \(processes), root links \(rootLinks), cgroups \(cgroups), runtime files \(runtimeFiles), ruleset \(rootRuleset.count) bytes, qdiscs:\n\(rootQdiscs)"
        }
    }

    /// Every provisioned host stays online (no offline periods): any SESSION_STOP the test does
    /// not cause itself is a flap.
    static let simulator = """
        {
          "provision_fraction": 0.5, "unprovisioned_hosts": 1,
          "dhcp_client_mix": { "dhclient": 1, "udhcpc": 1 }, "dhcp_attempts": 5,
          "online_seconds": [3600, 3600], "offline_seconds": [], "iperf3_rate": "2M",
          "traffic_commands": {
            "curl": { "description": "pages", "weight": 3, "sleep_range": [1, 3], "allow_for_demo": true,
                      "commands": [{ "command": "curl -s -o /dev/null --max-time 5 http://{upstream}/1mb.bin", "description": "1 MiB" }] },
            "dig": { "description": "DNS", "weight": 1, "sleep_range": [1, 3],
                     "commands": [{ "command": "dig +short +time=2 +tries=1 www.{domain}", "description": "www" }] },
            "iperf3": { "description": "short iperf3", "weight": 1, "sleep_range": [2, 4],
                        "commands": [{ "command": "iperf3 -c {upstream} -p {iperf3_port} -t 2 -b {iperf3_rate} -R", "description": "download" }] }
          }
        }
        """

    @Test func theSmallLabServesSubscribersRunsTheOperatorTasksAndLeavesNothingBehind() async throws {
        let state = HarnessConfiguration.defaultStateDirectory(profile: Self.profile)
        let lab = try BuiltProducts.executable("aether-lab")
        let folder = NSTemporaryDirectory() + "aether-lab-e2e-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A lab this profile left behind (a test killed mid-run) goes first: the "before" is a clean machine.
        _ = try await CommandRunner.run([lab, "down", "--profile", Self.profile, "--purge"], timeoutSeconds: 120)
        let before = try await Footprint.capture(state: state)
        #expect(before.namespaces.isEmpty && before.processes.isEmpty && !FileManager.default.fileExists(atPath: state), "\(before)")

        let simulatorPath = folder + "/simulator.json"
        try Self.simulator.write(toFile: simulatorPath, atomically: true, encoding: .utf8)
        do {
            let up = try await CommandRunner.run([lab, "up", "--profile", Self.profile, "--topology", Self.repository + "/Examples/lab/small.yaml",
                                                  "--simulator", simulatorPath, "--seed", "7", "--detach"], timeoutSeconds: 300)
            let supervisorLog = (try? String(contentsOfFile: state + "/lab-supervisor.log", encoding: .utf8)) ?? ""

            try #require(up.succeeded, "aether-lab up failed:\n\(up.standardOutput)\n\(up.standardError)\n\(supervisorLog)")
            try await checkRunningLab(state: state, lab: lab, folder: folder)
        } catch {
            _ = try? await CommandRunner.run([lab, "down", "--profile", Self.profile, "--purge"], timeoutSeconds: 120)
            throw error
        }

        // The supervisor crashes (kill -9): its components, namespaces and services are orphans
        // now, and `down` must still find and remove every one of them.
        let supervisor = try #require(LabState.read(state + "/lab/lab.json")?.supervisor)
        kill(supervisor.pid, SIGKILL)
        try await Readiness.wait(for: "the killed supervisor gone", timeoutSeconds: 10) { !supervisor.isAlive }
        let down = try await CommandRunner.run([lab, "down", "--profile", Self.profile, "--purge"], timeoutSeconds: 120)
        #expect(down.succeeded, "\(down.standardOutput)\n\(down.standardError)")
        let after = try await Footprint.capture(state: state)
        #expect(after == before, "before: \(before)\nafter: \(after)")
        #expect(!FileManager.default.fileExists(atPath: state), "down --purge left \(state)")
        // AETHER_KEEP_TEST_LOGS=1 keeps the folder (simulator file, browser log, screenshot).
        if ProcessInfo.processInfo.environment["AETHER_KEEP_TEST_LOGS"] == nil {
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// `make lab`'s way: `aether-lab up` in the foreground, then Ctrl-C (SIGINT). The lab and its
    /// services go; the databases and logs stay for the next run, nothing that runs does.
    @Test func ctrlCOnAForegroundLabRemovesItAndStopsItsServices() async throws {
        let state = HarnessConfiguration.defaultStateDirectory(profile: Self.profile)
        let lab = try BuiltProducts.executable("aether-lab")
        _ = try await CommandRunner.run([lab, "down", "--profile", Self.profile, "--purge"], timeoutSeconds: 120)
        let before = try await Footprint.capture(state: state)
        let log = NSTemporaryDirectory() + "aether-lab-ctrlc-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let foreground = try BackgroundProcess([lab, "up", "--profile", Self.profile, "--topology", Self.repository + "/Examples/lab/small.yaml"],
                                               logPath: log)
        do {
            try await Readiness.wait(for: "the foreground lab up", timeoutSeconds: 240) {
                guard foreground.isRunning else { throw LabKitError(.daemonExited, "aether-lab up exited:\n\(foreground.log())") }
                return LabState.read(state + "/lab/lab.json")?.ready == true
            }
            #expect(foreground.log().contains("dashboard: http://127.0.0.1:38080/"))
            let status = await foreground.stop(signal: SIGINT, withinSeconds: 120)
            #expect(status == 0, "aether-lab up after Ctrl-C: status \(status.map(String.init) ?? "still running"):\n\(foreground.log().suffix(2000))")
            #expect(foreground.log().contains("lab removed"))
        } catch {
            await foreground.terminate()
            _ = try? await CommandRunner.run([lab, "down", "--profile", Self.profile, "--purge"], timeoutSeconds: 120)
            throw error
        }
        let after = try await Footprint.capture(state: state)
        #expect(after == before, "before: \(before)\nafter: \(after)")
        _ = try await CommandRunner.run([lab, "down", "--profile", Self.profile, "--purge"], timeoutSeconds: 120)
    }

    private func checkRunningLab(state: String, lab: String, folder: String) async throws {
        let status = try await CommandRunner.check([lab, "status", "--profile", Self.profile, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any])
        let base = try #require(report["api_url"] as? String)
        let api = LabAPIClient(baseURL: base, token: nil)
        // 4 hosts: 2 provisioned, 1 unprovisioned, 1 left for the provisioning page.
        var sessions: [[String: Any]] = []
        try await Readiness.wait(for: "the simulator's three hosts in sessions_active", timeoutSeconds: 180) {
            sessions = try await api.list("/api/sessions/active")
            return sessions.count == 3 && sessions.allSatisfy { ["AUTHORIZED", "REJECTED"].contains($0["auth_state"] as? String) }
        }
        #expect(sessions.filter { $0["auth_state"] as? String == "AUTHORIZED" }.count == 2)
        let rejected = try #require(sessions.first { $0["auth_state"] as? String == "REJECTED" })
        // The rejected host is blocked: the simulator's commands there fail and none gets through.
        let simulatorStatus = state + "/lab/sim/status.json"
        try await Readiness.wait(for: "commands of the unprovisioned host refused", timeoutSeconds: 60) {
            guard let data = FileManager.default.contents(atPath: simulatorStatus),
                  let stats = try? JSONDecoder().decode(SubscriberSimulator.Stats.self, from: data) else { return false }
            return stats.commandsBlocked >= 2 && stats.commandsSucceeded >= 4
        }
        let stats = try JSONDecoder().decode(SubscriberSimulator.Stats.self, from: try #require(FileManager.default.contents(atPath: simulatorStatus)))
        #expect(stats.commandsLeaked == 0, "an unprovisioned host's command got through: \(stats)")
        #expect(stats.commandsFailed == 0, "a provisioned host's command failed (see \(state)/lab/logs/aether-sim.log): \(stats)")
        #expect(rejected["download_kbps"] == nil || rejected["download_kbps"] is NSNull)

        // No lab namespace has a route off the machine: none but the hosts has a default route, and
        // a host's goes to its BNG, which has none.
        let topology = try LabTopology.load(path: Self.repository + "/Examples/lab/small.yaml")
        let layout = LabLayout(topology: topology, harness: try HarnessConfiguration.named(Self.profile))
        for namespace in layout.namespaces {
            let routes = try await namespace.ip("-4", "route", "show", "default").standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            if let host = topology.hosts.first(where: { layout.hostNamespace($0) == namespace }), !routes.isEmpty {
                let gateway = try #require(topology.accessNodes.first { $0.id == host.accessNode }?.gateway.address)
                #expect(routes.hasPrefix("default via \(gateway) "), "\(namespace): \(routes)")
            } else if topology.hosts.contains(where: { layout.hostNamespace($0) == namespace }) == false {
                #expect(routes.isEmpty, "\(namespace) has a default route: \(routes)")
            }
        }

        // The dashboard, as a newcomer opens it, and its Lab page.
        let token = try String(contentsOfFile: try #require(report["token_file"] as? String), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let browser = try BackgroundProcess(["/usr/bin/python3", Self.repository + "/Tests/Browser/lab_dashboard.py"],
                                            logPath: folder + "/browser.log",
                                            environment: ["AETHER_URL": base, "AETHER_TOKEN": token, "AETHER_HOSTS": "4",
                                                          "AETHER_SCREENSHOTS": folder, "PATH": "/usr/bin:/bin", "HOME": folder])
        try await Readiness.wait(for: "the dashboard checks in Chromium", timeoutSeconds: 240) { !browser.isRunning }
        #expect(browser.log().contains("RESULT ok"), "lab_dashboard.py failed:\n\(browser.log())")

        // The operator pages, as written; the restart page before the disconnect one, whose
        // ended session would otherwise come back on the host's next renewal.
        let environment = ProcessInfo.processInfo.environment.merging([
            "AETHER_PROFILE": Self.profile,
            "PATH": (lab as NSString).deletingLastPathComponent + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"),
        ]) { $1 }
        var outputs: [String: String] = [:]
        for page in ["provision-and-change-plan", "restart-a-bng", "disconnect-a-subscriber"] {
            let text = try String(contentsOfFile: Self.repository + "/Docs/tasks/\(page).md", encoding: .utf8)
            let script = "set -euo pipefail\n" + MarkdownBlocks.fenced("bash", in: text).joined(separator: "\n")
            let result = try await CommandRunner.run(["/bin/bash", "-c", script], environment: environment, timeoutSeconds: 180)
            #expect(result.succeeded, "Docs/tasks/\(page).md failed:\n\(result.standardOutput)\n\(result.standardError)")
            outputs[page] = result.standardOutput
            print("Docs/tasks/\(page).md printed:\n\(result.standardOutput)")
        }
        let provisioning = outputs["provision-and-change-plan"] ?? ""
        #expect(provisioning.contains("\"AUTHORIZED\""), "\(provisioning)")
        #expect(provisioning.contains("\"outcome\": \"ack\""), "\(provisioning)")
        #expect(provisioning.contains("CoA-ACK"), "\(provisioning)")
        let rates = provisioning.split(separator: "\n").last { $0.hasPrefix("download now") }.map(String.init) ?? ""
        let numbers = rates.split(whereSeparator: { !$0.isNumber }).map(String.init)
        #expect(numbers.count == 2 && numbers[0] == numbers[1], "the CoA did not reshape the line: \(rates)")
        let restart = outputs["restart-a-bng"] ?? ""
        #expect(restart.contains("sessions unchanged: yes"), "\(restart)")
        // The supervisor logged the crash and the restart (detached: its output is this file).
        let supervisorLog = (try? String(contentsOfFile: state + "/lab-supervisor.log", encoding: .utf8)) ?? ""
        #expect(supervisorLog.contains("aether-bng@bng-01 exited (status 137); restarted it (restart 1)"), "\(supervisorLog.suffix(1500))")
        let stopsLine = restart.split(separator: "\n").last { $0.hasPrefix("stops now") }.map(String.init) ?? ""
        let stops = stopsLine.split(whereSeparator: { !$0.isNumber }).map(String.init)
        #expect(stops.count == 2 && stops[0] == stops[1], "the restart stopped sessions: \(stopsLine)")
        let disconnect = outputs["disconnect-a-subscriber"] ?? ""
        #expect(disconnect.contains("Disconnect-ACK"), "\(disconnect)")
        #expect(disconnect.contains("ended: "), "\(disconnect)")
        #expect(!disconnect.contains("ended: \n") && !disconnect.hasSuffix("ended: "), "\(disconnect)")
    }
}
