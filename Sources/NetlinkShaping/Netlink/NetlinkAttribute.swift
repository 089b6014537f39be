/// One netlink attribute (`struct nlattr` / `struct rtattr`): a type and its payload.
///
/// On the wire: 16-bit length (header included), 16-bit type, payload, padding to 4 bytes, all in
/// host byte order. The top two type bits are flags (`NLA_F_NESTED`, `NLA_F_NET_BYTEORDER`);
/// `type` has them masked off and `isNested` keeps the nested flag.
public struct NetlinkAttribute: Hashable, Sendable {
    /// The attribute type with the flag bits removed (`nla_type & NLA_TYPE_MASK`).
    public let type: UInt16
    /// Whether the sender set `NLA_F_NESTED` (rtnetlink's tc attributes nest without it).
    public let isNested: Bool
    /// The payload bytes, without header or padding.
    public let payload: ArraySlice<UInt8>

    /// Creates an attribute from its parts.
    public init(type: UInt16, isNested: Bool = false, payload: ArraySlice<UInt8>) {
        self.type = type
        self.isNested = isNested
        self.payload = payload
    }

    static let headerLength = 4
    static let nestedFlag: UInt16 = 0x8000
    static let typeMask: UInt16 = 0x3FFF

    /// Parses a run of attributes that fills `bytes` exactly (the last may omit its padding).
    /// Throws `malformedMessage` on a length shorter than the header or past the end.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var offset = 0
        while offset < bytes.count {
            guard let length = bytes.host(UInt16.self, at: offset), let rawType = bytes.host(UInt16.self, at: offset + 2) else {
                throw NetlinkShapingError(.malformedMessage, "attribute header truncated at offset \(offset) of \(bytes.count)")
            }
            guard Int(length) >= headerLength, let payload = bytes.bytes(at: offset + headerLength, count: Int(length) - headerLength) else {
                throw NetlinkShapingError(.malformedMessage, "attribute type \(rawType) claims \(length) bytes at offset \(offset) of \(bytes.count)")
            }
            attributes.append(NetlinkAttribute(type: rawType & typeMask, isNested: rawType & nestedFlag != 0, payload: payload))
            offset += netlinkAligned(Int(length))
        }
        return attributes
    }

    /// The payload parsed as nested attributes.
    public func nested() throws -> [NetlinkAttribute] { try Self.parse(payload) }

    /// The payload as a host-order integer of exactly its size, or nil when the size differs.
    public func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
        guard payload.count == MemoryLayout<T>.size else { return nil }
        return payload.host(T.self, at: 0)
    }

    /// The payload as a NUL-terminated string (the NUL and anything after it dropped).
    public var string: String {
        String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension Array where Element == NetlinkAttribute {
    /// The first attribute of `type`, if any.
    public func first(_ type: UInt16) -> NetlinkAttribute? { first { $0.type == type } }
}

/// Writes netlink attributes, nesting included, into a byte array.
public struct NetlinkAttributeWriter: Sendable {
    /// The bytes written so far (each attribute padded to 4 bytes).
    public private(set) var bytes: [UInt8]

    /// Starts an empty run of attributes, or continues after a fixed header already in `bytes`.
    public init(bytes: [UInt8] = []) {
        self.bytes = bytes
        self.bytes.padToFourBytes()
    }

    /// Appends an attribute with a raw payload.
    public mutating func append(_ type: UInt16, bytes payload: [UInt8]) {
        bytes.appendHost(UInt16(NetlinkAttribute.headerLength + payload.count))
        bytes.appendHost(type)
        bytes.append(contentsOf: payload)
        bytes.padToFourBytes()
    }

    /// Appends an attribute holding a host-order integer (`u8`/`u16`/`u32`/`u64` attributes).
    public mutating func append<T: FixedWidthInteger>(_ type: UInt16, host value: T) {
        var payload: [UInt8] = []
        payload.appendHost(value)
        append(type, bytes: payload)
    }

    /// Appends an attribute holding a network-order integer (addresses, ports).
    public mutating func append<T: FixedWidthInteger>(_ type: UInt16, bigEndian value: T) {
        var payload: [UInt8] = []
        payload.appendBigEndian(value)
        append(type, bytes: payload)
    }

    /// Appends a NUL-terminated string attribute (`NLA_STRING`/`NLA_NUL_STRING`).
    public mutating func append(_ type: UInt16, string: String) {
        append(type, bytes: Array(string.utf8) + [0])
    }

    /// Appends a nested attribute whose payload `body` writes; `flagged` sets `NLA_F_NESTED`.
    public mutating func nest(_ type: UInt16, flagged: Bool = false, _ body: (inout NetlinkAttributeWriter) -> Void) {
        let start = bytes.count
        bytes.appendHost(UInt16(0))
        bytes.appendHost(flagged ? type | NetlinkAttribute.nestedFlag : type)
        body(&self)
        bytes.setHost(UInt16(bytes.count - start), at: start)
    }
}
