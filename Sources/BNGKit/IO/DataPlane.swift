import EventSourcing
import Foundation
import Logging
import Metrics
import NetlinkShaping
import NetworkTypes
import RadiusKit
import ServiceLifecycle
import ServiceSupport

/// Where and how the BNG programs the kernel.
public struct DataPlaneConfiguration: Hashable, Sendable {
    /// The nftables table (one per BNG).
    public var tableName: String
    /// Subscriber-facing interfaces (the aggregation side).
    public var subscriberInterfaces: [String]
    /// Where download and upload are shaped (`nil`: no shaping, counting and authorization only).
    public var shaper: ShaperConfiguration?
    /// Rate for a direction RADIUS gave no rate for, bits per second (default 10 Gbit/s: unshaped).
    public var unlimitedRate: UInt64
    /// Interfaces the management ports answer on, besides `lo`.
    public var managementInterfaces: [String]
    /// The BNG's own ports (CoA, metrics) that only management interfaces may reach.
    public var managementPorts: [ManagementPort]
    /// The subscribers' gateways: the only addresses of the BNG they may ping.
    public var gatewayAddresses: [IPv4Address]

    /// A configuration.
    public init(tableName: String, subscriberInterfaces: [String], shaper: ShaperConfiguration?, unlimitedRate: UInt64 = 10_000_000_000,
                managementInterfaces: [String] = [], managementPorts: [ManagementPort] = [], gatewayAddresses: [IPv4Address] = []) {
        self.tableName = tableName
        self.subscriberInterfaces = subscriberInterfaces
        self.shaper = shaper
        self.unlimitedRate = unlimitedRate
        self.managementInterfaces = managementInterfaces
        self.managementPorts = managementPorts
        self.gatewayAddresses = gatewayAddresses
    }
}

/// The BNG's kernel side: nftables counters and authorization (``SubscriberFirewall``), HTB
/// shaping (``Shaper``) and conntrack, owned by one dedicated thread that takes every queued
/// change at once and sends them in as few netlink and libnftables calls as it can.
///
/// ``start(adopting:)`` re-adopts what a previous run left in the kernel and changes only what
/// differs from the sessions, so a restart with everything in place changes nothing.
public final class DataPlane: Sendable {
    /// One change.
    public enum Operation: Sendable, Equatable {
        /// Count the address; forwarding blocked.
        case install(IPv4Address)
        /// Allow (from the MAC only) and shape.
        case allow(IPv4Address, MACAddress, RADIUSRateLimits)
        /// Block and unshape (counting stays).
        case block(IPv4Address)
        /// Change shaping in place.
        case reshape(IPv4Address, RADIUSRateLimits)
        /// Read the final counters, remove everything of the address, flush its conntrack entries.
        case remove(UUID, IPv4Address)
        /// Read every subscriber's counters.
        case readCounters
    }

    /// What the data plane reports back to the engine.
    public enum Report: Sendable {
        /// Counters of every counted address.
        case counters([IPv4Address: SessionCounters])
        /// A session's objects are gone.
        case removed(UUID, SessionCounters?)
    }

    /// What ``start(adopting:)`` found and did.
    public struct StartReport: Hashable, Sendable {
        /// Kernel changes made to match the sessions (0 when everything was in place).
        public var changes: Int
        /// Objects of addresses without a session that were removed.
        public var orphansRemoved: Int
        /// What the changes were, by kind (`table`, `shaper`, `counted`, `orphans`, `allowed`,
        /// `blocked`, `unshaped`, `shaped`, `reshaped`), for the start log.
        public var breakdown: [String: Int] = [:]
    }

    // `@unchecked Sendable`: created on the worker thread inside the BNG's namespace and used only there.
    final class Kernel: @unchecked Sendable {
        let firewall: SubscriberFirewall
        let shaper: Shaper?
        let conntrack: ConntrackTable

        init(_ configuration: DataPlaneConfiguration, metrics: any MetricsFactory) throws {
            firewall = try SubscriberFirewall(
                configuration: SubscriberFirewallConfiguration(tableName: configuration.tableName, subscriberInterfaces: configuration.subscriberInterfaces,
                                                               managementInterfaces: configuration.managementInterfaces,
                                                               managementPorts: configuration.managementPorts,
                                                               gatewayAddresses: configuration.gatewayAddresses),
                context: NFTContext(), metricsFactory: metrics)
            shaper = try configuration.shaper.map { try Shaper(configuration: $0, netlink: RoutingNetlink(metricsFactory: metrics), metricsFactory: metrics) }
            conntrack = try ConntrackTable(metricsFactory: metrics)
        }
    }

    /// The configuration.
    public let configuration: DataPlaneConfiguration
    private let kernel: Kernel
    private let worker: BatchingWorker<Operation>
    private let failures: LabelledCounters<String>
    private let logger: Logger

