/// An IPv4 network in CIDR form (RFC 4632): a prefix and its length, e.g. `100.64.1.0/26`.
///
/// The address is always the network address (host bits zero): ``init(parsing:)`` refuses
/// `100.64.1.5/26` and ``init(containing:prefixLength:)`` clears the host bits. Prints and
/// encodes (`Codable`) as `"100.64.1.0/26"`.
public struct IPv4Network: Hashable, Sendable, Comparable, CustomStringConvertible, LosslessStringConvertible,
    Codable
{
    /// The network address (host bits zero).
    public let address: IPv4Address
    /// Length of the prefix in bits, 0…32.
    public let prefixLength: Int

    /// 0.0.0.0/0, every address.
    public static let all = IPv4Network(containing: .any, prefixLength: 0)

    /// The network of `prefixLength` bits that holds `address` (host bits are cleared);
    /// `prefixLength` is clamped to 0…32.
    public init(containing address: IPv4Address, prefixLength: Int) {
        let length = min(max(prefixLength, 0), 32)
        self.prefixLength = length
        self.address = IPv4Address(value: address.value & Self.mask(length))
    }

    /// Parses `a.b.c.d/n`; `nil` when ``init(parsing:)`` would throw.
    public init?(_ description: String) {
        guard let parsed = try? IPv4Network(parsing: description) else { return nil }
        self = parsed
    }

    /// Parses `a.b.c.d/n` with 0 ≤ n ≤ 32 and no host bits set.
    ///
    /// - Throws: ``NetworkTypesError/Code/invalidIPv4Network``.
    public init(parsing text: String) throws(NetworkTypesError) {
        let (address, length) = try Self.split(text)
        guard address.value & ~Self.mask(length) == 0 else {
            throw NetworkTypesError(.invalidIPv4Network, input: text,
                                    message: "\"\(text)\" has host bits set; the network is \(IPv4Network(containing: address, prefixLength: length))")
        }
        self.address = address
        prefixLength = length
    }

    /// Splits `a.b.c.d/n` into a valid address and a length 0…32 (host bits not checked).
    static func split(_ text: String) throws(NetworkTypesError) -> (IPv4Address, Int) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw NetworkTypesError(.invalidIPv4Network, input: text, message: "\"\(text)\" is not in a.b.c.d/n form")
        }
        guard let address = IPv4Address(String(parts[0])) else {
            throw NetworkTypesError(.invalidIPv4Network, input: text, message: "\"\(parts[0])\" in \"\(text)\" is not an IPv4 address")
        }
        guard (1...2).contains(parts[1].count), parts[1].utf8.allSatisfy({ (48...57).contains($0) }),
              let length = Int(parts[1]), length <= 32, parts[1] == "0" || !parts[1].hasPrefix("0")
        else {
            throw NetworkTypesError(.invalidIPv4Network, input: text, message: "\"/\(parts[1])\" in \"\(text)\" is not a prefix length 0-32")
        }
        return (address, length)
    }

    static func mask(_ length: Int) -> UInt32 {
        length == 0 ? 0 : UInt32.max << UInt32(32 - length)
    }

    /// The netmask, e.g. 255.255.255.192 for /26.
    public var netmask: IPv4Address { IPv4Address(value: Self.mask(prefixLength)) }

    /// The last address of the network (the directed broadcast for prefixes up to /30).
    public var lastAddress: IPv4Address { IPv4Address(value: address.value | ~Self.mask(prefixLength)) }

    /// How many addresses the network spans (2^(32 − prefix)).
    public var addressCount: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    /// Addresses usable by hosts: all but the network and broadcast addresses, except on /31
    /// (RFC 3021) and /32, where every address is usable.
    public var hostAddresses: ClosedRange<IPv4Address> {
        prefixLength >= 31 ? address...lastAddress : address.advanced(by: 1)...lastAddress.advanced(by: -1)
    }

    /// Whether `other` lies in this network.
    public func contains(_ other: IPv4Address) -> Bool {
        other.value & Self.mask(prefixLength) == address.value
    }

    /// Whether the two networks share any address.
    public func overlaps(_ other: IPv4Network) -> Bool {
        contains(other.address) || other.contains(address)
    }

    /// `a.b.c.d/n`.
    public var description: String { "\(address)/\(prefixLength)" }

    /// By address, then by prefix length.
    public static func < (lhs: IPv4Network, rhs: IPv4Network) -> Bool {
        (lhs.address, lhs.prefixLength) < (rhs.address, rhs.prefixLength)
    }

    /// Decodes from `"a.b.c.d/n"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try IPv4Network(parsing: container.decode(String.self))
        } catch let error as NetworkTypesError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as `"a.b.c.d/n"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An address on an interface together with the network it sits in, as `ip addr` writes it:
/// `100.64.1.1/26` (a gateway address and its subscriber subnet).
public struct IPv4InterfaceAddress: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible, Codable {
    /// The interface's own address.
    public let address: IPv4Address
    /// The network it belongs to.
    public let network: IPv4Network

    /// `address` in the network of `prefixLength` bits around it.
    public init(_ address: IPv4Address, prefixLength: Int) {
        self.address = address
        network = IPv4Network(containing: address, prefixLength: prefixLength)
    }

    /// Parses `a.b.c.d/n`; `nil` when ``init(parsing:)`` would throw.
    public init?(_ description: String) {
        guard let parsed = try? IPv4InterfaceAddress(parsing: description) else { return nil }
        self = parsed
    }

    /// Parses `a.b.c.d/n` (host bits may be set: they are the address).
    ///
    /// - Throws: ``NetworkTypesError/Code/invalidIPv4Network``.
    public init(parsing text: String) throws(NetworkTypesError) {
        let (address, length) = try IPv4Network.split(text)
        self.init(address, prefixLength: length)
    }

    /// `a.b.c.d/n`.
    public var description: String { "\(address)/\(network.prefixLength)" }

    /// Decodes from `"a.b.c.d/n"`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try IPv4InterfaceAddress(parsing: container.decode(String.self))
        } catch let error as NetworkTypesError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as `"a.b.c.d/n"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
