import NetworkTypes
import Foundation
import Metrics

/// Byte and packet counters of one subscriber, named from the subscriber's point of view.
public struct SubscriberCounters: Hashable, Sendable, Codable {
    /// Bytes the subscriber sent (IP packet bytes, headers included).
    public var bytesUp: UInt64
    /// Packets the subscriber sent (GRO/GSO super-packets count once).
    public var packetsUp: UInt64
    /// Bytes sent to the subscriber.
    public var bytesDown: UInt64
    /// Packets sent to the subscriber.
    public var packetsDown: UInt64

    /// Creates counters (zero by default).
    public init(bytesUp: UInt64 = 0, packetsUp: UInt64 = 0, bytesDown: UInt64 = 0, packetsDown: UInt64 = 0) {
        self.bytesUp = bytesUp
        self.packetsUp = packetsUp
        self.bytesDown = bytesDown
        self.packetsDown = packetsDown
    }
}

/// What `SubscriberFirewall.start()` found and did.
public struct SubscriberFirewallStartReport: Hashable, Sendable {
    /// Whether the table had to be created (false: an existing table was re-adopted unchanged).
    public var createdTable: Bool
    /// Subscribers found with counters in both sets.
    public var adoptedSubscribers: Int
    /// Subscribers found in the authorized set.
    public var adoptedAuthorized: Int
}

/// nftables accounting and authorization for subscribers, through libnftables JSON commands:
/// one `inet` table per BNG with two counter sets (`sub_up`, `sub_down`) keyed by address, an
/// `authorized` set, and a forward chain that drops subscriber traffic from or to addresses that
/// are not authorized (DHCP client↔server traffic excepted), IPv6 subscriber traffic (there is no
/// IPv6 authorization) and `ct state invalid` packets (so a flushed flow stays ended, see
/// `ConntrackTable`).
///
/// ```
/// table inet T {
///   set sub_up     { type ipv4_addr; size 65536; counter; }
///   set sub_down   { type ipv4_addr; size 65536; counter; }
///   set authorized { type ipv4_addr; size 65536; }
///   chain subscriber_forward { type filter hook forward priority 0; policy accept;
///     iifname { SUBS } udp sport 68 udp dport 67 accept
///     oifname { SUBS } udp sport 67 udp dport 68 accept
///     iifname { SUBS } ct state invalid drop
///     oifname { SUBS } ct state invalid drop
///     iifname { SUBS } meta nfproto ipv6 drop
///     oifname { SUBS } meta nfproto ipv6 drop
///     iifname { SUBS } ip saddr != @authorized drop
///     oifname { SUBS } ip daddr != @authorized drop
///     ip saddr @sub_up
///     ip daddr @sub_down } }
/// ```
/// Every batch is one libnftables call and one kernel transaction. Calls block; see `NFTContext`
/// for the namespace rule (the context's creating thread decides).
// The address sets are only read or written while holding `lock`.
public final class SubscriberFirewall: @unchecked Sendable {
    /// What this firewall programs.
    public let configuration: SubscriberFirewallConfiguration
    private let nft: NFTContext
    private let lock = NSLock()
    private var counted: Set<IPv4Address> = [] {
        didSet { metrics.countedSubscribers.record(counted.count) }
    }
    private var allowed: Set<IPv4Address> = []
    private let metrics: SubscriberFirewallMetrics

    /// Creates a firewall on `context` (JSON output required); nothing changes until `start()`.
    /// Its counter-read timer, refusal counter and subscriber gauge (see `SubscriberFirewallMetrics`)
    /// go to `metricsFactory`.
    public init(configuration: SubscriberFirewallConfiguration, context: NFTContext,
                metricsFactory: any MetricsFactory = MetricsSystem.factory) throws {
        try configuration.validate()
        self.configuration = configuration
        nft = context
        metrics = SubscriberFirewallMetrics(table: configuration.tableName, factory: metricsFactory)
        metrics.countedSubscribers.record(0)
    }

    /// Addresses with counters.
    public var subscribers: Set<IPv4Address> { lock.withLock { counted } }
    /// Addresses in the authorized set.
    public var authorized: Set<IPv4Address> { lock.withLock { allowed } }

