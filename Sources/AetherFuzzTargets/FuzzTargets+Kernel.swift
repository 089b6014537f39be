import NetlinkShaping

extension FuzzTarget {
    /// Netlink replies as the kernel sends them to the shaper, the link reader and conntrack.
    public static let netlink = FuzzTarget(
        name: "netlink",
        summary: "NetlinkMessage.parseAll, then every message as an ACK, a link, a tc object (HTB class/qdisc, u32 filter) and a conntrack entry",
        seeds: FuzzSeeds.netlinkMessages
    ) { bytes throws(FuzzFinding) in
        guard let messages = try? NetlinkMessage.parseAll(bytes[...]) else { return }
        for message in messages.prefix(64) {
            _ = try? NetlinkAcknowledgement(message)
            _ = try? NetworkLink(message)
            _ = (try? ConntrackEntry(message)) ?? nil
            if let object = try? TrafficControlObject(message) {
                _ = HTBClass(object)
                _ = HTBQdisc.defaultClass(of: object)
                _ = U32Filter(object)
                for attribute in object.options.prefix(32) {
                    _ = try? NetlinkAttribute.parse(attribute.payload)
                }
            }
        }
    }
}
