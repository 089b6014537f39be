import Foundation
import Glibc
import LabKit
import NetworkTypes

/// A test namespace wired to the harness's services network, with its own Kea subnet.
///
/// Each attachment takes one slot `n`: address `198.18.0.(10+n)` on the services bridge and the
/// Kea subnet `100.64.n.0/24` whose relay address (giaddr) is `100.64.n.1`. The services namespace
/// gets a route for that subnet back through the attachment, removed at cleanup. Short-lease
/// slots (``Leases/short``) come from the harness's subnets with 30 s leases, for renewal and
/// expiry tests.
public struct ServicesAttachment: Sendable {
    /// Which kind of Kea subnet a test needs.
    public enum Leases: Sendable {
        /// The harness's normal lease lifetime (an hour).
        case normal
        /// Short leases: renewal within seconds, expiry within half a minute.
        case short
    }

    public let namespace: NetworkNamespace
    /// This namespace's interface on the services network.
    public let interface: String
    public let address: IPv4Address
    public let subnet: KeaSubnet
    public let endpoints: ServiceEndpoints

    public static func attach(_ namespace: NetworkNamespace, in network: TestNetwork,
                              endpoints: ServiceEndpoints, leases: Leases = .normal) async throws -> ServicesAttachment {
        let short = endpoints.kea.subnets.indices.filter { endpoints.kea.subnets[$0].validLifetime < 600 }
        let normal = endpoints.kea.subnets.indices.filter { !short.contains($0) }
        let slot = try await SlotPool.shared.take(from: leases == .short ? short : normal, stateDirectory: endpoints.stateDirectory)
        network.onCleanup { await SlotPool.shared.give(slot) }
        let subnet = endpoints.kea.subnets[slot]
        let address = endpoints.servicesAddress.advanced(by: 9 + slot)
        let services = endpoints.servicesNamespace
        let serviceSide = "ts\(slot)-\(network.tag.prefix(8))"
        try await namespace.addVeth("svc0", peer: serviceSide, in: services)
        try await services.attach(serviceSide, toBridge: endpoints.servicesBridge)
        try await namespace.addAddress(IPv4InterfaceAddress(address, prefixLength: endpoints.servicesPrefixLength), to: "svc0")
        try await services.addRoute(subnet.prefix, via: address)
        network.onCleanup { try? await services.deleteRoute(subnet.prefix) }
        return ServicesAttachment(namespace: namespace, interface: "svc0", address: address,
                                  subnet: subnet, endpoints: endpoints)
    }

    /// One more Kea subnet served through this attachment (a second access node behind the
    /// same BNG): its slot is taken and the services namespace routes it back here.
    public func addSubnet(in network: TestNetwork) async throws -> KeaSubnet {
        let short = endpoints.kea.subnets.indices.filter { endpoints.kea.subnets[$0].validLifetime < 600 }
        let slot = try await SlotPool.shared.take(from: endpoints.kea.subnets.indices.filter { !short.contains($0) },
                                                  stateDirectory: endpoints.stateDirectory)
        network.onCleanup { await SlotPool.shared.give(slot) }
        let subnet = endpoints.kea.subnets[slot]
        let services = endpoints.servicesNamespace
        try await services.addRoute(subnet.prefix, via: address)
        network.onCleanup { try? await services.deleteRoute(subnet.prefix) }
        return subnet
    }
}

/// Hands out subnet slots so concurrent tests never share a Kea subnet or an address — also
/// across test processes on the same harness (a `make soak` beside a `swift test`): a slot is
/// taken only with an `flock` on `<state>/slots/<n>.lock`, held until it is given back and
/// released by the kernel when the process ends, crash included.
actor SlotPool {
    static let shared = SlotPool()
    /// Slot → the descriptor holding its lock.
    private var held: [Int: Int32] = [:]

    func take(from candidates: [Int], stateDirectory: String) throws -> Int {
        let folder = stateDirectory + "/slots"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for slot in candidates where held[slot] == nil {
            // O_CLOEXEC: daemons the test spawns must not inherit (and keep) the lock.
            let descriptor = open(folder + "/\(slot).lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                held[slot] = descriptor
                return slot
            }
            close(descriptor)
        }
        throw LabKitError(.invalidConfiguration, "all \(candidates.count) test subnet slots of this kind are in use (here or by another test process)")
    }

    func give(_ slot: Int) {
        if let descriptor = held.removeValue(forKey: slot) { close(descriptor) }
    }
}
