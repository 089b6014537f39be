import NetworkTypes

/// The value of DHCP option 82, Relay Agent Information (RFC 3046 §2.0): a sequence of
/// sub-options, kept in wire order, unknown ones included, so parse-then-encode is exact.
public struct RelayAgentInformation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Smallest legal option 82 value: one sub-option header (RFC 3046 §2.0), bytes.
    public static let minimumLength = 2

    /// Sub-options in wire order.
    public var subOptions: [RelayAgentSubOption]

    /// Creates option 82 content from sub-options.
    public init(subOptions: [RelayAgentSubOption] = []) {
        self.subOptions = subOptions
    }

    /// Creates option 82 content with the usual access-node pair (RFC 3046 §3.1, §3.2).
    public init(circuitID: RelayAgentIdentifier?, remoteID: RelayAgentIdentifier?) {
        subOptions = []
        if let circuitID {
            subOptions.append(RelayAgentSubOption(code: .circuitID, data: circuitID.bytes))
        }
        if let remoteID {
            subOptions.append(RelayAgentSubOption(code: .remoteID, data: remoteID.bytes))
        }
    }

    /// Parses an option 82 value (the concatenated data, without code and length).
    ///
    /// RFC 3046 §2.0: at least one sub-option, so at least 2 bytes (`emptyRelayAgentInformation`);
    /// each sub-option lies inside the option (`subOptionOverrun`); there is no Pad or End
    /// sub-option, so 0 and 255 are ordinary codes; a sub-option length may be zero.
    /// Fixed-size sub-options (link-selection, server-identifier-override) must be 4 bytes
    /// (`invalidSubOptionLength`).
    public init(parsing data: [UInt8]) throws(DHCPKitError) {
        guard data.count >= RelayAgentInformation.minimumLength else {
            throw DHCPKitError(
                .emptyRelayAgentInformation, field: "option 82", offset: 0,
                message: "option 82 has \(data.count) bytes; RFC 3046 §2.0 requires at least"
                    + " one sub-option (2 bytes)")
        }
        var reader = ByteReader(data)
        var subOptions: [RelayAgentSubOption] = []
        while !reader.isAtEnd {
            let start = reader.offset
            let code = RelayAgentSubOptionCode(
                rawValue: try reader.readUInt8(.subOptionOverrun, field: "option 82"))
            let field = "option 82: \(code)"
            let length = Int(try reader.readUInt8(.subOptionOverrun, field: field))
            guard reader.remaining >= length else {
                throw DHCPKitError(
                    .subOptionOverrun, field: field, offset: start,
                    message: "\(code) claims \(length) bytes but only \(reader.remaining) remain")
            }
            let value = try reader.readBytes(length, .subOptionOverrun, field: field)
            if let required = code.requiredLength, value.count != required {
                throw DHCPKitError(
                    .invalidSubOptionLength, field: field, offset: start,
                    message: "\(code) must be \(required) bytes, found \(value.count)")
            }
            subOptions.append(RelayAgentSubOption(code: code, data: value))
        }
        self.subOptions = subOptions
    }

    /// Encodes the option 82 value (without the option's own code and length).
    ///
    /// Throws `subOptionTooLong` for a sub-option over 255 bytes and
    /// `emptyRelayAgentInformation` when there are no sub-options (RFC 3046 §2.0).
    public func encoded() throws(DHCPKitError) -> [UInt8] {
        guard !subOptions.isEmpty else {
            throw DHCPKitError(
                .emptyRelayAgentInformation, field: "option 82",
                message: "option 82 needs at least one sub-option (RFC 3046 §2.0)")
        }
        var bytes: [UInt8] = []
        for subOption in subOptions {
            guard subOption.data.count <= RelayAgentSubOption.maximumDataLength else {
                throw DHCPKitError(
                    .subOptionTooLong, field: "option 82: \(subOption.code)",
                    message: "\(subOption.code) is \(subOption.data.count) bytes;"
                        + " a sub-option holds at most 255")
            }
            bytes.append(subOption.code.rawValue)
            bytes.append(UInt8(subOption.data.count))
            bytes.append(contentsOf: subOption.data)
        }
        return bytes
    }

    /// The first sub-option with `code`, or `nil`.
    public func subOptionData(_ code: RelayAgentSubOptionCode) -> [UInt8]? {
        subOptions.first { $0.code == code }?.data
    }

    /// Replaces the first sub-option with `code` in place (dropping later duplicates),
    /// appends it when absent, or removes every instance when `data` is `nil`.
    public mutating func setSubOption(_ code: RelayAgentSubOptionCode, data: [UInt8]?) {
        guard let data else {
            subOptions.removeAll { $0.code == code }
            return
        }
        if let index = subOptions.firstIndex(where: { $0.code == code }) {
            subOptions[index].data = data
            var seen = false
            subOptions.removeAll { subOption in
                guard subOption.code == code else { return false }
                defer { seen = true }
                return seen
            }
        } else {
            subOptions.append(RelayAgentSubOption(code: code, data: data))
        }
    }

    /// Sub-option 1, Agent Circuit ID (RFC 3046 §3.1).
    public var circuitID: RelayAgentIdentifier? {
        get { subOptionData(.circuitID).map { RelayAgentIdentifier(bytes: $0) } }
        set { setSubOption(.circuitID, data: newValue?.bytes) }
    }

    /// Sub-option 2, Agent Remote ID (RFC 3046 §3.2).
    public var remoteID: RelayAgentIdentifier? {
        get { subOptionData(.remoteID).map { RelayAgentIdentifier(bytes: $0) } }
        set { setSubOption(.remoteID, data: newValue?.bytes) }
    }

    /// Sub-option 5, Link Selection: the subnet the server allocates from (RFC 3527 §3).
    public var linkSelection: IPv4Address? {
        get { subOptionData(.linkSelection).flatMap { IPv4Address(bytes: $0) } }
        set { setSubOption(.linkSelection, data: newValue?.bytes) }
    }

    /// Sub-option 6, Subscriber-ID (RFC 3993 §3).
    public var subscriberID: RelayAgentIdentifier? {
        get { subOptionData(.subscriberID).map { RelayAgentIdentifier(bytes: $0) } }
        set { setSubOption(.subscriberID, data: newValue?.bytes) }
    }

    /// Sub-option 9, Vendor-Specific Information, raw bytes (RFC 4243 §2).
    public var vendorSpecific: [UInt8]? {
        get { subOptionData(.vendorSpecific) }
        set { setSubOption(.vendorSpecific, data: newValue) }
    }

    /// Sub-option 11, Server Identifier Override (RFC 5107 §4).
    public var serverIdentifierOverride: IPv4Address? {
        get { subOptionData(.serverIdentifierOverride).flatMap { IPv4Address(bytes: $0) } }
        set { setSubOption(.serverIdentifierOverride, data: newValue?.bytes) }
    }

    /// Sub-option 12, Relay Agent Identifier (RFC 6925 §4).
    public var relayID: RelayAgentIdentifier? {
        get { subOptionData(.relayID).map { RelayAgentIdentifier(bytes: $0) } }
        set { setSubOption(.relayID, data: newValue?.bytes) }
    }

    /// Sub-options joined by `", "`, e.g. `"circuitID(1)=eth0/1, remoteID(2)=an-01"`.
    public var description: String {
        subOptions.map(\.description).joined(separator: ", ")
    }
}
