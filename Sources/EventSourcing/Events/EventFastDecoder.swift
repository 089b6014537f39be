import Foundation
import NetworkTypes

/// A hand-written reader for the envelope JSON that `EventCodec` writes: about ten times cheaper
/// than Foundation's `JSONDecoder` on Linux, which costs ≈ 34 µs an event and used to be the
/// costliest client-side step of ingest.
///
/// It answers only when it is sure: a value it returns is exactly what `JSONDecoder` would
/// decode. Anything unusual — invalid JSON, a duplicate key, a number that is not a plain
/// integer where an integer belongs, a wrong type, an unknown event type or schema version, a
/// value its type refuses — gives `nil`, and `EventCodec` decodes with `JSONDecoder`, whose
/// error names the field. Unknown keys are skipped, as `JSONDecoder` skips them.
package enum EventFastDecoder {
    package static func decode(_ bytes: [UInt8]) -> EventEnvelope? {
        bytes.withUnsafeBufferPointer { buffer -> EventEnvelope? in
            var reader = JSONReader(buffer)
            guard case .object(let root)? = reader.value(), reader.atEnd else { return nil }
            return envelope(root)
        }
    }

    private static func envelope(_ root: JSONObject) -> EventEnvelope? {
        guard let version = root["v"]?.int64, EventEnvelope.supportedSchemaVersions.contains(Int(clamping: version)),
              let bngID = root["bng_id"]?.string, !bngID.isEmpty,
              let instance = root["bng_instance_id"]?.uuid,
              let seq = root["seq"]?.uint64, (1...EventEnvelope.maximumSequence).contains(seq),
              let ts = root["ts"]?.int64, let type = root["event_type"]?.string,
              case .object(let body)? = root["payload"] else { return nil }
        let payload: EventPayload
        switch EventType(rawValue: type) {
        case .sessionStart:
            guard let line = line(body["line"]), let started = body["session_start"]?.int64,
                  let auth = body["auth_state"]?.string, let status = body["status"]?.string else { return nil }
            payload = .sessionStart(SessionStartPayload(line: line, startedAt: EventTimestamp(rawValue: started),
                                                        authState: SessionAuthState(rawValue: auth), status: SessionStatus(rawValue: status)))
        case .sessionUpdate:
            guard let line = line(body["line"]), let counters = counters(body["counters"]),
                  let auth = body["auth_state"]?.string, let status = body["status"]?.string else { return nil }
            payload = .sessionUpdate(SessionUpdatePayload(line: line, counters: counters, authState: SessionAuthState(rawValue: auth),
                                                          status: SessionStatus(rawValue: status)))
        case .sessionStop:
            guard let line = line(body["line"]), let counters = counters(body["counters"]), let cause = body["terminate_cause"]?.string,
                  let ended = body["session_end"]?.int64, let auth = body["auth_state"]?.string,
                  let status = body["status"]?.string else { return nil }
            payload = .sessionStop(SessionStopPayload(line: line, counters: counters, terminateCause: cause, endedAt: EventTimestamp(rawValue: ended),
                                                      authState: SessionAuthState(rawValue: auth), status: SessionStatus(rawValue: status)))
        case .policyApply:
            guard let line = line(body["line"]), let auth = body["auth_state"]?.string,
                  let download = optional(body["download_kbps"], \.uint64), let upload = optional(body["upload_kbps"], \.uint64),
                  let downloadBurst = optional(body["download_burst_kbit"], \.uint64),
                  let uploadBurst = optional(body["upload_burst_kbit"], \.uint64) else { return nil }
            payload = .policyApply(PolicyApplyPayload(line: line, authState: SessionAuthState(rawValue: auth), downloadKbps: download,
                                                      uploadKbps: upload, downloadBurstKbit: downloadBurst, uploadBurstKbit: uploadBurst))
        case .routerUpdate:
            guard let name = body["router_name"]?.string, case .bool(let alive)? = body["is_alive"],
                  let seen = optional(body["last_seen"], \.int64) else { return nil }
            payload = .routerUpdate(RouterUpdatePayload(routerName: name, isAlive: alive, lastSeen: seen.map { EventTimestamp(rawValue: $0) }))
        case .bngHealthUpdate:
            guard let cpu = body["cpu_percent"]?.double, let used = body["memory_used_bytes"]?.uint64,
                  let limit = optional(body["memory_limit_bytes"], \.uint64) else { return nil }
            payload = .bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: cpu, memoryUsedBytes: used, memoryLimitBytes: limit))
        default:
            return nil
        }
        return EventEnvelope(source: EventSource(bngID: bngID, instanceID: instance), seq: seq, timestamp: EventTimestamp(rawValue: ts),
                             payload: payload, schemaVersion: Int(version))
    }

    /// An optional field: absent or `null` is `.some(nil)`; a value of the wrong kind is `nil`.
    private static func optional<T>(_ value: JSONValue?, _ read: (JSONValue) -> T?) -> T?? {
        guard let value, value != .null else { return .some(nil) }
        guard let read = read(value) else { return nil }
        return .some(read)
    }

    private static func line(_ value: JSONValue?) -> SessionLine? {
        guard case .object(let line)? = value, let id = line["session_id"]?.uuid,
              let nasText = line["nas_ip"]?.string, let nas = try? IPv4Address(parsing: nasText),
              let remote = line["remote_id"]?.string, let circuit = line["circuit_id"]?.string,
              let macText = line["mac_address"]?.string, let mac = try? MACAddress(parsing: macText),
              let addressText = optional(line["ip_address"], \.string), let username = optional(line["username"], \.string) else { return nil }
        var address: IPv4Address?
        if let addressText {
            guard let parsed = try? IPv4Address(parsing: addressText) else { return nil }
            address = parsed
        }
        return SessionLine(sessionID: id, nasIP: nas, remoteID: remote, circuitID: circuit, macAddress: mac, ipAddress: address, username: username)
    }

    private static func counters(_ value: JSONValue?) -> SessionCounters? {
        guard case .object(let counters)? = value, let up = counters["bytes_up"]?.uint64, let down = counters["bytes_down"]?.uint64,
              let packetsUp = counters["packets_up"]?.uint64, let packetsDown = counters["packets_down"]?.uint64 else { return nil }
        return SessionCounters(bytesUp: up, bytesDown: down, packetsUp: packetsUp, packetsDown: packetsDown)
    }
}

