/// Reads FreeRADIUS (v3) dictionary text into a ``RADIUSDictionary``.
///
/// Understands `ATTRIBUTE`, `VALUE`, `VENDOR` (with `format=t,l[,c]`), `BEGIN-VENDOR` /
/// `END-VENDOR`, `BEGIN-TLV` / `END-TLV`, `$INCLUDE` and `$INCLUDE-` (optional), flags such
/// as `encrypt=N`, `has_tag`, `array`, `concat`, and the old form with a vendor name as the
/// fifth field. Pure: files are read through the `readFile` closure given to ``parse(_:fileName:)``.
public struct RADIUSDictionaryParser {
    /// The dictionary built so far.
    public private(set) var dictionary: RADIUSDictionary

    private let readFile: (String) -> String?
    private var includeStack: [String] = []
    private var vendorStack: [RADIUSDictionary.Vendor] = []
    private var tlvStack: [RADIUSDictionary.Attribute] = []

    /// Creates a parser adding to `dictionary`; `readFile` maps a path to its contents, or
    /// `nil` when it cannot be read.
    public init(adding dictionary: RADIUSDictionary = RADIUSDictionary(), readFile: @escaping (String) -> String? = { _ in nil }) {
        self.dictionary = dictionary
        self.readFile = readFile
    }

