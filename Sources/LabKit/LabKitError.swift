import Glibc

/// The one error type of the `LabKit` module.
///
/// `code` is stable; `message` says what failed, with the command's or daemon's own output where
/// that explains it, and what to look at next (usually a log file inside the state folder).
public struct LabKitError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An executable was not found on `PATH` (a Debian package is missing: run `make deps`).
        public static let executableNotFound = Code(rawValue: "executableNotFound")
        /// `posix_spawn` or another system call failed; `message` carries errno's text.
        public static let systemCallFailed = Code(rawValue: "systemCallFailed")
        /// A command exited with a non-zero status; `message` carries its standard error.
        public static let commandFailed = Code(rawValue: "commandFailed")
        /// A readiness check did not pass before its deadline.
        public static let timedOut = Code(rawValue: "timedOut")
        /// A daemon exited while we waited for it to become ready.
        public static let daemonExited = Code(rawValue: "daemonExited")
        /// A configuration value is unusable; `message` names the key (and file, when there is one).
        public static let invalidConfiguration = Code(rawValue: "invalidConfiguration")
        /// A file in the state folder is missing or unreadable.
        public static let stateUnreadable = Code(rawValue: "stateUnreadable")
        /// A control-channel request (Kea control agent) failed or was refused.
        public static let controlRequestFailed = Code(rawValue: "controlRequestFailed")
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

    /// A `systemCallFailed` error that reads errno now, before anything can change it.
    static func errno(_ call: String, file: String = #fileID, line: Int = #line) -> LabKitError {
        let number = Glibc.errno
        return LabKitError(.systemCallFailed, "\(call): \(String(cString: strerror(number))) (errno \(number))",
                           file: file, line: line)
    }
}
