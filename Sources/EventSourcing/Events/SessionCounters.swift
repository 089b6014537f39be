/// Traffic of one session, named from the subscriber's point of view.
///
/// `bytesUp` is what the subscriber sent (RADIUS Acct-Input-Octets on the NAS);
/// `bytesDown` is what the subscriber received (Acct-Output-Octets). The original's events used
/// `input_octets` for download, the reverse of RADIUS; these names remove the ambiguity.
public struct SessionCounters: Hashable, Sendable, Codable {
    /// Octets sent by the subscriber (upload).
    public var bytesUp: UInt64
    /// Octets received by the subscriber (download).
    public var bytesDown: UInt64
    /// Packets sent by the subscriber.
    public var packetsUp: UInt64
    /// Packets received by the subscriber.
    public var packetsDown: UInt64

    /// Counters; all default to zero (a session that just started).
    public init(bytesUp: UInt64 = 0, bytesDown: UInt64 = 0, packetsUp: UInt64 = 0, packetsDown: UInt64 = 0) {
        self.bytesUp = bytesUp
        self.bytesDown = bytesDown
        self.packetsUp = packetsUp
        self.packetsDown = packetsDown
    }

    /// All zero.
    public static let zero = SessionCounters()

    enum CodingKeys: String, CodingKey {
        case bytesUp = "bytes_up", bytesDown = "bytes_down", packetsUp = "packets_up", packetsDown = "packets_down"
    }
}
