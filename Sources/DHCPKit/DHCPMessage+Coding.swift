import NetworkTypes

extension DHCPMessage {
    /// Parses a DHCP message from the UDP payload `bytes`.
    ///
    /// Checks, in order: total length (``minimumLength`` … ``maximumEncodedLength``), `hlen` ≤ 16,
    /// the magic cookie, every option's length inside its field, End present and only Pad after
    /// it, option overload (52) fields when present, the option count limit, and the lengths and
    /// values RFC 2132 fixes for well-known options. Unknown options are kept as they are.
    public init(parsing bytes: [UInt8]) throws(DHCPKitError) {
        guard bytes.count >= DHCPMessage.minimumLength else {
            throw DHCPKitError(
                .truncatedHeader, field: "header", offset: bytes.count,
                message: "a DHCP message needs at least \(DHCPMessage.minimumLength) bytes"
                    + " (header and magic cookie) but \(bytes.count) were given")
        }
        guard bytes.count <= DHCPMessage.maximumEncodedLength else {
            throw DHCPKitError(
                .messageTooLong, field: "message", offset: DHCPMessage.maximumEncodedLength,
                message: "\(bytes.count) bytes exceed the limit of"
                    + " \(DHCPMessage.maximumEncodedLength)")
        }
        var reader = ByteReader(bytes)
        let op = DHCPOperation(rawValue: try reader.readUInt8(.truncatedHeader, field: "op"))
        let htype = try reader.readUInt8(.truncatedHeader, field: "htype")
        let hlenOffset = reader.offset
        let hlen = try reader.readUInt8(.truncatedHeader, field: "hlen")
        guard Int(hlen) <= DHCPMessage.chaddrLength else {
            throw DHCPKitError(
                .badHardwareAddressLength, field: "hlen", offset: hlenOffset,
                message: "hlen \(hlen) is longer than the 16-byte chaddr field")
        }
        let hops = try reader.readUInt8(.truncatedHeader, field: "hops")
        let xid = try reader.readUInt32(.truncatedHeader, field: "xid")
        let secs = try reader.readUInt16(.truncatedHeader, field: "secs")
        let flags = try reader.readUInt16(.truncatedHeader, field: "flags")
        let ciaddr = IPv4Address(value: try reader.readUInt32(.truncatedHeader, field: "ciaddr"))
        let yiaddr = IPv4Address(value: try reader.readUInt32(.truncatedHeader, field: "yiaddr"))
        let siaddr = IPv4Address(value: try reader.readUInt32(.truncatedHeader, field: "siaddr"))
        let giaddr = IPv4Address(value: try reader.readUInt32(.truncatedHeader, field: "giaddr"))
        let chaddr = try reader.readBytes(DHCPMessage.chaddrLength, .truncatedHeader, field: "chaddr")
        let snameStart = reader.offset
        let sname = try reader.readBytes(DHCPMessage.snameLength, .truncatedHeader, field: "sname")
        let fileStart = reader.offset
        let file = try reader.readBytes(DHCPMessage.fileLength, .truncatedHeader, field: "file")
        let cookieOffset = reader.offset
        let cookie = try reader.readBytes(4, .truncatedHeader, field: "magicCookie")
        guard cookie == DHCPMessage.magicCookie else {
            throw DHCPKitError(
                .badMagicCookie, field: "magicCookie", offset: cookieOffset,
                message: "expected 63825363 but found \(cookie.hexString);"
                    + " this is plain BOOTP or not DHCP at all")
        }
        var optionCount = 0
        let main = try DHCPOptionsField.parse(
            bytes, range: reader.offset..<bytes.count, field: "options", optionCount: &optionCount)

        self.init(
            op: op, htype: htype, hlen: hlen, hops: hops, xid: xid, secs: secs, flags: flags,
            ciaddr: ciaddr, yiaddr: yiaddr, siaddr: siaddr, giaddr: giaddr, chaddr: chaddr,
            sname: sname, file: file, options: main.options, trailingPadding: main.trailingPadding)

        // RFC 2132 §9.3: option 52 must be in the options field; its value says which fixed
        // fields also carry options. Validate those now so accessors never see bad bytes.
        if let overloadData = DHCPMessage.concatenated(.optionOverload, in: main.options) {
            guard overloadData.count == 1, let value = overloadData.first else {
                throw DHCPKitError(
                    .invalidOptionLength, field: "options: \(DHCPOptionCode.optionOverload)",
                    message: "option overload must be 1 byte, found \(overloadData.count)")
            }
            guard (1...3).contains(value) else {
                throw DHCPKitError(
                    .invalidOptionValue, field: "options: \(DHCPOptionCode.optionOverload)",
                    message: "option overload must be 1 (file), 2 (sname) or 3 (both), found \(value)")
            }
            let overload = DHCPOptionOverload(rawValue: value)
            if overload.contains(.file) {
                _ = try DHCPOptionsField.parse(
                    bytes, range: fileStart..<(fileStart + DHCPMessage.fileLength), field: "file",
                    optionCount: &optionCount)
            }
            if overload.contains(.sname) {
                _ = try DHCPOptionsField.parse(
                    bytes, range: snameStart..<(snameStart + DHCPMessage.snameLength),
                    field: "sname", optionCount: &optionCount)
            }
        }
        try validateKnownOptions()
    }

