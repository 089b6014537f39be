import NetworkTypes

/// One attribute as text, the way `radclient` reads and prints it: `Name = value`.
public struct RADIUSNamedValue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The dictionary name, or `Attr-<n>` / `Vendor-<id>-Attr-<n>` when unknown.
    public var name: String
    /// The value as text: named VALUEs, dotted addresses, decimal numbers, quoted-free strings,
    /// `0x…` hex for octets and anything that does not decode.
    public var value: String

    /// Creates a pair.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `Name = value`.
    public var description: String { "\(name) = \(value)" }
}

/// Attributes by name and text value, as the `aether-radius` tool and configuration files
/// write them (FreeRADIUS dictionary names and value syntax).
extension RADIUSDictionary {
    /// Encodes `Name = value` into wire attributes; a vendor attribute becomes one
    /// Vendor-Specific.
    ///
    /// Values by data type: `string` as is; `octets` as `0x` hex or text; `integer`, `byte`,
    /// `short`, `signed`, `integer64`, `date` as decimal (or a `VALUE` name);
    /// `ipaddr`/`ipv6addr` dotted/colon text; `ipv6prefix` as `addr/len`. A `Name:tag`
    /// prefix sets the RFC 2868 tag of a tagged attribute.
    ///
    /// - Throws: `unknownName` for an unknown attribute or VALUE, `invalidValue` for text
    ///   that does not fit the type or a type the encoder does not handle (TLVs).
    public func encode(_ pair: RADIUSNamedValue) throws(RADIUSError) -> [RADIUSAttribute] {
        var name = pair.name
        var tag: UInt8?
        if let colon = name.lastIndex(of: ":"), let number = UInt8(name[name.index(after: colon)...]) {
            tag = number
            name = String(name[..<colon])
        }
        let definition = try attribute(named: name)
        guard !definition.oid.contains(".") else {
            throw RADIUSError(.invalidValue, "\(definition.name) sits inside a TLV; only top-level attributes are encoded by name")
        }
        var value = try encodeValue(pair.value, of: definition)
        if definition.hasTag, let tag {
            try RADIUSAttribute.checkTag(tag, RADIUSAttributeType(rawValue: UInt8(truncatingIfNeeded: definition.number)))
            value = definition.dataType == .integer ? [tag] + value.dropFirst() : [tag] + value
        }
        if definition.vendorID == 0 {
            guard definition.number <= UInt8.max else {
                throw RADIUSError(.invalidValue, "\(definition.name) has number \(definition.number), beyond one octet")
            }
            return RADIUSAttribute.split(type: RADIUSAttributeType(rawValue: UInt8(definition.number)), value: value)
        }
        let format = vendor(id: definition.vendorID)?.format ?? .standard
        return try RADIUSVendorSpecific(
            vendorID: definition.vendorID, attributes: [RADIUSVendorAttribute(type: definition.number, value: value)]
        ).encodedAttributes(format: format)
    }

