/// The Code field of a RADIUS packet (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2, RFC 5997).
///
/// An open set: codes without a static member still parse, round-trip and print.
public struct RADIUSCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The value on the wire.
    public var rawValue: UInt8

    /// Wraps a wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Access-Request, 1 (RFC 2865 §4.1).
    public static let accessRequest = RADIUSCode(rawValue: 1)
    /// Access-Accept, 2 (RFC 2865 §4.2).
    public static let accessAccept = RADIUSCode(rawValue: 2)
    /// Access-Reject, 3 (RFC 2865 §4.3).
    public static let accessReject = RADIUSCode(rawValue: 3)
    /// Accounting-Request, 4 (RFC 2866 §4.1).
    public static let accountingRequest = RADIUSCode(rawValue: 4)
    /// Accounting-Response, 5 (RFC 2866 §4.2).
    public static let accountingResponse = RADIUSCode(rawValue: 5)
    /// Access-Challenge, 11 (RFC 2865 §4.4).
    public static let accessChallenge = RADIUSCode(rawValue: 11)
    /// Status-Server, 12 (RFC 5997).
    public static let statusServer = RADIUSCode(rawValue: 12)
    /// Status-Client, 13 (RFC 2865 §3, reserved).
    public static let statusClient = RADIUSCode(rawValue: 13)
    /// Disconnect-Request, 40 (RFC 5176 §2.1).
    public static let disconnectRequest = RADIUSCode(rawValue: 40)
    /// Disconnect-ACK, 41 (RFC 5176 §2.1).
    public static let disconnectACK = RADIUSCode(rawValue: 41)
    /// Disconnect-NAK, 42 (RFC 5176 §2.1).
    public static let disconnectNAK = RADIUSCode(rawValue: 42)
    /// CoA-Request, 43 (RFC 5176 §2.2).
    public static let coaRequest = RADIUSCode(rawValue: 43)
    /// CoA-ACK, 44 (RFC 5176 §2.2).
    public static let coaACK = RADIUSCode(rawValue: 44)
    /// CoA-NAK, 45 (RFC 5176 §2.2).
    public static let coaNAK = RADIUSCode(rawValue: 45)

    /// The name the RFCs use, or `Code-<n>` for codes without one.
    public var description: String {
        switch self {
        case .accessRequest: "Access-Request"
        case .accessAccept: "Access-Accept"
        case .accessReject: "Access-Reject"
        case .accountingRequest: "Accounting-Request"
        case .accountingResponse: "Accounting-Response"
        case .accessChallenge: "Access-Challenge"
        case .statusServer: "Status-Server"
        case .statusClient: "Status-Client"
        case .disconnectRequest: "Disconnect-Request"
        case .disconnectACK: "Disconnect-ACK"
        case .disconnectNAK: "Disconnect-NAK"
        case .coaRequest: "CoA-Request"
        case .coaACK: "CoA-ACK"
        case .coaNAK: "CoA-NAK"
        default: "Code-\(rawValue)"
        }
    }

    /// Whether this code is sent by a client and answered by a server.
    public var isRequest: Bool {
        switch self {
        case .accessRequest, .accountingRequest, .statusServer, .statusClient, .disconnectRequest, .coaRequest:
            true
        default:
            false
        }
    }

    /// Whether the Request Authenticator of this request is an MD5 over the packet rather than
    /// random bytes (RFC 2866 §3, RFC 5176 §2.3).
    public var hasComputedRequestAuthenticator: Bool {
        self == .accountingRequest || self == .disconnectRequest || self == .coaRequest
    }

    /// The codes a server may answer this request with; empty for codes that are not requests.
    ///
    /// Status-Server is answered with Access-Accept on the authentication port and with
    /// Accounting-Response on the accounting port (RFC 5997 §3).
    public var possibleResponses: Set<RADIUSCode> {
        switch self {
        case .accessRequest: [.accessAccept, .accessReject, .accessChallenge]
        case .accountingRequest: [.accountingResponse]
        case .statusServer: [.accessAccept, .accountingResponse]
        case .disconnectRequest: [.disconnectACK, .disconnectNAK]
        case .coaRequest: [.coaACK, .coaNAK]
        default: []
        }
    }
}
