import NetworkTypes
import Foundation
import Metrics

/// One shaped subscriber: its address, its rates and the kernel objects that carry them.
public struct ShapedSubscriber: Hashable, Sendable {
    /// The subscriber's IPv4 address.
    public let address: IPv4Address
    /// The rates in force.
    public internal(set) var profile: RateProfile
    /// Its class id, the same on the download and the upload interface: `1:N` in the single-qdisc
    /// layout, `<shard>:N` (e.g. `10a:3` for an address ending in .10) in the sharded one.
    public let classID: TCHandle
    /// Its u32 filter node, the same on both interfaces: `2:<last octet>:<node>` in the root qdisc
    /// (single-qdisc layout) or `2:<third octet>:<node>` in its shard's qdisc (sharded).
    public let filter: U32Handle

    /// The qdisc that holds its class and filters (`1:`, or its shard's `10a:`).
    public var qdisc: TCHandle { classID.withMinor(0) }
}

/// Per-subscriber counters of both HTB classes (`tc -s class show`).
public struct SubscriberShapingStatistics: Hashable, Sendable, Codable {
    /// Counters of the download class (bytes sent to the subscriber).
    public var download: TrafficControlStatistics
    /// Counters of the upload class (bytes sent by the subscriber).
    public var upload: TrafficControlStatistics
}

/// What `Shaper.start()` found and did.
public struct ShaperStartReport: Hashable, Sendable {
    /// Subscribers whose classes and filters were already in the kernel and were taken over.
    public var adoptedSubscribers: Int
    /// Whether qdiscs, root/default classes, hash tables or the IFB redirect had to be created.
    public var createdInfrastructure: Bool
    /// Half-made objects (a class without its filter, a filter without its class) that were removed.
    public var removedOrphans: Int
    /// How many netlink requests that change the kernel were sent (0 when everything was adopted).
    public var kernelChanges: Int
}

/// Shapes subscribers by address with HTB: download on the subscriber-facing interface,
/// upload on an IFB (or the uplink). Each subscriber gets one class id from an allocator and
/// one u32 filter node per direction; `ShaperConfiguration.layout` decides which qdisc holds them.
///
/// Calls block while the kernel answers and are serialised by a lock; use the shaper from a
/// dedicated thread or executor, not from Swift's cooperative pool in a hot path. The namespace is
/// the one the `RoutingNetlink` was created in.
///
/// Layout on each shaped interface (defaults: major `1:`, shards `100:`…`1ff:`):
/// ```
/// qdisc htb 1: root default 2
/// class 1:1  rate totalRate                          (root)
/// class 1:2  parent 1:1 rate defaultRate prio 7      (non-IPv4 traffic)
/// filter prio 10 u32 800::1 hash last octet of dst (download) / src (upload) → table 2:
///
/// .sharded, for each last octet b (shard s = 0x100 + b, or 0x200 + b for 17 octets: `shardQdisc(_:)`):
/// class 1:s  parent 1:1 rate totalRate/256 ceil totalRate
/// filter prio 10 u32 2:b:1 match u32 0 0 flowid 1:s
/// qdisc htb s: parent 1:s default 2
/// class s:1  rate totalRate                          (the shard's root)
/// class s:2  parent s:1 rate defaultRate prio 7      (IPv4 traffic of no subscriber)
/// class s:N  parent s:1 rate …                       (one per subscriber ending in b)
/// filter parent s: prio 10 u32 800::1 hash third octet → table 2:
/// filter parent s: prio 10 u32 2:<third octet>:<node> match ip dst|src A/32 flowid s:N
///
/// .singleQdisc:
/// class 1:N  parent 1:1 rate …                       (one per subscriber)
/// filter prio 10 u32 2:<last octet>:<node> match ip dst|src A/32 flowid 1:N
/// ```
// Mutable state is only read or written while holding `lock`.
public final class Shaper: @unchecked Sendable {
    /// What this shaper programs.
    public let configuration: ShaperConfiguration
    let netlink: RoutingNetlink
    let lock = NSLock()
    var downloadLink: NetworkLink?
    var uploadLink: NetworkLink?
    var handles: SubscriberHandleAllocator
    var table: [IPv4Address: ShapedSubscriber] = [:] {
        didSet { metrics.shapedSubscribers.record(table.count) }
    }
    let metrics: ShaperMetrics

