import CLinuxNet
import NetworkTypes
import Glibc

/// Start (create or re-adopt) and tear down the shared objects: qdiscs, root and default
/// classes, hash tables, the IFB and its ingress redirect.
extension Shaper {
    /// Finds the interfaces, then re-adopts what a previous run left in the kernel — qdiscs,
    /// classes and filters at our handles — and creates only what is missing. After a clean
    /// restart nothing is changed (`kernelChanges == 0`); half-made subscribers from a crash are
    /// removed. Throws `interfaceNotFound`, or `adoptionConflict` when another root qdisc is in place.
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
            var found: [IPv4Field: [IPv4Address: (TCHandle, U32Handle)]] = [:]
            var classes: [IPv4Field: [TCHandle: HTBClass]] = [:]
            for (link, field) in [(download, IPv4Field.destination), (upload, .source)] {
                try ensureHierarchy(on: link, field: field, report: &report)
                classes[field] = Dictionary(try netlink.classes(interfaceIndex: link.index).compactMap(HTBClass.init).map { ($0.classID, $0) },
                                            uniquingKeysWith: { first, _ in first })
                var filters: [IPv4Address: (TCHandle, U32Handle)] = [:]
                for filter in try netlink.filters(interfaceIndex: link.index, parent: configuration.qdiscHandle).compactMap(U32Filter.init)
                where filter.priority == configuration.filterPriority && filter.handle.table == configuration.hashTable {
                    if case .classify(let address, field, let classID) = filter.action { filters[address] = (classID, filter.handle) }
                }
                found[field] = filters
            }
            try adopt(found: found, classes: classes, download: download, upload: upload, report: &report)
            downloadLink = download
            uploadLink = upload
            return report
        }
    }

    /// Takes over subscribers whose four objects all exist and agree; deletes the rest of what is
    /// in our id range (orphans of a crash between requests).
    private func adopt(found: [IPv4Field: [IPv4Address: (TCHandle, U32Handle)]], classes: [IPv4Field: [TCHandle: HTBClass]],
                       download: NetworkLink, upload: NetworkLink, report: inout ShaperStartReport) throws {
        let downFilters = found[.destination] ?? [:]
        let upFilters = found[.source] ?? [:]
        let downClasses = classes[.destination] ?? [:]
        let upClasses = classes[.source] ?? [:]
        var keptClasses = Set<TCHandle>()
        var orphanFilters: [(NetworkLink, U32Handle)] = []
        for (address, (classID, handle)) in downFilters {
            if let (upClassID, upHandle) = upFilters[address], upClassID == classID, upHandle == handle,
               let downClass = downClasses[classID], let upClass = upClasses[classID], table[address] == nil,
               allocator.reserve(classID.minor), usedNodes[handle.bucket, default: []].insert(handle.node).inserted {
                table[address] = ShapedSubscriber(address: address,
                                                  profile: RateProfile(download: DirectionRate(downClass), upload: DirectionRate(upClass)),
                                                  classID: classID, filter: handle)
                keptClasses.insert(classID)
            } else {
                orphanFilters.append((download, handle))
            }
        }
        for (address, (_, handle)) in upFilters where table[address]?.filter != handle {
            orphanFilters.append((upload, handle))
        }
        var requests = orphanFilters.map {
            U32Filter.deleteRequest(interfaceIndex: $0.0.index, parent: configuration.qdiscHandle, priority: configuration.filterPriority, handle: $0.1)
        }
        for (link, linkClasses) in [(download, downClasses), (upload, upClasses)] {
            for classID in linkClasses.keys where configuration.classIDs.contains(classID.minor) && classID.major == configuration.qdiscMajor
                && !keptClasses.contains(classID) {
                requests.append(ClassRequests.delete(interfaceIndex: link.index, classID: classID))
            }
        }
        if !requests.isEmpty {
            try netlink.socket.executeAll(requests)
            report.removedOrphans = requests.count
            report.kernelChanges += requests.count
        }
        report.adoptedSubscribers = table.count
    }

    /// Makes sure `link` has our HTB qdisc, root and default classes, hash table and hashing filter.
    private func ensureHierarchy(on link: NetworkLink, field: IPv4Field, report: inout ShaperStartReport) throws {
        let qdisc = configuration.qdiscHandle
        var requests: [NetlinkRequest] = []
        let root = try netlink.qdiscs(interfaceIndex: link.index).first { $0.parent == .root }
        if let root, root.handle.major != 0 {
            guard root.handle == qdisc, root.kind == "htb" else {
                throw NetlinkShapingError(.adoptionConflict,
                                          "\(link.name) already has root qdisc \(root.kind) \(root.handle); expected htb \(qdisc) — delete it or pick another qdiscMajor")
            }
        } else {
            requests.append(HTBQdisc(handle: qdisc, defaultClass: configuration.defaultClass.minor).createRequest(interfaceIndex: link.index))
        }
        let classIDs = Set(requests.isEmpty ? try netlink.classes(interfaceIndex: link.index).map(\.handle) : [])
        if !classIDs.contains(configuration.rootClass) {
            requests.append(HTBClass(classID: configuration.rootClass, parent: qdisc, rate: configuration.totalRate)
                .request(.create, interfaceIndex: link.index))
        }
        if !classIDs.contains(configuration.defaultClass) {
            requests.append(HTBClass(classID: configuration.defaultClass, parent: configuration.rootClass, rate: configuration.defaultRate,
                                     ceil: configuration.totalRate, priority: 7)
                .request(.create, interfaceIndex: link.index))
        }
        let filters = requests.contains { $0.type == UInt16(RTM_NEWQDISC) } ? []
            : try netlink.filters(interfaceIndex: link.index, parent: qdisc).compactMap(U32Filter.init)
                .filter { $0.priority == configuration.filterPriority }
        let table = U32Handle(table: configuration.hashTable)
        if !filters.contains(where: { $0.handle == table && $0.action == U32Filter.Action.hashTable(divisor: 256) }) {
            requests.append(U32Filter(parent: qdisc, priority: configuration.filterPriority, handle: table, action: .hashTable(divisor: 256))
                .createRequest(interfaceIndex: link.index))
        }
        let hashing = U32Filter(parent: qdisc, priority: configuration.filterPriority, handle: U32Handle(table: 0x800, node: 1),
                                action: .hashByLastOctet(of: field, table: table))
        if !filters.contains(hashing) {
            requests.append(hashing.createRequest(interfaceIndex: link.index))
        }
        if !requests.isEmpty {
            try netlink.socket.executeAll(requests)
            report.createdInfrastructure = true
            report.kernelChanges += requests.count
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

    /// Removes everything the shaper creates: both HTB qdiscs (with every class and filter), the
    /// ingress qdisc and, in IFB mode, the IFB itself. The shaper must be started again to be used.
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
            usedNodes.removeAll()
            allocator = ClassIDAllocator(range: configuration.classIDs)
            downloadLink = nil
            uploadLink = nil
        }
    }
}
