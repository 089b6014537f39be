import Foundation
import NetworkTypes

extension UUID {
    /// Parses the canonical 8-4-4-4-12 hex form, either case, without Foundation's `sscanf`
    /// (this runs for every event and row ingested). Stricter than `UUID(uuidString:)`, which
    /// also takes a few sloppy forms: whatever this reads, that reads the same.
    public init?(canonicalText text: String) {
        var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                     UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
        var text = text
        let parsed = text.withUTF8 { characters in
            withUnsafeMutableBytes(of: &bytes) { out -> Bool in
                guard characters.count == 36 else { return false }
                var count = 0, offset = 0
                while offset < 36 {
                    if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                        guard characters[offset] == UInt8(ascii: "-") else { return false }
                        offset += 1
                        continue
                    }
                    guard let high = Hex.value(of: characters[offset]), let low = Hex.value(of: characters[offset + 1]) else { return false }
                    out[count] = high << 4 | low
                    count += 1
                    offset += 2
                }
                return count == 16
            }
        }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }

    /// The canonical form in lower case (PostgreSQL's and the store's spelling), without `sprintf`.
    public var lowercasedText: String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var position = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    out[position] = Hex.digit(byte >> 4)
                    out[position + 1] = Hex.digit(byte)
                    position += 2
                }
                return position
            }
        }
    }
}
