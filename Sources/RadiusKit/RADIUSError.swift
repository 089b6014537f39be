/// The one error type of RadiusKit.
///
/// `code` is stable and meant for metrics, logs and tests; `context` names the offending
/// field or bytes; ``description`` says what was wrong and what to do about it. Shared secrets
/// and cleartext passwords never appear in any of these.
public struct RADIUSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifier of each kind of failure.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// Fewer than 20 bytes: no complete header (RFC 2865 §3).
        case packetTooShort
        /// More than 4096 bytes, on the wire or in the Length field (RFC 2865 §3).
        case packetTooLarge
        /// The Length field disagrees with the number of bytes received (RFC 2865 §3).
        case lengthMismatch
        /// An attribute whose Length octet is below 2, or a lone Type octet (RFC 2865 §5).
        case attributeTooShort
        /// An attribute that runs past the end of the packet (RFC 2865 §5).
        case attributeOverrun
        /// A value longer than 253 bytes given to one attribute (RFC 2865 §5).
        case attributeValueTooLong
        /// A typed value with the wrong number of bytes, such as an integer that is not 4 bytes.
        case invalidValueLength
        /// A value whose content is not legal for its data type (RFC 8044).
        case invalidValue
        /// A malformed Vendor-Specific attribute (RFC 2865 §5.26).
        case invalidVendorSpecific
        /// An authenticator that is not 16 bytes long (RFC 2865 §3).
        case invalidAuthenticatorLength
        /// A cleartext User-Password over 128 bytes (RFC 2865 §5.2).
        case passwordTooLong
        /// A hidden User-Password or Tunnel-Password whose length is not a multiple of 16.
        case invalidHiddenPassword
        /// A shared secret of zero bytes (RFC 2865 §3 requires one).
        case emptySecret
        /// The Request Authenticator of an Accounting, CoA or Disconnect request is wrong
        /// (RFC 2866 §3, RFC 5176 §2.3).
        case badRequestAuthenticator
        /// The Response Authenticator of a reply is wrong (RFC 2865 §3).
        case badResponseAuthenticator
        /// The Message-Authenticator HMAC is wrong (RFC 3579 §3.2).
        case badMessageAuthenticator
        /// A packet lacks the Message-Authenticator we require (RFC 3579 §3.2, RFC 5997 §3).
        case missingMessageAuthenticator
        /// A packet carries more than one Message-Authenticator (RFC 3579 §3.2).
        case duplicateMessageAuthenticator
        /// A reply's Identifier does not match the request's (RFC 2865 §3).
        case identifierMismatch
        /// A reply's Code is not a possible answer to the request's Code.
        case unexpectedResponseCode
        /// All 256 identifiers towards one server are in use (RFC 2865 §3).
        case identifiersExhausted
        /// No server answered a request within its attempts (RFC 5080 §2.2.1).
        case requestTimedOut
        /// A name that the dictionary does not define.
        case unknownName
        /// An address, `host:port` or CIDR range that cannot be parsed, or no server given.
        case invalidAddress
        /// A socket, poll or thread call failed; the context names the call and errno.
        case systemCallFailed
        /// A datagram from an address that is not a configured server or allowed client
        /// (RFC 5176 §5.1: requests from unknown sources are silently discarded).
        case unknownSource
        /// A CoA or Disconnect-Request whose Event-Timestamp is outside the allowed window,
        /// or that lacks one when it is required (RFC 5176 §3.5).
        case staleEventTimestamp
        /// A request sent to, or outstanding in, a client that was shut down.
        case clientShutDown
        /// The task waiting for the reply was cancelled.
        case cancelled
        /// A FreeRADIUS dictionary line that cannot be understood.
        case dictionarySyntax
        /// A dictionary file that cannot be read, or an `$INCLUDE` loop.
        case dictionaryFileUnreadable
    }

    /// Which failure this is.
    public var code: Code
    /// The offending field, bytes (hex) or name; never a secret.
    public var context: String
    /// Byte offset into the packet or line number in a file, when one applies.
    public var position: Int?
    /// Source file that raised the error.
    public var file: String
    /// Source line that raised the error.
    public var line: Int

    /// Creates an error; `file` and `line` default to the caller's location.
    public init(
        _ code: Code,
        _ context: String,
        position: Int? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.context = context
        self.position = position
        self.file = file
        self.line = line
    }

    /// Human-readable explanation with a hint at the remedy.
    public var description: String {
        var text = "RADIUSError.\(code.rawValue): \(context)"
        if let position { text += " (at \(position))" }
        return text + ". " + code.advice
    }
}

extension RADIUSError.Code {
    /// What the operator or caller should do about this kind of failure.
    public var advice: String {
        switch self {
        case .packetTooShort, .packetTooLarge, .lengthMismatch, .attributeTooShort, .attributeOverrun,
            .invalidVendorSpecific:
            return "The datagram is malformed; drop it and count it. If it keeps happening, capture it and check the peer."
        case .attributeValueTooLong:
            return "Split the value with RADIUSAttribute.split(type:value:) or shorten it."
        case .invalidValueLength, .invalidValue:
            return "Check that the attribute is read with the data type its dictionary gives it."
        case .invalidAuthenticatorLength:
            return "Pass exactly 16 bytes; use RADIUSAuthenticator.random() for a new Access-Request."
        case .passwordTooLong:
            return "Use a password of at most 128 bytes."
        case .invalidHiddenPassword:
            return "The peer sent a hidden password that is not in 16-byte blocks; drop the packet."
        case .emptySecret:
            return "Configure a non-empty shared secret (RFC 2865 recommends at least 16 bytes)."
        case .badRequestAuthenticator, .badResponseAuthenticator, .badMessageAuthenticator:
            return "Check that both ends use the same shared secret; drop the packet."
        case .missingMessageAuthenticator:
            return "Enable Message-Authenticator on the peer (FreeRADIUS: require_message_authenticator = yes)."
        case .duplicateMessageAuthenticator:
            return "The packet is malformed; drop it."
        case .identifierMismatch, .unexpectedResponseCode:
            return "The reply does not belong to this request; drop it."
        case .identifiersExhausted:
            return "Wait for replies or timeouts before sending more, or add a source port or server."
        case .requestTimedOut:
            return "Check that the RADIUS servers are reachable and know this client and secret."
        case .invalidAddress:
            return "Write servers as a.b.c.d:port or [v6]:port and ranges as address/length."
        case .systemCallFailed:
            return "Check that the address is local to this namespace and the port is free."
        case .unknownSource:
            return "Add the peer's address to the configured servers or the allowed client ranges."
        case .staleEventTimestamp:
            return "Synchronise the clocks of both ends (NTP) or widen the Event-Timestamp window."
        case .clientShutDown:
            return "Create a new client; a shut-down client sends nothing."
        case .cancelled:
            return "The caller gave up; nothing to do."
        case .unknownName:
            return "Load a dictionary that defines the name, or check its spelling."
        case .dictionarySyntax:
            return "Fix the line in the dictionary file."
        case .dictionaryFileUnreadable:
            return "Check the path and permissions, and that $INCLUDE does not loop."
        }
    }
}
