/// Tunnel-Password hiding with a salt (RFC 2868 §3.5).
///
/// Value layout: Tag (1), Salt (2, most significant bit set), then the hidden string whose
/// plaintext is Data-Length (1), the password, and zero padding to a multiple of 16.
public enum RADIUSTunnelPassword {
    /// Hides `password` for a reply to the request whose authenticator is
    /// `requestAuthenticator`.
    ///
    /// - Parameters:
    ///   - tag: 0 for none, or 1–31.
    ///   - salt: two bytes; the most significant bit is forced on as RFC 2868 §3.5 requires.
    ///     Must differ for each Tunnel-Password in a packet; defaults to random bytes.
    /// - Throws: `invalidValue` for a bad tag, `passwordTooLong` when the attribute would not
    ///   fit 253 bytes, `invalidAuthenticatorLength`.
    public static func attribute(
        _ password: [UInt8],
        tag: UInt8 = 0,
        salt: (UInt8, UInt8) = (UInt8.random(in: 0...255), UInt8.random(in: 0...255)),
        secret: RADIUSSecret,
        requestAuthenticator: [UInt8]
    ) throws(RADIUSError) -> RADIUSAttribute {
        if tag != 0 { try RADIUSAttribute.checkTag(tag, .tunnelPassword) }
        try RADIUSPasswordHiding.checkAuthenticator(requestAuthenticator)
        let plainLength = 1 + password.count
        let padded = (plainLength + 15) / 16 * 16
        guard 3 + padded <= RADIUSLimits.maximumAttributeValueLength else {
            throw RADIUSError(.passwordTooLong, "Tunnel-Password of \(password.count) bytes does not fit one attribute")
        }
        let saltBytes: [UInt8] = [salt.0 | 0x80, salt.1]
        let plaintext = [UInt8(password.count)] + password + [UInt8](repeating: 0, count: padded - plainLength)
        let hidden = RADIUSPasswordHiding.hide(plaintext, secret: secret, seed: requestAuthenticator + saltBytes)
        return RADIUSAttribute(type: .tunnelPassword, value: [tag] + saltBytes + hidden)
    }

    /// Recovers the tag (`nil` for 0) and the password.
    ///
    /// - Throws: `invalidHiddenPassword` for a hidden part that is not whole 16-byte blocks or
    ///   whose Data-Length exceeds it; `invalidValue` for a Tag above 31.
    public static func reveal(
        _ attribute: RADIUSAttribute,
        secret: RADIUSSecret,
        requestAuthenticator: [UInt8]
    ) throws(RADIUSError) -> (tag: UInt8?, password: [UInt8]) {
        let value = attribute.value
        guard value.count >= 3 else {
            throw RADIUSError(.invalidHiddenPassword, "Tunnel-Password of \(value.count) bytes has no Tag and Salt")
        }
        let tag = value[0]
        guard tag <= RADIUSAttribute.maximumTag else {
            throw RADIUSError(.invalidValue, "Tunnel-Password Tag \(tag) is above 31")
        }
        let hidden = Array(value[3...])
        try RADIUSPasswordHiding.checkHidden(hidden, "Tunnel-Password")
        try RADIUSPasswordHiding.checkAuthenticator(requestAuthenticator)
        let plain = RADIUSPasswordHiding.unhide(hidden, secret: secret, seed: requestAuthenticator + Array(value[1..<3]))
        let length = Int(plain[0])
        guard length <= plain.count - 1 else {
            throw RADIUSError(.invalidHiddenPassword, "Tunnel-Password Data-Length \(length) exceeds its \(plain.count - 1) bytes")
        }
        return (tag == 0 ? nil : tag, Array(plain[1..<(1 + length)]))
    }
}
