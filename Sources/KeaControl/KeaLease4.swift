import DHCPKit
import Foundation
import NetworkTypes

/// One IPv4 lease as Kea's `lease_cmds` hook reports it (`lease4-get-all`, `lease4-get-page`).
public struct KeaLease4: Hashable, Sendable {
    /// Lease state (Kea's `state`).
    public struct State: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// Kea's number.
        public let rawValue: Int
        /// Wraps Kea's number.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// In use.
        public static let `default` = State(rawValue: 0)
        /// The client declined the address (DHCPDECLINE); it is parked.
        public static let declined = State(rawValue: 1)
        /// Expired and reclaimed by Kea.
        public static let expiredReclaimed = State(rawValue: 2)
        /// `default`, `declined`, `expired-reclaimed` or the number.
        public var description: String {
            switch rawValue {
            case 0: "default"
            case 1: "declined"
            case 2: "expired-reclaimed"
            default: "state \(rawValue)"
            }
        }
    }

    /// The leased address.
    public var address: IPv4Address
    /// The client's hardware address, when Kea has one.
    public var hardwareAddress: MACAddress?
    /// The client identifier (option 61) bytes, when the client sent one.
    public var clientIdentifier: [UInt8]?
    /// Kea's subnet id.
    public var subnetID: Int
    /// Client last transmission time (Unix seconds): when the lease was last granted or renewed.
    public var clientLastTransmission: Int64
    /// Lifetime from `clientLastTransmission`, seconds.
    public var validLifetime: Int64
    /// In use, declined or reclaimed.
    public var state: State
    /// The client's host name, if any.
    public var hostname: String?
    /// Option 82 as the relay sent it, decoded from the lease's user context (Kea's
    /// `store-extended-info`); `nil` when absent.
    public var relayAgentInformation: RelayAgentInformation?

    /// When the lease ends (Unix seconds).
    public var expiry: Int64 { clientLastTransmission + validLifetime }

    /// Whether the lease is in use at `unixTime` (state default and not yet expired).
    public func isActive(at unixTime: Int64) -> Bool { state == .default && expiry > unixTime }

    /// Reads one element of Kea's `leases` array.
    ///
    /// - Throws: ``KeaControlError/Code/malformedAnswer`` naming the field.
    public init(json: [String: Any], command: String) throws(KeaControlError) {
        func fail(_ field: String, _ why: String) -> KeaControlError {
            KeaControlError(.malformedAnswer, command: command, "lease field \"\(field)\" \(why)")
        }
        guard let text = json["ip-address"] as? String, let address = IPv4Address(text) else { throw fail("ip-address", "is not an IPv4 address") }
        guard let subnet = json["subnet-id"] as? Int else { throw fail("subnet-id", "is missing") }
        guard let cltt = (json["cltt"] as? NSNumber)?.int64Value else { throw fail("cltt", "is missing") }
        guard let lifetime = (json["valid-lft"] as? NSNumber)?.int64Value else { throw fail("valid-lft", "is missing") }
        self.address = address
        subnetID = subnet
        clientLastTransmission = cltt
        validLifetime = lifetime
        state = State(rawValue: json["state"] as? Int ?? 0)
        hardwareAddress = (json["hw-address"] as? String).flatMap { MACAddress($0) }
        clientIdentifier = (json["client-id"] as? String).flatMap { try? Hex.decode($0) }
        hostname = (json["hostname"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        relayAgentInformation = try Self.relayAgentInformation(in: json["user-context"], command: command)
    }

    /// Option 82 from `{"ISC": {"relay-agent-info": …}}`: Kea 2.2 stores the option's bytes as a
    /// `0x…` string; later versions store `{"sub-options": "0x…", …}`.
    static func relayAgentInformation(in userContext: Any?, command: String) throws(KeaControlError) -> RelayAgentInformation? {
        guard let isc = (userContext as? [String: Any])?["ISC"] as? [String: Any], let info = isc["relay-agent-info"] else { return nil }
        let hex: String? = (info as? String) ?? ((info as? [String: Any])?["sub-options"] as? String)
        guard let hex else { return nil }
        do {
            return try RelayAgentInformation(parsing: try Hex.decode(hex))
        } catch {
            throw KeaControlError(.malformedAnswer, command: command, "relay-agent-info \(hex.prefix(80)) does not decode: \(error)")
        }
    }
}
