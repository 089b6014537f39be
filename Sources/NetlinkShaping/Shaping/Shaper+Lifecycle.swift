import CLinuxNet
import NetworkTypes
import Glibc

/// Start (create or re-adopt) and tear down the shared objects: qdiscs (shards included), root,
/// default and shard classes, hash tables, the IFB and its ingress redirect.
extension Shaper {
    /// Finds the interfaces, then re-adopts what a previous run left in the kernel — qdiscs,
    /// classes and filters at our handles — and creates only what is missing. After a clean
    /// restart nothing is changed (`kernelChanges == 0`); half-made subscribers from a crash are
    /// removed. Throws `interfaceNotFound`, or `adoptionConflict` when another root qdisc is in
    /// place or the interfaces hold the other `ShaperLayout`.
    @discardableResult
    public func start() throws -> ShaperStartReport {
        try lock.withLock {
            var report = ShaperStartReport(adoptedSubscribers: 0, createdInfrastructure: false, removedOrphans: 0, kernelChanges: 0)
            let download = try netlink.link(named: configuration.subscriberInterface)
            let upload: NetworkLink
            switch configuration.upload {
            case .interface(let name):
                upload = try netlink.link(named: name)
            case .ifb(let name):
                if let existing = try? netlink.link(named: name) {
                    guard existing.kind == "ifb" else {
                        throw NetlinkShapingError(.adoptionConflict, "\(name) exists but is a \(existing.kind.isEmpty ? "device" : existing.kind), not an IFB")
                    }
                    if !existing.isUp {
                        try netlink.setUp(index: existing.index)
                        report.kernelChanges += 1
                    }
                    upload = existing
                } else {
                    upload = try netlink.createIFB(named: name)
                    report.createdInfrastructure = true
                    report.kernelChanges += 2
                }
                try ensureRedirect(from: download, to: upload, report: &report)
            }
            // Read both interfaces before changing either, so a conflict on one changes nothing.
            let downSnapshot = try snapshot(of: download)
            let upSnapshot = try snapshot(of: upload)
            try ensureInfrastructure(downSnapshot, field: .destination, report: &report)
            try ensureInfrastructure(upSnapshot, field: .source, report: &report)
            try adopt(download: downSnapshot, upload: upSnapshot, report: &report)
            downloadLink = download
            uploadLink = upload
            return report
        }
    }

    /// A subscriber filter found in one of our qdiscs.
    private struct FoundFilter: Hashable {
        let qdisc: TCHandle
        let handle: U32Handle
        let classID: TCHandle
    }

    /// The classify filters in our hash table of every qdisc that holds subscribers.
    private func subscriberFilters(_ snapshot: ShapingSnapshot, field: IPv4Field) -> [(IPv4Address, FoundFilter)] {
        var found: [(IPv4Address, FoundFilter)] = []
        for qdisc in configuration.subscriberQdiscs {
            for filter in snapshot.filters[qdisc] ?? [] where filter.handle.table == configuration.hashTable {
                if case .classify(let address, field, let classID) = filter.action {
                    found.append((address, FoundFilter(qdisc: qdisc, handle: filter.handle, classID: classID)))
                }
            }
        }
        return found
    }

    /// Takes over subscribers whose four objects all exist, agree, and sit where the layout puts
    /// the address; deletes the rest of what is in our id ranges (orphans of a crash between requests).
    private func adopt(download: ShapingSnapshot, upload: ShapingSnapshot, report: inout ShaperStartReport) throws {
        let downFilters = subscriberFilters(download, field: .destination)
        var upFilters: [IPv4Address: [FoundFilter]] = [:]
        for (address, found) in subscriberFilters(upload, field: .source) { upFilters[address, default: []].append(found) }
        var keptClasses = Set<TCHandle>()
        var requests: [NetlinkRequest] = []
        func deleteFilter(_ found: FoundFilter, on link: NetworkLink) {
            requests.append(U32Filter.deleteRequest(interfaceIndex: link.index, parent: found.qdisc, priority: configuration.filterPriority,
                                                    handle: found.handle))
        }
        for (address, found) in downFilters {
            let placement = configuration.placement(of: address)
            if upFilters[address]?.contains(found) == true, found.qdisc == placement.qdisc, found.classID.major == placement.qdisc.major,
               found.handle.bucket == placement.bucket,
               let downClass = download.classes[found.classID], downClass.parent == placement.parentClass,
               let upClass = upload.classes[found.classID], upClass.parent == placement.parentClass,
               table[address] == nil, handles.reserve(found.classID, found.handle) {
                table[address] = ShapedSubscriber(address: address,
                                                  profile: RateProfile(download: DirectionRate(downClass), upload: DirectionRate(upClass)),
                                                  classID: found.classID, filter: found.handle)
                keptClasses.insert(found.classID)
            } else {
                deleteFilter(found, on: download.link)
            }
        }
        for (address, founds) in upFilters {
            for found in founds where table[address].map({ $0.filter != found.handle || $0.classID != found.classID }) ?? true {
                deleteFilter(found, on: upload.link)
            }
        }
        for snapshot in [download, upload] {
            for classID in snapshot.classes.keys.sorted() where isSubscriberClassID(classID) && !keptClasses.contains(classID) {
                requests.append(ClassRequests.delete(interfaceIndex: snapshot.link.index, classID: classID))
            }
        }
        if !requests.isEmpty {
            try netlink.socket.executeAll(requests)
            report.removedOrphans = requests.count
            report.kernelChanges += requests.count
            metrics.removedOrphans.increment(by: Int64(requests.count))
        }
        report.adoptedSubscribers = table.count
    }

