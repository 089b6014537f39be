/// Sequence numbers of one source that are missing while later ones have arrived.
public struct SequenceGap: Hashable, Sendable, CustomStringConvertible {
    /// The source whose sequence has the hole.
    public var source: EventSource
    /// The missing numbers, inclusive.
    public var missing: ClosedRange<UInt64>

    /// A gap.
    public init(source: EventSource, missing: ClosedRange<UInt64>) {
        self.source = source
        self.missing = missing
    }

    /// How many events are missing.
    public var count: UInt64 { missing.upperBound - missing.lowerBound + 1 }

    /// `bng-01/<uuid> missing 3…4`.
    public var description: String { "\(source) missing \(missing.lowerBound)…\(missing.upperBound)" }
}
