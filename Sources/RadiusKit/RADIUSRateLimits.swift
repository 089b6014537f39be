/// A subscriber's shaping rates as a RADIUS server sends them in Access-Accept or CoA-Request
/// (SPEC §3): the Aether vendor attributes (43242: 1 download kbit/s, 2 upload kbit/s,
/// 3 download burst kbit, 4 upload burst kbit) or WISPr Bandwidth-Max-Down/Up (14122: 8/7,
/// bit/s). Aether values win when both are present, as they are the more specific.
public struct RADIUSRateLimits: Sendable, Hashable, Codable {
    /// Download (towards the subscriber) rate, kbit/s (tc `rate`).
    public var downloadKbps: UInt32?
    /// Upload (from the subscriber) rate, kbit/s.
    public var uploadKbps: UInt32?
    /// Download burst, kbit (tc `burst`).
    public var downloadBurstKbit: UInt32?
    /// Upload burst, kbit.
    public var uploadBurstKbit: UInt32?

    /// Creates rates; `nil` means "not given".
    public init(downloadKbps: UInt32? = nil, uploadKbps: UInt32? = nil, downloadBurstKbit: UInt32? = nil, uploadBurstKbit: UInt32? = nil) {
        self.downloadKbps = downloadKbps
        self.uploadKbps = uploadKbps
        self.downloadBurstKbit = downloadBurstKbit
        self.uploadBurstKbit = uploadBurstKbit
    }

    /// Whether no rate at all was given.
    public var isEmpty: Bool {
        downloadKbps == nil && uploadKbps == nil && downloadBurstKbit == nil && uploadBurstKbit == nil
    }

    /// These rates with every value `newer` gives replacing ours (a CoA-Request naming only the
    /// download rate leaves the upload rate as it was, RFC 5176 §3.1).
    public func updated(with newer: RADIUSRateLimits) -> RADIUSRateLimits {
        RADIUSRateLimits(downloadKbps: newer.downloadKbps ?? downloadKbps, uploadKbps: newer.uploadKbps ?? uploadKbps,
                         downloadBurstKbit: newer.downloadBurstKbit ?? downloadBurstKbit,
                         uploadBurstKbit: newer.uploadBurstKbit ?? uploadBurstKbit)
    }

    /// Reads the rates from `packet`. WISPr bit/s are converted to kbit/s rounding up, so a
    /// non-zero rate never becomes 0.
    ///
    /// - Throws: `invalidVendorSpecific` for a malformed WISPr or Aether attribute,
    ///   `invalidValueLength` for a value that is not a 4-byte integer.
    public init(packet: RADIUSPacket) throws(RADIUSError) {
        self.init()
        for attribute in try packet.vendorAttributes(vendorID: RADIUSDictionary.wisprVendorID) {
            switch attribute.type {
            case 8: downloadKbps = Self.kilobits(try Self.integer(attribute, "WISPr-Bandwidth-Max-Down"))
            case 7: uploadKbps = Self.kilobits(try Self.integer(attribute, "WISPr-Bandwidth-Max-Up"))
            default: continue
            }
        }
        for attribute in try packet.vendorAttributes(vendorID: RADIUSDictionary.aetherVendorID) {
            switch attribute.type {
            case 1: downloadKbps = try Self.integer(attribute, "Aether-Download-Rate")
            case 2: uploadKbps = try Self.integer(attribute, "Aether-Upload-Rate")
            case 3: downloadBurstKbit = try Self.integer(attribute, "Aether-Download-Burst")
            case 4: uploadBurstKbit = try Self.integer(attribute, "Aether-Upload-Burst")
            default: continue
            }
        }
    }

    /// The given rates as one Aether Vendor-Specific attribute, for a CoA-Request or a test
    /// server's Access-Accept.
    public func aetherAttributes() throws(RADIUSError) -> [RADIUSAttribute] {
        var attributes: [RADIUSVendorAttribute] = []
        for (type, value) in [(UInt32(1), downloadKbps), (2, uploadKbps), (3, downloadBurstKbit), (4, uploadBurstKbit)] {
            if let value {
                attributes.append(RADIUSVendorAttribute(type: type, value: RADIUSAttribute.integer(.vendorSpecific, value).value))
            }
        }
        return try RADIUSVendorSpecific(vendorID: RADIUSDictionary.aetherVendorID, attributes: attributes).encodedAttributes()
    }

    private static func integer(_ attribute: RADIUSVendorAttribute, _ name: String) throws(RADIUSError) -> UInt32 {
        guard attribute.value.count == 4 else {
            throw RADIUSError(.invalidValueLength, "\(name) needs 4 bytes, got \(attribute.value.count)")
        }
        return bigEndianInteger(attribute.value[...], as: UInt32.self)
    }

    private static func kilobits(_ bitsPerSecond: UInt32) -> UInt32 {
        bitsPerSecond / 1000 + (bitsPerSecond % 1000 == 0 ? 0 : 1)
    }
}
