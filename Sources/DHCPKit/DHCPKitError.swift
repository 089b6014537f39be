import NetworkTypes

/// The one error type thrown by `DHCPKit`.
///
/// Every failure carries a stable ``Code`` (safe to match on, log and count in metrics),
/// the field that was wrong, the byte offset where it was found when the input was bytes,
/// a human-readable message that says what was wrong, and the source location that threw.
public struct DHCPKitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers for every failure `DHCPKit` reports.
    ///
    /// The raw values never change once published, so they can be used as metric labels.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// Fewer bytes than the fixed BOOTP header plus magic cookie (RFC 2131 §2, 240 bytes).
        case truncatedHeader
        /// The message is longer than ``DHCPMessage/maximumEncodedLength``.
        case messageTooLong
        /// The four bytes after the fixed header are not 99.130.83.99 (RFC 2131 §3).
        case badMagicCookie
        /// `hlen` is larger than the 16-byte `chaddr` field (RFC 2131 §2).
        case badHardwareAddressLength
        /// An option's length byte runs past the end of its field (RFC 2131 §4.1: options are
        /// entirely contained in their field), or a code byte has no length byte.
        case optionOverrun
        /// An options field has no End option (RFC 2131 §4.1).
        case missingEndOption
        /// Non-pad bytes follow the End option.
        case trailingGarbage
        /// More options than ``DHCPMessage/maximumOptionCount``.
        case tooManyOptions
        /// A known option has a length RFC 2132 does not allow (e.g. lease time not 4 bytes).
        case invalidOptionLength
        /// A known option has a value RFC 2132 does not allow (e.g. overload 4, max size < 576).
        case invalidOptionValue
        /// Option 82 is shorter than one sub-option header (RFC 3046 §2.0: minimum length 2).
        case emptyRelayAgentInformation
        /// A relay-agent sub-option runs past the end of option 82 (RFC 3046 §2.0).
        case subOptionOverrun
        /// A sub-option value is longer than its one-byte length field can carry (255).
        case subOptionTooLong
        /// A known sub-option has a length its RFC does not allow (e.g. link-selection not 4).
        case invalidSubOptionLength
        /// The message already carries option 82 and a relay must not add a second one
        /// (RFC 3046 §2.1).
        case relayAgentInformationPresent
        /// A dotted-quad IPv4 address string could not be parsed.
        case invalidIPv4Address
        /// A hex string (for identifiers) could not be parsed.
        case invalidHexString
        /// An Ethernet frame is shorter than its header (14 bytes, 18 with an 802.1Q tag).
        case truncatedEthernetFrame
        /// The frame carries something other than IPv4 (EtherType 0x0800).
        case unsupportedEtherType
        /// Fewer than 20 bytes where an IPv4 header should be (RFC 791 §3.1).
        case truncatedIPv4Header
        /// The IPv4 version nibble is not 4.
        case badIPv4Version
        /// IHL below 5 or past the end of the packet (RFC 791 §3.1).
        case badIPv4HeaderLength
        /// Total length shorter than the header or longer than the bytes received.
        case badIPv4TotalLength
        /// The IPv4 header checksum does not verify (RFC 791 §3.1, RFC 1071).
        case badIPv4Checksum
        /// The packet is a fragment; DHCP over raw frames is never fragmented here.
        case fragmentedIPv4Packet
        /// The IPv4 payload is not UDP (protocol 17).
        case unsupportedIPProtocol
        /// Fewer than 8 bytes where a UDP header should be (RFC 768).
        case truncatedUDPHeader
        /// The UDP length field is below 8 or disagrees with the IPv4 payload length.
        case badUDPLength
        /// A non-zero UDP checksum does not verify over the pseudo-header (RFC 768).
        case badUDPChecksum
        /// A payload is too large to fit in the IPv4/UDP length fields (65,535 bytes).
        case payloadTooLong
        /// No network interface has the given name in this network namespace.
        case interfaceNotFound
        /// A socket system call failed; the message carries the call and errno's text.
        case socketFailed
        /// A configuration file or value is unusable; `field` names the key, the message the file.
        case invalidConfiguration
    }

    /// The stable failure identifier.
    public var code: Code
    /// The wire field or input that was wrong, e.g. `"option 51"` or `"ipv4.checksum"`.
    public var field: String
    /// Byte offset from the start of the parsed input where the problem was found, if any.
    public var offset: Int?
    /// What was wrong, for people; not stable.
    public var message: String
    /// Source file that threw (for debugging; excluded from equality).
    public var file: String
    /// Source line that threw (for debugging; excluded from equality).
    public var line: Int

    /// Creates an error. `file` and `line` default to the caller's location.
    public init(
        _ code: Code,
        field: String,
        offset: Int? = nil,
        message: String,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.field = field
        self.offset = offset
        self.message = message
        self.file = file
        self.line = line
    }

    /// `code: message (field, offset)`.
    public var description: String {
        var text = "\(code.rawValue): \(message) (field \(field)"
        if let offset {
            text += ", offset \(offset)"
        }
        return text + ")"
    }

    /// Errors compare by code, field, offset and message; the throwing location is ignored.
    public static func == (lhs: DHCPKitError, rhs: DHCPKitError) -> Bool {
        lhs.code == rhs.code && lhs.field == rhs.field && lhs.offset == rhs.offset
            && lhs.message == rhs.message
    }

    /// Hashes the same fields that ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(field)
        hasher.combine(offset)
        hasher.combine(message)
    }
}
