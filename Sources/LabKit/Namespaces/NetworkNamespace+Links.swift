import NetworkTypes

/// Links between namespaces: veth pairs, bridges, addresses and routes, through `ip`.
///
/// These run once per lab node or test, at setup; nothing here is on a packet path.
extension NetworkNamespace {
    /// Creates a veth pair with one end here and the other in `peerNamespace`, both up.
    /// - Parameters:
    ///   - name: interface name here (at most 15 bytes, the kernel's IFNAMSIZ - 1).
    ///   - mac: optional fixed MAC for this end (a stable DHCP identity).
    public func addVeth(_ name: String, mac: MACAddress? = nil, peer peerName: String,
                        in peerNamespace: NetworkNamespace) async throws {
        try Self.validateInterfaceName(name)
        try Self.validateInterfaceName(peerName)
        var arguments = ["ip", "link", "add", name, "netns", self.name]
        if let mac { arguments += ["address", mac.description] }
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

    /// Adds an address with its prefix (`ip addr replace 198.18.0.1/24 dev …`); harmless when
    /// it is already there.
    public func addAddress(_ address: IPv4InterfaceAddress, to interface: String) async throws {
        try await CommandRunner.check(["ip", "-n", name, "addr", "replace", address.description, "dev", interface])
    }

    /// Adds or replaces a route (`ip route replace 100.64.3.0/24 via 198.18.0.12`).
    public func addRoute(_ destination: IPv4Network, via gateway: IPv4Address) async throws {
        try await ip("route", "replace", destination.description, "via", gateway.description)
    }

    /// Adds or replaces the default route.
    public func addDefaultRoute(via gateway: IPv4Address) async throws {
        try await ip("route", "replace", "default", "via", gateway.description)
    }

    /// Removes a route; harmless when it is gone.
    public func deleteRoute(_ destination: IPv4Network) async throws {
        _ = try await CommandRunner.run(["ip", "-n", name, "route", "del", destination.description])
    }

    /// Sets a sysctl inside the namespace, e.g. `net.ipv4.ip_forward=1`.
    public func sysctl(_ assignment: String) async throws {
        try await check(["sysctl", "-qw", assignment])
    }

    /// Loads an nftables ruleset (nft's text syntax) into this namespace with `nft -f -`.
    public func loadNftables(_ ruleset: String) async throws {
        try await CommandRunner.check(["ip", "netns", "exec", name, "nft", "-f", "-"], input: ruleset)
    }

    static func validateInterfaceName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 15, !name.contains("/"), !name.contains(where: \.isWhitespace) else {
            throw LabKitError(.invalidConfiguration,
                              "interface name \"\(name)\" must be 1–15 bytes without '/' or spaces (IFNAMSIZ)")
        }
    }
}
