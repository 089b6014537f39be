/// How a vendor lays out the sub-attributes inside Vendor-Specific: widths of the Type and
/// Length fields in bytes. FreeRADIUS writes it as `format=t,l` on `VENDOR`.
public struct RADIUSVendorFormat: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Width of the vendor Type field: 1, 2 or 4 bytes.
    public private(set) var typeWidth: Int
    /// Width of the vendor Length field: 0 (no length, one sub-attribute filling the rest),
    /// 1 or 2 bytes.
    public private(set) var lengthWidth: Int

    /// The format RFC 2865 §5.26 recommends: 1-byte type, 1-byte length covering both.
    public static let standard = RADIUSVendorFormat(uncheckedTypeWidth: 1, lengthWidth: 1)

    /// Creates a format.
    ///
    /// - Throws: `invalidVendorSpecific` for widths other than 1/2/4 and 0/1/2.
    public init(typeWidth: Int, lengthWidth: Int) throws(RADIUSError) {
        guard [1, 2, 4].contains(typeWidth), [0, 1, 2].contains(lengthWidth) else {
            throw RADIUSError(.invalidVendorSpecific, "format=\(typeWidth),\(lengthWidth) is not one of 1|2|4,0|1|2")
        }
        self.init(uncheckedTypeWidth: typeWidth, lengthWidth: lengthWidth)
    }

    private init(uncheckedTypeWidth: Int, lengthWidth: Int) {
        self.typeWidth = uncheckedTypeWidth
        self.lengthWidth = lengthWidth
    }

    /// `format=t,l` as in FreeRADIUS dictionaries.
    public var description: String { "format=\(typeWidth),\(lengthWidth)" }
}

/// One sub-attribute inside a Vendor-Specific attribute.
public struct RADIUSVendorAttribute: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The vendor's attribute number.
    public var type: UInt32
    /// The value bytes.
    public var value: [UInt8]

    /// Creates a sub-attribute.
    public init(type: UInt32, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    /// `type=0xhex`.
    public var description: String { "\(type)=0x\(value.hexString)" }
}

