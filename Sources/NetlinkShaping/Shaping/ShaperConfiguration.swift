/// Where and how a `Shaper` programs the kernel.
public struct ShaperConfiguration: Hashable, Sendable {
    /// Where upload (subscriber → network) traffic is shaped.
    public enum Upload: Hashable, Sendable {
        /// Redirect the subscriber interface's ingress to this IFB (created if missing) and shape
        /// on its egress: `tc filter … parent ffff: … action mirred egress redirect dev NAME`.
        case ifb(name: String)
        /// Shape on this interface's egress (the uplink towards the network).
        case interface(name: String)
    }

    /// The subscriber-facing interface; download is shaped on its egress.
    public var subscriberInterface: String
    /// Where upload is shaped.
    public var upload: Upload
    /// Major of the HTB root qdisc on both interfaces (`1:`); it is how our objects are found.
    public var qdiscMajor: UInt16
    /// Rate of the root class (`1:1`) in bits per second: the interface's capacity (default 10 Gbit/s).
    public var totalRate: UInt64
    /// Rate of the default leaf (`1:2`), where unclassified traffic goes; it may borrow up to `totalRate`.
    public var defaultRate: UInt64
    /// Priority of our u32 filters (`prio`); another priority is left alone.
    public var filterPriority: UInt16
    /// Id of the u32 hash table that holds the per-address filters (`2:`), 256 buckets by last octet.
    public var hashTable: UInt16
    /// Minors given to subscriber classes in each qdisc that holds them (default 3…0xffff:
    /// 65,533 subscribers per qdisc — per interface in `.singleQdisc`, per shard in `.sharded`).
    public var classIDs: ClosedRange<UInt16>
    /// How subscriber classes are arranged (default `.sharded`: flat install cost per subscriber).
    public var layout: ShaperLayout
    /// Major of shard 0's qdisc in the sharded layout; shard b uses `firstShardMajor + b` (default
    /// `0x100`: `100:`…`1ff:`, a few moved up by 0x100 — see `shardQdisc(_:)`), and the same
    /// numbers as minors of their classes under `1:`.
    public var firstShardMajor: UInt16

    /// Creates a configuration; only the interfaces are required.
    public init(subscriberInterface: String, upload: Upload, qdiscMajor: UInt16 = 1, totalRate: UInt64 = 10_000_000_000,
                defaultRate: UInt64 = 100_000_000, filterPriority: UInt16 = 10, hashTable: UInt16 = 2,
                classIDs: ClosedRange<UInt16> = 3...0xFFFF, layout: ShaperLayout = .sharded, firstShardMajor: UInt16 = 0x100) {
        self.subscriberInterface = subscriberInterface
        self.upload = upload
        self.qdiscMajor = qdiscMajor
        self.totalRate = totalRate
        self.defaultRate = defaultRate
        self.filterPriority = filterPriority
        self.hashTable = hashTable
        self.classIDs = classIDs
        self.layout = layout
        self.firstShardMajor = firstShardMajor
    }

    /// The root HTB qdisc handle (`1:`).
    public var qdiscHandle: TCHandle { TCHandle(major: qdiscMajor, minor: 0) }
    /// The root class (`1:1`).
    public var rootClass: TCHandle { TCHandle(major: qdiscMajor, minor: 1) }
    /// The default leaf (`1:2`).
    public var defaultClass: TCHandle { TCHandle(major: qdiscMajor, minor: 2) }

    func validate() throws {
        guard qdiscMajor != 0, qdiscMajor != 0xFFFF else {
            throw NetlinkShapingError(.invalidArgument, "qdiscMajor must be 1…0xfffe (got \(qdiscMajor))")
        }
        guard classIDs.lowerBound > 2 else {
            throw NetlinkShapingError(.invalidArgument, "classIDs must start above 2: minors 1 and 2 are the root and default classes")
        }
        guard hashTable > 0, hashTable < 0x800 else {
            throw NetlinkShapingError(.invalidArgument, "hashTable must be 1…0x7ff (0x800 is u32's root table)")
        }
        guard totalRate >= defaultRate, defaultRate >= 8 else {
            throw NetlinkShapingError(.invalidArgument, "defaultRate (\(defaultRate)) must be 8 bit/s or more and at most totalRate (\(totalRate))")
        }
        if layout == .sharded {
            let majors = (0..<Self.shardCount).map { shardMajor(UInt8($0)) }
            guard firstShardMajor > 2, let highest = majors.max(), highest < 0xFFFF, Set(majors).count == Self.shardCount else {
                throw NetlinkShapingError(.invalidArgument,
                                          "firstShardMajor must be 0x3…0xfdff so that 256 shard majors fit below ffff: (got \(hex(firstShardMajor)))")
            }
            guard !majors.contains(UInt32(qdiscMajor)) else {
                throw NetlinkShapingError(.invalidArgument,
                                          "qdiscMajor \(hex(qdiscMajor)) is one of the shard majors \(hex(firstShardMajor))…\(hex(UInt16(highest))); move one of them")
            }
        }
        if case .interface(let name) = upload, name == subscriberInterface {
            throw NetlinkShapingError(.invalidArgument, "upload must be shaped on another interface than \(subscriberInterface)")
        }
    }

    private func hex(_ value: UInt16) -> String { "0x" + String(value, radix: 16) }
}