    /// Creates the table, or re-adopts it (with its elements and their counters) without any change
    /// when it already has our sets and chain. Throws `adoptionConflict` when a table of that name
    /// has another shape.
    @discardableResult
    public func start() throws -> SubscriberFirewallStartReport {
        try locked(.start) {
            let tables = try objects(run(["list": ["tables": ["family": "inet"]]]), kind: "table")
            if tables.contains(where: { $0["name"] as? String == configuration.tableName }) {
                let listing = try run(["list": ["table": ["family": "inet", "name": configuration.tableName]]])
                try verifyShape(listing)
                let sets = try objects(listing, kind: "set")
                let up = Set(elements(in: sets, named: SubscriberFirewallConfiguration.uploadSet).keys)
                let down = Set(elements(in: sets, named: SubscriberFirewallConfiguration.downloadSet).keys)
                counted = up.intersection(down)
                allowed = Set(elements(in: sets, named: SubscriberFirewallConfiguration.authorizedSet).keys)
                return SubscriberFirewallStartReport(createdTable: false, adoptedSubscribers: counted.count, adoptedAuthorized: allowed.count)
            }
            try execute(tableCommands())
            counted = []
            allowed = []
            return SubscriberFirewallStartReport(createdTable: true, adoptedSubscribers: 0, adoptedAuthorized: 0)
        }
    }

    /// Starts counting `addresses` and, when `authorize` is true, lets their traffic through —
    /// all in one transaction. Throws `subscriberExists` for an address already counted.
    public func add(_ addresses: [IPv4Address], authorize: Bool = true) throws {
        try locked(.add) {
            var seen = Set<IPv4Address>()
            for address in addresses where counted.contains(address) || !seen.insert(address).inserted {
                throw NetlinkShapingError(.subscriberExists, "\(address) is already counted in table \(configuration.tableName)")
            }
            guard !addresses.isEmpty else { return }
            var commands = [elementCommand("add", SubscriberFirewallConfiguration.uploadSet, addresses),
                            elementCommand("add", SubscriberFirewallConfiguration.downloadSet, addresses)]
            let newlyAllowed = addresses.filter { !allowed.contains($0) }
            if authorize, !newlyAllowed.isEmpty {
                commands.append(elementCommand("add", SubscriberFirewallConfiguration.authorizedSet, newlyAllowed))
            }
            try execute(commands)
            counted.formUnion(addresses)
            if authorize { allowed.formUnion(addresses) }
        }
    }

    /// Adds addresses to the authorized set (e.g. after a late Access-Accept). Already authorized is fine.
    public func authorize(_ addresses: [IPv4Address]) throws {
        try locked(.authorize) {
            let missing = Array(Set(addresses).subtracting(allowed))
            guard !missing.isEmpty else { return }
            try execute([elementCommand("add", SubscriberFirewallConfiguration.authorizedSet, missing)])
            allowed.formUnion(missing)
        }
    }

    /// Removes addresses from the authorized set, so their forwarded traffic is dropped; counters stay.
    public func deauthorize(_ addresses: [IPv4Address]) throws {
        try locked(.deauthorize) {
            let present = Array(Set(addresses).intersection(allowed))
            guard !present.isEmpty else { return }
            try execute([elementCommand("delete", SubscriberFirewallConfiguration.authorizedSet, present)])
            allowed.subtract(present)
        }
    }

    /// Removes addresses from every set (counters are gone afterwards: read them first), in one
    /// transaction. Throws `subscriberNotFound` for an address not counted.
    public func remove(_ addresses: [IPv4Address]) throws {
        try locked(.remove) {
            for address in addresses where !counted.contains(address) {
                throw NetlinkShapingError(.subscriberNotFound, "\(address) is not counted in table \(configuration.tableName)")
            }
            guard !addresses.isEmpty else { return }
            var commands = [elementCommand("delete", SubscriberFirewallConfiguration.uploadSet, addresses),
                            elementCommand("delete", SubscriberFirewallConfiguration.downloadSet, addresses)]
            let authorizedOnes = addresses.filter(allowed.contains)
            if !authorizedOnes.isEmpty {
                commands.append(elementCommand("delete", SubscriberFirewallConfiguration.authorizedSet, authorizedOnes))
            }
            try execute(commands)
            counted.subtract(addresses)
            allowed.subtract(authorizedOnes)
        }
    }

