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

    /// Whether the kernel holds the same class for both: rate and ceil in bytes per second,
    /// priority, and bursts equal to within what the kernel can tell apart (it keeps them as
    /// psched ticks of 64 ns, so a burst read back is rounded by up to a tick's worth of bytes),
    /// with HTB's defaults filled in. A profile read back from the kernel (explicit ceil and
    /// bursts) shapes like the one that made it.
    public func shapesLike(_ other: DirectionRate) -> Bool {
        let mine = htbClass(TCHandle(major: 1, minor: 1), parent: TCHandle(major: 1, minor: 0))
        let theirs = other.htbClass(TCHandle(major: 1, minor: 1), parent: TCHandle(major: 1, minor: 0))
        func close(_ a: UInt32, _ b: UInt32, rate: UInt64) -> Bool {
            let tickBytes = (Double(rate / 8) * Double(HTBClass.nanosecondsPerTick) / 1e9).rounded(.up)
            return Double(a > b ? a - b : b - a) <= tickBytes + 1
        }
        return mine.rate / 8 == theirs.rate / 8 && mine.ceil / 8 == theirs.ceil / 8 && mine.priority == theirs.priority
            && close(mine.burst, theirs.burst, rate: mine.rate) && close(mine.cburst, theirs.cburst, rate: mine.ceil)
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

    /// Whether both directions shape alike (``DirectionRate/shapesLike(_:)``): what adoption
    /// compares, since a profile read back from the kernel spells out what a requested one left to defaults.
    public func shapesLike(_ other: RateProfile) -> Bool {
        download.shapesLike(other.download) && upload.shapesLike(other.upload)
    }

    /// A symmetric-or-not profile in megabits per second, the common case in tests and examples.
    public static func megabits(download: UInt64, upload: UInt64) -> RateProfile {
        RateProfile(download: DirectionRate(rate: download * 1_000_000), upload: DirectionRate(rate: upload * 1_000_000))
    }
}
