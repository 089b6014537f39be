/// The one error type of the `NetlinkShaping` module.
///
/// `code` is stable; `message` carries the kernel's or libnftables' own words where there are any.
public struct NetlinkShapingError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// libnftables could not create a context (out of memory, no netlink).
        public static let nftablesUnavailable = Code(rawValue: "nftablesUnavailable")
        /// libnftables rejected or failed a command; `message` holds its error buffer.
        public static let nftablesCommandFailed = Code(rawValue: "nftablesCommandFailed")
    }

    public let code: Code
    public let message: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "\(code): \(message)" }
}
