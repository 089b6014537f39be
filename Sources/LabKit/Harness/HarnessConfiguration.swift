import Foundation
import NetworkTypes

/// Where the service harness keeps its state and which ports and names it may use.
///
/// Two profiles ship: `test` (for `make test`) and `lab` (for `make lab`); their ports and
/// namespace names differ from each other and from the Debian defaults (5432, 6379, 8000, 1812),
/// so the harness never collides with system services or with the other profile.
public struct HarnessConfiguration: Hashable, Sendable, Codable {
    /// Profile name; also the middle of every namespace name (`aet-<profile>-…`).
    public var profile: String
    /// Everything the harness writes lives below this folder (`AETHER_STATE_DIR` overrides it).
    public var stateDirectory: String
    /// TCP port of PostgreSQL on 127.0.0.1 (the Unix socket in `<state>/run` uses the same number).
    public var postgresPort: Int
    /// TCP port of Redis on 127.0.0.1 (namespaced clients use the Unix socket `<state>/run/redis.sock`).
    public var redisPort: Int
    /// HTTP port of the Kea control agent on 127.0.0.1.
    public var keaControlAgentPort: Int
    /// Address of the services namespace on its bridge; Kea and FreeRADIUS listen here.
    public var servicesAddress: IPv4Address
    /// Prefix length of the services network (consumers attach addresses from it).
    public var servicesPrefixLength: Int
    /// How many /24 subscriber subnets Kea serves (`100.64.<n>.0/24`, relay/giaddr `.1`).
    public var subscriberSubnetCount: Int
    /// Kea lease lifetime in seconds.
    public var leaseLifetime: Int
    /// How many more /24 subnets follow with short leases (`shortLeaseLifetime`, renewal after a
    /// sixth of it), for tests of renewal and expiry.
    public var shortLeaseSubnetCount: Int = 8
    /// Lease lifetime of the short-lease subnets, seconds.
    public var shortLeaseLifetime: Int = 30
    /// The subnets Kea serves when a lab topology names them (one per access node); `nil` means
    /// the generated `100.64.<n>.0/24` test subnets.
    public var keaSubnets: [KeaSubnet]? = nil
    /// HTTP port of the lab's aether-api (dashboard) on 127.0.0.1.
    public var apiPort: Int = 18080

    /// The services network (the bridge's subnet).
    public var servicesNetwork: IPv4Network { IPv4Network(containing: servicesAddress, prefixLength: servicesPrefixLength) }
    /// PostgreSQL without fsync: right for throwaway test data, wrong for a lab you keep.
    public var durableStorage: Bool

    /// Prefix of every namespace the harness and the tests using it create.
    public var namespacePrefix: String { "aet-\(profile)" }
    /// The namespace Kea and FreeRADIUS run in.
    public var servicesNamespace: NetworkNamespace { NetworkNamespace("\(namespacePrefix)-svc") }
    /// The bridge inside the services namespace that consumers attach to.
    public var servicesBridge: String { "svcbr" }

    /// The profile `make test` uses.
    ///
    /// `AETHER_TEST_INSTANCE=<1…9>` gives a second, independent test harness (profile `t<n>`,
    /// ports shifted by 10·n), so several checkouts can run their tests on one machine at once.
    public static func test(stateDirectory: String? = nil) -> HarnessConfiguration {
        let requested = ProcessInfo.processInfo.environment["AETHER_TEST_INSTANCE"].flatMap { Int($0) } ?? 0
        let instance = (1...9).contains(requested) ? requested : 0
        let profile = instance == 0 ? "test" : "t\(instance)"
        let shift = instance * 10
        return HarnessConfiguration(profile: profile,
                                    stateDirectory: stateDirectory ?? defaultStateDirectory(profile: profile),
                                    postgresPort: 25432 + shift, redisPort: 26379 + shift,
                                    keaControlAgentPort: 28000 + shift,
                                    servicesAddress: IPv4Address(198, 18, 0, 1), servicesPrefixLength: 24,
                                    subscriberSubnetCount: 64, leaseLifetime: 3600, durableStorage: false)
    }

    /// The profile the lab's end-to-end test uses: a whole lab of its own beside `test`, with
    /// ports and namespace names that collide with neither `test` nor `lab`.
    public static func labTest(stateDirectory: String? = nil) -> HarnessConfiguration {
        var configuration = HarnessConfiguration(profile: "labtest",
                                                 stateDirectory: stateDirectory ?? defaultStateDirectory(profile: "labtest"),
                                                 postgresPort: 35432, redisPort: 36379, keaControlAgentPort: 38000,
                                                 servicesAddress: IPv4Address(198, 18, 0, 1), servicesPrefixLength: 24,
                                                 subscriberSubnetCount: 64, leaseLifetime: 3600, durableStorage: false)
        configuration.apiPort = 38080
        return configuration
    }

