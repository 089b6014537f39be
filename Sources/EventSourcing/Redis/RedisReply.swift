/// One Redis reply, copied out of hiredis (RESP2 types).
public indirect enum RedisReply: Hashable, Sendable {
    /// A simple status such as `OK` or `PONG`.
    case status(String)
    /// A bulk string; bytes as sent, which need not be UTF-8.
    case bulk([UInt8])
    /// An integer reply.
    case integer(Int64)
    /// A multi-bulk reply.
    case array([RedisReply])
    /// A nil bulk or nil multi-bulk.
    case null
    /// An error reply (`ERR …`, `NOGROUP …`, `BUSYGROUP …`).
    case error(String)

    /// Status or bulk string as text, else `nil`.
    public var string: String? {
        switch self {
        case let .status(text): text
        case let .bulk(bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk or status reply, else `nil`.
    public var bytes: [UInt8]? {
        switch self {
        case let .bulk(bytes): bytes
        case let .status(text): Array(text.utf8)
        default: nil
        }
    }

    /// The integer of an integer reply, else `nil`.
    public var integer: Int64? {
        if case let .integer(value) = self { return value }
        return nil
    }

    /// The elements of an array reply, else `nil`.
    public var array: [RedisReply]? {
        if case let .array(items) = self { return items }
        return nil
    }
}
