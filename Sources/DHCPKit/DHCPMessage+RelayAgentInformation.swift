// RFC 3046 rules for relay agents, as primitives on DHCPMessage. Policy (trust, forward or
// drop) belongs to the relay engines; these functions only enforce the wire rules.

extension DHCPMessage {
    /// Whether the message carries option 82 in any field.
    public var hasRelayAgentInformation: Bool {
        hasOption(.relayAgentInformation)
    }

    /// Parses option 82, or returns `nil` when the message has none.
    public func relayAgentInformation() throws(DHCPKitError) -> RelayAgentInformation? {
        guard let data = optionData(.relayAgentInformation) else { return nil }
        return try RelayAgentInformation(parsing: data)
    }

    /// Adds option 82 as the last option before End (RFC 3046 §2.1), in the `options` field
    /// only: a relay never uses `sname`/`file` for it nor adds option 52 (RFC 3046 §2.1).
    ///
    /// - Throws `relayAgentInformationPresent` when the message already has option 82: a relay
    ///   must not add a second one (RFC 3046 §2.1); the caller's policy decides to forward,
    ///   replace (``replaceRelayAgentInformation(_:maximumLength:)``) or drop.
    /// - Throws `messageTooLong` when the result would exceed `maximumLength` or the client's
    ///   option 57, whichever is larger (RFC 3046 §2.1: forward without the option instead).
    /// - Zero padding after End is consumed first so a padded 300-byte request does not grow.
    /// - Values over 255 bytes are split into several option 82 instances (RFC 3396).
    public mutating func insertRelayAgentInformation(
        _ information: RelayAgentInformation, maximumLength: Int = 576
    ) throws(DHCPKitError) {
        guard !hasRelayAgentInformation else {
            throw DHCPKitError(
                .relayAgentInformationPresent, field: "options: \(DHCPOptionCode.relayAgentInformation)",
                message: "the message already carries option 82; a relay must not add a second"
                    + " one (RFC 3046 §2.1)")
        }
        let instances = DHCPOption.split(code: .relayAgentInformation, data: try information.encoded())
        let added = instances.reduce(0) { $0 + $1.encodedLength }
        let limit = max(maximumLength, Int(maximumMessageSize ?? 0))
        let consumed = min(trailingPadding, added)
        let newLength = encodedLength + added - consumed
        guard newLength <= limit else {
            throw DHCPKitError(
                .messageTooLong, field: "options: \(DHCPOptionCode.relayAgentInformation)",
                message: "adding option 82 would make the message \(newLength) bytes, over the"
                    + " \(limit)-byte limit; forward it without option 82 (RFC 3046 §2.1)")
        }
        options.append(contentsOf: instances)
        trailingPadding -= consumed
    }

    /// Removes any option 82 and inserts `information` as the last option; for the
    /// "replace" trust policy.
    public mutating func replaceRelayAgentInformation(
        _ information: RelayAgentInformation, maximumLength: Int = 576
    ) throws(DHCPKitError) {
        var copy = self
        _ = copy.stripRelayAgentInformation()
        try copy.insertRelayAgentInformation(information, maximumLength: maximumLength)
        self = copy
    }

    /// Removes option 82 before a reply is forwarded to the client (RFC 3046 §2.1: the agent
    /// that added the option removes it), and returns its value (`nil` when there was none).
    ///
    /// A message that was at least 300 bytes stays at least 300 bytes (RFC 1542 §2.1).
    @discardableResult
    public mutating func stripRelayAgentInformation() -> [UInt8]? {
        guard let data = optionData(.relayAgentInformation) else { return nil }
        let wasPadded = encodedLength >= DHCPMessage.minimumBOOTPLength
        removeOption(.relayAgentInformation)
        if wasPadded {
            padToMinimumBOOTPLength()
        }
        return data
    }
}
