import CLinuxNet

/// What one shaped interface holds at our handles: one qdisc dump, then one class dump and one
/// filter dump (our priority) per qdisc of ours that exists.
struct ShapingSnapshot {
    let link: NetworkLink
    /// Our qdiscs by handle: the root and, in the sharded layout, the shards present.
    var qdiscs: Set<TCHandle> = []
    /// The HTB classes of our qdiscs by id.
    var classes: [TCHandle: HTBClass] = [:]
    /// Our-priority u32 filters of each of our qdiscs.
    var filters: [TCHandle: [U32Filter]] = [:]
}

/// One shared object of the layout: what `start()` creates when it is missing.
enum ShapingInfrastructure: Hashable {
    case qdisc(HTBQdisc)
    case htbClass(HTBClass)
    case filter(U32Filter)
}

extension Shaper {
    /// Reads what `link` holds. Throws `adoptionConflict` when another root qdisc is in place, a
    /// shard's handle is taken by something else, or the interface holds the other layout.
    func snapshot(of link: NetworkLink) throws -> ShapingSnapshot {
        var snapshot = ShapingSnapshot(link: link)
        let root = configuration.qdiscHandle
        let qdiscs = try netlink.qdiscs(interfaceIndex: link.index)
        guard let existing = qdiscs.first(where: { $0.parent == .root }), existing.handle.major != 0 else { return snapshot }
        guard existing.handle == root, existing.kind == "htb" else {
            throw NetlinkShapingError(.adoptionConflict,
                                      "\(link.name) already has root qdisc \(existing.kind) \(existing.handle); expected htb \(root) — delete it or pick another qdiscMajor")
        }
        snapshot.qdiscs.insert(root)
        // Sorted, so a conflict always names the lowest offending handle.
        for qdisc in qdiscs.sorted(by: { $0.handle < $1.handle }) where qdisc.parent.major == root.major && qdisc.parent != .root {
            switch configuration.layout {
            case .singleQdisc:
                // A leaf qdisc someone attached to a class is not ours to judge; an HTB child is a shard.
                guard qdisc.kind != "htb" else {
                    throw NetlinkShapingError(.adoptionConflict,
                                              "\(link.name) holds htb \(qdisc.handle) under \(qdisc.parent), the sharded layout; tear it down or configure layout .sharded")
                }
            case .sharded:
                guard let shard = configuration.shard(ofMajor: qdisc.handle.major), qdisc.kind == "htb",
                      qdisc.parent == configuration.shardClass(shard) else {
                    let first = configuration.shardQdisc(0), last = configuration.shardQdisc(UInt8.max)
                    throw NetlinkShapingError(.adoptionConflict,
                                              "\(link.name) has qdisc \(qdisc.kind) \(qdisc.handle) under \(qdisc.parent), which is not a shard of this layout " +
                                              "(htb \(first)…\(last), each under the \(root) class of the same number) — delete it or move firstShardMajor")
                }
                snapshot.qdiscs.insert(qdisc.handle)
            }
        }
        // One class dump per qdisc: a whole-interface dump is O(classes²) (see RoutingNetlink.classes).
        for qdisc in snapshot.qdiscs {
            for object in try netlink.classes(interfaceIndex: link.index, qdisc: qdisc) {
                if let htbClass = HTBClass(object), snapshot.classes[htbClass.classID] == nil { snapshot.classes[htbClass.classID] = htbClass }
            }
        }
        for qdisc in snapshot.qdiscs {
            snapshot.filters[qdisc] = try netlink.filters(interfaceIndex: link.index, parent: qdisc).compactMap(U32Filter.init)
                .filter { $0.priority == configuration.filterPriority }
        }
        if configuration.layout == .sharded,
           let stray = snapshot.filters[root]?.first(where: { if case .classify = $0.action { $0.handle.table == configuration.hashTable } else { false } }) {
            throw NetlinkShapingError(.adoptionConflict,
                                      "\(link.name) holds subscriber filter \(stray.handle) in root qdisc \(root), the single-qdisc layout; tear it down or configure layout .singleQdisc")
        }
        return snapshot
    }

