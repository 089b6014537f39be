/// Encoding with the shared secret: authenticators and Message-Authenticator filled in.
extension RADIUSPacket {
    /// Encodes a request we send, computing what the secret protects.
    ///
    /// - Access-Request, Status-Server and other codes keep ``authenticator`` as set (use
    ///   ``RADIUSAuthenticator/random()``; a User-Password must have been hidden with it).
    /// - Accounting-Request, CoA-Request and Disconnect-Request get the computed Request
    ///   Authenticator (RFC 2866 §3, RFC 5176 §2.3).
    ///
    /// With `addingMessageAuthenticator` (the default, SPEC §8) a Message-Authenticator is
    /// inserted as the first attribute if absent, as the Blast-RADIUS (CVE-2024-3596)
    /// mitigations recommend, and computed (RFC 3579 §3.2, RFC 5176 §3.3).
    ///
    /// - Throws: the errors of ``encoded()``, and `duplicateMessageAuthenticator`.
    public func encodedRequest(secret: RADIUSSecret, addingMessageAuthenticator: Bool = true) throws(RADIUSError) -> [UInt8] {
        var packet = self
        if code.hasComputedRequestAuthenticator {
            packet.authenticator = [UInt8](repeating: 0, count: RADIUSLimits.authenticatorLength)
        }
        var bytes = try packet.encodedWithMessageAuthenticator(adding: addingMessageAuthenticator, secret: secret)
        if code.hasComputedRequestAuthenticator {
            let authenticator = try RADIUSAuthenticator.accountingRequest(for: bytes, secret: secret)
            bytes.replaceSubrange(4..<RADIUSLimits.headerLength, with: authenticator)
        }
        return bytes
    }

    /// Encodes a reply we send to the request whose authenticator is `requestAuthenticator`:
    /// Message-Authenticator first (see ``encodedRequest(secret:addingMessageAuthenticator:)``),
    /// then the Response Authenticator (RFC 2865 §3, RFC 3579 §3.2). ``authenticator`` is
    /// ignored.
    ///
    /// - Throws: the errors of ``encoded()``, `invalidAuthenticatorLength`,
    ///   `duplicateMessageAuthenticator`.
    ///
    /// With `zeroedMessageAuthenticatorField`, the Message-Authenticator of an
    /// Accounting-Response, CoA-ACK/NAK or Disconnect-ACK/NAK is computed over a zeroed
    /// Authenticator field, as FreeRADIUS 3 (server and `radclient`) does, instead of over the
    /// Request Authenticator (RFC 5176 §3.3). Access-* replies always use the latter.
    public func encodedResponse(
        toRequestAuthenticator requestAuthenticator: [UInt8],
        secret: RADIUSSecret,
        addingMessageAuthenticator: Bool = true,
        zeroedMessageAuthenticatorField: Bool = false
    ) throws(RADIUSError) -> [UInt8] {
        guard requestAuthenticator.count == RADIUSLimits.authenticatorLength else {
            throw RADIUSError(.invalidAuthenticatorLength, "request authenticator is \(requestAuthenticator.count) bytes")
        }
        var packet = self
        let zeroed = zeroedMessageAuthenticatorField && code.hasZeroedMessageAuthenticatorFieldInFreeRADIUS
        packet.authenticator = zeroed ? [UInt8](repeating: 0, count: RADIUSLimits.authenticatorLength) : requestAuthenticator
        var bytes = try packet.encodedWithMessageAuthenticator(adding: addingMessageAuthenticator, secret: secret)
        bytes.replaceSubrange(4..<RADIUSLimits.headerLength, with: requestAuthenticator)
        let authenticator = try RADIUSAuthenticator.response(for: bytes, requestAuthenticator: requestAuthenticator, secret: secret)
        bytes.replaceSubrange(4..<RADIUSLimits.headerLength, with: authenticator)
        return bytes
    }

    /// Encodes with the current Authenticator field and fills in any Message-Authenticator.
    private func encodedWithMessageAuthenticator(adding: Bool, secret: RADIUSSecret) throws(RADIUSError) -> [UInt8] {
        var packet = self
        let placeholder = RADIUSAttribute(
            type: .messageAuthenticator,
            value: [UInt8](repeating: 0, count: RADIUSLimits.messageAuthenticatorLength)
        )
        let count = attributes.count { $0.type == .messageAuthenticator }
        guard count <= 1 else {
            throw RADIUSError(.duplicateMessageAuthenticator, "\(count) Message-Authenticator attributes")
        }
        if let index = packet.attributes.firstIndex(where: { $0.type == .messageAuthenticator }) {
            packet.attributes[index] = placeholder
        } else if adding {
            packet.attributes.insert(placeholder, at: 0)
        }
        var bytes = try packet.encoded()
        if let offset = try RADIUSMessageAuthenticator.locate(in: bytes, length: bytes.count) {
            let mac = RADIUSMessageAuthenticator.compute(
                bytes,
                attributeOffset: offset,
                authenticatorField: packet.authenticator,
                secret: secret
            )
            let valueStart = offset + RADIUSLimits.attributeHeaderLength
            bytes.replaceSubrange(valueStart..<(valueStart + RADIUSLimits.messageAuthenticatorLength), with: mac)
        }
        return bytes
    }
}

extension RADIUSCode {
    /// Replies whose Message-Authenticator FreeRADIUS 3 computes over a zeroed Authenticator
    /// field rather than the Request Authenticator: Accounting-Response and the CoA and
    /// Disconnect ACK/NAKs.
    var hasZeroedMessageAuthenticatorFieldInFreeRADIUS: Bool {
        self == .accountingResponse || self == .coaACK || self == .coaNAK || self == .disconnectACK || self == .disconnectNAK
    }
}
