/// One sub-option of option 82 exactly as on the wire: code and value bytes.
public struct RelayAgentSubOption: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Longest value one sub-option can carry (one length byte, RFC 3046 §2.0).
    public static let maximumDataLength = 255

    /// The sub-option code.
    public var code: RelayAgentSubOptionCode
    /// The value bytes; RFC 3046 §2.0 allows an empty value.
    public var data: [UInt8]

    /// Creates a sub-option.
    public init(code: RelayAgentSubOptionCode, data: [UInt8]) {
        self.code = code
        self.data = data
    }

    /// `code=value` with the value shown as an identifier (text when printable, else hex).
    public var description: String {
        "\(code)=\(RelayAgentIdentifier(bytes: data))"
    }
}