/// A parsed JSON value; numbers keep their text, read on demand.
enum JSONValue: Equatable {
    case object(JSONObject)
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The canonical 8-4-4-4-12 form, either case (what `UUID(uuidString:)` reads).
    var uuid: UUID? { string.flatMap(UUID.init(canonicalText:)) }

    /// Plain decimal digits only (what JSONDecoder reads the same way for every integer type).
    var uint64: UInt64? {
        guard case .number(let text) = self, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(text)
    }

    var int64: Int64? {
        guard case .number(let text) = self else { return nil }
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int64(text)
    }

    var double: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }
}

/// An object's members in document order: a handful of keys, so a linear search beats hashing.
struct JSONObject: Equatable {
    struct Member: Equatable {
        var key: String
        var value: JSONValue
    }

    var members: [Member] = []

    subscript(key: String) -> JSONValue? {
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// Adds a member; false when the key is already there.
    mutating func add(_ key: String, _ value: JSONValue) -> Bool {
        for member in members where member.key == key { return false }
        members.append(Member(key: key, value: value))
        return true
    }
}

/// RFC 8259 JSON, strictly: whitespace, literals, numbers by the grammar, strings with every
/// escape (surrogate pairs joined, lone surrogates refused), valid UTF-8, no control characters.
/// A duplicate key makes the whole object unreadable (`nil`): which copy wins is the slow path's call.
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.count
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    mutating func value() -> JSONValue? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object()
        case UInt8(ascii: "["): return array()
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return number()
        }
    }

    private mutating func object() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { return nil }
        index += 1
        var members = JSONObject()
        members.members.reserveCapacity(8)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let value = value(), members.add(key, value) else { return nil }
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "}") else { return nil }
            index += 1
            return .object(members)
        }
    }

    private mutating func array() -> JSONValue? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { return nil }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            guard let element = value() else { return nil }
            elements.append(element)
            skipWhitespace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "]") else { return nil }
            index += 1
            return .array(elements)
        }
    }

    private mutating func number() -> JSONValue? {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            return index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return nil
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    /// `bytes[range]` as a String; ASCII needs no validation, anything else is validated UTF-8.
    private func text(_ range: Range<Int>) -> String? {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        if slice.allSatisfy({ $0 < 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        return String(validating: slice, as: UTF8.self)
    }

    /// Reads a string at `"`; `nil` for bad escapes, control characters or invalid UTF-8.
    private mutating func string() -> String? {
        index += 1
        let start = index
        // Fast case: no escapes, ASCII or valid UTF-8 taken as it is.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 { index += 1 }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "\"") {
            let value = text(start..<index)
            index += 1
            return value
        }
        guard bytes[index] == UInt8(ascii: "\\") else { return nil }
        var scalars = String.UnicodeScalarView()
        guard let prefix = text(start..<index) else { return nil }
        scalars.append(contentsOf: prefix.unicodeScalars)
        var pendingRun = index
        func flushRun(to end: Int) -> Bool {
            guard pendingRun < end else { return true }
            guard let run = text(pendingRun..<end) else { return false }
            scalars.append(contentsOf: run.unicodeScalars)
            return true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard flushRun(to: index) else { return nil }
                index += 1
                return String(scalars)
            }
            guard byte >= 0x20 else { return nil }
            guard byte == UInt8(ascii: "\\") else { index += 1; continue }
            guard flushRun(to: index), index + 1 < bytes.count else { return nil }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return nil }
                if (0xD800...0xDBFF).contains(unit) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                    index += 2
                    guard let low = hex4(), (0xDC00...0xDFFF).contains(low),
                          let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)) else { return nil }
                    scalars.append(scalar)
                } else {
                    guard let scalar = Unicode.Scalar(UInt32(unit)) else { return nil }  // a lone low surrogate
                    scalars.append(scalar)
                }
            default:
                return nil
            }
            pendingRun = index
        }
        return nil
    }

    private mutating func hex4() -> UInt16? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let nibble = Hex.value(of: bytes[index]) else { return nil }
            value = value << 4 | UInt16(nibble)
            index += 1
        }
        return value
    }
}
