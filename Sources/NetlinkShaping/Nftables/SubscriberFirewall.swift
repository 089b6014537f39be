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
    /// Subscribers found authorized (address and MAC).
    public var adoptedAuthorized: Int
    /// Whether the input chain was (re)written because it was missing or had other rules
    /// (it holds no state, so this loses nothing).
    public var rewroteInputChain: Bool
}

/// nftables accounting and authorization for subscribers, through libnftables JSON commands:
/// one `inet` table per BNG with two counter sets (`sub_up`, `sub_down`) keyed by address, the
/// authorized addresses and (MAC, address) pairs, and
/// - a forward chain that drops subscriber traffic to addresses that are not authorized and from
///   (MAC, address) pairs that are not (so a neighbour on the line cannot use an authorized
///   address with its own MAC), IPv6 subscriber traffic (there is no IPv6 authorization) and
///   `ct state invalid` packets (so a flushed flow stays ended, see `ConntrackTable`); DHCP
///   client↔server traffic passes;
/// - an input chain: from subscriber interfaces only DHCP to the relay and ICMP echo reach the
///   BNG itself; management ports (CoA, metrics) answer only on `lo` and management interfaces.
///
/// ```
/// table inet T {
///   set sub_up         { type ipv4_addr; size 65536; counter; }
///   set sub_down       { type ipv4_addr; size 65536; counter; }
///   set authorized     { type ipv4_addr; size 65536; }
///   set authorized_mac { type ether_addr . ipv4_addr; size 65536; }
///   chain subscriber_forward { type filter hook forward priority 0; policy accept;
///     iifname { SUBS } udp sport 68 udp dport 67 accept
///     oifname { SUBS } udp sport 67 udp dport 68 accept
///     iifname { SUBS } ct state invalid drop
///     oifname { SUBS } ct state invalid drop
///     iifname { SUBS } meta nfproto ipv6 drop
///     oifname { SUBS } meta nfproto ipv6 drop
///     iifname { SUBS } ether saddr . ip saddr != @authorized_mac drop
///     oifname { SUBS } ip daddr != @authorized drop
///     ip saddr @sub_up
///     ip daddr @sub_down }
///   chain subscriber_input { type filter hook input priority 0; policy accept;
///     iifname { SUBS } udp dport 67 accept
///     iifname { SUBS } ip daddr { GATEWAYS } icmp type echo-request accept
///     iifname { SUBS } drop
///     iifname != { lo, MGMT } udp dport 3799 drop      # one rule per management port
///   } }
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
    /// Authorized addresses and the MAC each is authorized with.
    private var allowed: [IPv4Address: MACAddress] = [:]
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
    /// Authorized addresses and the MAC each may send from.
    public var authorized: [IPv4Address: MACAddress] { lock.withLock { allowed } }

    /// Creates the table, or re-adopts it (with its elements and their counters) without any change
    /// when it already has our sets and chain. Throws `adoptionConflict` when a table of that name
    /// has another shape.
    @discardableResult
    public func start() throws -> SubscriberFirewallStartReport {
        try locked(.start) {
            let tables = try objects(run(["list": ["tables": ["family": "inet"]]]), kind: "table")
            if tables.contains(where: { $0["name"] as? String == configuration.tableName }) {
                let listing = try run(["list": ["table": ["family": "inet", "name": configuration.tableName]]])
                let hasInputChain = try verifyShape(listing)
                let sets = try objects(listing, kind: "set")
                let up = Set(elements(in: sets, named: SubscriberFirewallConfiguration.uploadSet).keys)
                let down = Set(elements(in: sets, named: SubscriberFirewallConfiguration.downloadSet).keys)
                counted = up.intersection(down)
                // Authorized: the address in both sets; a half-written pair is repaired by the caller's next authorize.
                let addresses = Set(elements(in: sets, named: SubscriberFirewallConfiguration.authorizedSet).keys)
                allowed = pairs(in: sets).filter { addresses.contains($0.key) }
                if !hasInputChain {
                    var commands = inputChainCommands()
                    if hasChain(SubscriberFirewallConfiguration.inputChainName, in: listing) {
                        commands.insert(["flush": ["chain": ["family": "inet", "table": configuration.tableName,
                                                              "name": SubscriberFirewallConfiguration.inputChainName]]], at: 1)
                    }
                    try execute(commands)
                }
                return SubscriberFirewallStartReport(createdTable: false, adoptedSubscribers: counted.count, adoptedAuthorized: allowed.count,
                                                     rewroteInputChain: !hasInputChain)
            }
            try execute(tableCommands())
            counted = []
            allowed = [:]
            return SubscriberFirewallStartReport(createdTable: true, adoptedSubscribers: 0, adoptedAuthorized: 0, rewroteInputChain: true)
        }
    }

    /// Starts counting `addresses` with their traffic still blocked (e.g. while RADIUS decides),
    /// in one transaction. Throws `subscriberExists` for an address already counted.
    public func addBlocked(_ addresses: [IPv4Address]) throws {
        try locked(.add) {
            try checkNew(addresses)
            guard !addresses.isEmpty else { return }
            try execute(countCommands("add", addresses))
            counted.formUnion(addresses)
        }
    }

    /// Starts counting the addresses and lets their traffic through, each from its MAC only, in
    /// one transaction. Throws `subscriberExists` for an address already counted.
    public func add(_ subscribers: [IPv4Address: MACAddress]) throws {
        try locked(.add) {
            let addresses = Array(subscribers.keys)
            try checkNew(addresses)
            guard !addresses.isEmpty else { return }
            try execute(countCommands("add", addresses) + authorizeCommands(subscribers))
            counted.formUnion(addresses)
            allowed.merge(subscribers) { _, new in new }
        }
    }

    /// Lets each address's traffic through, from its MAC only (e.g. after a late Access-Accept).
    /// Already authorized with that MAC is fine; authorized with another MAC moves it to this one.
    public func authorize(_ subscribers: [IPv4Address: MACAddress]) throws {
        try locked(.authorize) {
            let changed = subscribers.filter { allowed[$0.key] != $0.value }
            guard !changed.isEmpty else { return }
            try execute(authorizeCommands(changed))
            allowed.merge(changed) { _, new in new }
        }
    }

    /// Blocks the addresses' forwarded traffic; counters stay.
    public func deauthorize(_ addresses: [IPv4Address]) throws {
        try locked(.deauthorize) {
            let requested = Set(addresses)
            let present = allowed.filter { requested.contains($0.key) }
            guard !present.isEmpty else { return }
            try execute(deauthorizeCommands(present))
            for address in present.keys { allowed[address] = nil }
        }
    }

    private func checkNew(_ addresses: [IPv4Address]) throws {
        var seen = Set<IPv4Address>()
        for address in addresses where counted.contains(address) || !seen.insert(address).inserted {
            throw NetlinkShapingError(.subscriberExists, "\(address) is already counted in table \(configuration.tableName)")
        }
    }

    private func countCommands(_ verb: String, _ addresses: [IPv4Address]) -> [[String: Any]] {
        [elementCommand(verb, SubscriberFirewallConfiguration.uploadSet, addresses),
         elementCommand(verb, SubscriberFirewallConfiguration.downloadSet, addresses)]
    }

    /// Adds the addresses and pairs not there yet, replacing a pair with another MAC.
    private func authorizeCommands(_ subscribers: [IPv4Address: MACAddress]) -> [[String: Any]] {
        let fresh = subscribers.keys.filter { allowed[$0] == nil }
        let moved = allowed.filter { entry in subscribers[entry.key].map { $0 != entry.value } ?? false }
        var commands: [[String: Any]] = []
        if !moved.isEmpty { commands.append(pairCommand("delete", moved)) }
        if !fresh.isEmpty { commands.append(elementCommand("add", SubscriberFirewallConfiguration.authorizedSet, Array(fresh))) }
        let pairs = subscribers.filter { allowed[$0.key] != $0.value }
        if !pairs.isEmpty { commands.append(pairCommand("add", pairs)) }
        return commands
    }

    private func deauthorizeCommands(_ subscribers: [IPv4Address: MACAddress]) -> [[String: Any]] {
        [elementCommand("delete", SubscriberFirewallConfiguration.authorizedSet, Array(subscribers.keys)), pairCommand("delete", subscribers)]
    }

    /// Removes addresses from every set (counters are gone afterwards: read them first), in one
    /// transaction. Throws `subscriberNotFound` for an address not counted.
    public func remove(_ addresses: [IPv4Address]) throws {
        try locked(.remove) {
            for address in addresses where !counted.contains(address) {
                throw NetlinkShapingError(.subscriberNotFound, "\(address) is not counted in table \(configuration.tableName)")
            }
            guard !addresses.isEmpty else { return }
            var commands = countCommands("delete", addresses)
            let requested = Set(addresses)
            let authorizedOnes = allowed.filter { requested.contains($0.key) }
            if !authorizedOnes.isEmpty { commands += deauthorizeCommands(authorizedOnes) }
            try execute(commands)
            counted.subtract(addresses)
            for address in authorizedOnes.keys { allowed[address] = nil }
        }
    }

    /// Every subscriber's counters: the two counter sets dumped over netlink (``NFTSetCounters``).
    ///
    /// Not through libnftables: a `list table` there built the whole cache and printed it as JSON
    /// to be parsed again — 58 µs and about 25 KiB of transient heap per subscriber each reading.
    public func counters() throws -> [IPv4Address: SubscriberCounters] {
        let started = ContinuousClock.now
        defer { metrics.counterReadDuration.record(duration: ContinuousClock.now - started) }
        let (up, down) = try locked(.readCounters) {
            (try nft.setCounters.counters(table: configuration.tableName, set: SubscriberFirewallConfiguration.uploadSet),
             try nft.setCounters.counters(table: configuration.tableName, set: SubscriberFirewallConfiguration.downloadSet))
        }
        return Self.merge(up: up, down: down)
    }

    /// The counters of just `addresses` (the last values of subscribers about to be removed):
    /// a request per address instead of a dump of every subscriber, so a removal costs the same
    /// at 50 subscribers and at 50,000. Addresses without counters are left out.
    public func counters(of addresses: some Collection<IPv4Address>) throws -> [IPv4Address: SubscriberCounters] {
        guard !addresses.isEmpty else { return [:] }
        let (up, down) = try locked(.readCounters) {
            (try nft.setCounters.counters(table: configuration.tableName, set: SubscriberFirewallConfiguration.uploadSet, of: addresses),
             try nft.setCounters.counters(table: configuration.tableName, set: SubscriberFirewallConfiguration.downloadSet, of: addresses))
        }
        return Self.merge(up: up, down: down)
    }

    private static func merge(up: [IPv4Address: NFTSetCounters.Counter], down: [IPv4Address: NFTSetCounters.Counter]) -> [IPv4Address: SubscriberCounters] {
        var result: [IPv4Address: SubscriberCounters] = [:]
        result.reserveCapacity(max(up.count, down.count))
        for (address, counter) in up {
            result[address, default: SubscriberCounters()].bytesUp = counter.bytes
            result[address, default: SubscriberCounters()].packetsUp = counter.packets
        }
        for (address, counter) in down {
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
            allowed = [:]
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

    private func pairCommand(_ verb: String, _ subscribers: [IPv4Address: MACAddress]) -> [String: Any] {
        var element = setReference(SubscriberFirewallConfiguration.authorizedPairSet)
        element["elem"] = subscribers.map { ["concat": [$0.value.description, $0.key.description]] }
        return [verb: ["element": element]]
    }

    private var subscriberInterfaceMatch: Any {
        configuration.subscriberInterfaces.count == 1 ? configuration.subscriberInterfaces[0] : ["set": configuration.subscriberInterfaces]
    }

    private func rule(_ chain: String, _ expressions: [[String: Any]]) -> [String: Any] {
        ["add": ["rule": ["family": "inet", "table": configuration.tableName, "chain": chain, "expr": expressions]]]
    }

    /// The input chain and its rules (the chain's `add` is a no-op when it exists).
    private func inputChainCommands() -> [[String: Any]] {
        let chain = SubscriberFirewallConfiguration.inputChainName
        let interfaces = subscriberInterfaceMatch
        var commands: [[String: Any]] = [
            ["add": ["chain": ["family": "inet", "table": configuration.tableName, "name": chain,
                               "type": "filter", "hook": "input", "prio": configuration.chainPriority, "policy": "accept"]]],
            rule(chain, [match(meta("iifname"), interfaces), match(payload("udp", "dport"), 67), verdictAccept]),
            rule(chain, [match(meta("iifname"), interfaces)] + gatewayMatch
                 + [match(payload("icmp", "type"), "echo-request"), verdictAccept]),
            rule(chain, [match(meta("iifname"), interfaces), verdictDrop]),
        ]
        let answering = ["set": ["lo"] + configuration.managementInterfaces]
        for port in configuration.managementPorts {
            commands.append(rule(chain, [match(meta("iifname"), answering, op: "!="),
                                         match(payload(port.transport.rawValue, "dport"), Int(port.port)), verdictDrop]))
        }
        return commands
    }

    /// `ip daddr { gateways }`, or nothing when any address of the BNG may be pinged.
    private var gatewayMatch: [[String: Any]] {
        let gateways = Array(Set(configuration.gatewayAddresses.map(\.description))).sorted()
        guard !gateways.isEmpty else { return [] }
        return [match(payload("ip", "daddr"), gateways.count == 1 ? gateways[0] : ["set": gateways])]
    }

    private func tableCommands() -> [[String: Any]] {
        let table = configuration.tableName
        let interfaces = subscriberInterfaceMatch
        func set(_ name: String, counter: Bool, type: Any = "ipv4_addr") -> [String: Any] {
            var set: [String: Any] = ["family": "inet", "table": table, "name": name, "type": type, "size": configuration.setSize]
            if counter { set["stmt"] = [["counter": NSNull()]] }
            return ["add": ["set": set]]
        }
        func rule(_ expressions: [[String: Any]]) -> [String: Any] { self.rule(SubscriberFirewallConfiguration.chainName, expressions) }
        return [
            ["add": ["table": ["family": "inet", "name": table]]],
            set(SubscriberFirewallConfiguration.uploadSet, counter: true),
            set(SubscriberFirewallConfiguration.downloadSet, counter: true),
            set(SubscriberFirewallConfiguration.authorizedSet, counter: false),
            set(SubscriberFirewallConfiguration.authorizedPairSet, counter: false, type: ["ether_addr", "ipv4_addr"]),
            ["add": ["chain": ["family": "inet", "table": table, "name": SubscriberFirewallConfiguration.chainName,
                               "type": "filter", "hook": "forward", "prio": configuration.chainPriority, "policy": "accept"]]],
            rule([match(meta("iifname"), interfaces), match(payload("udp", "sport"), 68), match(payload("udp", "dport"), 67), verdictAccept]),
            rule([match(meta("oifname"), interfaces), match(payload("udp", "sport"), 67), match(payload("udp", "dport"), 68), verdictAccept]),
            rule([match(meta("iifname"), interfaces), match(["ct": ["key": "state"]], "invalid", op: "in"), verdictDrop]),
            rule([match(meta("oifname"), interfaces), match(["ct": ["key": "state"]], "invalid", op: "in"), verdictDrop]),
            rule([match(meta("iifname"), interfaces), match(meta("nfproto"), "ipv6"), verdictDrop]),
            rule([match(meta("oifname"), interfaces), match(meta("nfproto"), "ipv6"), verdictDrop]),
            rule([match(meta("iifname"), interfaces),
                  match(["concat": [payload("ether", "saddr"), payload("ip", "saddr")]], "@" + SubscriberFirewallConfiguration.authorizedPairSet, op: "!="),
                  verdictDrop]),
            rule([match(meta("oifname"), interfaces), match(payload("ip", "daddr"), "@" + SubscriberFirewallConfiguration.authorizedSet, op: "!="), verdictDrop]),
            rule([match(payload("ip", "saddr"), "@" + SubscriberFirewallConfiguration.uploadSet)]),
            rule([match(payload("ip", "daddr"), "@" + SubscriberFirewallConfiguration.downloadSet)]),
        ] + inputChainCommands()
    }

    static let ruleCount = 10

    /// Checks that an existing table has our sets and forward chain; returns whether the input
    /// chain is there with exactly the rules this configuration writes.
    private func verifyShape(_ listing: String) throws -> Bool {
        let sets = try objects(listing, kind: "set").compactMap { $0["name"] as? String }
        let chains = try objects(listing, kind: "chain").compactMap { $0["name"] as? String }
        let rules = try objects(listing, kind: "rule")
        let forwardRules = rules.filter { $0["chain"] as? String == SubscriberFirewallConfiguration.chainName }.count
        let expected = [SubscriberFirewallConfiguration.uploadSet, SubscriberFirewallConfiguration.downloadSet,
                        SubscriberFirewallConfiguration.authorizedSet, SubscriberFirewallConfiguration.authorizedPairSet]
        guard expected.allSatisfy(sets.contains), chains.contains(SubscriberFirewallConfiguration.chainName), forwardRules == Self.ruleCount else {
            throw NetlinkShapingError(.adoptionConflict,
                                      "table inet \(configuration.tableName) exists with sets \(sets.sorted()), chains \(chains.sorted()) and \(forwardRules) forward rules; " +
                                      "expected sets \(expected.sorted()) and chain \(SubscriberFirewallConfiguration.chainName) with \(Self.ruleCount) rules — delete the table or pick another name")
        }
        // The input chain holds no state: it is kept only when its rules are exactly ours.
        let present = rules.filter { $0["chain"] as? String == SubscriberFirewallConfiguration.inputChainName }
            .map { Self.signature($0["expr"] ?? NSNull()) }
        let wanted = inputChainCommands().compactMap { (($0["add"] as? [String: Any])?["rule"] as? [String: Any])?["expr"] }
            .map { Self.signature($0) }
        return chains.contains(SubscriberFirewallConfiguration.inputChainName) && present == wanted
    }

    /// A rule's expressions as canonical JSON: keys sorted, set members sorted (nft lists a set
    /// in its own order), numbers as nft prints them.
    static func signature(_ expression: Any) -> String {
        func canonical(_ value: Any) -> Any {
            if let dictionary = value as? [String: Any] {
                var result: [String: Any] = [:]
                for (key, item) in dictionary {
                    if key == "set", let members = item as? [Any] {
                        result[key] = members.map(canonical).sorted { "\($0)" < "\($1)" }
                    } else {
                        result[key] = canonical(item)
                    }
                }
                return result
            }
            if let array = value as? [Any] { return array.map(canonical) }
            return value
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["expr": canonical(expression)], options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the listing has a chain of that name.
    private func hasChain(_ chain: String, in listing: String) -> Bool {
        ((try? objects(listing, kind: "chain")) ?? []).contains { $0["name"] as? String == chain }
    }

    /// The (MAC, address) pairs of the pair set.
    private func pairs(in sets: [[String: Any]]) -> [IPv4Address: MACAddress] {
        var result: [IPv4Address: MACAddress] = [:]
        guard let set = sets.first(where: { $0["name"] as? String == SubscriberFirewallConfiguration.authorizedPairSet }),
              let elements = set["elem"] as? [Any] else { return result }
        for element in elements {
            guard let parts = (element as? [String: Any])?["concat"] as? [Any], parts.count == 2,
                  let macText = parts[0] as? String, let mac = MACAddress(macText),
                  let addressText = parts[1] as? String, let address = IPv4Address(addressText) else { continue }
            result[address] = mac
        }
        return result
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

// libnftables JSON expressions.
private func match(_ left: [String: Any], _ right: Any, op: String = "==") -> [String: Any] {
    ["match": ["op": op, "left": left, "right": right]]
}
private func meta(_ key: String) -> [String: Any] { ["meta": ["key": key]] }
private func payload(_ proto: String, _ field: String) -> [String: Any] { ["payload": ["protocol": proto, "field": field]] }
private var verdictAccept: [String: Any] { ["accept": NSNull()] }
private var verdictDrop: [String: Any] { ["drop": NSNull()] }