    /// Creates a shaper; nothing touches the kernel until `start()`. Its gauge of shaped
    /// subscribers and its rollback and orphan counters (see `ShaperMetrics`) go to `metricsFactory`.
    public init(configuration: ShaperConfiguration, netlink: RoutingNetlink, metricsFactory: any MetricsFactory = MetricsSystem.factory) throws {
        try configuration.validate()
        self.configuration = configuration
        self.netlink = netlink
        handles = SubscriberHandleAllocator(classIDs: configuration.classIDs, hashTable: configuration.hashTable)
        metrics = ShaperMetrics(interface: configuration.subscriberInterface, factory: metricsFactory)
        metrics.shapedSubscribers.record(0)
    }

    /// The subscribers shaped now, by address.
    public var subscribers: [IPv4Address: ShapedSubscriber] { lock.withLock { table } }

    /// Shapes one subscriber. Throws `subscriberExists` if it is shaped already,
    /// `classLimitReached` when the class ids are exhausted, or the kernel's error.
    public func apply(_ profile: RateProfile, to address: IPv4Address) throws {
        try apply([(address, profile)])
    }

    /// Shapes many subscribers with all their classes and filters in as few `sendmsg` calls as fit.
    /// A subscriber whose objects the kernel refuses is rolled back entirely; the others stay
    /// applied and the first error is thrown.
    public func apply(_ entries: [(IPv4Address, RateProfile)]) throws {
        try lock.withLock {
            let (download, upload) = try links()
            var seen = Set<IPv4Address>()
            for (address, _) in entries where table[address] != nil || !seen.insert(address).inserted {
                throw NetlinkShapingError(.subscriberExists, "\(address) is already shaped; use change(_:to:) to alter its rates")
            }
            var pending: [ShapedSubscriber] = []
            pending.reserveCapacity(entries.count)
            do {
                for (address, profile) in entries {
                    let (classID, filter) = try handles.allocate(for: address, at: configuration.placement(of: address))
                    pending.append(ShapedSubscriber(address: address, profile: profile, classID: classID, filter: filter))
                }
            } catch {
                pending.forEach(release)
                throw error
            }
            var requests: [NetlinkRequest] = []
            requests.reserveCapacity(pending.count * 4)
            for subscriber in pending {
                requests += creationRequests(subscriber, download: download, upload: upload)
            }
            let outcomes = try netlink.socket.perform(requests)
            var firstError: NetlinkShapingError?
            var rollback: [NetlinkRequest] = []
            for (offset, subscriber) in pending.enumerated() {
                let results = outcomes[(offset * 4)..<(offset * 4 + 4)]
                let failures = results.compactMap { if case .failure(let error) = $0 { error } else { nil } }
                if let failure = failures.first {
                    firstError = firstError ?? failure
                    let created = results.enumerated().map { if case .success = $0.element { true } else { false } }
                    rollback += deletionRequests(subscriber, download: download, upload: upload, created: Array(created))
                    release(subscriber)
                } else {
                    table[subscriber.address] = subscriber
                }
            }
            if !rollback.isEmpty { _ = try netlink.socket.perform(rollback) }
            if let firstError {
                let failed = pending.count - pending.filter { table[$0.address] != nil }.count
                metrics.rolledBack.increment(by: Int64(failed))
                throw NetlinkShapingError(firstError.code, "\(failed) of \(pending.count) subscribers not shaped (rolled back): \(firstError.message)",
                                          errno: firstError.errno)
            }
        }
    }

    /// Changes a shaped subscriber's rates in place (`tc class change`) for a CoA: the classes keep
    /// their ids, filters and queued packets, so flows continue without a drop.
    public func change(_ address: IPv4Address, to profile: RateProfile) throws {
        try lock.withLock {
            let (download, upload) = try links()
            guard var subscriber = table[address] else {
                throw NetlinkShapingError(.subscriberNotFound, "\(address) is not shaped; apply a profile first")
            }
            let parent = subscriber.classID.withMinor(1)
            let classes = [profile.download.htbClass(subscriber.classID, parent: parent),
                           profile.upload.htbClass(subscriber.classID, parent: parent)]
            for htbClass in classes { try htbClass.validate() }
            try netlink.socket.executeAll([classes[0].request(.change, interfaceIndex: download.index),
                                           classes[1].request(.change, interfaceIndex: upload.index)])
            subscriber.profile = profile
            table[address] = subscriber
        }
    }

    /// Removes one subscriber's filters and classes. Throws `subscriberNotFound` if it is not shaped.
    public func remove(_ address: IPv4Address) throws {
        try remove([address])
    }

