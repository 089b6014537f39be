/// The requests a NAS and a dynamic-authorization client send, built on
/// ``RADIUSClient/send(_:userPassword:)``.
extension RADIUSClient {
    /// Sends an Access-Request with User-Name, a User-Password hidden per server and
    /// `attributes`; returns the verified Access-Accept, Access-Reject or Access-Challenge.
    ///
    /// - Throws: the errors of ``send(_:userPassword:)``, `passwordTooLong`.
    public func authenticate(
        userName: String,
        password: String,
        attributes: [RADIUSAttribute] = []
    ) async throws(RADIUSError) -> RADIUSPacket {
        let request = RADIUSPacket(
            code: .accessRequest, identifier: 0, authenticator: RADIUSAuthenticator.random(),
            attributes: [.string(.userName, userName)] + attributes)
        return try await send(request, userPassword: Array(password.utf8))
    }

    /// Sends the Accounting-Request of `record` and returns the Accounting-Response.
    ///
    /// - Throws: the errors of ``send(_:userPassword:)``.
    public func account(_ record: RADIUSAccountingRecord) async throws(RADIUSError) -> RADIUSPacket {
        try await send(record.packet)
    }

    /// Sends a Disconnect-Request (RFC 5176 §2.1) identifying the session by `attributes`
    /// (Acct-Session-Id, User-Name, Framed-IP-Address, …); returns the Disconnect-ACK or
    /// Disconnect-NAK (with Error-Cause, see ``RADIUSErrorCause``).
    ///
    /// - Throws: the errors of ``send(_:userPassword:)``.
    public func disconnect(_ attributes: [RADIUSAttribute]) async throws(RADIUSError) -> RADIUSPacket {
        try await send(RADIUSPacket(code: .disconnectRequest, identifier: 0, attributes: attributes))
    }

    /// Sends a CoA-Request (RFC 5176 §2.2) with session identification and the new
    /// authorization in `attributes`; returns the CoA-ACK or CoA-NAK.
    ///
    /// - Throws: the errors of ``send(_:userPassword:)``.
    public func changeAuthorization(_ attributes: [RADIUSAttribute]) async throws(RADIUSError) -> RADIUSPacket {
        try await send(RADIUSPacket(code: .coaRequest, identifier: 0, attributes: attributes))
    }

    /// Sends a Status-Server (RFC 5997) and returns the server's answer.
    ///
    /// - Throws: the errors of ``send(_:userPassword:)``.
    public func statusServer() async throws(RADIUSError) -> RADIUSPacket {
        try await send(RADIUSPacket(code: .statusServer, identifier: 0, authenticator: RADIUSAuthenticator.random()))
    }
}
