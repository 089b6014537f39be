import NetworkTypes

/// A DHCPv4 message (RFC 2131 §2): the fixed BOOTP header, the magic cookie and the options.
///
/// Options are kept exactly as they were on the wire, in order, including unknown codes,
/// Pad bytes and zero padding after End, so `try DHCPMessage(parsing: bytes).encoded() == bytes`
/// for every message the parser accepts. Typed accessors (``messageType``, ``leaseTime``, …)
/// read the RFC 3396 concatenation of all instances of a code, including those in
/// `sname`/`file` when option 52 (overload) says so.
public struct DHCPMessage: Hashable, Sendable, Codable {
    /// Length of the fixed header before the magic cookie (RFC 2131 §2), bytes.
    public static let headerLength = 236
    /// The magic cookie 99.130.83.99 that starts the options field (RFC 2131 §3).
    public static let magicCookie: [UInt8] = [99, 130, 83, 99]
    /// Smallest valid message: header plus magic cookie, bytes.
    public static let minimumLength = headerLength + 4
    /// Largest message accepted or produced: the largest UDP payload over IPv4, bytes.
    public static let maximumEncodedLength = 65_507
    /// Largest number of option instances (Pads included, padding after End excluded)
    /// accepted across `options`, `file` and `sname`. Bounds work done per received packet.
    public static let maximumOptionCount = 1024
    /// BOOTP minimum message size that many relays and clients still expect (RFC 1542 §2.1), bytes.
    public static let minimumBOOTPLength = 300
    /// Length of `chaddr`, bytes.
    public static let chaddrLength = 16
    /// Length of `sname`, bytes.
    public static let snameLength = 64
    /// Length of `file`, bytes.
    public static let fileLength = 128
    /// The broadcast bit of `flags` (RFC 2131 §2, figure 2).
    public static let broadcastFlag: UInt16 = 0x8000

    /// `op`: BOOTREQUEST or BOOTREPLY.
    public var op: DHCPOperation
    /// `htype`: hardware address type (1 = Ethernet, per IANA ARP hardware types).
    public var htype: UInt8
    /// `hlen`: hardware address length in bytes (6 for Ethernet), at most 16.
    public var hlen: UInt8
    /// `hops`: incremented by each relay agent (RFC 1542 §4.1.1).
    public var hops: UInt8
    /// `xid`: transaction ID chosen by the client.
    public var xid: UInt32
    /// `secs`: seconds elapsed since the client began acquisition or renewal.
    public var secs: UInt16
    /// `flags`: bit 15 is BROADCAST (see ``isBroadcast``); other bits MUST be zero but are kept.
    public var flags: UInt16
    /// `ciaddr`: client address, only when BOUND, RENEWING or REBINDING.
    public var ciaddr: IPv4Address
    /// `yiaddr`: "your" (client) address assigned by the server.
    public var yiaddr: IPv4Address
    /// `siaddr`: next server to use in bootstrap.
    public var siaddr: IPv4Address
    /// `giaddr`: relay agent address, 0 when not relayed (RFC 2131 §4.1, RFC 1542).
    public var giaddr: IPv4Address
    /// `chaddr`: client hardware address field, 16 bytes (shorter values are zero-padded,
    /// longer ones truncated when encoded).
    public var chaddr: [UInt8]
    /// `sname`: server host name field, 64 bytes, or options when overloaded (RFC 2132 §9.3).
    public var sname: [UInt8]
    /// `file`: boot file name field, 128 bytes, or options when overloaded (RFC 2132 §9.3).
    public var file: [UInt8]
    /// Options of the `options` field in wire order, Pads included, End excluded.
    public var options: [DHCPOption]
    /// Number of zero bytes after the End option (padding to the BOOTP minimum of 300).
    public var trailingPadding: Int

    /// Creates a message; every field defaults to zero/empty except `htype` (Ethernet)
    /// and `hlen` (6).
    public init(
        op: DHCPOperation,
        htype: UInt8 = 1,
        hlen: UInt8 = 6,
        hops: UInt8 = 0,
        xid: UInt32 = 0,
        secs: UInt16 = 0,
        flags: UInt16 = 0,
        ciaddr: IPv4Address = .any,
        yiaddr: IPv4Address = .any,
        siaddr: IPv4Address = .any,
        giaddr: IPv4Address = .any,
        chaddr: [UInt8] = [],
        sname: [UInt8] = [],
        file: [UInt8] = [],
        options: [DHCPOption] = [],
        trailingPadding: Int = 0
    ) {
        self.op = op
        self.htype = htype
        self.hlen = hlen
        self.hops = hops
        self.xid = xid
        self.secs = secs
        self.flags = flags
        self.ciaddr = ciaddr
        self.yiaddr = yiaddr
        self.siaddr = siaddr
        self.giaddr = giaddr
        self.chaddr = DHCPMessage.fit(chaddr, to: DHCPMessage.chaddrLength)
        self.sname = DHCPMessage.fit(sname, to: DHCPMessage.snameLength)
        self.file = DHCPMessage.fit(file, to: DHCPMessage.fileLength)
        self.options = options
        self.trailingPadding = trailingPadding
    }

    /// Whether the BROADCAST flag is set: the client cannot receive unicast before it has
    /// an address, so replies go to 255.255.255.255 (RFC 2131 §4.1).
    public var isBroadcast: Bool {
        get { flags & DHCPMessage.broadcastFlag != 0 }
        set {
            if newValue {
                flags |= DHCPMessage.broadcastFlag
            } else {
                flags &= ~DHCPMessage.broadcastFlag
            }
        }
    }

    /// The client MAC address when `htype` is Ethernet (1) and `hlen` is 6, else `nil`.
    public var clientMACAddress: MACAddress? {
        guard htype == 1, hlen == 6 else { return nil }
        return MACAddress(bytes: Array(chaddr.prefix(MACAddress.length)))
    }

    /// Sets `htype` = 1, `hlen` = 6 and `chaddr` = `mac` zero-padded to 16 bytes.
    public mutating func setClientMACAddress(_ mac: MACAddress) {
        htype = 1
        hlen = UInt8(MACAddress.length)
        chaddr = DHCPMessage.fit(mac.bytes, to: DHCPMessage.chaddrLength)
    }

    /// Sets ``trailingPadding`` so the encoded message is at least 300 bytes (RFC 1542 §2.1).
    /// Does nothing when the message is already long enough.
    public mutating func padToMinimumBOOTPLength() {
        let length = encodedLength
        if length < DHCPMessage.minimumBOOTPLength {
            trailingPadding += DHCPMessage.minimumBOOTPLength - length
        }
    }

    /// Zero-pads or truncates `bytes` to exactly `length`.
    static func fit(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        if bytes.count == length {
            return bytes
        }
        if bytes.count > length {
            return Array(bytes.prefix(length))
        }
        return bytes + [UInt8](repeating: 0, count: length - bytes.count)
    }
}
