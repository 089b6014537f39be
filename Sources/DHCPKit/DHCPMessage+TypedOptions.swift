import NetworkTypes

// Typed views of the common options. Getters return `nil` when the option is absent or its
// value has the wrong shape (parsed messages were already validated, so that only happens for
// hand-built ones); setters replace every instance, and `nil` removes the option.

extension DHCPMessage {
    /// Option 53, DHCP Message Type (RFC 2132 §9.6).
    public var messageType: DHCPMessageType? {
        get {
            guard let data = optionData(.messageType), data.count == 1, let value = data.first
            else { return nil }
            return DHCPMessageType(rawValue: value)
        }
        set { setOption(.messageType, data: newValue.map { [$0.rawValue] }) }
    }

    /// Option 50, Requested IP Address (RFC 2132 §9.1).
    public var requestedIPAddress: IPv4Address? {
        get { address(.requestedIPAddress) }
        set { setOption(.requestedIPAddress, data: newValue?.bytes) }
    }

    /// Option 51, IP Address Lease Time in seconds; 0xFFFFFFFF means infinite (RFC 2132 §9.2).
    public var leaseTime: UInt32? {
        get { optionData(.leaseTime)?.bigEndianUInt32() }
        set { setOption(.leaseTime, data: newValue.map(bigEndianBytes)) }
    }

    /// Option 58, Renewal (T1) Time Value in seconds (RFC 2132 §9.11).
    public var renewalTime: UInt32? {
        get { optionData(.renewalTime)?.bigEndianUInt32() }
        set { setOption(.renewalTime, data: newValue.map(bigEndianBytes)) }
    }

    /// Option 59, Rebinding (T2) Time Value in seconds (RFC 2132 §9.12).
    public var rebindingTime: UInt32? {
        get { optionData(.rebindingTime)?.bigEndianUInt32() }
        set { setOption(.rebindingTime, data: newValue.map(bigEndianBytes)) }
    }

    /// Option 54, Server Identifier (RFC 2132 §9.7).
    public var serverIdentifier: IPv4Address? {
        get { address(.serverIdentifier) }
        set { setOption(.serverIdentifier, data: newValue?.bytes) }
    }

    /// Option 1, Subnet Mask (RFC 2132 §3.3).
    public var subnetMask: IPv4Address? {
        get { address(.subnetMask) }
        set { setOption(.subnetMask, data: newValue?.bytes) }
    }

    /// Option 55, Parameter Request List: codes the client wants, in its order of preference
    /// (RFC 2132 §9.8).
    public var parameterRequestList: [DHCPOptionCode]? {
        get { optionData(.parameterRequestList)?.map { DHCPOptionCode(rawValue: $0) } }
        set { setOption(.parameterRequestList, data: newValue?.map(\.rawValue)) }
    }

    /// Option 61, Client Identifier: type byte followed by the identifier (RFC 2132 §9.14).
    public var clientIdentifier: [UInt8]? {
        get { optionData(.clientIdentifier) }
        set { setOption(.clientIdentifier, data: newValue) }
    }

    /// Option 12, Host Name (RFC 2132 §3.14), decoded as UTF-8 (invalid bytes are replaced).
    public var hostName: String? {
        get { optionData(.hostName).map { String(decoding: $0, as: UTF8.self) } }
        set { setOption(.hostName, data: newValue.map { Array($0.utf8) }) }
    }

    /// Option 3, Routers in order of preference (RFC 2132 §3.5).
    public var routers: [IPv4Address]? {
        get { addresses(.routers) }
        set { setOption(.routers, data: newValue.map { $0.flatMap(\.bytes) }) }
    }

    /// Option 6, Domain Name Servers in order of preference (RFC 2132 §3.8).
    public var domainNameServers: [IPv4Address]? {
        get { addresses(.domainNameServers) }
        set { setOption(.domainNameServers, data: newValue.map { $0.flatMap(\.bytes) }) }
    }

    /// Option 60, Vendor Class Identifier, opaque bytes (RFC 2132 §9.13).
    public var vendorClassIdentifier: [UInt8]? {
        get { optionData(.vendorClassIdentifier) }
        set { setOption(.vendorClassIdentifier, data: newValue) }
    }

    /// Option 57, Maximum DHCP Message Size the client accepts, bytes (RFC 2132 §9.10).
    public var maximumMessageSize: UInt16? {
        get { optionData(.maximumMessageSize)?.bigEndianUInt16() }
        set { setOption(.maximumMessageSize, data: newValue.map(bigEndianBytes)) }
    }

    private func address(_ code: DHCPOptionCode) -> IPv4Address? {
        optionData(code).flatMap { IPv4Address(bytes: $0) }
    }

    private func addresses(_ code: DHCPOptionCode) -> [IPv4Address]? {
        guard let data = optionData(code), !data.isEmpty, data.count % 4 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 4).compactMap {
            IPv4Address(bytes: Array(data[$0..<($0 + 4)]))
        }
    }
}