    /// Encodes the message to its wire form (the UDP payload).
    ///
    /// `chaddr`, `sname` and `file` are zero-padded or truncated to their fixed sizes;
    /// option values longer than 255 bytes are truncated (use the setters, which split them).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encodedLength)
        bytes.append(op.rawValue)
        bytes.append(htype)
        bytes.append(hlen)
        bytes.append(hops)
        bytes.appendBigEndian(xid)
        bytes.appendBigEndian(secs)
        bytes.appendBigEndian(flags)
        bytes.appendBigEndian(ciaddr.value)
        bytes.appendBigEndian(yiaddr.value)
        bytes.appendBigEndian(siaddr.value)
        bytes.appendBigEndian(giaddr.value)
        bytes.append(contentsOf: DHCPMessage.fit(chaddr, to: DHCPMessage.chaddrLength))
        bytes.append(contentsOf: DHCPMessage.fit(sname, to: DHCPMessage.snameLength))
        bytes.append(contentsOf: DHCPMessage.fit(file, to: DHCPMessage.fileLength))
        bytes.append(contentsOf: DHCPMessage.magicCookie)
        DHCPOptionsField(options: options, trailingPadding: trailingPadding).encode(into: &bytes)
        return bytes
    }

    /// Size of ``encoded()`` in bytes.
    public var encodedLength: Int {
        DHCPMessage.minimumLength
            + DHCPOptionsField(options: options, trailingPadding: trailingPadding).encodedLength
    }

    /// Checks the lengths and values RFC 2132 fixes for the well-known options, on the
    /// RFC 3396 concatenation of each code's instances.
    func validateKnownOptions() throws(DHCPKitError) {
        let instances = optionOverload.isEmpty ? options : aggregatedOptionInstances
        // A 256-bit set of codes already checked: no allocation on this per-packet path.
        var seen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for option in instances where option.code.hasRFC2132Constraint {
            let code = option.code
            let bit = UInt64(1) << UInt64(code.rawValue & 63)
            let alreadySeen: Bool
            switch code.rawValue >> 6 {
            case 0: alreadySeen = seen.0 & bit != 0; seen.0 |= bit
            case 1: alreadySeen = seen.1 & bit != 0; seen.1 |= bit
            case 2: alreadySeen = seen.2 & bit != 0; seen.2 |= bit
            default: alreadySeen = seen.3 & bit != 0; seen.3 |= bit
            }
            if alreadySeen { continue }
            guard let data = DHCPMessage.concatenated(code, in: instances) else { continue }
            var field: String { "options: \(code)" }
            if let required = code.requiredLength, data.count != required {
                throw DHCPKitError(
                    .invalidOptionLength, field: field,
                    message: "\(code) must be \(required) bytes (RFC 2132), found \(data.count)")
            }
            switch code {
            case .routers, .domainNameServers:
                // RFC 2132 §3.5/§3.8: minimum length 4, always a multiple of 4.
                guard !data.isEmpty, data.count % 4 == 0 else {
                    throw DHCPKitError(
                        .invalidOptionLength, field: field,
                        message: "\(code) must be a non-empty list of 4-byte addresses,"
                            + " found \(data.count) bytes")
                }
            case .clientIdentifier:
                // RFC 2132 §9.14: type byte plus at least one identifier byte.
                guard data.count >= 2 else {
                    throw DHCPKitError(
                        .invalidOptionLength, field: field,
                        message: "client identifier needs at least 2 bytes, found \(data.count)")
                }
            case .hostName, .parameterRequestList, .vendorClassIdentifier, .domainName:
                // RFC 2132 §3.14, §9.8, §9.13, §3.17: minimum length 1.
                guard !data.isEmpty else {
                    throw DHCPKitError(
                        .invalidOptionLength, field: field,
                        message: "\(code) must not be empty")
                }
            case .maximumMessageSize:
                // RFC 2132 §9.10: the minimum legal value is 576.
                if let size = data.bigEndianUInt16(), size < 576 {
                    throw DHCPKitError(
                        .invalidOptionValue, field: field,
                        message: "maximum message size \(size) is below the minimum 576")
                }
            default:
                break
            }
        }
    }
}
