import Foundation
import NetworkTypes

/// What `aether-sim load` emulates: `sessions` DHCP subscribers behind one access node, arriving
/// at `arrivalRate` per second on `interface`, each with its own MAC and circuit-id, with
/// Option 82 stamped as the access node would.
public struct SubscriberLoadConfiguration: Sendable, Hashable, Codable {
    /// The link towards the BNG (in the namespace the generator runs in).
    public var interface: String
    /// Distinct subscribers.
    public var sessions: Int
    /// New subscribers per second (first DISCOVERs); the n-th starts at n / rate.
    public var arrivalRate: Double
    /// Option 82 remote-id: the access node the BNG knows these subscribers behind.
    public var remoteID: String
    /// Circuit-id of subscriber n (1-based) is `circuitPrefix + n`; default `<remoteID>/`.
    public var circuitPrefix: String?
    /// Second byte of every MAC (`02:<prefix>:<32-bit index>`), so two generators can share a link.
    public var macPrefix: UInt8
    /// Index of the first subscriber (MAC and circuit-id numbering start here).
    public var firstIndex: Int
    /// Seconds from the first DISCOVER until a session must be established, or it fails.
    public var setupTimeout: Double
    /// Seconds an established session is held before it is released (churn); `nil`: until the end.
    public var hold: Double?
    /// Seconds after a release before the subscriber comes back with a new DORA; `nil`: it stays away.
    public var rejoinAfter: Double?
    /// Seconds the run lasts at most (churn runs need it); `nil`: until every subscriber has an outcome.
    public var duration: Double?
    /// RELEASE every lease still held when the run ends, so the BNG ends the sessions.
    public var releaseAtEnd: Bool
    /// Seed of the transaction IDs, so a run is repeatable.
    public var seed: UInt64
    /// At most this many attempts in progress at once (closed-loop load, as perfdhcp and BNG
    /// Blaster offer): a new subscriber starts when its arrival time has come *and* a place is
    /// free, so a path is measured at its own pace instead of drowned and left to retransmit;
    /// `nil`: arrivals follow the rate alone.
    public var maxInFlight: Int?
    /// Relay the subscribers' DHCP straight to a server over UDP instead of sending frames to a
    /// BNG (the peers' ceiling and the relay comparison); `nil`: frames on ``interface``.
    public var relay: DirectRelay?

    /// The generator as a relay agent: every message leaves from `agentAddress`:67 with giaddr
    /// set to it, hops 1 and Option 82, to `server`:67, where the server answers too.
    public struct DirectRelay: Sendable, Hashable, Codable {
        /// giaddr, and the local address the relay socket binds.
        public var agentAddress: IPv4Address
        /// The DHCP server (Kea).
        public var server: IPv4Address

        public init(agentAddress: IPv4Address, server: IPv4Address) {
            self.agentAddress = agentAddress
            self.server = server
        }

        /// From the command line's `--relay-to` and `--relay-address` (both or neither).
        public static func options(server: String?, agent: String?) throws -> DirectRelay? {
            switch (server, agent) {
            case (nil, nil): return nil
            case let (server?, agent?):
                return DirectRelay(agentAddress: try IPv4Address.option(agent, "--relay-address"), server: try IPv4Address.option(server, "--relay-to"))
            default: throw LabKitError(.invalidConfiguration, "load: --relay-to and --relay-address go together")
            }
        }
    }

    public init(interface: String, sessions: Int, arrivalRate: Double, remoteID: String, circuitPrefix: String? = nil,
                macPrefix: UInt8 = 0x5a, firstIndex: Int = 0, setupTimeout: Double = 30, hold: Double? = nil,
                rejoinAfter: Double? = nil, duration: Double? = nil, releaseAtEnd: Bool = true, seed: UInt64 = 1,
                relay: DirectRelay? = nil, maxInFlight: Int? = nil) {
        self.interface = interface
        self.sessions = sessions
        self.arrivalRate = arrivalRate
        self.remoteID = remoteID
        self.circuitPrefix = circuitPrefix
        self.macPrefix = macPrefix
        self.firstIndex = firstIndex
        self.setupTimeout = setupTimeout
        self.hold = hold
        self.rejoinAfter = rejoinAfter
        self.duration = duration
        self.releaseAtEnd = releaseAtEnd
        self.seed = seed
        self.relay = relay
        self.maxInFlight = maxInFlight
    }

    /// Checks the values that would otherwise fail in the middle of a run.
    public func validate() throws {
        func fail(_ key: String, _ why: String) -> LabKitError { LabKitError(.invalidConfiguration, "load: \(key): \(why)") }
        guard sessions > 0, sessions <= 1 << 24 else { throw fail("sessions", "\(sessions) must be 1…16777216") }
        guard arrivalRate > 0, arrivalRate.isFinite else { throw fail("rate", "\(arrivalRate) must be a positive number per second") }
        guard firstIndex >= 0, firstIndex + sessions <= Int(UInt32.max) else { throw fail("first-index", "\(firstIndex) leaves no room for \(sessions) MACs") }
        guard !remoteID.isEmpty, remoteID.utf8.count <= 255 else { throw fail("remote-id", "must be 1…255 bytes") }
        guard setupTimeout > 0 else { throw fail("setup-timeout", "must be positive") }
        if let hold, hold <= 0 { throw fail("hold", "must be positive") }
        if let rejoinAfter, rejoinAfter < 0 { throw fail("rejoin-after", "must not be negative") }
        if rejoinAfter != nil, hold == nil { throw fail("rejoin-after", "needs --hold: a subscriber that is never released never rejoins") }
        if rejoinAfter != nil, duration == nil { throw fail("duration", "a churn run (--rejoin-after) needs a duration") }
        if let duration, duration <= 0 { throw fail("duration", "must be positive") }
        if let maxInFlight, maxInFlight <= 0 { throw fail("max-in-flight", "\(maxInFlight) must be at least 1") }
    }

    /// The MAC of subscriber `n` (0-based within this run).
    public func macAddress(_ n: Int) -> MACAddress {
        MACAddress(rawValue: 0x02 << 40 | UInt64(macPrefix) << 32 | UInt64(UInt32(firstIndex + n)))
    }

    /// The run's subscriber behind `mac`, if it is one of ours.
    public func subscriber(of mac: MACAddress) -> Int? {
        guard mac.rawValue >> 32 == 0x02 << 8 | UInt64(macPrefix) else { return nil }
        let n = Int(mac.rawValue & 0xFFFF_FFFF) - firstIndex
        return (0..<sessions).contains(n) ? n : nil
    }

    /// The circuit-id of subscriber `n` (0-based within this run).
    public func circuitID(_ n: Int) -> String {
        (circuitPrefix ?? remoteID + "/") + String(firstIndex + n + 1)
    }
}

extension IPv4Address {
    /// The address in option `option`'s value, or an error naming the option.
    static func option(_ text: String, _ option: String) throws -> IPv4Address {
        guard let address = IPv4Address(text) else { throw LabKitError(.invalidConfiguration, "load: \(option): '\(text)' is not an IPv4 address") }
        return address
    }
}