    /// Opens the netlink and nftables handles in the calling thread's network namespace;
    /// `report` receives counters and removals on the data-plane thread.
    public init(configuration: DataPlaneConfiguration, metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger = Logger(label: "aether.bng.dataplane"), report: @escaping @Sendable (Report) -> Void) throws {
        self.configuration = configuration
        let kernel = try Kernel(configuration, metrics: metricsFactory)
        self.kernel = kernel
        self.logger = logger
        let failures = LabelledCounters<String>(label: "aether_bng_dataplane_failures_total", dimension: "operation",
                                                keys: ["install", "allow", "block", "reshape", "remove", "counters"], value: { $0 },
                                                factory: metricsFactory)
        self.failures = failures
        worker = try BatchingWorker(name: "aether-dataplane",
                                    depth: Gauge(label: "aether_bng_dataplane_queue_depth", factory: metricsFactory)) { batch in
            Self.apply(batch, to: kernel, configuration: configuration, failures: failures, logger: logger, report: report)
        }
    }

    /// Queues changes; never blocks.
    public func submit(_ operations: [Operation]) { worker.submit(contentsOf: operations) }

    /// Changes waiting.
    public var backlog: Int { worker.backlog }

    /// Serves queued changes until graceful shutdown or cancellation.
    public func run() async throws { try await worker.run() }

    /// Adopts the kernel objects a previous run left and makes them match `sessions`: counted
    /// addresses, authorized ones, and shaping at their rates; everything else of this BNG is
    /// removed. Blocking (call before ``run()`` on a thread in the BNG's namespace).
    public func start(adopting sessions: [Session]) throws -> StartReport {
        do {
            let firewallStart = try kernel.firewall.start()
            let shaperStart = try kernel.shaper?.start()
            let active = sessions.filter { $0.phase == .active }
            let counted = Set(active.map(\.address))
            var authorized: [IPv4Address: MACAddress] = [:]
            for session in active where session.authState == .authorized { authorized[session.address] = session.key.mac }
            var breakdown: [String: Int] = [:]
            breakdown["table"] = firewallStart.createdTable || firewallStart.rewroteInputChain ? 1 : 0
            breakdown["shaper"] = shaperStart?.kernelChanges ?? 0
            var changes = (breakdown["table"] ?? 0) + (breakdown["shaper"] ?? 0)
            let present = kernel.firewall.subscribers
            let missing = counted.subtracting(present)
            let orphans = present.subtracting(counted)
            if !orphans.isEmpty { try kernel.firewall.remove(Array(orphans)) }
            if !missing.isEmpty { try kernel.firewall.addBlocked(Array(missing)) }
            let inKernel = kernel.firewall.authorized
            let allowNow = authorized.filter { inKernel[$0.key] != $0.value }
            let blockNow = inKernel.keys.filter { authorized[$0] == nil }
            if !allowNow.isEmpty { try kernel.firewall.authorize(allowNow) }
            if !blockNow.isEmpty { try kernel.firewall.deauthorize(blockNow) }
            changes += missing.count + orphans.count + allowNow.count + blockNow.count
            (breakdown["counted"], breakdown["orphans"], breakdown["allowed"], breakdown["blocked"]) = (missing.count, orphans.count, allowNow.count, blockNow.count)
            var shapingOrphans = 0
            if let shaper = kernel.shaper {
                var wanted: [IPv4Address: RateProfile] = [:]
                for session in active where session.authState == .authorized {
                    if let rates = session.policy?.rates, !rates.isEmpty { wanted[session.address] = Self.profile(rates, configuration) }
                }
                let shaped = shaper.subscribers
                let unwanted = shaped.keys.filter { wanted[$0] == nil }
                if !unwanted.isEmpty { try shaper.remove(Array(unwanted)) }
                shapingOrphans = unwanted.count
                let toApply = wanted.filter { shaped[$0.key] == nil }.map { ($0.key, $0.value) }
                if !toApply.isEmpty { try shaper.apply(toApply) }
                for (address, profile) in wanted where shaped[address].map({ !$0.profile.shapesLike(profile) }) == true {
                    try shaper.change(address, to: profile)
                    changes += 1
                    breakdown["reshaped", default: 0] += 1
                }
                changes += unwanted.count + toApply.count
                (breakdown["unshaped"], breakdown["shaped"]) = (unwanted.count, toApply.count)
            }
            return StartReport(changes: changes, orphansRemoved: orphans.count + shapingOrphans, breakdown: breakdown.filter { $0.value > 0 })
        } catch {
            throw BNGError(.dataPlaneFailed, "adopting the kernel objects of table \(configuration.tableName): \(error)")
        }
    }

    /// Removes every object of this BNG (the table, the qdiscs): for a BNG retired for good.
    public func tearDown() throws {
        try kernel.firewall.tearDown()
        try kernel.shaper?.tearDown()
    }

