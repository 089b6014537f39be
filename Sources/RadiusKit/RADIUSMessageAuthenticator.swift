import Crypto

/// Message-Authenticator (type 80): HMAC-MD5 keyed with the shared secret over the whole
/// packet, with this attribute's value set to 16 zero bytes while computing (RFC 3579 §3.2,
/// RFC 2869 §5.14).
///
/// What the Authenticator field holds during the computation depends on the packet:
/// the Request Authenticator as sent for Access-Request and Status-Server; 16 zero bytes for
/// Accounting-Request, CoA-Request and Disconnect-Request (RFC 5176 §3.3); the request's
/// authenticator for every reply (RFC 3579 §3.2).
public enum RADIUSMessageAuthenticator {
    /// Computes the HMAC over `packet` (the whole encoded packet), substituting
    /// `authenticatorField` for bytes 4–19 and zeros for the Message-Authenticator value
    /// whose attribute starts at `attributeOffset`.
    static func compute(
        _ packet: [UInt8],
        attributeOffset: Int,
        authenticatorField: [UInt8],
        secret: RADIUSSecret
    ) -> [UInt8] {
        var copy = packet
        copy.replaceSubrange(4..<RADIUSLimits.headerLength, with: authenticatorField)
        let valueStart = attributeOffset + RADIUSLimits.attributeHeaderLength
        copy.replaceSubrange(
            valueStart..<(valueStart + RADIUSLimits.messageAuthenticatorLength),
            with: [UInt8](repeating: 0, count: RADIUSLimits.messageAuthenticatorLength)
        )
        let mac = HMAC<Insecure.MD5>.authenticationCode(for: copy, using: SymmetricKey(data: secret.bytes))
        return Array(mac)
    }

    /// Finds the one Message-Authenticator in an encoded packet whose header has been checked,
    /// walking the attribute list with every length checked.
    ///
    /// - Returns: the byte offset of the attribute's Type octet, or `nil` if there is none.
    /// - Throws: `attributeTooShort`, `attributeOverrun`, `duplicateMessageAuthenticator`,
    ///   or `invalidValueLength` when its value is not 16 bytes.
    static func locate(in packet: [UInt8], length: Int) throws(RADIUSError) -> Int? {
        var found: Int?
        var index = RADIUSLimits.headerLength
        while index < length {
            guard length - index >= RADIUSLimits.attributeHeaderLength else {
                throw RADIUSError(.attributeTooShort, "lone Type octet", position: index)
            }
            let attributeLength = Int(packet[index + 1])
            guard attributeLength >= RADIUSLimits.attributeHeaderLength else {
                throw RADIUSError(.attributeTooShort, "Length \(attributeLength)", position: index)
            }
            guard attributeLength <= length - index else {
                throw RADIUSError(.attributeOverrun, "Length \(attributeLength) with \(length - index) bytes left", position: index)
            }
            if packet[index] == RADIUSAttributeType.messageAuthenticator.rawValue {
                guard found == nil else {
                    throw RADIUSError(.duplicateMessageAuthenticator, "second Message-Authenticator", position: index)
                }
                guard attributeLength == RADIUSLimits.attributeHeaderLength + RADIUSLimits.messageAuthenticatorLength else {
                    throw RADIUSError(.invalidValueLength, "Message-Authenticator has Length \(attributeLength), must be 18", position: index)
                }
                found = index
            }
            index += attributeLength
        }
        return found
    }

    /// Checks the Message-Authenticator of an encoded packet in constant time.
    ///
    /// - Returns: whether one was present.
    /// - Throws: `badMessageAuthenticator` when present and wrong, and the errors of
    ///   ``locate(in:length:)``.
    @discardableResult
    static func verify(_ packet: [UInt8], length: Int, authenticatorField: [UInt8], secret: RADIUSSecret) throws(RADIUSError) -> Bool {
        guard let offset = try locate(in: packet, length: length) else { return false }
        let valueStart = offset + RADIUSLimits.attributeHeaderLength
        let received = packet[valueStart..<(valueStart + RADIUSLimits.messageAuthenticatorLength)]
        let expected = compute(Array(packet[0..<length]), attributeOffset: offset, authenticatorField: authenticatorField, secret: secret)
        guard constantTimeEqual(expected, received) else {
            throw RADIUSError(.badMessageAuthenticator, "HMAC-MD5 does not match", position: offset)
        }
        return true
    }
}