    /// Every subscriber's counters, read with one libnftables call that lists the table.
    ///
    /// One `list table` rather than two `list set` commands: libnftables 1.0.6 builds its cache
    /// for the first listed set only, and then fails the second with ENOENT.
    public func counters() throws -> [IPv4Address: SubscriberCounters] {
        let started = ContinuousClock.now
        defer { metrics.counterReadDuration.record(duration: ContinuousClock.now - started) }
        let listing = try locked(.readCounters) {
            try run(["list": ["table": ["family": "inet", "name": configuration.tableName]]])
        }
        let sets = try objects(listing, kind: "set")
        var result: [IPv4Address: SubscriberCounters] = [:]
        for (address, counter) in elements(in: sets, named: SubscriberFirewallConfiguration.uploadSet) {
            result[address, default: SubscriberCounters()].bytesUp = counter.bytes
            result[address, default: SubscriberCounters()].packetsUp = counter.packets
        }
        for (address, counter) in elements(in: sets, named: SubscriberFirewallConfiguration.downloadSet) {
            result[address, default: SubscriberCounters()].bytesDown = counter.bytes
            result[address, default: SubscriberCounters()].packetsDown = counter.packets
        }
        return result
    }

    /// Deletes the whole table: every set, element and rule this firewall created.
    public func tearDown() throws {
        try locked(.tearDown) {
            try execute([["delete": ["table": ["family": "inet", "name": configuration.tableName]]]])
            counted = []
            allowed = []
        }
    }

    /// Runs `body` holding the lock, counting a libnftables refusal against `operation`.
    private func locked<T>(_ operation: SubscriberFirewallMetrics.Operation, _ body: () throws -> T) throws -> T {
        try metrics.counting(operation) { try lock.withLock(body) }
    }

    // MARK: - JSON

    private func setReference(_ name: String) -> [String: Any] {
        ["family": "inet", "table": configuration.tableName, "name": name]
    }

    private func elementCommand(_ verb: String, _ set: String, _ addresses: [IPv4Address]) -> [String: Any] {
        var element = setReference(set)
        element["elem"] = addresses.map(\.description)
        return [verb: ["element": element]]
    }

    private func tableCommands() -> [[String: Any]] {
        let table = configuration.tableName
        let interfaces: Any = configuration.subscriberInterfaces.count == 1
            ? configuration.subscriberInterfaces[0] : ["set": configuration.subscriberInterfaces]
        func set(_ name: String, counter: Bool) -> [String: Any] {
            var set: [String: Any] = ["family": "inet", "table": table, "name": name, "type": "ipv4_addr", "size": configuration.setSize]
            if counter { set["stmt"] = [["counter": NSNull()]] }
            return ["add": ["set": set]]
        }
        func match(_ left: [String: Any], _ right: Any, op: String = "==") -> [String: Any] {
            ["match": ["op": op, "left": left, "right": right]]
        }
        func meta(_ key: String) -> [String: Any] { ["meta": ["key": key]] }
        func payload(_ proto: String, _ field: String) -> [String: Any] { ["payload": ["protocol": proto, "field": field]] }
        func rule(_ expressions: [[String: Any]]) -> [String: Any] {
            ["add": ["rule": ["family": "inet", "table": table, "chain": SubscriberFirewallConfiguration.chainName, "expr": expressions]]]
        }
        let verdictAccept: [String: Any] = ["accept": NSNull()]
        let verdictDrop: [String: Any] = ["drop": NSNull()]
        return [
            ["add": ["table": ["family": "inet", "name": table]]],
            set(SubscriberFirewallConfiguration.uploadSet, counter: true),
            set(SubscriberFirewallConfiguration.downloadSet, counter: true),
            set(SubscriberFirewallConfiguration.authorizedSet, counter: false),
            ["add": ["chain": ["family": "inet", "table": table, "name": SubscriberFirewallConfiguration.chainName,
                               "type": "filter", "hook": "forward", "prio": configuration.chainPriority, "policy": "accept"]]],
            rule([match(meta("iifname"), interfaces), match(payload("udp", "sport"), 68), match(payload("udp", "dport"), 67), verdictAccept]),
            rule([match(meta("oifname"), interfaces), match(payload("udp", "sport"), 67), match(payload("udp", "dport"), 68), verdictAccept]),
            rule([match(meta("iifname"), interfaces), match(["ct": ["key": "state"]], "invalid", op: "in"), verdictDrop]),
            rule([match(meta("oifname"), interfaces), match(["ct": ["key": "state"]], "invalid", op: "in"), verdictDrop]),
            rule([match(meta("iifname"), interfaces), match(meta("nfproto"), "ipv6"), verdictDrop]),
            rule([match(meta("oifname"), interfaces), match(meta("nfproto"), "ipv6"), verdictDrop]),
            rule([match(meta("iifname"), interfaces), match(payload("ip", "saddr"), "@" + SubscriberFirewallConfiguration.authorizedSet, op: "!="), verdictDrop]),
            rule([match(meta("oifname"), interfaces), match(payload("ip", "daddr"), "@" + SubscriberFirewallConfiguration.authorizedSet, op: "!="), verdictDrop]),
            rule([match(payload("ip", "saddr"), "@" + SubscriberFirewallConfiguration.uploadSet)]),
            rule([match(payload("ip", "daddr"), "@" + SubscriberFirewallConfiguration.downloadSet)]),
        ]
    }