    /// The profile `make bench` uses: a harness of its own whose four Kea subnets are /16s
    /// (`100.64–67.0.0/16`, giaddr `.0.1`, pool `.0.10`–`.255.250`: 65,000 leases each), so one
    /// emulated access node can hold the benchmark's 50,000 sessions.
    public static func bench(stateDirectory: String? = nil) -> HarnessConfiguration {
        var configuration = HarnessConfiguration(profile: "bench",
                                                 stateDirectory: stateDirectory ?? defaultStateDirectory(profile: "bench"),
                                                 postgresPort: 45432, redisPort: 46379, keaControlAgentPort: 48000,
                                                 servicesAddress: IPv4Address(198, 18, 0, 1), servicesPrefixLength: 24,
                                                 subscriberSubnetCount: 4, leaseLifetime: 3600, durableStorage: false)
        configuration.apiPort = 48080
        configuration.keaSubnets = (0..<4).map { index in
            let base = IPv4Address(100, 64 + UInt8(index), 0, 0)
            return KeaSubnet(id: index + 1, prefix: IPv4Network(containing: base, prefixLength: 16), relayAddress: base.advanced(by: 1),
                             poolStart: base.advanced(by: 10), poolEnd: IPv4Address(100, 64 + UInt8(index), 255, 250),
                             validLifetime: 3600, renewTimer: 900, rebindTimer: 1800)
        }
        return configuration
    }

    /// The profile `make lab` uses.
    public static func lab(stateDirectory: String? = nil) -> HarnessConfiguration {
        HarnessConfiguration(profile: "lab",
                             stateDirectory: stateDirectory ?? defaultStateDirectory(profile: "lab"),
                             postgresPort: 15432, redisPort: 16379, keaControlAgentPort: 18000,
                             servicesAddress: IPv4Address(198, 18, 0, 1), servicesPrefixLength: 24,
                             subscriberSubnetCount: 64, leaseLifetime: 3600, durableStorage: true)
    }

    /// A profile by name (`test`, `lab`, `labtest` or `bench`); throws `invalidConfiguration` for anything else.
    public static func named(_ profile: String, stateDirectory: String? = nil) throws -> HarnessConfiguration {
        switch profile {
        case "test": return .test(stateDirectory: stateDirectory)
        case "lab": return .lab(stateDirectory: stateDirectory)
        case "labtest": return .labTest(stateDirectory: stateDirectory)
        case "bench": return .bench(stateDirectory: stateDirectory)
        default:
            throw LabKitError(.invalidConfiguration, "profile \"\(profile)\" is unknown; use \"test\", \"lab\", \"labtest\" or \"bench\"")
        }
    }

    /// `$AETHER_STATE_DIR` when set, else `/var/lib/aether/<profile>`.
    ///
    /// Not inside the checkout: PostgreSQL runs as `postgres` and must be able to reach its
    /// data folder, which a checkout under `/root` (mode 0700) would forbid.
    public static func defaultStateDirectory(profile: String) -> String {
        if let override = ProcessInfo.processInfo.environment["AETHER_STATE_DIR"], !override.isEmpty {
            return override
        }
        return "/var/lib/aether/\(profile)"
    }

    /// Checks the values that would otherwise fail deep inside a daemon.
    public func validate() throws {
        guard stateDirectory.hasPrefix("/") else {
            throw LabKitError(.invalidConfiguration, "stateDirectory \"\(stateDirectory)\" must be an absolute path")
        }
        guard !stateDirectory.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) else {
            throw LabKitError(.invalidConfiguration, "stateDirectory \"\(stateDirectory)\" must not contain spaces or quotes")
        }
        // sockaddr_un holds 108 bytes; PostgreSQL's socket is the longest name we create.
        guard "\(stateDirectory)/run/.s.PGSQL.\(postgresPort)".utf8.count < 100 else {
            throw LabKitError(.invalidConfiguration, "stateDirectory \"\(stateDirectory)\" is too long for Unix socket paths")
        }
        guard (1...250).contains(subscriberSubnetCount + shortLeaseSubnetCount), shortLeaseSubnetCount >= 0 else {
            throw LabKitError(.invalidConfiguration,
                              "subscriberSubnetCount + shortLeaseSubnetCount (\(subscriberSubnetCount) + \(shortLeaseSubnetCount)) must be 1…250")
        }
        guard shortLeaseLifetime >= 12 else {
            throw LabKitError(.invalidConfiguration, "shortLeaseLifetime \(shortLeaseLifetime) must be at least 12 s")
        }
        for (key, port) in [("postgresPort", postgresPort), ("redisPort", redisPort),
                            ("keaControlAgentPort", keaControlAgentPort), ("apiPort", apiPort)] where !(1024...65535).contains(port) {
            throw LabKitError(.invalidConfiguration, "\(key) \(port) must be 1024…65535")
        }
    }
}
