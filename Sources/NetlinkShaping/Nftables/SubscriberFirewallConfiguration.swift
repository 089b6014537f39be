/// Where and how a `SubscriberFirewall` programs nftables.
public struct SubscriberFirewallConfiguration: Hashable, Sendable {
    /// The `inet` table that holds everything; one per BNG (e.g. `aether_bng_01`).
    public var tableName: String
    /// Interfaces subscribers are reached through; traffic in or out of them is subscriber traffic.
    public var subscriberInterfaces: [String]
    /// Most elements per set (nft `size`), default 65,536.
    public var setSize: Int
    /// Priority of the forward chain (nft `priority filter` is 0).
    public var chainPriority: Int

    /// Creates a configuration.
    public init(tableName: String, subscriberInterfaces: [String], setSize: Int = 65_536, chainPriority: Int = 0) {
        self.tableName = tableName
        self.subscriberInterfaces = subscriberInterfaces
        self.setSize = setSize
        self.chainPriority = chainPriority
    }

    /// Set counting bytes from each subscriber (lookup on `ip saddr`).
    public static let uploadSet = "sub_up"
    /// Set counting bytes to each subscriber (lookup on `ip daddr`).
    public static let downloadSet = "sub_down"
    /// Set of subscribers whose traffic is forwarded.
    public static let authorizedSet = "authorized"
    /// The forward-hook chain.
    public static let chainName = "subscriber_forward"

    func validate() throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
        guard !tableName.isEmpty, tableName.count <= 64, tableName.allSatisfy(allowed.contains), tableName.first?.isLetter == true else {
            throw NetlinkShapingError(.invalidArgument, "table name \"\(tableName)\" must start with a letter and hold only letters, digits and '_'")
        }
        guard !subscriberInterfaces.isEmpty else {
            throw NetlinkShapingError(.invalidArgument, "at least one subscriber interface is needed to tell subscriber traffic apart")
        }
        for name in subscriberInterfaces { try LinkRequests.validate(name: name) }
        guard setSize > 0 else { throw NetlinkShapingError(.invalidArgument, "setSize must be positive (got \(setSize))") }
    }
}
