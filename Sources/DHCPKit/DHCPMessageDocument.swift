import NetworkTypes

/// A DHCP message as an engineer reads it: header fields as text, every option in wire order
/// with its name, raw hex and (for known options) decoded value, and Option 82 sub-options.
///
/// `aether-dhcp decode` prints it as JSON and `aether-dhcp encode` reads it back; the raw
/// `hex` of each option is what is encoded, so decode → encode gives the original bytes.
public struct DHCPMessageDocument: Hashable, Sendable, Codable {
    /// One option instance.
    public struct Option: Hashable, Sendable, Codable {
        public var code: UInt8
        /// Name from RFC 2132 and successors (`"messageType(53)"`), or `"option 224"`.
        public var name: String?
        /// The value bytes as lower-case hex (ignored for Pad).
        public var hex: String
        /// A readable rendering of known options (message type, addresses, seconds, text…).
        public var value: String?
        /// Option 82's sub-options, `"circuitID(1)": "an-01/1/1"` etc., when it parses.
        public var subOptions: [String]?
    }

    public var op: String
    public var htype: UInt8
    public var hlen: UInt8
    public var hops: UInt8
    /// Transaction id as `0x`-prefixed hex.
    public var xid: String
    public var secs: UInt16
    public var flags: UInt16
    public var ciaddr: String
    public var yiaddr: String
    public var siaddr: String
    public var giaddr: String
    /// The full 16-byte `chaddr` as hex.
    public var chaddr: String
    /// The client MAC (`chaddr` when htype 1 / hlen 6), for reading only.
    public var clientMAC: String?
    /// `sname` and `file` as hex (often all zero; they can carry options under overload).
    public var sname: String
    public var file: String
    public var options: [Option]
    public var trailingPadding: Int

    /// Describes `message`.
    public init(_ message: DHCPMessage) {
        op = message.op == .bootRequest ? "BOOTREQUEST" : message.op == .bootReply ? "BOOTREPLY" : "\(message.op.rawValue)"
        htype = message.htype
        hlen = message.hlen
        hops = message.hops
        xid = "0x" + bigEndianBytes(message.xid).hexString
        secs = message.secs
        flags = message.flags
        ciaddr = message.ciaddr.description
        yiaddr = message.yiaddr.description
        siaddr = message.siaddr.description
        giaddr = message.giaddr.description
        chaddr = message.chaddr.hexString
        clientMAC = message.clientMACAddress?.description
        sname = message.sname.hexString
        file = message.file.hexString
        trailingPadding = message.trailingPadding
        options = message.options.map { option in
            Option(code: option.code.rawValue,
                   name: option.code == .pad ? "pad(0)" : option.code.description,
                   hex: option.data.hexString,
                   value: Self.render(option),
                   subOptions: option.code == .relayAgentInformation
                       ? (try? RelayAgentInformation(parsing: option.data))?.subOptions.map(\.description) : nil)
        }
    }

    /// The message this document describes; throws `invalidHexString`/`invalidIPv4Address`
    /// naming the field that does not parse.
    public func message() throws(DHCPKitError) -> DHCPMessage {
        let operation: DHCPOperation = switch op {
        case "BOOTREQUEST": .bootRequest
        case "BOOTREPLY": .bootReply
        default: DHCPOperation(rawValue: UInt8(op) ?? 0)
        }
        let xidBytes = try parseHex(xid, field: "xid")
        guard xidBytes.count == 4 else {
            throw DHCPKitError(.invalidHexString, field: "xid", message: "xid must be 4 bytes, got \(xidBytes.count)")
        }
        return DHCPMessage(
            op: operation, htype: htype, hlen: hlen, hops: hops,
            xid: xidBytes.reduce(0) { $0 << 8 | UInt32($1) }, secs: secs, flags: flags,
            ciaddr: try parseIPv4Address(ciaddr, field: "ciaddr"), yiaddr: try parseIPv4Address(yiaddr, field: "yiaddr"),
            siaddr: try parseIPv4Address(siaddr, field: "siaddr"), giaddr: try parseIPv4Address(giaddr, field: "giaddr"),
            chaddr: try parseHex(chaddr, field: "chaddr"), sname: try parseHex(sname, field: "sname"),
            file: try parseHex(file, field: "file"),
            options: try options.enumerated().map { index, option throws(DHCPKitError) in
                DHCPOption(code: DHCPOptionCode(rawValue: option.code),
                           data: option.code == 0 ? [] : try parseHex(option.hex, field: "options[\(index)].hex"))
            },
            trailingPadding: trailingPadding)
    }

    private static func render(_ option: DHCPOption) -> String? {
        let data = option.data
        func addresses() -> String? {
            guard !data.isEmpty, data.count % 4 == 0 else { return nil }
            return stride(from: 0, to: data.count, by: 4).compactMap { IPv4Address(bytes: Array(data[$0..<$0 + 4]))?.description }
                .joined(separator: ", ")
        }
        switch option.code.rawValue {
        case 53:
            return data.count == 1 ? DHCPMessageType(rawValue: data[0]).description : nil
        case 1, 3, 6, 28, 50, 54:
            return addresses()
        case 51, 58, 59:
            return data.bigEndianUInt32().map { "\($0) s" }
        case 57:
            return data.bigEndianUInt16().map { "\($0) bytes" }
        case 12, 15, 56, 60:
            return data.allSatisfy({ (0x20...0x7e).contains($0) }) ? String(decoding: data, as: UTF8.self) : nil
        case 55:
            return data.map { DHCPOptionCode(rawValue: $0).description }.joined(separator: ", ")
        default:
            return nil
        }
    }
}
