import Crypto

/// CHAP-Password (RFC 2865 §5.3, RFC 1994 §4.1): the CHAP Identifier, then
/// MD5(Identifier | password | challenge). The challenge is the CHAP-Challenge attribute when
/// present, otherwise the Request Authenticator (RFC 2865 §5.40).
public enum RADIUSCHAPPassword {
    /// The 17-byte CHAP-Password value.
    public static func value(identifier: UInt8, password: [UInt8], challenge: [UInt8]) -> [UInt8] {
        [identifier] + Array(Insecure.MD5.hash(data: [identifier] + password + challenge))
    }

    /// A CHAP-Password attribute.
    public static func attribute(identifier: UInt8, password: [UInt8], challenge: [UInt8]) -> RADIUSAttribute {
        RADIUSAttribute(type: .chapPassword, value: value(identifier: identifier, password: password, challenge: challenge))
    }

    /// The challenge a server must use for `request`: its CHAP-Challenge, else its
    /// Request Authenticator (RFC 2865 §5.40).
    public static func challenge(of request: RADIUSPacket) -> [UInt8] {
        request.firstValue(ofType: .chapChallenge) ?? request.authenticator
    }

    /// Whether `chapPassword` (the attribute value) was made from `password` and `challenge`;
    /// compared in constant time.
    ///
    /// - Throws: `invalidValueLength` unless the value is 17 bytes.
    public static func verify(_ chapPassword: [UInt8], password: [UInt8], challenge: [UInt8]) throws(RADIUSError) -> Bool {
        guard chapPassword.count == 17 else {
            throw RADIUSError(.invalidValueLength, "CHAP-Password needs 17 bytes, got \(chapPassword.count)")
        }
        let expected = value(identifier: chapPassword[0], password: password, challenge: challenge)
        return constantTimeEqual(expected, chapPassword)
    }
}
