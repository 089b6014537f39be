import AetherTestSupport
import Foundation
import Glibc
import LabKit

/// CPU time of the processes a benchmark compares, read from `/proc`: each component is a root
/// process and everything below it (PostgreSQL's backends, FreeRADIUS's threads are in its own
/// counters), so CPU-seconds per session can be put beside each other.
struct ComponentCPU {
    /// Component name → the pids of its root processes.
    var roots: [String: [Int32]]

    struct Process {
        var parent: Int32
        var ticks: Double
        var reapedTicks: Double
    }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func processes() -> [Int32: Process] {
        var table: [Int32: Process] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let text = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { continue }
            // After "pid (comm)": state ppid … utime(14) stime(15) cutime(16) cstime(17), 1-based in the whole line.
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 15, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]),
                  let reapedUser = Double(fields[13]), let reapedSystem = Double(fields[14]) else { continue }
            table[pid] = Process(parent: parent, ticks: user + system, reapedTicks: reapedUser + reapedSystem)
        }
        return table
    }

    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    /// The harness's daemons (found by their state folder or port on their command line) and `extra`.
    static func harness(_ endpoints: ServiceEndpoints, redisPort: Int, extra: [String: Int32] = [:]) -> ComponentCPU {
        var roots: [String: [Int32]] = extra.mapValues { [$0] }
        let table = processes()
        for pid in table.keys {
            let command = commandLine(pid)
            let parentCommand = commandLine(table[pid]?.parent ?? 1)
            let name: String? = if command.hasPrefix("kea-dhcp4 "), command.contains(endpoints.stateDirectory) { "kea-dhcp4" }
                else if command.hasPrefix("freeradius"), command.contains(endpoints.stateDirectory) { "freeradius" }
                else if command.contains("redis-server"), command.contains(":\(redisPort)") { "redis" }
                else if command.contains("postgres"), command.contains(endpoints.stateDirectory), !parentCommand.contains(endpoints.stateDirectory) { "postgresql" }
                else { nil }
            if let name { roots[name, default: []].append(pid) }
        }
        return ComponentCPU(roots: roots)
    }

    /// Seconds of CPU each component has used so far (live descendants and reaped children included).
    func sample() -> [String: Double] {
        let table = Self.processes()
        var children: [Int32: [Int32]] = [:]
        for (pid, process) in table { children[process.parent, default: []].append(pid) }
        var result: [String: Double] = [:]
        for (name, pids) in roots {
            var ticks = 0.0
            var pending = pids
            var first = Set(pids)
            while let pid = pending.popLast() {
                guard let process = table[pid] else { continue }
                ticks += process.ticks + (first.remove(pid) != nil ? process.reapedTicks : 0)
                pending += children[pid] ?? []
            }
            result[name] = ticks / Self.ticksPerSecond
        }
        return result
    }

    static func difference(_ after: [String: Double], _ before: [String: Double]) -> [String: Double] {
        after.reduce(into: [:]) { $0[$1.key] = max(0, $1.value - (before[$1.key] ?? 0)) }
    }
}

/// The median of a benchmark's runs.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// What the machine and its peers are, for the head of Docs/PERFORMANCE.md.
enum BenchMachine {
    static func firstLine(_ arguments: [String]) async -> String {
        guard let output = try? await CommandRunner.run(arguments, timeoutSeconds: 30) else { return "unknown" }
        let text = output.standardOutput.isEmpty ? output.standardError : output.standardOutput
        return text.split(separator: "\n").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? "unknown"
    }

    /// The newest PostgreSQL major installed (`/usr/lib/postgresql/<major>`).
    static func newestPostgres() -> String {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).max().map(String.init) ?? "15"
    }

    static func describe(products: String) async -> [(String, String)] {
        let cpu = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("model name") }?.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let memory = ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("MemTotal") }.map { String($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") }
            .flatMap(Double.init).map { String(format: "%.1f GiB", $0 / 1_048_576) } ?? "unknown"
        return [
            ("CPU", "\(cpu) × \(sysconf(Int32(_SC_NPROCESSORS_ONLN)))"),
            ("memory", memory),
            ("kernel", await firstLine(["uname", "-sr"])),
            ("OS", ((try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? "").split(separator: "\n")
                .first { $0.hasPrefix("PRETTY_NAME=") }.map { $0.dropFirst(12).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown"),
            ("Swift", await firstLine(["swift", "--version"])),
            ("products", products),
            ("Kea", await firstLine(["kea-dhcp4", "-V"])),
            ("FreeRADIUS", await firstLine(["freeradius", "-v"])),
            ("PostgreSQL", await firstLine(["/usr/lib/postgresql/" + newestPostgres() + "/bin/postgres", "--version"])),
            ("Redis", await firstLine(["redis-server", "--version"])),
            ("ISC dhcrelay", await firstLine(["dpkg-query", "-W", "-f", "${Version}", "isc-dhcp-relay"])),
        ]
    }
}
