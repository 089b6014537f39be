import Glibc
import NetworkTypes

/// A UDP endpoint: an IPv4 or IPv6 address and a port, such as `198.18.0.2:1812` or
/// `[2001:db8::1]:3799`.
public struct RADIUSSocketAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The address, 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public private(set) var address: [UInt8]
    /// The UDP port.
    public var port: UInt16

    /// Parses a numeric IPv4 or IPv6 address (no brackets) and takes `port`.
    ///
    /// - Throws: `invalidAddress` for anything but a numeric address.
    public init(host: String, port: UInt16) throws(RADIUSError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            address = withUnsafeBytes(of: v4) { Array($0) }
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            address = withUnsafeBytes(of: v6) { Array($0) }
        } else {
            throw RADIUSError(.invalidAddress, "'\(host)' is not a numeric IPv4 or IPv6 address")
        }
        self.port = port
    }

    /// An IPv4 endpoint.
    public init(_ address: IPv4Address, port: UInt16) {
        self.address = address.bytes
        self.port = port
    }

    /// The address as an ``IPv4Address``, `nil` for IPv6.
    public var ipv4Address: IPv4Address? { IPv4Address(bytes: address) }

    /// Parses `a.b.c.d:port` or `[v6]:port`; without a port, `defaultPort` is used.
    ///
    /// - Throws: `invalidAddress` when the text is neither form or the port is not 0–65535 (0: any free port, for binding).
    public init(_ text: String, defaultPort: UInt16? = nil) throws(RADIUSError) {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw RADIUSError(.invalidAddress, "'\(text)' has '[' without ']'")
            }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if rest.hasPrefix(":") { portText = rest.dropFirst() } else if !rest.isEmpty {
                throw RADIUSError(.invalidAddress, "'\(text)' has text after ']' that is not ':port'")
            }
        } else if host.count(where: { $0 == ":" }) == 1, let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let port: UInt16
        if let portText {
            guard let value = UInt16(portText) else {
                throw RADIUSError(.invalidAddress, "'\(text)' has port '\(portText)', expected 0–65535")
            }
            port = value
        } else if let defaultPort {
            port = defaultPort
        } else {
            throw RADIUSError(.invalidAddress, "'\(text)' has no ':port'")
        }
        try self.init(host: String(host), port: port)
    }

    /// Whether this is an IPv6 address.
    public var isIPv6: Bool { address.count == 16 }

    /// The address alone, in text form.
    public var host: String { Self.text(of: address) }

    /// Text form of a 4- or 16-byte address.
    static func text(of address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 16 ? AF_INET6 : AF_INET
        let text: String? = address.withUnsafeBytes { raw in
            guard inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return text ?? "?"
    }

    /// `a.b.c.d:port` or `[v6]:port`.
    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The kernel's form, with its length.
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        if isIPv6 {
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &storage.sin6_addr) { $0.copyBytes(from: address) }
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        var storage = sockaddr_in()
        storage.sin_family = sa_family_t(AF_INET)
        storage.sin_port = port.bigEndian
        withUnsafeMutableBytes(of: &storage.sin_addr) { $0.copyBytes(from: address) }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Reads a `sockaddr_storage` the kernel filled in; `nil` for families other than IPv4/IPv6.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let v4 = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in.self) }
            address = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
            port = UInt16(bigEndian: v4.sin_port)
        case AF_INET6:
            let v6 = withUnsafeBytes(of: &storage) { $0.loadUnaligned(as: sockaddr_in6.self) }
            address = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
            port = UInt16(bigEndian: v6.sin6_port)
        default:
            return nil
        }
    }
}

/// An address range in CIDR notation (`198.18.0.0/24`, `2001:db8::/32`, or one address),
/// as in FreeRADIUS `clients.conf` `ipaddr = …/…`.
public struct RADIUSAddressRange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The network address, 4 or 16 bytes.
    public private(set) var network: [UInt8]
    /// The prefix length in bits.
    public private(set) var prefixLength: Int

    /// Parses `address/length` or a bare address (a /32 or /128).
    ///
    /// - Throws: `invalidAddress` for a bad address or a length beyond the family's bits.
    public init(_ text: String) throws(RADIUSError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = try RADIUSSocketAddress(host: String(parts[0]), port: 0).address
        let bits = address.count * 8
        var length = bits
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else {
                throw RADIUSError(.invalidAddress, "'\(text)' has prefix length '\(parts[1])', expected 0–\(bits)")
            }
            length = value
        }
        network = Self.masked(address, length)
        prefixLength = length
    }

    /// An IPv4 range.
    public init(_ network: IPv4Network) {
        self.network = network.address.bytes
        prefixLength = network.prefixLength
    }

    /// One IPv4 address (a /32).
    public init(_ address: IPv4Address) {
        self.init(IPv4Network(containing: address, prefixLength: 32))
    }

    /// Whether `address` (4 or 16 bytes) lies in the range.
    public func contains(_ address: [UInt8]) -> Bool {
        address.count == network.count && Self.masked(address, prefixLength) == network
    }

    /// `network/length`.
    public var description: String { "\(RADIUSSocketAddress.text(of: network))/\(prefixLength)" }

    private static func masked(_ address: [UInt8], _ length: Int) -> [UInt8] {
        address.enumerated().map { index, byte in
            let bits = min(8, max(0, length - index * 8))
            return bits == 8 ? byte : byte & ~(UInt8.max >> bits)
        }
    }
}
