import LabKit

/// A test namespace wired to the harness's services network, with its own Kea subnet.
///
/// Each attachment takes one slot `n`: address `198.18.0.(10+n)` on the services bridge and the
/// Kea subnet `100.64.n.0/24` whose relay address (giaddr) is `100.64.n.1`. The services namespace
/// gets a route for that subnet back through the attachment, removed at cleanup.
public struct ServicesAttachment: Sendable {
    public let namespace: NetworkNamespace
    /// This namespace's interface on the services network.
    public let interface: String
    public let address: String
    public let subnet: KeaSubnet
    public let endpoints: ServiceEndpoints

    public static func attach(_ namespace: NetworkNamespace, in network: TestNetwork,
                              endpoints: ServiceEndpoints) async throws -> ServicesAttachment {
        let slot = try await SlotPool.shared.take(limit: endpoints.kea.subnets.count)
        network.onCleanup { await SlotPool.shared.give(slot) }
        let subnet = endpoints.kea.subnets[slot]
        let address = "198.18.0.\(10 + slot)"
        let services = endpoints.servicesNamespace
        let serviceSide = "ts\(slot)-\(network.tag.prefix(8))"
        try await namespace.addVeth("svc0", peer: serviceSide, in: services)
        try await services.attach(serviceSide, toBridge: endpoints.servicesBridge)
        try await namespace.addAddress("\(address)/\(endpoints.servicesPrefixLength)", to: "svc0")
        try await services.addRoute(subnet.prefix, via: address)
        network.onCleanup { try? await services.deleteRoute(subnet.prefix) }
        return ServicesAttachment(namespace: namespace, interface: "svc0", address: address,
                                  subnet: subnet, endpoints: endpoints)
    }
}

/// Hands out subnet slots so concurrent tests never share a Kea subnet or an address.
actor SlotPool {
    static let shared = SlotPool()
    private var used: Set<Int> = []

    func take(limit: Int) throws -> Int {
        guard let free = (0..<limit).first(where: { !used.contains($0) }) else {
            throw LabKitError(.invalidConfiguration, "all \(limit) test subnet slots are in use")
        }
        used.insert(free)
        return free
    }

    func give(_ slot: Int) { used.remove(slot) }
}
