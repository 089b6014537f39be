/// The options carried in one field of a message (`options`, `file` or `sname`), with the
/// exact layout needed to re-encode it byte for byte.
struct DHCPOptionsField: Hashable, Sendable {
    /// Options in wire order, Pads included, End excluded.
    var options: [DHCPOption]
    /// Number of zero bytes after End.
    var trailingPadding: Int

    /// Parses `bytes[range]` as options terminated by End (RFC 2131 §4.1).
    ///
    /// - Every option must lie entirely inside the field (RFC 2131 §4.1), else `optionOverrun`.
    /// - End is mandatory, else `missingEndOption`.
    /// - Only Pad (zero) bytes may follow End, else `trailingGarbage`.
    /// - `optionCount` is shared across fields and checked against
    ///   ``DHCPMessage/maximumOptionCount``, else `tooManyOptions`.
    static func parse(
        _ bytes: [UInt8], range: Range<Int>, field: String, optionCount: inout Int
    ) throws(DHCPKitError) -> DHCPOptionsField {
        var reader = ByteReader(bytes, range: range)
        var options: [DHCPOption] = []
        options.reserveCapacity(16)
        while !reader.isAtEnd {
            let start = reader.offset
            let code = DHCPOptionCode(
                rawValue: try reader.readUInt8(.optionOverrun, field: field))
            if code == .end {
                // Only Pad may follow End; checked in place, without copying the tail.
                var index = reader.offset
                while index < reader.end {
                    guard bytes[index] == 0 else {
                        throw DHCPKitError(
                            .trailingGarbage, field: field, offset: index,
                            message: "byte 0x\([bytes[index]].hexString) follows the End option;"
                                + " only Pad (0) may follow End")
                    }
                    index += 1
                }
                return DHCPOptionsField(options: options, trailingPadding: reader.end - reader.offset)
            }
            optionCount += 1
            guard optionCount <= DHCPMessage.maximumOptionCount else {
                throw DHCPKitError(
                    .tooManyOptions, field: field, offset: start,
                    message: "more than \(DHCPMessage.maximumOptionCount) options")
            }
            if code == .pad {
                options.append(.pad)
                continue
            }
            // The field name with the option is built only for an error: this loop is the hot path.
            guard reader.remaining >= 1 else {
                throw DHCPKitError(
                    .optionOverrun, field: "\(field): \(code)", offset: start,
                    message: "\(code) has no length byte before the end of the \(field) field")
            }
            let length = Int(try reader.readUInt8(.optionOverrun, field: field))
            guard reader.remaining >= length else {
                throw DHCPKitError(
                    .optionOverrun, field: "\(field): \(code)", offset: start,
                    message: "\(code) claims \(length) bytes but only \(reader.remaining) remain"
                        + " in the \(field) field")
            }
            let data = try reader.readBytes(length, .optionOverrun, field: field)
            options.append(DHCPOption(code: code, data: data))
        }
        throw DHCPKitError(
            .missingEndOption, field: field, offset: reader.end,
            message: "the \(field) field has no End (255) option")
    }

    /// Appends the options, End and padding.
    func encode(into bytes: inout [UInt8]) {
        for option in options {
            option.encode(into: &bytes)
        }
        bytes.append(DHCPOptionCode.end.rawValue)
        bytes.append(contentsOf: repeatElement(0, count: max(0, trailingPadding)))
    }

    /// Encoded size in bytes, End and padding included.
    var encodedLength: Int {
        options.reduce(0) { $0 + $1.encodedLength } + 1 + max(0, trailingPadding)
    }
}

/// Which of `file`/`sname` hold options (option 52 value, RFC 2132 §9.3).
public struct DHCPOptionOverload: OptionSet, Hashable, Sendable, Codable {
    /// The option 52 value bits.
    public var rawValue: UInt8

    /// Creates the set from an option 52 value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 1: the `file` field holds options.
    public static let file = DHCPOptionOverload(rawValue: 1)
    /// 2: the `sname` field holds options.
    public static let sname = DHCPOptionOverload(rawValue: 2)
}