    static let ruleCount = 10

    private func verifyShape(_ listing: String) throws {
        let sets = try objects(listing, kind: "set").compactMap { $0["name"] as? String }
        let chains = try objects(listing, kind: "chain").compactMap { $0["name"] as? String }
        let rules = try objects(listing, kind: "rule").filter { $0["chain"] as? String == SubscriberFirewallConfiguration.chainName }
        let expected = [SubscriberFirewallConfiguration.uploadSet, SubscriberFirewallConfiguration.downloadSet, SubscriberFirewallConfiguration.authorizedSet]
        guard expected.allSatisfy(sets.contains), chains.contains(SubscriberFirewallConfiguration.chainName), rules.count == Self.ruleCount else {
            throw NetlinkShapingError(.adoptionConflict,
                                      "table inet \(configuration.tableName) exists with sets \(sets.sorted()), chains \(chains.sorted()) and \(rules.count) rules; " +
                                      "expected sets \(expected.sorted()) and chain \(SubscriberFirewallConfiguration.chainName) with \(Self.ruleCount) rules — delete the table or pick another name")
        }
    }

    /// Runs a JSON batch (`{"nftables": [...]}`); libnftables applies it as one transaction.
    private func execute(_ commands: [[String: Any]]) throws {
        _ = try run(commands)
    }

    private func run(_ command: [String: Any]) throws -> String { try run([command]) }

    private func run(_ commands: [[String: Any]]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: ["nftables": commands])
        return try nft.run(String(decoding: data, as: UTF8.self))
    }

    /// The objects of one kind (`set`, `table`, `rule`) in a JSON listing.
    private func objects(_ listing: String, kind: String) throws -> [[String: Any]] {
        guard !listing.isEmpty else { return [] }
        guard let root = try? JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else {
            throw NetlinkShapingError(.nftablesCommandFailed, "libnftables printed output that is not nftables JSON: \(listing.prefix(200))")
        }
        return items.compactMap { $0[kind] as? [String: Any] }
    }

    /// Elements of set `name` with their counters (zero when the set has none).
    private func elements(in sets: [[String: Any]], named name: String) -> [IPv4Address: (bytes: UInt64, packets: UInt64)] {
        var result: [IPv4Address: (bytes: UInt64, packets: UInt64)] = [:]
        guard let set = sets.first(where: { $0["name"] as? String == name }), let elements = set["elem"] as? [Any] else { return result }
        result.reserveCapacity(elements.count)
        for element in elements {
            if let text = element as? String, let address = IPv4Address(text) {
                result[address] = (0, 0)
            } else if let wrapper = (element as? [String: Any])?["elem"] as? [String: Any],
                      let text = wrapper["val"] as? String, let address = IPv4Address(text) {
                let counter = wrapper["counter"] as? [String: Any]
                result[address] = ((counter?["bytes"] as? NSNumber)?.uint64Value ?? 0, (counter?["packets"] as? NSNumber)?.uint64Value ?? 0)
            }
        }
        return result
    }
}
