import CLinuxNet

/// One netlink message (`struct nlmsghdr` plus payload), the unit of every request and reply.
///
/// Wire layout (host byte order): 32-bit length including the 16-byte header, 16-bit type,
/// 16-bit flags, 32-bit sequence number, 32-bit port id, then the payload padded to 4 bytes.
public struct NetlinkMessage: Hashable, Sendable {
    /// Message type: `RTM_NEWQDISC`, `NLMSG_ERROR`, or a netfilter `(subsystem << 8) | command`.
    public var type: UInt16
    /// `NLM_F_*` flags.
    public var flags: UInt16
    /// Sequence number; replies carry the request's.
    public var sequence: UInt32
    /// Sender's port id (0 for the kernel).
    public var portID: UInt32
    /// Family header and attributes.
    public var payload: [UInt8]

    /// The size of `struct nlmsghdr`.
    public static let headerLength = 16

    /// Creates a message.
    public init(type: UInt16, flags: UInt16, sequence: UInt32 = 0, portID: UInt32 = 0, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// Appends the message, padded to 4 bytes, to `buffer`.
    public func serialize(into buffer: inout [UInt8]) {
        buffer.appendHost(UInt32(Self.headerLength + payload.count))
        buffer.appendHost(type)
        buffer.appendHost(flags)
        buffer.appendHost(sequence)
        buffer.appendHost(portID)
        buffer.append(contentsOf: payload)
        buffer.padToFourBytes()
    }

    /// The message as bytes.
    public func serialized() -> [UInt8] {
        var buffer: [UInt8] = []
        serialize(into: &buffer)
        return buffer
    }

    /// Splits a datagram into messages. Every message must fit; a datagram may end in padding.
    public static func parseAll(_ bytes: ArraySlice<UInt8>) throws -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset + headerLength <= bytes.count {
            guard let length = bytes.host(UInt32.self, at: offset), let type = bytes.host(UInt16.self, at: offset + 4),
                  let flags = bytes.host(UInt16.self, at: offset + 6), let sequence = bytes.host(UInt32.self, at: offset + 8),
                  let portID = bytes.host(UInt32.self, at: offset + 12) else { break }
            guard Int(length) >= headerLength,
                  let payload = bytes.bytes(at: offset + headerLength, count: Int(length) - headerLength) else {
                throw NetlinkShapingError(.malformedMessage,
                                          "netlink message of type \(type) claims \(length) bytes at offset \(offset) of \(bytes.count)")
            }
            messages.append(NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: portID, payload: Array(payload)))
            offset += netlinkAligned(Int(length))
        }
        guard offset >= bytes.count else {
            throw NetlinkShapingError(.malformedMessage, "\(bytes.count - offset) trailing bytes after the last netlink message")
        }
        return messages
    }
}

/// Netlink constants that are C macros or anonymous enums, as the types Swift wants.
enum Netlink {
    static let request = UInt16(NLM_F_REQUEST)
    static let acknowledge = UInt16(NLM_F_ACK)
    static let dump = UInt16(NLM_F_DUMP)
    static let create = UInt16(NLM_F_CREATE)
    static let exclusive = UInt16(NLM_F_EXCL)
    static let replace = UInt16(NLM_F_REPLACE)
    static let multipart = UInt16(NLM_F_MULTI)
    static let capped = UInt16(NLM_F_CAPPED)
    static let acknowledgementTLVs = UInt16(NLM_F_ACK_TLVS)

    static let noop = UInt16(NLMSG_NOOP)
    static let error = UInt16(NLMSG_ERROR)
    static let done = UInt16(NLMSG_DONE)
    static let overrun = UInt16(NLMSG_OVERRUN)

    /// `NLMSGERR_ATTR_MSG`: the kernel's extended-ACK text.
    static let extendedAckMessage = UInt16(NLMSGERR_ATTR_MSG.rawValue)
}

/// What the kernel said about one request: the error number and extended-ACK text of an
/// `NLMSG_ERROR`, read from its payload (`struct nlmsgerr` then, with `NLM_F_ACK_TLVS`, attributes).
package struct NetlinkAcknowledgement: Hashable, Sendable {
    /// 0 for success, else the kernel's positive errno.
    let errno: Int32
    /// The kernel's `NLMSGERR_ATTR_MSG` text, when it gave one.
    let message: String?

    package init(_ message: NetlinkMessage) throws {
        let payload = message.payload[...]
        guard let code = payload.host(Int32.self, at: 0) else {
            throw NetlinkShapingError(.malformedMessage, "NLMSG_ERROR without an error code (\(payload.count) bytes)")
        }
        // The kernel sends 0 or a negative errno; anything else is not an acknowledgement (and
        // Int32.min has no negation).
        guard code <= 0, code != .min else {
            throw NetlinkShapingError(.malformedMessage, "NLMSG_ERROR with error code \(code), which is no negative errno")
        }
        errno = -code
        var text: String?
        if message.flags & Netlink.acknowledgementTLVs != 0 {
            // nlmsgerr = error (4) + the original header (16) + its payload unless NLM_F_CAPPED.
            let originalLength = payload.host(UInt32.self, at: 4).map(Int.init) ?? NetlinkMessage.headerLength
            let echoed = message.flags & Netlink.capped != 0 ? NetlinkMessage.headerLength : netlinkAligned(originalLength)
            if let tlvs = payload.bytes(at: 4 + echoed, count: payload.count - 4 - echoed),
               let attributes = try? NetlinkAttribute.parse(tlvs),
               let attribute = attributes.first(Netlink.extendedAckMessage) {
                text = attribute.string
            }
        }
        self.message = text
    }
}
