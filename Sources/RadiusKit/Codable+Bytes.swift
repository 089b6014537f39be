import Foundation

extension KeyedDecodingContainer {
    /// Bytes stored as a base64 string, or as an array of numbers (what synthesized `Codable`
    /// writes for `[UInt8]`, kept readable for data written that way).
    package func decodeBytes(forKey key: Key) throws -> [UInt8] {
        if let text = try? decode(String.self, forKey: key) { return try bytes(base64: text, key: key) }
        return try decode([UInt8].self, forKey: key)
    }

    /// A list of byte strings, each as ``decodeBytes(forKey:)`` reads one.
    package func decodeByteList(forKey key: Key) throws -> [[UInt8]] {
        if let texts = try? decode([String].self, forKey: key) { return try texts.map { try bytes(base64: $0, key: key) } }
        return try decode([[UInt8]].self, forKey: key)
    }

    private func bytes(base64 text: String, key: Key) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not base64: \(text.prefix(40))")
        }
        return Array(data)
    }
}
