/// Links between namespaces: veth pairs, bridges, addresses and routes, through `ip`.
///
/// These run once per lab node or test, at setup; nothing here is on a packet path.
extension NetworkNamespace {
    /// Creates a veth pair with one end here and the other in `peerNamespace`, both up.
    /// - Parameters:
    ///   - name: interface name here (at most 15 bytes, the kernel's IFNAMSIZ - 1).
    ///   - mac: optional fixed MAC for this end, e.g. "02:00:64:00:00:01" (stable DHCP identity).
    public func addVeth(_ name: String, mac: String? = nil, peer peerName: String,
                        in peerNamespace: NetworkNamespace) async throws {
        try Self.validateInterfaceName(name)
        try Self.validateInterfaceName(peerName)
        var arguments = ["ip", "link", "add", name, "netns", self.name]
        if let mac { arguments += ["address", mac] }
        arguments += ["type", "veth", "peer", "name", peerName, "netns", peerNamespace.name]
        try await CommandRunner.check(arguments)
        try await ip("link", "set", name, "up")
        try await peerNamespace.ip("link", "set", peerName, "up")
    }

    /// Creates a bridge (an L2 segment) and brings it up. Harmless when it exists.
    public func addBridge(_ name: String) async throws {
        try Self.validateInterfaceName(name)
        let existing = try await CommandRunner.run(["ip", "-n", self.name, "link", "show", name])
        if !existing.succeeded {
            try await ip("link", "add", name, "type", "bridge")
        }
        try await ip("link", "set", name, "up")
    }

    /// Enslaves `interface` to `bridge` (both in this namespace).
    public func attach(_ interface: String, toBridge bridge: String) async throws {
        try await ip("link", "set", interface, "master", bridge)
    }

    /// Adds an address in CIDR form ("198.18.0.1/24"); harmless when it is already there.
    public func addAddress(_ cidr: String, to interface: String) async throws {
        try await CommandRunner.check(["ip", "-n", name, "addr", "replace", cidr, "dev", interface])
    }

    /// Adds or replaces a route ("100.64.3.0/24" via "198.18.0.12").
    public func addRoute(_ destination: String, via gateway: String) async throws {
        try await ip("route", "replace", destination, "via", gateway)
    }

    /// Removes a route; harmless when it is gone.
    public func deleteRoute(_ destination: String) async throws {
        _ = try await CommandRunner.run(["ip", "-n", name, "route", "del", destination])
    }

    /// Sets a sysctl inside the namespace, e.g. `net.ipv4.ip_forward=1`.
    public func sysctl(_ assignment: String) async throws {
        try await check(["sysctl", "-qw", assignment])
    }

    static func validateInterfaceName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 15, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
            throw LabKitError(.invalidConfiguration,
                              "interface name \"\(name)\" must be 1–15 bytes without '/' or spaces (IFNAMSIZ)")
        }
    }
}
