/// One option instance as it appears on the wire: a code and its raw value bytes.
///
/// Pad (0) and End (255) have no length byte; a Pad is kept as a `DHCPOption` with empty
/// `data` so that parse-then-serialize reproduces the input exactly. End is implicit in
/// ``DHCPMessage`` and is never stored here.
public struct DHCPOption: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Longest value one option instance can carry (one length byte, RFC 2132 §2).
    public static let maximumDataLength = 255

    /// The option code.
    public var code: DHCPOptionCode
    /// The value bytes (without code and length). Empty for Pad.
    public var data: [UInt8]

    /// Creates an option instance; `data` longer than 255 bytes is split by
    /// ``DHCPOption/split(code:data:)`` when a message is built through its setters.
    public init(code: DHCPOptionCode, data: [UInt8]) {
        self.code = code
        self.data = data
    }

    /// A single Pad byte.
    public static let pad = DHCPOption(code: .pad, data: [])

    /// Whether this is a Pad.
    public var isPad: Bool { code == .pad }

    /// Number of bytes this instance occupies on the wire (1 for Pad, else 2 + data).
    public var encodedLength: Int { isPad ? 1 : 2 + data.count }

    /// Appends the wire form (code, length, data) to `bytes`.
    ///
    /// Precondition enforced by the setters: `data.count <= 255`. A longer value is truncated
    /// here rather than trapping; use ``split(code:data:)`` to build long options.
    func encode(into bytes: inout [UInt8]) {
        bytes.append(code.rawValue)
        if isPad { return }
        let length = min(data.count, DHCPOption.maximumDataLength)
        bytes.append(UInt8(length))
        bytes.append(contentsOf: data.prefix(length))
    }

    /// Splits a value longer than 255 bytes into consecutive instances of the same code
    /// (RFC 3396 §6: "long" options are split and concatenated in order by the receiver).
    /// A zero-length value yields one empty instance.
    public static func split(code: DHCPOptionCode, data: [UInt8]) -> [DHCPOption] {
        if data.isEmpty {
            return [DHCPOption(code: code, data: [])]
        }
        var result: [DHCPOption] = []
        var start = 0
        while start < data.count {
            let stop = min(start + maximumDataLength, data.count)
            result.append(DHCPOption(code: code, data: Array(data[start..<stop])))
            start = stop
        }
        return result
    }

    /// `code=hex`, e.g. `"leaseTime(51)=00000e10"`.
    public var description: String {
        isPad ? "pad" : "\(code)=\(data.hexString)"
    }
}
