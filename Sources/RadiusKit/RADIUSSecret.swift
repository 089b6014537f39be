/// A RADIUS shared secret (RFC 2865 §3).
///
/// Its bytes are reachable only inside RadiusKit; `description`, `debugDescription`, `dump`
/// and string interpolation all print `<redacted>`, so a secret cannot leak through logs or
/// error messages by accident. Deliberately not `Codable`.
public struct RADIUSSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    /// Wraps secret bytes.
    ///
    /// - Throws: `emptySecret` for zero bytes; RFC 2865 §3 forbids an empty secret.
    public init(bytes: [UInt8]) throws(RADIUSError) {
        guard !bytes.isEmpty else {
            throw RADIUSError(.emptySecret, "shared secret has 0 bytes")
        }
        self.bytes = bytes
    }

    /// Wraps the UTF-8 bytes of `text`, as FreeRADIUS's `clients.conf` `secret =` does.
    ///
    /// - Throws: `emptySecret` for an empty string.
    public init(_ text: String) throws(RADIUSError) {
        try self.init(bytes: Array(text.utf8))
    }

    /// Number of bytes, for configuration warnings about short secrets (RFC 2865 §3 asks for
    /// at least 16).
    public var count: Int { bytes.count }

    /// Always `RADIUSSecret(<redacted>)`.
    public var description: String { "RADIUSSecret(<redacted>)" }

    /// Always `RADIUSSecret(<redacted>)`.
    public var debugDescription: String { description }

    /// A mirror with no children, so `dump` and reflection show nothing.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
