import Crypto

/// The 16-byte Authenticator field: random for Access-Request and Status-Server, an MD5 over
/// the packet for everything else (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2.3).
public enum RADIUSAuthenticator {
    /// 16 bytes from the system's cryptographically secure generator, for a new
    /// Access-Request or Status-Server (RFC 2865 §3 requires them unpredictable).
    public static func random() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<RADIUSLimits.authenticatorLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Response Authenticator = MD5(Code | Identifier | Length | Request Authenticator |
    /// Attributes | Secret) (RFC 2865 §3), also used by Accounting-Response (RFC 2866 §3) and
    /// the CoA/Disconnect ACK/NAK (RFC 5176 §2.3).
    ///
    /// - Parameters:
    ///   - packet: the encoded reply; its Authenticator field is ignored.
    ///   - requestAuthenticator: the Authenticator of the request being answered.
    public static func response(
        for packet: [UInt8],
        requestAuthenticator: [UInt8],
        secret: RADIUSSecret
    ) throws(RADIUSError) -> [UInt8] {
        try digest(packet, authenticatorField: requestAuthenticator, secret: secret)
    }

    /// Request Authenticator of an Accounting-Request, CoA-Request or Disconnect-Request =
    /// MD5(Code | Identifier | Length | 16 zero bytes | Attributes | Secret)
    /// (RFC 2866 §3, RFC 5176 §2.3).
    ///
    /// - Parameter packet: the encoded request; its Authenticator field is ignored.
    public static func accountingRequest(for packet: [UInt8], secret: RADIUSSecret) throws(RADIUSError) -> [UInt8] {
        try digest(packet, authenticatorField: [UInt8](repeating: 0, count: RADIUSLimits.authenticatorLength), secret: secret)
    }

    private static func digest(_ packet: [UInt8], authenticatorField: [UInt8], secret: RADIUSSecret) throws(RADIUSError) -> [UInt8] {
        guard packet.count >= RADIUSLimits.headerLength else {
            throw RADIUSError(.packetTooShort, "\(packet.count) bytes, a header needs \(RADIUSLimits.headerLength)")
        }
        guard authenticatorField.count == RADIUSLimits.authenticatorLength else {
            throw RADIUSError(.invalidAuthenticatorLength, "authenticator is \(authenticatorField.count) bytes")
        }
        var md5 = Insecure.MD5()
        md5.update(data: packet[0..<4])
        md5.update(data: authenticatorField)
        md5.update(data: packet[RADIUSLimits.headerLength...])
        md5.update(data: secret.bytes)
        return Array(md5.finalize())
    }
}
