/// Checks what the shared secret protects on received bytes, before any parsing
/// (house style rule 10), then parses.
///
/// Comparisons are constant-time. Requiring Message-Authenticator is the default (SPEC §8);
/// Status-Server always requires it (RFC 5997 §3).
public enum RADIUSPacketVerifier {
    /// Verifies and parses a request received by a server (CoA/DM listener, test server).
    ///
    /// Accounting-Request, CoA-Request and Disconnect-Request have their Request
    /// Authenticator checked (RFC 2866 §3, RFC 5176 §3.5); an Access-Request's is random and
    /// only its Message-Authenticator protects it.
    ///
    /// - Throws: header and attribute errors, `badRequestAuthenticator`,
    ///   `badMessageAuthenticator`, `missingMessageAuthenticator`,
    ///   `duplicateMessageAuthenticator`.
    public static func request(
        _ bytes: [UInt8],
        secret: RADIUSSecret,
        requireMessageAuthenticator: Bool = true
    ) throws(RADIUSError) -> RADIUSPacket {
        let length = try RADIUSPacket.checkedLength(of: bytes, allowingTrailingPadding: false)
        let code = RADIUSCode(rawValue: bytes[0])
        let field = Array(bytes[4..<RADIUSLimits.headerLength])
        let zeros = [UInt8](repeating: 0, count: RADIUSLimits.authenticatorLength)
        let computed = code.hasComputedRequestAuthenticator
        let present = try RADIUSMessageAuthenticator.verify(bytes, length: length, authenticatorField: computed ? zeros : field, secret: secret)
        if !present && (requireMessageAuthenticator || code == .statusServer) {
            throw RADIUSError(.missingMessageAuthenticator, "\(code) without Message-Authenticator")
        }
        if computed {
            let expected = try RADIUSAuthenticator.accountingRequest(for: bytes, secret: secret)
            guard constantTimeEqual(expected, field) else {
                throw RADIUSError(.badRequestAuthenticator, "\(code) id=\(bytes[1]) Request Authenticator does not match", position: 4)
            }
        }
        return try RADIUSPacket(bytes: bytes)
    }

    /// Verifies and parses a reply to `request` received by a client.
    ///
    /// The Message-Authenticator of an Accounting-Response or CoA/Disconnect ACK/NAK is
    /// accepted when computed over the Request Authenticator (RFC 5176 §3.3) or over a zeroed
    /// field (FreeRADIUS 3).
    ///
    /// - Throws: header and attribute errors, `unexpectedResponseCode`, `identifierMismatch`,
    ///   `badResponseAuthenticator`, `badMessageAuthenticator`, `missingMessageAuthenticator`,
    ///   `duplicateMessageAuthenticator`.
    public static func response(
        _ bytes: [UInt8],
        to request: RADIUSPacket,
        secret: RADIUSSecret,
        requireMessageAuthenticator: Bool = true
    ) throws(RADIUSError) -> RADIUSPacket {
        let length = try RADIUSPacket.checkedLength(of: bytes, allowingTrailingPadding: false)
        let code = RADIUSCode(rawValue: bytes[0])
        guard request.code.possibleResponses.contains(code) else {
            throw RADIUSError(.unexpectedResponseCode, "\(code) cannot answer \(request.code)")
        }
        guard bytes[1] == request.identifier else {
            throw RADIUSError(.identifierMismatch, "reply id=\(bytes[1]), request id=\(request.identifier)", position: 1)
        }
        let present: Bool
        do throws(RADIUSError) {
            present = try RADIUSMessageAuthenticator.verify(
                bytes, length: length, authenticatorField: request.authenticator, secret: secret)
        } catch where error.code == .badMessageAuthenticator && code.hasZeroedMessageAuthenticatorFieldInFreeRADIUS {
            // FreeRADIUS 3 signs these replies over a zeroed Authenticator field; the Response
            // Authenticator checked below still binds the reply to the request.
            present = try RADIUSMessageAuthenticator.verify(
                bytes, length: length, authenticatorField: [UInt8](repeating: 0, count: RADIUSLimits.authenticatorLength),
                secret: secret)
        }
        if !present && requireMessageAuthenticator {
            throw RADIUSError(.missingMessageAuthenticator, "\(code) id=\(bytes[1]) without Message-Authenticator")
        }
        let expected = try RADIUSAuthenticator.response(for: bytes, requestAuthenticator: request.authenticator, secret: secret)
        guard constantTimeEqual(expected, bytes[4..<RADIUSLimits.headerLength]) else {
            throw RADIUSError(.badResponseAuthenticator, "\(code) id=\(bytes[1]) Response Authenticator does not match", position: 4)
        }
        return try RADIUSPacket(bytes: bytes)
    }
}
