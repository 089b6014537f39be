/// Follows one source's sequence as events arrive in any order and with duplicates: says which
/// numbers are new, which can be applied in order now, and which ranges are missing.
///
/// Pure state machine shared by the in-memory store and the ingestor's live gap reporting.
public struct SequenceTracker: Hashable, Sendable {
    /// Every number up to and including this one has been seen (0 = none yet).
    public private(set) var contiguousThrough: UInt64
    /// Numbers seen above `contiguousThrough`, awaiting the ones before them.
    public private(set) var ahead: Set<UInt64>

    /// A tracker that has seen everything through `contiguousThrough`.
    public init(contiguousThrough: UInt64 = 0) {
        self.contiguousThrough = contiguousThrough
        self.ahead = []
    }

    /// What `record` made of a number.
    public enum Observation: Hashable, Sendable {
        /// First sighting; the payload is the run of numbers now contiguous (may be empty when it
        /// arrived ahead of a gap, or longer than one when it closed a gap).
        case new(releasing: ClosedRange<UInt64>?)
        /// Already seen: ignore it.
        case duplicate
    }

    /// Records that `seq` arrived.
    public mutating func record(_ seq: UInt64) -> Observation {
        if seq <= contiguousThrough || ahead.contains(seq) { return .duplicate }
        guard seq == contiguousThrough + 1 else {
            ahead.insert(seq)
            return .new(releasing: nil)
        }
        let start = seq
        contiguousThrough = seq
        while ahead.remove(contiguousThrough + 1) != nil { contiguousThrough += 1 }
        return .new(releasing: start...contiguousThrough)
    }

    /// Declares every missing number through `seq` as settled (an operator accepted their loss).
    /// Returns the held numbers that are now applicable, in order: those at or below `seq` and the
    /// contiguous run after it. Later arrivals in the settled range count as duplicates.
    public mutating func skip(through seq: UInt64) -> [UInt64] {
        guard seq > contiguousThrough else { return [] }
        var released = ahead.filter { $0 <= seq }.sorted()
        ahead.subtract(released)
        contiguousThrough = seq
        while ahead.remove(contiguousThrough + 1) != nil {
            contiguousThrough += 1
            released.append(contiguousThrough)
        }
        return released
    }

    /// The missing ranges below the highest number seen, lowest first.
    public var missingRanges: [ClosedRange<UInt64>] {
        var ranges: [ClosedRange<UInt64>] = []
        var expected = contiguousThrough + 1
        for seq in ahead.sorted() {
            if seq > expected { ranges.append(expected...(seq - 1)) }
            expected = seq + 1
        }
        return ranges
    }

    /// The highest number seen.
    public var highestSeen: UInt64 { ahead.max() ?? contiguousThrough }
}
