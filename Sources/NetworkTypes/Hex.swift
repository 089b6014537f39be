/// Hex text ↔ bytes, one implementation for every module (identifiers, dumps, error contexts).
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lower-case hex without separators, e.g. `"0a1b"`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses hex: an optional `0x` prefix, digits of either case, optional `:`, `-` or space
    /// separators between them.
    ///
    /// - Throws: ``NetworkTypesError/Code/invalidHexString`` for another character or an odd
    ///   number of digits.
    public static func decode(_ text: String) throws(NetworkTypesError) -> [UInt8] {
        var body = Substring(text)
        if body.hasPrefix("0x") || body.hasPrefix("0X") { body = body.dropFirst(2) }
        var out: [UInt8] = []
        out.reserveCapacity(body.utf8.count / 2)
        var high: UInt8?
        for byte in body.utf8 {
            guard let nibble = value(of: byte) else {
                if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: " ") { continue }
                throw NetworkTypesError(.invalidHexString, input: text,
                                        message: "\"\(text)\" contains \"\(Character(Unicode.Scalar(byte)))\", which is not a hex digit")
            }
            if let pending = high {
                out.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else {
            throw NetworkTypesError(.invalidHexString, input: text, message: "\"\(text)\" has an odd number of hex digits")
        }
        return out
    }

    /// Whether `byte` is an ASCII hex digit.
    public static func isDigit(_ byte: UInt8) -> Bool { value(of: byte) != nil }

    /// The value 0…15 of an ASCII hex digit of either case, nil for any other byte.
    public static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The lower-case ASCII digit of `nibble` (its low four bits).
    public static func digit(_ nibble: UInt8) -> UInt8 { digits[Int(nibble & 0x0f)] }
}