    /// The shared objects of the layout on an interface whose subscriber traffic is told apart by
    /// `field`, parents before children and hash tables before the filters that link to them.
    func infrastructure(field: IPv4Field) -> [ShapingInfrastructure] {
        let root = configuration.qdiscHandle
        let priority = configuration.filterPriority
        let table = U32Handle(table: configuration.hashTable)
        var objects: [ShapingInfrastructure] = [
            .qdisc(HTBQdisc(handle: root, defaultClass: configuration.defaultClass.minor)),
            .htbClass(HTBClass(classID: configuration.rootClass, parent: root, rate: configuration.totalRate)),
            .htbClass(HTBClass(classID: configuration.defaultClass, parent: configuration.rootClass, rate: configuration.defaultRate,
                               ceil: configuration.totalRate, priority: 7)),
        ]
        var filters: [ShapingInfrastructure] = [
            .filter(U32Filter(parent: root, priority: priority, handle: table, action: .hashTable(divisor: 256))),
            .filter(U32Filter(parent: root, priority: priority, handle: U32Handle(table: 0x800, node: 1),
                              action: .hashByLastOctet(of: field, table: table))),
        ]
        guard configuration.layout == .sharded else { return objects + filters }
        let shards = (0..<ShaperConfiguration.shardCount).map { UInt8($0) }
        let shareOfTotal = Swift.max(configuration.totalRate / UInt64(ShaperConfiguration.shardCount), 8)
        objects += shards.map {
            .htbClass(HTBClass(classID: configuration.shardClass($0), parent: configuration.rootClass, rate: shareOfTotal,
                               ceil: configuration.totalRate))
        }
        objects += shards.map {
            .qdisc(HTBQdisc(handle: configuration.shardQdisc($0), parent: configuration.shardClass($0), defaultClass: 2))
        }
        for shard in shards {
            let qdisc = configuration.shardQdisc(shard)
            objects.append(.htbClass(HTBClass(classID: qdisc.withMinor(1), parent: qdisc, rate: configuration.totalRate)))
            objects.append(.htbClass(HTBClass(classID: qdisc.withMinor(2), parent: qdisc.withMinor(1), rate: configuration.defaultRate,
                                              ceil: configuration.totalRate, priority: 7)))
        }
        filters += shards.map {
            .filter(U32Filter(parent: root, priority: priority, handle: U32Handle(table: configuration.hashTable, bucket: $0, node: 1),
                              action: .matchAll(classID: configuration.shardClass($0))))
        }
        for shard in shards {
            let qdisc = configuration.shardQdisc(shard)
            filters.append(.filter(U32Filter(parent: qdisc, priority: priority, handle: table, action: .hashTable(divisor: 256))))
            filters.append(.filter(U32Filter(parent: qdisc, priority: priority, handle: U32Handle(table: 0x800, node: 1),
                                             action: .hashByThirdOctet(of: field, table: table))))
        }
        return objects + filters
    }

    /// Creates whatever part of the layout `snapshot` lacks, in one batch. Throws
    /// `adoptionConflict` when one of our filter handles holds a different filter.
    func ensureInfrastructure(_ snapshot: ShapingSnapshot, field: IPv4Field, report: inout ShaperStartReport) throws {
        var requests: [NetlinkRequest] = []
        let index = snapshot.link.index
        for object in infrastructure(field: field) {
            switch object {
            case .qdisc(let qdisc):
                if !snapshot.qdiscs.contains(qdisc.handle) { requests.append(qdisc.createRequest(interfaceIndex: index)) }
            case .htbClass(let htbClass):
                if snapshot.classes[htbClass.classID] == nil { requests.append(htbClass.request(.create, interfaceIndex: index)) }
            case .filter(let filter):
                let present = snapshot.filters[filter.parent] ?? []
                if present.contains(filter) { continue }
                if let other = present.first(where: { $0.handle == filter.handle }) {
                    throw NetlinkShapingError(.adoptionConflict,
                                              "\(snapshot.link.name) filter \(other.handle) prio \(other.priority) under \(other.parent) is \(other.action), expected \(filter.action)")
                }
                requests.append(filter.createRequest(interfaceIndex: index))
            }
        }
        if !requests.isEmpty {
            try netlink.socket.executeAll(requests)
            report.createdInfrastructure = true
            report.kernelChanges += requests.count
        }
    }
}
