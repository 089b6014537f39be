/// The one error type of `NetworkTypes`: text that is not an address, a network or hex.
///
/// Same shape as every Aether module's error: a stable ``Code`` (a metric label, safe to match
/// on), the offending input, a message that says what was wrong, and where it was thrown.
public struct NetworkTypesError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable identifiers of every failure.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        /// Not a dotted-quad IPv4 address (`192.0.2.1`).
        case invalidIPv4Address
        /// Not an IPv4 network in CIDR form (`192.0.2.0/24`), or host bits set.
        case invalidIPv4Network
        /// Not a MAC address (`aa:bb:cc:dd:ee:ff`).
        case invalidMACAddress
        /// Not an even number of hex digits.
        case invalidHexString
    }

    /// The stable failure identifier.
    public var code: Code
    /// The text that did not parse.
    public var input: String
    /// What was wrong, for people; not stable.
    public var message: String
    /// Source file that threw (excluded from equality).
    public var file: String
    /// Source line that threw (excluded from equality).
    public var line: Int

    /// Creates an error; `file` and `line` default to the caller's location.
    public init(_ code: Code, input: String, message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.input = input
        self.message = message
        self.file = file
        self.line = line
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// Errors compare by code, input and message; the throwing location is ignored.
    public static func == (lhs: NetworkTypesError, rhs: NetworkTypesError) -> Bool {
        lhs.code == rhs.code && lhs.input == rhs.input && lhs.message == rhs.message
    }

    /// Hashes what ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(input)
        hasher.combine(message)
    }
}