    /// Whether a class id is one a subscriber would have under this layout: in our id range in a
    /// qdisc that holds subscribers — or, sharded, any other class in that range of the root qdisc
    /// that is not a shard class (nothing else of ours lives there).
    private func isSubscriberClassID(_ classID: TCHandle) -> Bool {
        guard configuration.classIDs.contains(classID.minor) else { return false }
        switch configuration.layout {
        case .singleQdisc:
            return classID.major == configuration.qdiscMajor
        case .sharded:
            if configuration.shard(ofMajor: classID.major) != nil { return true }
            guard classID.major == configuration.qdiscMajor else { return false }
            return configuration.shard(ofMajor: classID.minor) == nil
        }
    }

    /// Makes sure the subscriber interface's ingress is redirected to the IFB.
    private func ensureRedirect(from subscriberLink: NetworkLink, to ifb: NetworkLink, report: inout ShaperStartReport) throws {
        var requests: [NetlinkRequest] = []
        let hasIngress = try netlink.qdiscs(interfaceIndex: subscriberLink.index).contains { $0.handle == .ingress && $0.kind == "ingress" }
        if !hasIngress { requests.append(IngressQdisc().createRequest(interfaceIndex: subscriberLink.index)) }
        let redirect = U32Filter(parent: .ingress, priority: configuration.filterPriority, handle: U32Handle(table: 0x800, node: 1),
                                 action: .redirect(toInterfaceIndex: ifb.index))
        let existing = hasIngress ? try netlink.filters(interfaceIndex: subscriberLink.index, parent: .ingress).compactMap(U32Filter.init)
            .filter { $0.priority == configuration.filterPriority && $0.handle == redirect.handle } : []
        if let other = existing.first, other != redirect {
            throw NetlinkShapingError(.adoptionConflict, "\(subscriberLink.name) ingress filter \(other.handle) prio \(other.priority) is \(other.action), not a redirect to \(ifb.name)")
        }
        if existing.isEmpty { requests.append(redirect.createRequest(interfaceIndex: subscriberLink.index)) }
        if !requests.isEmpty {
            try netlink.socket.executeAll(requests)
            report.createdInfrastructure = true
            report.kernelChanges += requests.count
        }
    }

    /// Removes everything the shaper creates: both HTB qdiscs (with every shard, class and filter),
    /// the ingress qdisc and, in IFB mode, the IFB itself. The shaper must be started again to be used.
    public func tearDown() throws {
        try lock.withLock {
            let download = try netlink.link(named: configuration.subscriberInterface)
            var requests = [QdiscRequests.delete(interfaceIndex: download.index, handle: configuration.qdiscHandle, parent: .root)]
            switch configuration.upload {
            case .interface(let name):
                let upload = try netlink.link(named: name)
                requests.append(QdiscRequests.delete(interfaceIndex: upload.index, handle: configuration.qdiscHandle, parent: .root))
            case .ifb(let name):
                requests.append(QdiscRequests.delete(interfaceIndex: download.index, handle: .ingress, parent: .ingressParent))
                if let ifb = try? netlink.link(named: name), ifb.kind == "ifb" {
                    requests.append(NetlinkRequest(type: UInt16(RTM_DELLINK), payload: LinkRequests.header(index: ifb.index).bytes,
                                                   summary: "delete IFB \(name)"))
                }
            }
            for case .failure(let error) in try netlink.socket.perform(requests) where error.code != .objectNotFound && error.errno != EINVAL {
                throw error
            }
            table.removeAll()
            handles.removeAll()
            downloadLink = nil
            uploadLink = nil
        }
    }
}
