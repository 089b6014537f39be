import EventSourcing
import Foundation
import Glibc

/// CPU and memory of the BNG for BNG_HEALTH_UPDATE, each figure from the best source present:
/// cgroup v2, then cgroup v1, then `/proc` (this machine mixes them: cgroup v2 has no memory
/// controller, v1 does). A cgroup counts only when the process has one of its own (not the
/// root group, which would count the whole machine); the lab starts each BNG in one.
///
/// CPU % is the share of the whole machine over the interval: CPU seconds used ÷ (interval ×
/// cores) × 100, so 100 means every core busy (the original divided by a constant and read
/// about 5× too high).
public struct HealthSampler: Sendable {
    /// Where a figure came from.
    public enum Source: String, Sendable, Hashable {
        case cgroupV2 = "cgroup-v2", cgroupV1 = "cgroup-v1", proc
    }

    /// One reading.
    public struct Sample: Sendable, Hashable {
        /// Cumulative CPU time, seconds.
        public var cpuSeconds: Double
        /// Where the CPU time came from.
        public var cpuSource: Source
        /// Memory in use, bytes.
        public var memoryBytes: UInt64
        /// The memory limit, bytes, when there is one.
        public var memoryLimitBytes: UInt64?
        /// Where the memory came from.
        public var memorySource: Source
        /// Wall-clock seconds (monotonic) of the reading.
        public var at: Double
    }

    /// Mount point of the cgroup hierarchies (default `/sys/fs/cgroup`).
    public let root: String
    /// `/proc` (tests point it elsewhere).
    public let proc: String
    /// Cores the CPU share is divided by.
    public let cores: Int

    /// A sampler.
    public init(root: String = "/sys/fs/cgroup", proc: String = "/proc", cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.root = root
        self.proc = proc
        self.cores = max(1, cores)
    }

    /// Reads CPU time and memory now.
    public func sample() -> Sample {
        let groups = cgroups()
        var cpu: (Double, Source)?
        var memory: (UInt64, UInt64?, Source)?
        if let path = groups.v2, path != "/" {
            if let usec = Self.field("usage_usec", in: read("\(root)\(path)/cpu.stat")) { cpu = (Double(usec) / 1e6, .cgroupV2) }
            if let current = read("\(root)\(path)/memory.current").flatMap({ UInt64($0.trimmed) }) {
                let limit = read("\(root)\(path)/memory.max").flatMap { UInt64($0.trimmed) }
                memory = (current, limit, .cgroupV2)
            }
        }
        if cpu == nil, let path = groups.v1["cpuacct"], path != "/" {
            let base = ["\(root)/cpuacct\(path)", "\(root)/cpu,cpuacct\(path)"]
            if let ns = base.lazy.compactMap({ read("\($0)/cpuacct.usage").flatMap { UInt64($0.trimmed) } }).first {
                cpu = (Double(ns) / 1e9, .cgroupV1)
            }
        }
        if memory == nil, let path = groups.v1["memory"], path != "/" {
            if let usage = read("\(root)/memory\(path)/memory.usage_in_bytes").flatMap({ UInt64($0.trimmed) }) {
                // v1 reports "no limit" as a huge page-aligned number.
                let limit = read("\(root)/memory\(path)/memory.limit_in_bytes").flatMap { UInt64($0.trimmed) }.flatMap { $0 >= 1 << 60 ? nil : $0 }
                memory = (usage, limit, .cgroupV1)
            }
        }
        let procCPU = cpu ?? (procCPUSeconds(), .proc)
        let procMemory = memory ?? (procResidentBytes(), physicalMemory(), .proc)
        return Sample(cpuSeconds: procCPU.0, cpuSource: procCPU.1, memoryBytes: procMemory.0, memoryLimitBytes: procMemory.1,
                      memorySource: procMemory.2, at: Self.monotonicSeconds())
    }

    /// The payload for the interval from `previous` to `current`.
    public func payload(from previous: Sample, to current: Sample) -> BNGHealthUpdatePayload {
        let elapsed = max(0.001, current.at - previous.at)
        let used = max(0, current.cpuSeconds - previous.cpuSeconds)
        let percent = min(100, used / (elapsed * Double(cores)) * 100)
        return BNGHealthUpdatePayload(cpuPercent: (percent * 100).rounded() / 100, memoryUsedBytes: current.memoryBytes,
                                      memoryLimitBytes: current.memoryLimitBytes)
    }

    /// This process's cgroup paths: the unified (v2) one and the v1 one per controller.
    func cgroups() -> (v2: String?, v1: [String: String]) {
        var v2: String?
        var v1: [String: String] = [:]
        for line in (read("\(proc)/self/cgroup") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0", parts[1].isEmpty {
                v2 = String(parts[2])
            } else {
                for controller in parts[1].split(separator: ",") { v1[String(controller)] = String(parts[2]) }
            }
        }
        return (v2, v1)
    }

    func procCPUSeconds() -> Double {
        // Fields 14 and 15 of /proc/self/stat (after the parenthesised name): utime, stime in ticks.
        guard let stat = read("\(proc)/self/stat"), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func procResidentBytes() -> UInt64 {
        for line in (read("\(proc)/self/status") ?? "").split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").compactMap { UInt64($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }

    func physicalMemory() -> UInt64? {
        for line in (read("\(proc)/meminfo") ?? "").split(separator: "\n") where line.hasPrefix("MemTotal:") {
            return line.split(separator: " ").compactMap { UInt64($0) }.first.map { $0 * 1024 }
        }
        return nil
    }

    static func field(_ name: String, in text: String?) -> UInt64? {
        for line in (text ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == name { return UInt64(parts[1]) }
        }
        return nil
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
