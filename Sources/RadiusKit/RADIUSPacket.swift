/// A RADIUS packet: header and attributes in wire order (RFC 2865 §3).
///
/// This is a plain value: encoding and parsing here do no cryptography. Signing and
/// verification, which need the shared secret, are in `RADIUSPacket+Signing.swift` and
/// ``RADIUSPacketVerifier``.
public struct RADIUSPacket: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The Code field.
    public var code: RADIUSCode
    /// The Identifier field, matching replies to requests (RFC 2865 §3).
    public var identifier: UInt8
    /// The Request or Response Authenticator, 16 bytes (RFC 2865 §3).
    public var authenticator: [UInt8]
    /// Attributes in wire order; order matters for repeated types (RFC 2865 §5).
    public var attributes: [RADIUSAttribute]

    /// Creates a packet; `authenticator` defaults to 16 zero bytes, the value an
    /// Accounting-Request or CoA-Request carries before signing.
    public init(
        code: RADIUSCode,
        identifier: UInt8,
        authenticator: [UInt8] = [UInt8](repeating: 0, count: RADIUSLimits.authenticatorLength),
        attributes: [RADIUSAttribute] = []
    ) {
        self.code = code
        self.identifier = identifier
        self.authenticator = authenticator
        self.attributes = attributes
    }

    /// The Length field this packet encodes to, in bytes (header plus attributes).
    public var length: Int {
        attributes.reduce(RADIUSLimits.headerLength) { $0 + RADIUSLimits.attributeHeaderLength + $1.value.count }
    }

    /// Code, identifier, length and attributes; authenticator bytes are left out.
    public var description: String {
        "\(code) id=\(identifier) length=\(length) [\(attributes.map(\.description).joined(separator: ", "))]"
    }

    /// Serializes the packet exactly as it is, without computing any authenticator.
    ///
    /// - Throws: `invalidAuthenticatorLength`, `attributeValueTooLong`, or `packetTooLarge`
    ///   when the result would exceed 4096 bytes (RFC 2865 §3).
    public func encoded() throws(RADIUSError) -> [UInt8] {
        guard authenticator.count == RADIUSLimits.authenticatorLength else {
            throw RADIUSError(.invalidAuthenticatorLength, "authenticator is \(authenticator.count) bytes")
        }
        let total = length
        guard total <= RADIUSLimits.maximumPacketLength else {
            throw RADIUSError(.packetTooLarge, "\(code) would be \(total) bytes, the limit is \(RADIUSLimits.maximumPacketLength)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        bytes.append(code.rawValue)
        bytes.append(identifier)
        bytes.appendBigEndian(UInt16(total))
        bytes.append(contentsOf: authenticator)
        for attribute in attributes {
            try attribute.encode(into: &bytes)
        }
        return bytes
    }

    /// Parses a datagram (RFC 2865 §3).
    ///
    /// RFC 2865 §3 lets a receiver treat bytes past the Length field as padding; by default
    /// they are refused (house style: trailing garbage is an error). Pass
    /// `allowingTrailingPadding: true` to ignore them as the RFC permits.
    ///
    /// - Throws: `packetTooShort`, `packetTooLarge`, `lengthMismatch`, `attributeTooShort`,
    ///   `attributeOverrun`.
    public init(bytes: [UInt8], allowingTrailingPadding: Bool = false) throws(RADIUSError) {
        let length = try RADIUSPacket.checkedLength(of: bytes, allowingTrailingPadding: allowingTrailingPadding)
        self.code = RADIUSCode(rawValue: bytes[0])
        self.identifier = bytes[1]
        self.authenticator = Array(bytes[4..<RADIUSLimits.headerLength])
        self.attributes = try RADIUSAttribute.parseList(
            bytes[RADIUSLimits.headerLength..<length],
            offset: RADIUSLimits.headerLength
        )
    }

    /// Checks the header of a datagram and returns its Length field (RFC 2865 §3).
    ///
    /// After this returns, `bytes[0..<length]` is safe to index.
    static func checkedLength(of bytes: [UInt8], allowingTrailingPadding: Bool) throws(RADIUSError) -> Int {
        guard bytes.count >= RADIUSLimits.headerLength else {
            throw RADIUSError(.packetTooShort, "\(bytes.count) bytes, a header needs \(RADIUSLimits.headerLength)")
        }
        let length = Int(bigEndianInteger(bytes[2..<4], as: UInt16.self))
        guard bytes.count <= RADIUSLimits.maximumPacketLength || allowingTrailingPadding,
            length <= RADIUSLimits.maximumPacketLength
        else {
            throw RADIUSError(
                .packetTooLarge,
                "datagram \(bytes.count) bytes, Length field \(length), the limit is \(RADIUSLimits.maximumPacketLength)"
            )
        }
        guard length >= RADIUSLimits.minimumPacketLength else {
            throw RADIUSError(.lengthMismatch, "Length field \(length) is below the minimum of 20", position: 2)
        }
        guard length <= bytes.count else {
            throw RADIUSError(.lengthMismatch, "Length field \(length) but only \(bytes.count) bytes received", position: 2)
        }
        guard length == bytes.count || allowingTrailingPadding else {
            throw RADIUSError(
                .lengthMismatch,
                "Length field \(length) but \(bytes.count) bytes received; \(bytes.count - length) trailing",
                position: length
            )
        }
        return length
    }
}

extension RADIUSPacket {
    /// Every attribute of `type`, in wire order.
    public func attributes(ofType type: RADIUSAttributeType) -> [RADIUSAttribute] {
        attributes.filter { $0.type == type }
    }

    /// The value of the first attribute of `type`, if any.
    public func firstValue(ofType type: RADIUSAttributeType) -> [UInt8]? {
        attributes.first { $0.type == type }?.value
    }

    /// The values of all attributes of `type` concatenated in wire order: the way long values
    /// split by ``RADIUSAttribute/split(type:value:)`` are read back (RFC 3579 §3.1).
    public func joinedValue(ofType type: RADIUSAttributeType) -> [UInt8]? {
        let parts = attributes(ofType: type)
        guard !parts.isEmpty else { return nil }
        return parts.flatMap(\.value)
    }

    /// Appends `value` under `type`, split over several attributes when longer than 253 bytes.
    public mutating func appendSplitting(type: RADIUSAttributeType, value: [UInt8]) {
        attributes.append(contentsOf: RADIUSAttribute.split(type: type, value: value))
    }

    /// Removes every attribute of `type`.
    public mutating func removeAttributes(ofType type: RADIUSAttributeType) {
        attributes.removeAll { $0.type == type }
    }
}
