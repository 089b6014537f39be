/// Hands out HTB class minors for subscribers from a fixed range, never derived from the address.
///
/// The kernel numbers a qdisc's classes with 16-bit minors 1…65,535, so no qdisc can hold more
/// than 65,535 classes; the shaper keeps minors 1 (root class) and 2 (default leaf) for itself.
/// Allocation is lowest-free-first, so ids stay dense and re-adoption can `reserve` exactly the
/// ids found in the kernel.
public struct ClassIDAllocator: Hashable, Sendable {
    /// The minors this allocator may hand out.
    public let range: ClosedRange<UInt16>
    private var used: Set<UInt16> = []
    private var searchStart: UInt16

    /// The most classes one qdisc can hold: every non-zero 16-bit minor.
    public static let kernelLimit = 65_535

    /// Creates an allocator over `range` (default `3…0xffff`, leaving 1 and 2 to the shaper).
    public init(range: ClosedRange<UInt16> = 3...0xFFFF) {
        precondition(range.lowerBound > 0, "minor 0 names the qdisc itself")
        self.range = range
        searchStart = range.lowerBound
    }

    /// How many ids are in use.
    public var count: Int { used.count }
    /// How many ids the range holds.
    public var capacity: Int { range.count }

    /// Takes the lowest free id. Throws `classLimitReached` when every id is in use.
    public mutating func allocate(for what: String) throws -> UInt16 {
        guard used.count < range.count else {
            throw NetlinkShapingError(.classLimitReached,
                                      "no free class id for \(what): all \(range.count) minors \(hex(range.lowerBound))…\(hex(range.upperBound)) are in use " +
                                      "(a qdisc holds at most \(Self.kernelLimit) classes); remove subscribers or shard them over more interfaces")
        }
        var candidate = searchStart
        while used.contains(candidate) {
            candidate = candidate == range.upperBound ? range.lowerBound : candidate + 1
        }
        used.insert(candidate)
        searchStart = candidate == range.upperBound ? range.lowerBound : candidate + 1
        return candidate
    }

    /// Marks `id` as used (re-adoption). Returns false when it is outside the range or taken.
    @discardableResult
    public mutating func reserve(_ id: UInt16) -> Bool {
        guard range.contains(id) else { return false }
        return used.insert(id).inserted
    }

    /// Returns `id` to the pool.
    public mutating func release(_ id: UInt16) {
        used.remove(id)
        if id < searchStart { searchStart = id }
    }

    /// Whether `id` is handed out.
    public func isUsed(_ id: UInt16) -> Bool { used.contains(id) }

    private func hex(_ value: UInt16) -> String { "0x" + String(value, radix: 16) }
}
