/// The one error type of the `NetlinkShaping` module.
///
/// `code` is stable; `message` carries the kernel's or libnftables' own words where there are any,
/// and `errno` the kernel's error number when the kernel refused a netlink request.
public struct NetlinkShapingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `"classLimitReached"`.
        public let rawValue: String
        /// Wraps a code name (unknown names are kept as they are).
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's name.
        public var description: String { rawValue }

        /// libnftables could not create a context (out of memory, no netlink).
        public static let nftablesUnavailable = Code(rawValue: "nftablesUnavailable")
        /// libnftables rejected or failed a command; `message` holds its error buffer.
        public static let nftablesCommandFailed = Code(rawValue: "nftablesCommandFailed")
        /// A netlink socket could not be opened, configured, written or read (`errno` says why).
        public static let netlinkSocketFailed = Code(rawValue: "netlinkSocketFailed")
        /// The kernel sent bytes that are not a well-formed netlink message or attribute.
        public static let malformedMessage = Code(rawValue: "malformedMessage")
        /// The kernel refused a request for a reason without a more specific code.
        public static let kernelRejected = Code(rawValue: "kernelRejected")
        /// The named or numbered network interface does not exist (ENODEV or no such name).
        public static let interfaceNotFound = Code(rawValue: "interfaceNotFound")
        /// The object to create already exists (EEXIST), e.g. a duplicate HTB class id.
        public static let objectExists = Code(rawValue: "objectExists")
        /// The object to change or delete does not exist (ENOENT).
        public static let objectNotFound = Code(rawValue: "objectNotFound")
        /// Every class id of a qdisc is in use (the kernel allows 65,535 minors per qdisc).
        public static let classLimitReached = Code(rawValue: "classLimitReached")
        /// A caller-supplied value is out of range (zero rate, bad name, bad address).
        public static let invalidArgument = Code(rawValue: "invalidArgument")
        /// The subscriber address is already shaped or counted; change it instead.
        public static let subscriberExists = Code(rawValue: "subscriberExists")
        /// The subscriber address is not shaped or counted by this instance.
        public static let subscriberNotFound = Code(rawValue: "subscriberNotFound")
        /// Kernel objects at our handles do not have the shape we create, so they are not re-adopted.
        public static let adoptionConflict = Code(rawValue: "adoptionConflict")
    }

    /// What went wrong, stable across releases.
    public let code: Code
    /// Human-readable detail: what was attempted, and the kernel's or libnftables' words.
    public let message: String
    /// The kernel's positive errno when the kernel refused a request, else nil.
    public let errno: Int32?
    /// Source location that raised the error.
    public let file: String
    /// Source line that raised the error.
    public let line: Int

    /// Creates an error; `errno` is the kernel's positive error number when there is one.
    public init(_ code: Code, _ message: String, errno: Int32? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.errno = errno
        self.file = file
        self.line = line
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
