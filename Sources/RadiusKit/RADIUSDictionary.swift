/// Names, types and enumerated values of attributes, as FreeRADIUS dictionaries define them.
///
/// ``standard`` holds the RFC 2865/2866/2869/3162/5176 attributes plus the WISPr and Aether
/// vendor attributes the BNG needs; `RADIUSDictionary+FreeRADIUS.swift` loads more from
/// FreeRADIUS dictionary files. Names are matched case-insensitively, as in FreeRADIUS.
public struct RADIUSDictionary: Sendable, Hashable {
    /// A vendor (`VENDOR name id [format=t,l]`).
    public struct Vendor: Sendable, Hashable, Codable {
        /// The dictionary name, such as `WISPr`.
        public var name: String
        /// The Private Enterprise Number.
        public var id: UInt32
        /// Sub-attribute layout inside Vendor-Specific.
        public var format: RADIUSVendorFormat

        /// Creates a vendor.
        public init(name: String, id: UInt32, format: RADIUSVendorFormat = .standard) {
            self.name = name
            self.id = id
            self.format = format
        }
    }

    /// How an attribute's value is hidden on the wire (FreeRADIUS `encrypt=`).
    public enum Encryption: Int, Sendable, Hashable, Codable {
        /// Sent as is.
        case none = 0
        /// User-Password style (RFC 2865 §5.2), `encrypt=1`.
        case userPassword = 1
        /// Tunnel-Password style with salt (RFC 2868 §3.5), `encrypt=2`.
        case tunnelPassword = 2
        /// Ascend's secret scheme, `encrypt=3`.
        case ascendSecret = 3
    }

    /// An attribute (`ATTRIBUTE name number type [flags]`).
    public struct Attribute: Sendable, Hashable, Codable {
        /// The dictionary name, such as `Framed-IP-Address`.
        public var name: String
        /// 0 for standard attributes, else the vendor's Private Enterprise Number.
        public var vendorID: UInt32
        /// Dotted number path: `8` for a top-level attribute, `59.1` inside a TLV.
        public var oid: String
        /// The last number of ``oid``: the Type (or vendor Type) on the wire.
        public var number: UInt32
        /// The value's data type.
        public var dataType: RADIUSDataType
        /// How the value is hidden.
        public var encryption: Encryption
        /// Whether the value starts with an RFC 2868 Tag.
        public var hasTag: Bool
        /// Other flags as written (`array`, `concat`, `virtual`, …).
        public var flags: [String]

        /// Creates an attribute definition.
        public init(
            name: String,
            vendorID: UInt32 = 0,
            oid: String,
            number: UInt32,
            dataType: RADIUSDataType,
            encryption: Encryption = .none,
            hasTag: Bool = false,
            flags: [String] = []
        ) {
            self.name = name
            self.vendorID = vendorID
            self.oid = oid
            self.number = number
            self.dataType = dataType
            self.encryption = encryption
            self.hasTag = hasTag
            self.flags = flags
        }
    }

    private struct AttributeKey: Hashable {
        var vendorID: UInt32
        var oid: String
    }

    private var vendorsByID: [UInt32: Vendor] = [:]
    private var vendorsByName: [String: Vendor] = [:]
    private var attributesByName: [String: Attribute] = [:]
    private var attributesByKey: [AttributeKey: Attribute] = [:]
    private var valuesByAttribute: [String: [String: UInt64]] = [:]
    private var valueNamesByAttribute: [String: [UInt64: String]] = [:]

    /// An empty dictionary.
    public init() {}

    /// Number of attributes defined.
    public var attributeCount: Int { attributesByName.count }
    /// Number of vendors defined.
    public var vendorCount: Int { vendorsByID.count }

    /// Adds or replaces a vendor; a later definition of the same name or id wins.
    public mutating func define(_ vendor: Vendor) {
        vendorsByID[vendor.id] = vendor
        vendorsByName[vendor.name.lowercased()] = vendor
    }

    /// Adds or replaces an attribute; a later definition of the same name wins.
    public mutating func define(_ attribute: Attribute) {
        attributesByName[attribute.name.lowercased()] = attribute
        attributesByKey[AttributeKey(vendorID: attribute.vendorID, oid: attribute.oid)] = attribute
    }

    /// Adds an enumerated value name of `attributeName` (`VALUE`); aliases of one number are
    /// allowed, and the first name given to a number is the one printed.
    public mutating func defineValue(_ name: String, number: UInt64, forAttribute attributeName: String) {
        let key = attributeName.lowercased()
        valuesByAttribute[key, default: [:]][name.lowercased()] = number
        if valueNamesByAttribute[key]?[number] == nil {
            valueNamesByAttribute[key, default: [:]][number] = name
        }
    }

    /// The vendor with Private Enterprise Number `id`.
    public func vendor(id: UInt32) -> Vendor? {
        vendorsByID[id]
    }

    /// The vendor called `name`.
    ///
    /// - Throws: `unknownName`.
    public func vendor(named name: String) throws(RADIUSError) -> Vendor {
        guard let vendor = vendorsByName[name.lowercased()] else {
            throw RADIUSError(.unknownName, "no vendor named \"\(name)\"")
        }
        return vendor
    }

    /// The attribute called `name`.
    ///
    /// - Throws: `unknownName`.
    public func attribute(named name: String) throws(RADIUSError) -> Attribute {
        guard let attribute = attributesByName[name.lowercased()] else {
            throw RADIUSError(.unknownName, "no attribute named \"\(name)\"")
        }
        return attribute
    }

    /// The standard (non-vendor) attribute with Type `type`.
    public func attribute(type: RADIUSAttributeType) -> Attribute? {
        attributesByKey[AttributeKey(vendorID: 0, oid: String(type.rawValue))]
    }

    /// The attribute of vendor `vendorID` numbered `type` at the top level.
    public func attribute(vendorID: UInt32, type: UInt32) -> Attribute? {
        attributesByKey[AttributeKey(vendorID: vendorID, oid: String(type))]
    }

    /// The number of the enumerated value `name` of attribute `attributeName`, such as
    /// `Framed-User` of `Service-Type` → 2.
    ///
    /// - Throws: `unknownName` naming both.
    public func value(named name: String, ofAttribute attributeName: String) throws(RADIUSError) -> UInt64 {
        guard let number = valuesByAttribute[attributeName.lowercased()]?[name.lowercased()] else {
            throw RADIUSError(.unknownName, "no VALUE \"\(name)\" for attribute \"\(attributeName)\"")
        }
        return number
    }

    /// The first name given to `number` of attribute `attributeName`.
    public func valueName(_ number: UInt64, ofAttribute attributeName: String) -> String? {
        valueNamesByAttribute[attributeName.lowercased()]?[number]
    }
}
