import Foundation

/// A JSON encoder that writes bytes as `encode(to:)` runs, without the intermediate tree
/// Foundation's `JSONEncoder` builds: several times faster for the API's responses.
///
/// It supports what keyed, unkeyed and single-value containers do; a type that asks for a
/// nested container or a super-encoder makes it throw ``Unsupported``, and the caller falls back
/// to `JSONEncoder`. Keys are written as the type's CodingKeys spell them; nil optionals encoded
/// with `encodeIfPresent` are left out, as `JSONEncoder` does; non-finite doubles become `null`.
struct JSONStreamEncoder {
    struct Unsupported: Error {}

    func encode(_ value: some Encodable) throws -> [UInt8] {
        let state = State()
        state.bytes.reserveCapacity(4096)
        try state.write(value)
        return state.bytes
    }

    /// Output and the containers open in it.
    final class State {
        var bytes: [UInt8] = []
        /// For each open container: whether it has an element yet.
        var open: [Bool] = []

        /// Writes `value`, then closes every container it opened.
        func write(_ value: some Encodable) throws {
            let depth = open.count
            switch value {
            case let text as String: string(text)
            case let number as Int64: integer(number)
            case let number as Int: integer(Int64(number))
            case let number as Double: double(number)
            case let flag as Bool: bytes += flag ? Array("true".utf8) : Array("false".utf8)
            case let number as Float: double(Double(number))
            case let number as any BinaryInteger: bytes += Array("\(number)".utf8)
            // JSONEncoder gives these a form of its own; leave them to it.
            case is Date, is URL, is Decimal, is Data: throw Unsupported()
            default:
                try value.encode(to: StreamEncoder(state: self))
                close(to: depth)
            }
        }

        func close(to depth: Int) {
            while open.count > depth {
                open.removeLast()
                bytes.append(closers.removeLast())
            }
        }

        private var closers: [UInt8] = []

        func begin(_ opener: UInt8, _ closer: UInt8) {
            bytes.append(opener)
            open.append(false)
            closers.append(closer)
        }

        /// A comma before every element but the first of the innermost container.
        func separate() {
            guard let last = open.indices.last else { return }
            if open[last] { bytes.append(UInt8(ascii: ",")) } else { open[last] = true }
        }

        func key(_ name: String) {
            separate()
            string(name)
            bytes.append(UInt8(ascii: ":"))
        }

        func integer(_ number: Int64) { bytes += Array(String(number).utf8) }

        func double(_ number: Double) {
            guard number.isFinite else { bytes += Array("null".utf8); return }
            if number == number.rounded(), abs(number) < 1e15 {
                bytes += Array(String(Int64(number)).utf8)
                bytes += Array(".0".utf8)
            } else {
                bytes += Array(number.description.utf8)
            }
        }

        func string(_ text: String) {
            bytes.append(UInt8(ascii: "\""))
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    struct StreamEncoder: Encoder {
        let state: State
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            state.begin(UInt8(ascii: "{"), UInt8(ascii: "}"))
            return KeyedEncodingContainer(Keyed<Key>(state: state))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            state.begin(UInt8(ascii: "["), UInt8(ascii: "]"))
            return Unkeyed(state: state)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(state: state) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let state: State
        var codingPath: [any CodingKey] = []

        mutating func encodeNil(forKey key: Key) throws { state.key(key.stringValue); state.bytes += Array("null".utf8) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            state.key(key.stringValue)
            try state.write(value)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Refusing<NestedKey>())
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
        mutating func superEncoder() -> any Encoder { RefusingEncoder() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder() }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let state: State
        var codingPath: [any CodingKey] = []
        var count = 0

        mutating func encodeNil() throws { state.separate(); state.bytes += Array("null".utf8); count += 1 }
        mutating func encode<T: Encodable>(_ value: T) throws {
            state.separate()
            try state.write(value)
            count += 1
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Refusing<NestedKey>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
        mutating func superEncoder() -> any Encoder { RefusingEncoder() }
    }

    struct Single: SingleValueEncodingContainer {
        let state: State
        var codingPath: [any CodingKey] = []

        mutating func encodeNil() throws { state.bytes += Array("null".utf8) }
        mutating func encode<T: Encodable>(_ value: T) throws { try state.write(value) }
    }

    // What the streaming model cannot place: every use throws, and the caller falls back.
    struct Refusing<Key: CodingKey>: KeyedEncodingContainerProtocol {
        var codingPath: [any CodingKey] = []
        mutating func encodeNil(forKey key: Key) throws { throw Unsupported() }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { throw Unsupported() }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Refusing<NestedKey>())
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
        mutating func superEncoder() -> any Encoder { RefusingEncoder() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { RefusingEncoder() }
    }

    struct RefusingUnkeyed: UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] = []
        var count = 0
        mutating func encodeNil() throws { throw Unsupported() }
        mutating func encode<T: Encodable>(_ value: T) throws { throw Unsupported() }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Refusing<NestedKey>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
        mutating func superEncoder() -> any Encoder { RefusingEncoder() }
    }

    struct RefusingEncoder: Encoder {
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(Refusing<Key>()) }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { RefusingUnkeyed() }
        func singleValueContainer() -> any SingleValueEncodingContainer { RefusingSingle() }
    }

    struct RefusingSingle: SingleValueEncodingContainer {
        var codingPath: [any CodingKey] = []
        mutating func encodeNil() throws { throw Unsupported() }
        mutating func encode<T: Encodable>(_ value: T) throws { throw Unsupported() }
    }
}
