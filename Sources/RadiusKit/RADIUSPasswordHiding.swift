import Crypto

/// The MD5 stream used to hide User-Password (RFC 2865 §5.2) and Tunnel-Password
/// (RFC 2868 §3.5): b1 = MD5(S + seed), c_i = p_i XOR b_i, b_i+1 = MD5(S + c_i).
enum RADIUSPasswordHiding {
    static let blockLength = 16

    /// XORs `plaintext` (a multiple of 16 bytes) with the MD5 chain started by `seed`.
    static func hide(_ plaintext: [UInt8], secret: RADIUSSecret, seed: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(plaintext.count)
        var previous = seed
        for start in stride(from: 0, to: plaintext.count, by: blockLength) {
            let pad = md5(secret.bytes + previous)
            let block = zip(plaintext[start..<(start + blockLength)], pad).map { $0 ^ $1 }
            output += block
            previous = block
        }
        return output
    }

    /// Reverses ``hide(_:secret:seed:)``; `hidden` must be a multiple of 16 bytes.
    static func unhide(_ hidden: [UInt8], secret: RADIUSSecret, seed: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(hidden.count)
        var previous = seed
        for start in stride(from: 0, to: hidden.count, by: blockLength) {
            let cipher = Array(hidden[start..<(start + blockLength)])
            output += zip(cipher, md5(secret.bytes + previous)).map { $0 ^ $1 }
            previous = cipher
        }
        return output
    }

    static func md5(_ bytes: [UInt8]) -> [UInt8] {
        Array(Insecure.MD5.hash(data: bytes))
    }

    static func checkHidden(_ hidden: some Collection<UInt8>, _ what: String) throws(RADIUSError) {
        guard !hidden.isEmpty, hidden.count % blockLength == 0 else {
            throw RADIUSError(.invalidHiddenPassword, "\(what) is \(hidden.count) bytes, not a positive multiple of 16")
        }
    }

    static func checkAuthenticator(_ authenticator: [UInt8]) throws(RADIUSError) {
        guard authenticator.count == RADIUSLimits.authenticatorLength else {
            throw RADIUSError(.invalidAuthenticatorLength, "authenticator is \(authenticator.count) bytes")
        }
    }
}

/// User-Password hiding (RFC 2865 §5.2).
public enum RADIUSUserPassword {
    /// Hides `password` for an Access-Request whose Request Authenticator is
    /// `requestAuthenticator`. The password is zero-padded to a multiple of 16 bytes; an empty
    /// password becomes one block of 16.
    ///
    /// - Throws: `passwordTooLong` over 128 bytes, `invalidAuthenticatorLength`.
    public static func hide(
        _ password: [UInt8],
        secret: RADIUSSecret,
        requestAuthenticator: [UInt8]
    ) throws(RADIUSError) -> [UInt8] {
        guard password.count <= RADIUSLimits.maximumPasswordLength else {
            throw RADIUSError(.passwordTooLong, "User-Password is \(password.count) bytes, the limit is 128")
        }
        try RADIUSPasswordHiding.checkAuthenticator(requestAuthenticator)
        let blocks = max(1, (password.count + 15) / 16)
        let padded = password + [UInt8](repeating: 0, count: blocks * 16 - password.count)
        return RADIUSPasswordHiding.hide(padded, secret: secret, seed: requestAuthenticator)
    }

    /// A User-Password attribute carrying `password` hidden (RFC 2865 §5.2).
    ///
    /// - Throws: as ``hide(_:secret:requestAuthenticator:)``.
    public static func attribute(
        _ password: String,
        secret: RADIUSSecret,
        requestAuthenticator: [UInt8]
    ) throws(RADIUSError) -> RADIUSAttribute {
        RADIUSAttribute(
            type: .userPassword,
            value: try hide(Array(password.utf8), secret: secret, requestAuthenticator: requestAuthenticator)
        )
    }

    /// Recovers the password: trailing zero padding is removed, so passwords themselves
    /// cannot end in NUL bytes (as in every RADIUS implementation).
    ///
    /// - Throws: `invalidHiddenPassword` unless `hidden` is 16–128 bytes in whole blocks;
    ///   `invalidAuthenticatorLength`.
    public static func unhide(
        _ hidden: [UInt8],
        secret: RADIUSSecret,
        requestAuthenticator: [UInt8]
    ) throws(RADIUSError) -> [UInt8] {
        try RADIUSPasswordHiding.checkHidden(hidden, "User-Password")
        guard hidden.count <= RADIUSLimits.maximumPasswordLength else {
            throw RADIUSError(.invalidHiddenPassword, "User-Password is \(hidden.count) bytes, the limit is 128")
        }
        try RADIUSPasswordHiding.checkAuthenticator(requestAuthenticator)
        var plain = RADIUSPasswordHiding.unhide(hidden, secret: secret, seed: requestAuthenticator)
        while plain.last == 0 { plain.removeLast() }
        return plain
    }
}