    /// The shaping of `rates` (kbit/s, burst kbit); a direction without a rate is not limited.
    static func profile(_ rates: RADIUSRateLimits, _ configuration: DataPlaneConfiguration) -> RateProfile {
        func direction(_ kbps: UInt32?, _ burst: UInt32?) -> DirectionRate {
            guard let kbps, kbps > 0 else { return DirectionRate(rate: configuration.unlimitedRate) }
            return .kilobits(UInt64(kbps), burstKilobits: burst.map(UInt64.init))
        }
        return RateProfile(download: direction(rates.downloadKbps, rates.downloadBurstKbit),
                           upload: direction(rates.uploadKbps, rates.uploadBurstKbit))
    }

    /// Applies one batch, coalescing runs of the same kind into one kernel call each.
    static func apply(_ batch: [Operation], to kernel: Kernel, configuration: DataPlaneConfiguration,
                      failures: LabelledCounters<String>, logger: Logger, report: @Sendable (Report) -> Void) {
        var index = 0
        while index < batch.count {
            var end = index + 1
            while end < batch.count, Self.kind(batch[end]) == Self.kind(batch[index]) { end += 1 }
            let run = Array(batch[index..<end])
            do {
                try apply(run, kind: Self.kind(batch[index]), kernel: kernel, configuration: configuration, report: report)
            } catch {
                failures.increment(Self.kind(batch[index]))
                logger.error("data-plane change failed", metadata: ["operation": "\(Self.kind(batch[index]))", "count": "\(run.count)",
                                                                    "error": "\(error)"])
            }
            index = end
        }
    }

    static func kind(_ operation: Operation) -> String {
        switch operation {
        case .install: "install"
        case .allow: "allow"
        case .block: "block"
        case .reshape: "reshape"
        case .remove: "remove"
        case .readCounters: "counters"
        }
    }

    private static func apply(_ run: [Operation], kind: String, kernel: Kernel, configuration: DataPlaneConfiguration,
                              report: @Sendable (Report) -> Void) throws {
        switch kind {
        case "install":
            let addresses = run.compactMap { if case .install(let address) = $0 { address } else { nil } }
            let fresh = Array(Set(addresses).subtracting(kernel.firewall.subscribers))
            if !fresh.isEmpty { try kernel.firewall.addBlocked(fresh) }
        case "allow":
            var entries: [(IPv4Address, RateProfile)] = []
            var subscribers: [IPv4Address: MACAddress] = [:]
            for case .allow(let address, let mac, let rates) in run {
                subscribers[address] = mac
                if !rates.isEmpty { entries.append((address, profile(rates, configuration))) }
            }
            let counted = kernel.firewall.subscribers
            let uncounted = Set(subscribers.keys).subtracting(counted)
            if !uncounted.isEmpty { try kernel.firewall.addBlocked(Array(uncounted)) }
            try kernel.firewall.authorize(subscribers)
            if let shaper = kernel.shaper, !entries.isEmpty {
                let shaped = shaper.subscribers
                let new = entries.filter { shaped[$0.0] == nil }
                if !new.isEmpty { try shaper.apply(new) }
                for (address, profile) in entries where shaped[address] != nil { try shaper.change(address, to: profile) }
            }
        case "block":
            let addresses = run.compactMap { if case .block(let address) = $0 { address } else { nil } }
            try kernel.firewall.deauthorize(addresses)
            if let shaper = kernel.shaper {
                let shaped = addresses.filter { shaper.subscribers[$0] != nil }
                if !shaped.isEmpty { try shaper.remove(shaped) }
            }
        case "reshape":
            guard let shaper = kernel.shaper else { return }
            for case .reshape(let address, let rates) in run {
                if rates.isEmpty {
                    if shaper.subscribers[address] != nil { try shaper.remove(address) }
                } else if shaper.subscribers[address] != nil {
                    try shaper.change(address, to: profile(rates, configuration))
                } else {
                    try shaper.apply(profile(rates, configuration), to: address)
                }
            }
        case "remove":
            // The last values of just the addresses going away, read before they go: a removal
            // costs the same at 50 sessions and at 50,000.
            let removals = run.compactMap { if case .remove(let id, let address) = $0 { (id, address) } else { nil } }
            let addresses = removals.map(\.1)
            let known = kernel.firewall.subscribers
            let counted = addresses.filter { known.contains($0) }
            let readings = try kernel.firewall.counters(of: counted)
            if let shaper = kernel.shaper {
                let shaped = addresses.filter { shaper.subscribers[$0] != nil }
                if !shaped.isEmpty { try shaper.remove(shaped) }
            }
            if !counted.isEmpty { try kernel.firewall.remove(counted) }
            for address in addresses { _ = try? kernel.conntrack.flush(address: address) }
            for (id, address) in removals { report(.removed(id, readings[address].map(Self.sessionCounters))) }
        default:
            let readings = try kernel.firewall.counters()
            report(.counters(readings.mapValues(Self.sessionCounters)))
        }
    }

    static func sessionCounters(_ counters: SubscriberCounters) -> SessionCounters {
        SessionCounters(bytesUp: counters.bytesUp, bytesDown: counters.bytesDown, packetsUp: counters.packetsUp, packetsDown: counters.packetsDown)
    }
}
