import Glibc

/// One request to send on a `NetlinkSocket`: a message without its sequence number, plus a short
/// description used in errors ("add HTB class 1:10 on eth1").
public struct NetlinkRequest: Hashable, Sendable {
    /// Message type, e.g. `RTM_NEWTCLASS`.
    public var type: UInt16
    /// `NLM_F_*` flags other than `NLM_F_REQUEST` and `NLM_F_ACK`, which the socket sets.
    public var flags: UInt16
    /// Family header and attributes.
    public var payload: [UInt8]
    /// What this request does, in words, for error messages.
    public var summary: String

    /// Creates a request.
    public init(type: UInt16, flags: UInt16 = 0, payload: [UInt8], summary: String) {
        self.type = type
        self.flags = flags
        self.payload = payload
        self.summary = summary
    }

    /// Whether this is a dump (`NLM_F_DUMP`), answered by several messages and `NLMSG_DONE`.
    public var isDump: Bool { flags & Netlink.dump == Netlink.dump }
}

extension NetlinkShapingError {
    /// Maps a kernel refusal to a typed error: the errno picks the code, the extended-ACK text
    /// (when the kernel sent one) is quoted, and `summary` says which request it was.
    static func kernel(errno: Int32, extendedAck: String?, summary: String) -> NetlinkShapingError {
        let code: Code
        switch errno {
        case ENODEV: code = .interfaceNotFound
        case EEXIST: code = .objectExists
        case ENOENT: code = .objectNotFound
        default: code = .kernelRejected
        }
        var message = "\(summary): \(String(cString: strerror(errno))) (errno \(errno))"
        if let extendedAck, !extendedAck.isEmpty { message += ": \(extendedAck)" }
        return NetlinkShapingError(code, message, errno: errno)
    }

    /// A failed system call, with errno read by the caller right after it.
    static func systemCall(_ what: String, errno: Int32) -> NetlinkShapingError {
        NetlinkShapingError(.netlinkSocketFailed, "\(what): \(String(cString: strerror(errno))) (errno \(errno))", errno: errno)
    }
}
