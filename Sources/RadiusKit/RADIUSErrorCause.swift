/// Error-Cause values (RFC 5176 §3.5), sent in CoA-NAK and Disconnect-NAK (and, for the
/// 2xx values, in ACKs). An open set: unknown values round-trip and print.
public struct RADIUSErrorCause: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: UInt32
    /// Wraps a wire value.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// 201 Residual Session Context Removed.
    public static let residualSessionContextRemoved = Self(rawValue: 201)
    /// 202 Invalid EAP Packet (Ignored).
    public static let invalidEAPPacket = Self(rawValue: 202)
    /// 401 Unsupported Attribute.
    public static let unsupportedAttribute = Self(rawValue: 401)
    /// 402 Missing Attribute.
    public static let missingAttribute = Self(rawValue: 402)
    /// 403 NAS Identification Mismatch.
    public static let nasIdentificationMismatch = Self(rawValue: 403)
    /// 404 Invalid Request.
    public static let invalidRequest = Self(rawValue: 404)
    /// 405 Unsupported Service.
    public static let unsupportedService = Self(rawValue: 405)
    /// 406 Unsupported Extension.
    public static let unsupportedExtension = Self(rawValue: 406)
    /// 407 Invalid Attribute Value.
    public static let invalidAttributeValue = Self(rawValue: 407)
    /// 501 Administratively Prohibited.
    public static let administrativelyProhibited = Self(rawValue: 501)
    /// 502 Request Not Routable (Proxy).
    public static let requestNotRoutable = Self(rawValue: 502)
    /// 503 Session Context Not Found.
    public static let sessionContextNotFound = Self(rawValue: 503)
    /// 504 Session Context Not Removable.
    public static let sessionContextNotRemovable = Self(rawValue: 504)
    /// 505 Other Proxy Processing Error.
    public static let otherProxyProcessingError = Self(rawValue: 505)
    /// 506 Resources Unavailable.
    public static let resourcesUnavailable = Self(rawValue: 506)
    /// 507 Request Initiated.
    public static let requestInitiated = Self(rawValue: 507)
    /// 508 Multiple Session Selection Unsupported.
    public static let multipleSessionSelectionUnsupported = Self(rawValue: 508)

    /// The number and, when known, the RFC 5176 name.
    public var description: String {
        let names: [UInt32: String] = [
            201: "Residual-Session-Context-Removed", 202: "Invalid-EAP-Packet", 401: "Unsupported-Attribute",
            402: "Missing-Attribute", 403: "NAS-Identification-Mismatch", 404: "Invalid-Request",
            405: "Unsupported-Service", 406: "Unsupported-Extension", 407: "Invalid-Attribute-Value",
            501: "Administratively-Prohibited", 502: "Request-Not-Routable", 503: "Session-Context-Not-Found",
            504: "Session-Context-Not-Removable", 505: "Other-Proxy-Processing-Error", 506: "Resources-Unavailable",
            507: "Request-Initiated", 508: "Multiple-Session-Selection-Unsupported",
        ]
        return names[rawValue].map { "\($0)(\(rawValue))" } ?? "\(rawValue)"
    }

    /// The Error-Cause attribute carrying this value.
    public var attribute: RADIUSAttribute { .integer(.errorCause, rawValue) }
}
