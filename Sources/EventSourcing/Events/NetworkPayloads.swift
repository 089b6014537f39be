/// `ROUTER_UPDATE`: an access node (discovered from Option 82 remote-ids) changed liveness.
public struct RouterUpdatePayload: Hashable, Sendable, Codable {
    /// The access node's name (its remote-id).
    public var routerName: String
    /// Whether the node is currently seen.
    public var isAlive: Bool
    /// When it was last seen; `nil` when never.
    public var lastSeen: EventTimestamp?

    /// A router event.
    public init(routerName: String, isAlive: Bool, lastSeen: EventTimestamp? = nil) {
        self.routerName = routerName
        self.isAlive = isAlive
        self.lastSeen = lastSeen
    }

    enum CodingKeys: String, CodingKey {
        case routerName = "router_name", isAlive = "is_alive", lastSeen = "last_seen"
    }
}

/// `BNG_HEALTH_UPDATE`: CPU and memory of the BNG process (cgroup or /proc figures).
public struct BNGHealthUpdatePayload: Hashable, Sendable, Codable {
    /// CPU use over the last interval as a share of the whole machine: CPU seconds ÷ (interval ×
    /// cores) × 100, so 0…100 whatever the core count.
    public var cpuPercent: Double
    /// Resident memory in bytes.
    public var memoryUsedBytes: UInt64
    /// Memory limit in bytes (cgroup `memory.max` or physical memory); `nil` when unlimited.
    public var memoryLimitBytes: UInt64?

    /// A health event.
    public init(cpuPercent: Double, memoryUsedBytes: UInt64, memoryLimitBytes: UInt64? = nil) {
        self.cpuPercent = cpuPercent
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryLimitBytes = memoryLimitBytes
    }

    enum CodingKeys: String, CodingKey {
        case cpuPercent = "cpu_percent", memoryUsedBytes = "memory_used_bytes", memoryLimitBytes = "memory_limit_bytes"
    }
}
