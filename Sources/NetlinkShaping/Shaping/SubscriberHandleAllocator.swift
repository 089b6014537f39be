/// The class ids and u32 filter nodes a `Shaper` has handed out, per qdisc that holds
/// subscribers: one `ClassIDAllocator` per qdisc (the root qdisc, or each shard), and per
/// bucket of that qdisc's hash table the nodes in use (a u32 bucket holds nodes 1…0xfff).
struct SubscriberHandleAllocator: Hashable, Sendable {
    /// Minors each qdisc may hand out.
    let classIDs: ClosedRange<UInt16>
    /// The hash table subscriber filter nodes go in (`2:`).
    let hashTable: UInt16
    private var allocators: [UInt16: ClassIDAllocator] = [:]
    private var nodes: [NodeBucket: Set<UInt16>] = [:]

    private struct NodeBucket: Hashable, Sendable {
        let qdiscMajor: UInt16
        let bucket: UInt8
    }

    /// The most nodes one u32 bucket holds (12-bit node ids, 0 excluded).
    static let nodesPerBucket = 0xFFF

    init(classIDs: ClosedRange<UInt16>, hashTable: UInt16) {
        self.classIDs = classIDs
        self.hashTable = hashTable
    }

    /// Takes the lowest free class minor of `placement`'s qdisc and the lowest free node of its
    /// bucket. Throws `classLimitReached` when either is exhausted (nothing is taken then).
    mutating func allocate(for address: some CustomStringConvertible, at placement: SubscriberPlacement) throws -> (TCHandle, U32Handle) {
        let major = placement.qdisc.major
        var allocator = allocators[major] ?? ClassIDAllocator(range: classIDs)
        let minor = try allocator.allocate(for: "\(address) (qdisc \(placement.qdisc))")
        let key = NodeBucket(qdiscMajor: major, bucket: placement.bucket)
        var used = nodes[key, default: []]
        guard let node = (1...UInt16(Self.nodesPerBucket)).first(where: { !used.contains($0) }) else {
            throw NetlinkShapingError(.classLimitReached,
                                      "u32 bucket \(placement.bucket) of qdisc \(placement.qdisc) holds \(Self.nodesPerBucket) filters already; no node for \(address)")
        }
        used.insert(node)
        nodes[key] = used
        allocators[major] = allocator
        return (placement.qdisc.withMinor(minor), U32Handle(table: hashTable, bucket: placement.bucket, node: node))
    }

    /// Marks a class id and filter node found in the kernel as used (re-adoption). Returns false,
    /// taking nothing, when either is outside the ranges or already taken.
    mutating func reserve(_ classID: TCHandle, _ filter: U32Handle) -> Bool {
        let key = NodeBucket(qdiscMajor: classID.major, bucket: filter.bucket)
        guard filter.table == hashTable, filter.node != 0, !nodes[key, default: []].contains(filter.node) else { return false }
        var allocator = allocators[classID.major] ?? ClassIDAllocator(range: classIDs)
        guard allocator.reserve(classID.minor) else { return false }
        allocators[classID.major] = allocator
        nodes[key, default: []].insert(filter.node)
        return true
    }

    /// Returns a subscriber's class id and filter node.
    mutating func release(_ classID: TCHandle, _ filter: U32Handle) {
        allocators[classID.major]?.release(classID.minor)
        nodes[NodeBucket(qdiscMajor: classID.major, bucket: filter.bucket)]?.remove(filter.node)
    }

    /// Forgets everything (after a tear-down).
    mutating func removeAll() {
        allocators.removeAll()
        nodes.removeAll()
    }
}