    /// Parses the text of one file; `fileName` resolves relative `$INCLUDE`s and names the
    /// file in errors.
    ///
    /// - Throws: `dictionarySyntax` with the file and line, `unknownName` for an undefined
    ///   vendor or TLV parent, `dictionaryFileUnreadable` for a missing `$INCLUDE` or a loop.
    public mutating func parse(_ text: String, fileName: String) throws(RADIUSError) {
        guard !includeStack.contains(fileName) else {
            throw RADIUSError(.dictionaryFileUnreadable, "$INCLUDE loop: \((includeStack + [fileName]).joined(separator: " -> "))")
        }
        includeStack.append(fileName)
        defer { includeStack.removeLast() }
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let keyword = fields.first else { continue }
            let location = "\(fileName):\(lineNumber)"
            do throws(RADIUSError) {
                try parseLine(keyword: keyword, fields: fields, fileName: fileName)
            } catch {
                throw RADIUSError(error.code, "\(location): \(error.context)", position: lineNumber)
            }
        }
    }

    /// Parses the file at `path` through `readFile`.
    ///
    /// - Throws: as ``parse(_:fileName:)``; `dictionaryFileUnreadable` if it cannot be read.
    public mutating func parseFile(_ path: String) throws(RADIUSError) {
        guard let text = readFile(path) else {
            throw RADIUSError(.dictionaryFileUnreadable, "cannot read \(path)")
        }
        try parse(text, fileName: path)
    }

    private mutating func parseLine(keyword: String, fields: [String], fileName: String) throws(RADIUSError) {
        switch keyword.uppercased() {
        case "$INCLUDE", "$INCLUDE-":
            try expect(fields, 2, "$INCLUDE path")
            let path = Self.resolve(fields[1], relativeTo: fileName)
            guard let text = readFile(path) else {
                if keyword == "$INCLUDE-" { return }
                throw RADIUSError(.dictionaryFileUnreadable, "cannot read $INCLUDE \(path)")
            }
            try parse(text, fileName: path)
        case "VENDOR":
            try parseVendor(fields)
        case "BEGIN-VENDOR":
            try expect(fields, 2, "BEGIN-VENDOR name [format=…]")
            vendorStack.append(try dictionary.vendor(named: fields[1]))
        case "END-VENDOR":
            try expect(fields, 2, "END-VENDOR name")
            guard let open = vendorStack.last, open.name.lowercased() == fields[1].lowercased() else {
                throw RADIUSError(.dictionarySyntax, "END-VENDOR \(fields[1]) without matching BEGIN-VENDOR")
            }
            vendorStack.removeLast()
        case "BEGIN-TLV":
            try expect(fields, 2, "BEGIN-TLV name")
            let parent = try dictionary.attribute(named: fields[1])
            guard parent.dataType == .tlv else {
                throw RADIUSError(.dictionarySyntax, "BEGIN-TLV \(fields[1]) is of type \(parent.dataType), not tlv")
            }
            tlvStack.append(parent)
        case "END-TLV":
            try expect(fields, 2, "END-TLV name")
            guard let open = tlvStack.last, open.name.lowercased() == fields[1].lowercased() else {
                throw RADIUSError(.dictionarySyntax, "END-TLV \(fields[1]) without matching BEGIN-TLV")
            }
            tlvStack.removeLast()
        case "ATTRIBUTE":
            try parseAttribute(fields)
        case "VALUE":
            try expect(fields, 4, "VALUE attribute name number")
            dictionary.defineValue(fields[2], number: try Self.number(fields[3]), forAttribute: fields[1])
        default:
            throw RADIUSError(.dictionarySyntax, "unknown keyword \(keyword)")
        }
    }

    private mutating func parseVendor(_ fields: [String]) throws(RADIUSError) {
        try expect(fields, 3, "VENDOR name number [format=t,l]")
        let id = try Self.number(fields[2])
        guard id <= UInt64(UInt32.max) else {
            throw RADIUSError(.dictionarySyntax, "vendor number \(fields[2]) exceeds 32 bits")
        }
        var format = RADIUSVendorFormat.standard
        if fields.count > 3 {
            let option = fields[3]
            guard option.lowercased().hasPrefix("format=") else {
                throw RADIUSError(.dictionarySyntax, "unknown VENDOR option \(option)")
            }
            // A trailing ",c" (WiMAX continuation bit) changes nothing in the widths.
            let widths = option.dropFirst("format=".count).split(separator: ",")
            guard widths.count >= 2, let typeWidth = Int(widths[0]), let lengthWidth = Int(widths[1]) else {
                throw RADIUSError(.dictionarySyntax, "bad \(option); expected format=t,l")
            }
            do throws(RADIUSError) {
                format = try RADIUSVendorFormat(typeWidth: typeWidth, lengthWidth: lengthWidth)
            } catch {
                throw RADIUSError(.dictionarySyntax, error.context)
            }
        }
        dictionary.define(RADIUSDictionary.Vendor(name: fields[1], id: UInt32(id), format: format))
    }

    private mutating func parseAttribute(_ fields: [String]) throws(RADIUSError) {
        try expect(fields, 4, "ATTRIBUTE name number type [flags]")
        let name = fields[1]
        let numberText = fields[2]
        // `octets[16]` gives a fixed size; the size is not needed to decode.
        let typeText = fields[3].split(separator: "[").first.map(String.init) ?? fields[3]
        var vendorID = vendorStack.last?.id ?? 0
        var encryption = RADIUSDictionary.Encryption.none
        var hasTag = false
        var flags: [String] = []
        if fields.count > 4 {
            for flag in fields[4].split(separator: ",").map(String.init) {
                if flag.lowercased() == "has_tag" {
                    hasTag = true
                } else if flag.lowercased().hasPrefix("encrypt=") {
                    guard let method = Int(flag.dropFirst("encrypt=".count)),
                        let value = RADIUSDictionary.Encryption(rawValue: method)
                    else {
                        throw RADIUSError(.dictionarySyntax, "bad \(flag); expected encrypt=0…3")
                    }
                    encryption = value
                } else if !flag.contains("="), fields[4].split(separator: ",").count == 1,
                    let vendor = try? dictionary.vendor(named: flag)
                {
                    // Old form: ATTRIBUTE name number type Vendor-Name.
                    vendorID = vendor.id
                } else {
                    flags.append(flag)
                }
            }
        }
        let parts = numberText.split(separator: ".", omittingEmptySubsequences: false)
        var numbers: [UInt32] = []
        for part in parts {
            let value = try Self.number(String(part))
            guard value <= UInt64(UInt32.max) else {
                throw RADIUSError(.dictionarySyntax, "attribute number \(numberText) exceeds 32 bits")
            }
            numbers.append(UInt32(value))
        }
        guard let last = numbers.last else {
            throw RADIUSError(.dictionarySyntax, "empty attribute number")
        }
        let normalized = numbers.map(String.init).joined(separator: ".")
        let oid = tlvStack.last.map { "\($0.oid).\(normalized)" } ?? normalized
        if let parent = tlvStack.last { vendorID = parent.vendorID }
        dictionary.define(
            RADIUSDictionary.Attribute(
                name: name,
                vendorID: vendorID,
                oid: oid,
                number: last,
                dataType: RADIUSDataType(rawValue: typeText),
                encryption: encryption,
                hasTag: hasTag,
                flags: flags
            )
        )
    }

    private func expect(_ fields: [String], _ count: Int, _ usage: String) throws(RADIUSError) {
        guard fields.count >= count else {
            throw RADIUSError(.dictionarySyntax, "expected \(usage), got \"\(fields.joined(separator: " "))\"")
        }
    }

    /// Decimal, or hex with `0x`.
    static func number(_ text: String) throws(RADIUSError) -> UInt64 {
        let lower = text.lowercased()
        let value = lower.hasPrefix("0x") ? UInt64(lower.dropFirst(2), radix: 16) : UInt64(lower)
        guard let value else {
            throw RADIUSError(.dictionarySyntax, "\"\(text)\" is not a number")
        }
        return value
    }

    /// Joins a relative `$INCLUDE` path to the directory of the including file.
    static func resolve(_ path: String, relativeTo fileName: String) -> String {
        guard !path.hasPrefix("/"), let slash = fileName.lastIndex(of: "/") else { return path }
        return String(fileName[...slash]) + path
    }
}