/// A Vendor-Specific attribute (type 26): a 4-byte Vendor-Id then one or more
/// sub-attributes (RFC 2865 §5.26).
public struct RADIUSVendorSpecific: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The SMI Network Management Private Enterprise Code, such as 14122 (WISPr).
    public var vendorID: UInt32
    /// Sub-attributes in wire order.
    public var attributes: [RADIUSVendorAttribute]

    /// Creates a Vendor-Specific value.
    public init(vendorID: UInt32, attributes: [RADIUSVendorAttribute]) {
        self.vendorID = vendorID
        self.attributes = attributes
    }

    /// `Vendor-<id>{…}`.
    public var description: String {
        "Vendor-\(vendorID){\(attributes.map(\.description).joined(separator: ", "))}"
    }

    /// Parses the value of a Vendor-Specific attribute.
    ///
    /// - Throws: `invalidVendorSpecific` when the attribute is not type 26, is shorter than the
    ///   Vendor-Id, or its sub-attributes do not fill it exactly.
    public init(_ attribute: RADIUSAttribute, format: RADIUSVendorFormat = .standard) throws(RADIUSError) {
        guard attribute.type == .vendorSpecific else {
            throw RADIUSError(.invalidVendorSpecific, "\(attribute.type) is not Vendor-Specific")
        }
        let bytes = attribute.value
        guard bytes.count >= 4 else {
            throw RADIUSError(.invalidVendorSpecific, "Vendor-Specific of \(bytes.count) bytes has no room for a Vendor-Id")
        }
        vendorID = bigEndianInteger(bytes[0..<4], as: UInt32.self)
        attributes = []
        let header = format.typeWidth + format.lengthWidth
        var index = 4
        while index < bytes.count {
            guard bytes.count - index >= header else {
                throw RADIUSError(.invalidVendorSpecific, "vendor \(vendorID): \(bytes.count - index) bytes left, a sub-attribute header needs \(header)", position: index)
            }
            let type = bigEndianInteger(bytes[index..<(index + format.typeWidth)], as: UInt32.self)
            let end: Int
            if format.lengthWidth == 0 {
                end = bytes.count
            } else {
                let lengthStart = index + format.typeWidth
                let length = Int(bigEndianInteger(bytes[lengthStart..<(lengthStart + format.lengthWidth)], as: UInt16.self))
                guard length >= header, length <= bytes.count - index else {
                    throw RADIUSError(.invalidVendorSpecific, "vendor \(vendorID) attribute \(type) has Length \(length) with \(bytes.count - index) bytes left", position: index)
                }
                end = index + length
            }
            attributes.append(RADIUSVendorAttribute(type: type, value: Array(bytes[(index + header)..<end])))
            index = end
        }
    }

    /// Encodes as one or more Vendor-Specific attributes, packing as many sub-attributes into
    /// each as fit in 253 bytes.
    ///
    /// - Throws: `invalidVendorSpecific` when a sub-attribute type does not fit the format's
    ///   Type field, or `attributeValueTooLong` when a single sub-attribute cannot fit.
    public func encodedAttributes(format: RADIUSVendorFormat = .standard) throws(RADIUSError) -> [RADIUSAttribute] {
        var vendorHeader: [UInt8] = []
        vendorHeader.appendBigEndian(vendorID)
        var result: [RADIUSAttribute] = []
        var current = vendorHeader
        for attribute in attributes {
            let encoded = try encode(attribute, format: format)
            if current.count + encoded.count > RADIUSLimits.maximumAttributeValueLength || format.lengthWidth == 0 {
                if current.count > vendorHeader.count {
                    result.append(RADIUSAttribute(type: .vendorSpecific, value: current))
                }
                current = vendorHeader
            }
            guard current.count + encoded.count <= RADIUSLimits.maximumAttributeValueLength else {
                throw RADIUSError(.attributeValueTooLong, "vendor \(vendorID) attribute \(attribute.type) of \(attribute.value.count) bytes does not fit one Vendor-Specific")
            }
            current += encoded
        }
        if current.count > vendorHeader.count || result.isEmpty {
            result.append(RADIUSAttribute(type: .vendorSpecific, value: current))
        }
        return result
    }

    private func encode(_ attribute: RADIUSVendorAttribute, format: RADIUSVendorFormat) throws(RADIUSError) -> [UInt8] {
        let maximumType: UInt64 = format.typeWidth == 4 ? UInt64(UInt32.max) : (1 << (8 * UInt64(format.typeWidth))) - 1
        guard UInt64(attribute.type) <= maximumType else {
            throw RADIUSError(.invalidVendorSpecific, "vendor attribute type \(attribute.type) does not fit \(format)")
        }
        var bytes: [UInt8] = []
        switch format.typeWidth {
        case 1: bytes.append(UInt8(attribute.type))
        case 2: bytes.appendBigEndian(UInt16(attribute.type))
        default: bytes.appendBigEndian(attribute.type)
        }
        let length = format.typeWidth + format.lengthWidth + attribute.value.count
        switch format.lengthWidth {
        case 1:
            guard length <= Int(UInt8.max) else {
                throw RADIUSError(.attributeValueTooLong, "vendor attribute \(attribute.type) is \(length) bytes")
            }
            bytes.append(UInt8(length))
        case 2:
            bytes.appendBigEndian(UInt16(clamping: length))
        default:
            break
        }
        return bytes + attribute.value
    }
}

extension RADIUSPacket {
    /// All Vendor-Specific attributes of `vendorID`, parsed with `format`; attributes of other
    /// vendors are skipped without being parsed.
    ///
    /// - Throws: `invalidVendorSpecific` when one of this vendor's attributes is malformed.
    public func vendorAttributes(vendorID: UInt32, format: RADIUSVendorFormat = .standard) throws(RADIUSError) -> [RADIUSVendorAttribute] {
        var result: [RADIUSVendorAttribute] = []
        for attribute in attributes where attribute.type == .vendorSpecific && attribute.value.count >= 4 {
            guard bigEndianInteger(attribute.value[0..<4], as: UInt32.self) == vendorID else { continue }
            result += try RADIUSVendorSpecific(attribute, format: format).attributes
        }
        return result
    }
}
