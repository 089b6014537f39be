/// An opaque identifier carried in an option 82 sub-option: circuit-id, remote-id,
/// subscriber-id or relay-id.
///
/// The bytes are authoritative. It prints as text when every byte is printable ASCII
/// (`"eth0/1/3"`) and as `0x`-prefixed hex otherwise (`"0x00010203"`), and `Codable` uses the
/// same form, so configuration files can say either `"an-01"` or `"0x616e2d3031"`.
public struct RelayAgentIdentifier: Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The identifier bytes as on the wire.
    public var bytes: [UInt8]

    /// Creates an identifier from raw bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Creates an identifier from text, stored as its UTF-8 bytes.
    public init(text: String) {
        bytes = Array(text.utf8)
    }

    /// Creates an identifier from a string literal, stored as its UTF-8 bytes.
    public init(stringLiteral value: String) {
        self.init(text: value)
    }

    /// Parses the printed form: `0x`-prefixed hex, or else the text's UTF-8 bytes.
    public init(parsing text: String) throws(DHCPKitError) {
        if text.hasPrefix("0x") {
            bytes = try parseHex(text, field: "identifier")
        } else {
            bytes = Array(text.utf8)
        }
    }

    /// Whether every byte is printable ASCII (0x20–0x7E) and the text cannot be mistaken
    /// for the hex form.
    public var isPrintableText: Bool {
        !bytes.isEmpty && bytes.allSatisfy { (0x20...0x7e).contains($0) }
            && !(bytes.count >= 2 && bytes[0] == 0x30 && bytes[1] == 0x78)
    }

    /// The identifier as text when ``isPrintableText``, else `nil`.
    public var text: String? {
        isPrintableText ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// Text when printable, else `0x` and lower-case hex (`"0x"` alone when empty).
    public var description: String {
        text ?? "0x" + bytes.hexString
    }

    /// Decodes from the printed form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try RelayAgentIdentifier(parsing: container.decode(String.self))
        } catch let error as DHCPKitError {
            // As a DecodingError the failure keeps its coding path, so config errors can name the key.
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes as the printed form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
