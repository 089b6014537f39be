extension DHCPMessage {
    /// Which fixed fields carry options, from option 52 (RFC 2132 §9.3); empty when absent.
    public var optionOverload: DHCPOptionOverload {
        guard let data = DHCPMessage.concatenated(.optionOverload, in: options), data.count == 1,
            let value = data.first
        else { return [] }
        return DHCPOptionOverload(rawValue: value & 0x03)
    }

    /// Options stored in the `file` field when overloaded, else empty.
    public var fileOptions: [DHCPOption] {
        guard optionOverload.contains(.file) else { return [] }
        return DHCPMessage.parseFixedField(file, field: "file")
    }

    /// Options stored in the `sname` field when overloaded, else empty.
    public var snameOptions: [DHCPOption] {
        guard optionOverload.contains(.sname) else { return [] }
        return DHCPMessage.parseFixedField(sname, field: "sname")
    }

    /// Every non-Pad option instance in the order RFC 3396 §5 aggregates them:
    /// the `options` field, then `file`, then `sname`.
    public var aggregatedOptionInstances: [DHCPOption] {
        (options + fileOptions + snameOptions).filter { !$0.isPad }
    }

    /// The value of `code`: all its instances concatenated in aggregate order (RFC 3396 §5),
    /// or `nil` when the message does not carry it.
    public func optionData(_ code: DHCPOptionCode) -> [UInt8]? {
        // Without overload only `options` can hold it; one instance is returned without a copy.
        guard options.contains(where: { $0.code == .optionOverload }) else {
            return DHCPMessage.concatenated(code, in: options)
        }
        return DHCPMessage.concatenated(code, in: aggregatedOptionInstances)
    }

    /// Whether the message carries at least one instance of `code` in any field.
    public func hasOption(_ code: DHCPOptionCode) -> Bool {
        aggregatedOptionInstances.contains { $0.code == code }
    }

    /// Sets the value of `code`, or removes it when `data` is `nil`.
    ///
    /// All existing instances (in `options`, and in `file`/`sname` when overloaded) are removed
    /// first. The new value is split into 255-byte instances (RFC 3396 §6) and placed where the
    /// first old instance was, or else before option 82 so that option 82 stays last
    /// (RFC 3046 §2.1), or else at the end.
    public mutating func setOption(_ code: DHCPOptionCode, data: [UInt8]?) {
        let firstIndex = options.firstIndex { $0.code == code }
        removeOption(code)
        guard let data else { return }
        let instances = DHCPOption.split(code: code, data: data)
        let position: Int
        if let firstIndex {
            position = min(firstIndex, options.count)
        } else if code != .relayAgentInformation,
            let relayIndex = options.firstIndex(where: { $0.code == .relayAgentInformation })
        {
            position = relayIndex
        } else {
            position = options.count
        }
        options.insert(contentsOf: instances, at: position)
    }

    /// Removes every instance of `code`, including those inside overloaded `file`/`sname`
    /// (which are re-encoded with End and Pad filling the rest of the field).
    public mutating func removeOption(_ code: DHCPOptionCode) {
        let overload = optionOverload
        options.removeAll { $0.code == code }
        if overload.contains(.file) {
            file = DHCPMessage.rewriteFixedField(file, removing: code, field: "file")
        }
        if overload.contains(.sname) {
            sname = DHCPMessage.rewriteFixedField(sname, removing: code, field: "sname")
        }
    }

    /// Concatenation of the data of every instance of `code` in `instances`, or `nil`.
    static func concatenated(_ code: DHCPOptionCode, in instances: [DHCPOption]) -> [UInt8]? {
        var first: [UInt8]?
        var joined: [UInt8]?
        for option in instances where option.code == code {
            if first == nil {
                first = option.data
            } else {
                // RFC 3396: a second instance continues the first; only then is a copy needed.
                joined = (joined ?? first ?? []) + option.data
            }
        }
        return joined ?? first
    }

    /// Options in an overloaded fixed field. Parsed messages were validated already;
    /// a hand-built field that does not parse yields no options.
    static func parseFixedField(_ bytes: [UInt8], field: String) -> [DHCPOption] {
        var count = 0
        let parsed = try? DHCPOptionsField.parse(
            bytes, range: 0..<bytes.count, field: field, optionCount: &count)
        return parsed?.options ?? []
    }

    static func rewriteFixedField(_ bytes: [UInt8], removing code: DHCPOptionCode, field: String)
        -> [UInt8]
    {
        var count = 0
        guard
            var parsed = try? DHCPOptionsField.parse(
                bytes, range: 0..<bytes.count, field: field, optionCount: &count),
            parsed.options.contains(where: { $0.code == code })
        else { return bytes }
        parsed.options.removeAll { $0.code == code }
        parsed.trailingPadding = 0
        var out: [UInt8] = []
        parsed.encode(into: &out)
        return fit(out, to: bytes.count)
    }
}
