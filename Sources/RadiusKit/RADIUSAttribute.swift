import Foundation

/// One attribute as it appears on the wire: a Type octet and up to 253 value bytes
/// (RFC 2865 §5).
///
/// Values are kept raw so that unknown attributes round-trip unchanged; typed views live in
/// `RADIUSAttribute+Values.swift`, vendor attributes in ``RADIUSVendorSpecific``.
public struct RADIUSAttribute: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The Type octet.
    public var type: RADIUSAttributeType
    /// The value bytes, without the Type and Length octets. At most 253 bytes when encoded.
    public var value: [UInt8]

    /// Creates an attribute from raw value bytes; the length is checked when encoding.
    public init(type: RADIUSAttributeType, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    private enum CodingKeys: String, CodingKey { case type, value }

    /// Reads `{"type": …, "value": "<base64>"}`, and the `value` as an array of numbers as
    /// stores written before kept it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(RADIUSAttributeType.self, forKey: .type)
        value = try container.decodeBytes(forKey: .value)
    }

    /// Writes the value as base64: a JSON array of numbers cost a boxed value per byte, and a
    /// BNG stores every accounting request with its attributes.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(Data(value).base64EncodedString(), forKey: .value)
    }

    /// Type, then value in hex; a User-Password's bytes are left out as they are only hidden,
    /// not encrypted, and a Message-Authenticator is shown as it carries no secret.
    public var description: String {
        if type == .userPassword || type == .tunnelPassword {
            return "\(type)=<\(value.count) hidden bytes>"
        }
        return "\(type)=0x\(value.hexString)"
    }

    /// Appends Type, Length and value to `bytes` (RFC 2865 §5).
    ///
    /// - Throws: `attributeValueTooLong` if the value exceeds 253 bytes.
    public func encode(into bytes: inout [UInt8]) throws(RADIUSError) {
        guard value.count <= RADIUSLimits.maximumAttributeValueLength else {
            throw RADIUSError(
                .attributeValueTooLong,
                "\(type) value is \(value.count) bytes, the limit is \(RADIUSLimits.maximumAttributeValueLength)"
            )
        }
        bytes.append(type.rawValue)
        bytes.append(UInt8(value.count + RADIUSLimits.attributeHeaderLength))
        bytes.append(contentsOf: value)
    }

    /// Splits a long value over as many attributes of `type` as needed, each carrying at most
    /// 253 bytes, in order (RFC 2865 §5: "long" values such as EAP-Message, RFC 3579 §3.1,
    /// are concatenated by the receiver). An empty value gives one empty attribute.
    public static func split(type: RADIUSAttributeType, value: [UInt8]) -> [RADIUSAttribute] {
        guard !value.isEmpty else { return [RADIUSAttribute(type: type, value: [])] }
        var parts: [RADIUSAttribute] = []
        var start = value.startIndex
        while start < value.endIndex {
            let end = min(start + RADIUSLimits.maximumAttributeValueLength, value.endIndex)
            parts.append(RADIUSAttribute(type: type, value: Array(value[start..<end])))
            start = end
        }
        return parts
    }

    /// Parses a sequence of attributes filling `bytes` exactly (RFC 2865 §5).
    ///
    /// - Parameter offset: position of `bytes` in the packet, used in error positions.
    /// - Throws: `attributeTooShort` for a Length below 2 or a lone Type octet,
    ///   `attributeOverrun` when an attribute runs past the end.
    public static func parseList(_ bytes: ArraySlice<UInt8>, offset: Int = 0) throws(RADIUSError) -> [RADIUSAttribute] {
        var attributes: [RADIUSAttribute] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let position = offset + (index - bytes.startIndex)
            guard bytes.endIndex - index >= RADIUSLimits.attributeHeaderLength else {
                throw RADIUSError(.attributeTooShort, "lone Type octet 0x\([bytes[index]].hexString)", position: position)
            }
            let type = bytes[index]
            let length = Int(bytes[index + 1])
            guard length >= RADIUSLimits.attributeHeaderLength else {
                throw RADIUSError(
                    .attributeTooShort,
                    "\(RADIUSAttributeType(rawValue: type)) has Length \(length), the minimum is 2",
                    position: position
                )
            }
            guard length <= bytes.endIndex - index else {
                throw RADIUSError(
                    .attributeOverrun,
                    "\(RADIUSAttributeType(rawValue: type)) has Length \(length) but only \(bytes.endIndex - index) bytes remain",
                    position: position
                )
            }
            let valueStart = index + RADIUSLimits.attributeHeaderLength
            attributes.append(RADIUSAttribute(type: RADIUSAttributeType(rawValue: type), value: Array(bytes[valueStart..<(index + length)])))
            index += length
        }
        return attributes
    }
}
