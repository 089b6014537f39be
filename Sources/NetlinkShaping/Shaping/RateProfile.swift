/// The shaping of one direction of one subscriber: an HTB class's rate, ceil, bursts and priority.
public struct DirectionRate: Hashable, Sendable, Codable {
    /// Guaranteed rate in bits per second (HTB `rate`).
    public var rate: UInt64
    /// Peak rate when the parent has spare bandwidth, bits per second (HTB `ceil`); defaults to `rate`.
    public var ceil: UInt64?
    /// Burst in bytes at `rate` (HTB `burst`); nil lets HTB's tc-compatible default apply.
    public var burst: UInt32?
    /// Burst in bytes at `ceil` (HTB `cburst`).
    public var cburst: UInt32?
    /// Borrowing priority 0…7 (HTB `prio`), default 0.
    public var priority: UInt32

    /// Creates a direction's rate; `rate` in bits per second.
    public init(rate: UInt64, ceil: UInt64? = nil, burst: UInt32? = nil, cburst: UInt32? = nil, priority: UInt32 = 0) {
        self.rate = rate
        self.ceil = ceil
        self.burst = burst
        self.cburst = cburst
        self.priority = priority
    }

    /// A rate in kilobits per second with no burst override, as RADIUS plan attributes give it.
    public static func kilobits(_ kbps: UInt64, burstKilobits: UInt64? = nil) -> DirectionRate {
        DirectionRate(rate: kbps * 1000, burst: burstKilobits.map { UInt32(clamping: $0 * 1000 / 8) })
    }

    func htbClass(_ classID: TCHandle, parent: TCHandle) -> HTBClass {
        HTBClass(classID: classID, parent: parent, rate: rate, ceil: ceil, burst: burst, cburst: cburst, priority: priority)
    }

    init(_ htbClass: HTBClass) {
        self.init(rate: htbClass.rate, ceil: htbClass.ceil, burst: htbClass.burst, cburst: htbClass.cburst, priority: htbClass.priority)
    }
}

/// A subscriber's rate plan: download (towards the subscriber) and upload (from the subscriber).
public struct RateProfile: Hashable, Sendable, Codable {
    /// Shaping of traffic to the subscriber, on the subscriber-facing interface's egress.
    public var download: DirectionRate
    /// Shaping of traffic from the subscriber, on the IFB (or uplink) egress.
    public var upload: DirectionRate

    /// Creates a profile.
    public init(download: DirectionRate, upload: DirectionRate) {
        self.download = download
        self.upload = upload
    }

    /// A symmetric-or-not profile in megabits per second, the common case in tests and examples.
    public static func megabits(download: UInt64, upload: UInt64) -> RateProfile {
        RateProfile(download: DirectionRate(rate: download * 1_000_000), upload: DirectionRate(rate: upload * 1_000_000))
    }
}