    /// Removes many subscribers in batches: filters first, then the classes they pointed at.
    public func remove(_ addresses: [IPv4Address]) throws {
        try lock.withLock {
            let (download, upload) = try links()
            let subscribers = try addresses.map { address in
                guard let subscriber = table[address] else {
                    throw NetlinkShapingError(.subscriberNotFound, "\(address) is not shaped; nothing to remove")
                }
                return subscriber
            }
            var requests: [NetlinkRequest] = []
            for subscriber in subscribers {
                requests += deletionRequests(subscriber, download: download, upload: upload, created: [true, true, true, true])
            }
            let outcomes = try netlink.socket.perform(requests)
            for subscriber in subscribers {
                table[subscriber.address] = nil
                release(subscriber)
            }
            // Already gone is what removal wants; anything else is a real failure.
            for case .failure(let error) in outcomes where error.code != .objectNotFound { throw error }
        }
    }

    /// Counters of every shaped subscriber, read with one class dump per interface and qdisc that
    /// holds subscribers (each shard in use, or the root qdisc). Per-qdisc dumps, not one per
    /// interface: see `RoutingNetlink.classes(interfaceIndex:qdisc:)` for why that is O(n²).
    public func statistics() throws -> [IPv4Address: SubscriberShapingStatistics] {
        try lock.withLock {
            let (download, upload) = try links()
            var down: [TCHandle: TrafficControlStatistics] = [:]
            var up: [TCHandle: TrafficControlStatistics] = [:]
            for qdisc in Set(table.values.map(\.qdisc)).sorted() {
                down.merge(try netlink.classStatistics(interfaceIndex: download.index, qdisc: qdisc)) { first, _ in first }
                up.merge(try netlink.classStatistics(interfaceIndex: upload.index, qdisc: qdisc)) { first, _ in first }
            }
            var result: [IPv4Address: SubscriberShapingStatistics] = [:]
            result.reserveCapacity(table.count)
            for (address, subscriber) in table {
                result[address] = SubscriberShapingStatistics(download: down[subscriber.classID] ?? TrafficControlStatistics(),
                                                               upload: up[subscriber.classID] ?? TrafficControlStatistics())
            }
            return result
        }
    }

    // MARK: - Building requests

    func links() throws -> (NetworkLink, NetworkLink) {
        guard let downloadLink, let uploadLink else {
            throw NetlinkShapingError(.invalidArgument, "the shaper is not started; call start() first")
        }
        return (downloadLink, uploadLink)
    }

    func release(_ subscriber: ShapedSubscriber) {
        handles.release(subscriber.classID, subscriber.filter)
    }

    /// Class then filter, download then upload (the order `deletionRequests` mirrors).
    func creationRequests(_ subscriber: ShapedSubscriber, download: NetworkLink, upload: NetworkLink) -> [NetlinkRequest] {
        let parent = subscriber.classID.withMinor(1)
        return [
            subscriber.profile.download.htbClass(subscriber.classID, parent: parent).request(.create, interfaceIndex: download.index),
            U32Filter(parent: subscriber.qdisc, priority: configuration.filterPriority, handle: subscriber.filter,
                      action: .classify(address: subscriber.address, field: .destination, classID: subscriber.classID))
                .createRequest(interfaceIndex: download.index),
            subscriber.profile.upload.htbClass(subscriber.classID, parent: parent).request(.create, interfaceIndex: upload.index),
            U32Filter(parent: subscriber.qdisc, priority: configuration.filterPriority, handle: subscriber.filter,
                      action: .classify(address: subscriber.address, field: .source, classID: subscriber.classID))
                .createRequest(interfaceIndex: upload.index),
        ]
    }

    /// Filters before classes (HTB refuses to delete a class a filter points at); only the
    /// objects marked `created` (in `creationRequests` order).
    func deletionRequests(_ subscriber: ShapedSubscriber, download: NetworkLink, upload: NetworkLink, created: [Bool]) -> [NetlinkRequest] {
        var requests: [NetlinkRequest] = []
        let qdisc = subscriber.qdisc
        let priority = configuration.filterPriority
        if created[1] { requests.append(U32Filter.deleteRequest(interfaceIndex: download.index, parent: qdisc, priority: priority, handle: subscriber.filter)) }
        if created[3] { requests.append(U32Filter.deleteRequest(interfaceIndex: upload.index, parent: qdisc, priority: priority, handle: subscriber.filter)) }
        if created[0] { requests.append(ClassRequests.delete(interfaceIndex: download.index, classID: subscriber.classID)) }
        if created[2] { requests.append(ClassRequests.delete(interfaceIndex: upload.index, classID: subscriber.classID)) }
        return requests
    }
}
