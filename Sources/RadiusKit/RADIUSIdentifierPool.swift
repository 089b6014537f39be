/// The 256 Identifiers towards one server (RFC 2865 §3), handed out round-robin so that a
/// freed identifier is not reused at once and a late reply to an old request is less
/// likely to match a new one (RFC 5080 §2.2.1).
public struct RADIUSIdentifierPool: Sendable, Hashable {
    private var inUse = Set<UInt8>()
    private var next: UInt8 = 0

    /// A pool with every identifier free; the first handed out is `start`.
    public init(start: UInt8 = 0) {
        next = start
    }

    /// Number of identifiers currently in use.
    public var count: Int { inUse.count }

    /// Takes the next free identifier.
    ///
    /// - Throws: `identifiersExhausted` when all 256 are in use.
    public mutating func allocate() throws(RADIUSError) -> UInt8 {
        guard inUse.count < 256 else {
            throw RADIUSError(.identifiersExhausted, "256 requests outstanding")
        }
        while inUse.contains(next) {
            next &+= 1
        }
        let identifier = next
        inUse.insert(identifier)
        next &+= 1
        return identifier
    }

    /// Returns `identifier` to the pool.
    public mutating func release(_ identifier: UInt8) {
        inUse.remove(identifier)
    }
}