    /// Parses `Name = value` (spaces optional, value optionally in double quotes).
    ///
    /// - Throws: `invalidValue` without `=`.
    public static func parsePair(_ text: String) throws(RADIUSError) -> RADIUSNamedValue {
        guard let equals = text.firstIndex(of: "=") else {
            throw RADIUSError(.invalidValue, "'\(text)' is not Name=value")
        }
        let name = text[..<equals].trimmingSpaces()
        var value = text[text.index(after: equals)...].trimmingSpaces()
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = String(value.dropFirst().dropLast())
        }
        return RADIUSNamedValue(name: name, value: value)
    }

    /// Names and values of every attribute of `packet`, vendor attributes unpacked, in wire
    /// order. Hidden values (User-Password, Tunnel-Password) are shown as hex, still hidden.
    public func describe(_ packet: RADIUSPacket) -> [RADIUSNamedValue] {
        var pairs: [RADIUSNamedValue] = []
        for attribute in packet.attributes {
            if attribute.type == .vendorSpecific, attribute.value.count >= 4 {
                let vendorID = bigEndianInteger(attribute.value[0..<4], as: UInt32.self)
                let format = vendor(id: vendorID)?.format ?? .standard
                if let inner = try? RADIUSVendorSpecific(attribute, format: format) {
                    for vendorAttribute in inner.attributes {
                        let definition = self.attribute(vendorID: vendorID, type: vendorAttribute.type)
                        pairs.append(named(definition?.name ?? "Vendor-\(vendorID)-Attr-\(vendorAttribute.type)",
                                           describeValue(vendorAttribute.value, of: definition)))
                    }
                    continue
                }
            }
            let definition = self.attribute(type: attribute.type)
            pairs.append(named(definition?.name ?? "Attr-\(attribute.type.rawValue)", describeValue(attribute.value, of: definition)))
        }
        return pairs
    }

    private func named(_ name: String, _ value: (tag: UInt8?, text: String)) -> RADIUSNamedValue {
        RADIUSNamedValue(name: value.tag.map { "\(name):\($0)" } ?? name, value: value.text)
    }

    private func describeValue(_ bytes: [UInt8], of definition: Attribute?) -> (tag: UInt8?, text: String) {
        guard let definition, definition.encryption == .none else { return (nil, "0x" + bytes.hexString) }
        var bytes = bytes
        var tag: UInt8?
        if definition.hasTag, let first = bytes.first, first <= 0x1F {
            tag = first == 0 ? nil : first
            if definition.dataType == .integer { bytes[0] = 0 } else { bytes.removeFirst() }
        }
        return (tag, describeUntagged(bytes, of: definition))
    }

    private func describeUntagged(_ bytes: [UInt8], of definition: Attribute) -> String {
        let number: UInt64?
        switch (definition.dataType, bytes.count) {
        case (.integer, 4), (.date, 4), (.signed, 4): number = UInt64(bigEndianInteger(bytes[...], as: UInt32.self))
        case (.integer64, 8): number = bigEndianInteger(bytes[...], as: UInt64.self)
        case (.short, 2): number = UInt64(bigEndianInteger(bytes[...], as: UInt16.self))
        case (.byte, 1): number = UInt64(bytes[0])
        default: number = nil
        }
        if let number {
            if let name = valueName(number, ofAttribute: definition.name) { return name }
            if definition.dataType == .signed { return String(Int32(bitPattern: UInt32(number))) }
            return String(number)
        }
        switch definition.dataType {
        case .string:
            if let text = String(validating: bytes, as: UTF8.self), !text.unicodeScalars.contains(where: { $0.value < 0x20 }) {
                return text
            }
        case .ipaddr:
            if let address = IPv4Address(bytes: bytes) { return address.description }
        case .ipv6addr:
            if bytes.count == 16 { return RADIUSSocketAddress.text(of: bytes) }
        case .ipv6prefix:
            if let value = try? RADIUSIPv6Prefix(bytes: bytes) {
                return "\(RADIUSSocketAddress.text(of: value.address.bytes))/\(value.prefixLength)"
            }
        default:
            break
        }
        return "0x" + bytes.hexString
    }

    private func encodeValue(_ text: String, of definition: Attribute) throws(RADIUSError) -> [UInt8] {
        func number(max: UInt64) throws(RADIUSError) -> UInt64 {
            if let value = UInt64(text), value <= max { return value }
            if let named = try? value(named: text, ofAttribute: definition.name), named <= max { return named }
            throw RADIUSError(.invalidValue, "\(definition.name) = \(text): not a number up to \(max) or a VALUE name")
        }
        switch definition.dataType {
        case .string:
            return Array(text.utf8)
        case .octets:
            if text.hasPrefix("0x") { return try Self.hex(text.dropFirst(2), name: definition.name) }
            return Array(text.utf8)
        case .integer, .date:
            return RADIUSAttribute.integer(.vendorSpecific, UInt32(try number(max: UInt64(UInt32.max)))).value
        case .signed:
            guard let value = Int32(text) else { throw RADIUSError(.invalidValue, "\(definition.name) = \(text): not a signed 32-bit number") }
            return RADIUSAttribute.integer(.vendorSpecific, UInt32(bitPattern: value)).value
        case .short:
            let value = UInt16(try number(max: UInt64(UInt16.max)))
            return [UInt8(value >> 8), UInt8(value & 0xFF)]
        case .byte:
            return [UInt8(try number(max: UInt64(UInt8.max)))]
        case .integer64:
            return RADIUSAttribute.integer64(.vendorSpecific, try number(max: UInt64.max)).value
        case .ipaddr:
            guard let address = IPv4Address(text) else { throw RADIUSError(.invalidValue, "\(definition.name) = \(text): not an IPv4 address") }
            return address.bytes
        case .ipv6addr:
            guard let address = try? RADIUSSocketAddress(host: text, port: 0), address.isIPv6 else {
                throw RADIUSError(.invalidValue, "\(definition.name) = \(text): not an IPv6 address")
            }
            return address.address
        case .ipv6prefix:
            let parts = text.split(separator: "/")
            guard parts.count == 2, let length = UInt8(parts[1]), let address = try? RADIUSSocketAddress(host: String(parts[0]), port: 0),
                address.isIPv6
            else {
                throw RADIUSError(.invalidValue, "\(definition.name) = \(text): not an IPv6 prefix addr/len")
            }
            let prefix = try RADIUSIPv6Prefix(address: try RADIUSIPv6Address(bytes: address.address), prefixLength: length)
            return RADIUSAttribute.ipv6Prefix(.vendorSpecific, prefix).value
        default:
            throw RADIUSError(.invalidValue, "\(definition.name) has type \(definition.dataType), which is not encoded from text")
        }
    }

    private static func hex(_ digits: Substring, name: String) throws(RADIUSError) -> [UInt8] {
        guard digits.count % 2 == 0 else { throw RADIUSError(.invalidValue, "\(name): odd number of hex digits") }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else {
                throw RADIUSError(.invalidValue, "\(name): '\(digits[index..<next])' is not hex")
            }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
