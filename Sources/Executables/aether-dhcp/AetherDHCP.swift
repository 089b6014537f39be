import ArgumentParser
import DHCPKit
import Foundation

/// `aether-dhcp`: look at DHCP packets. `decode` turns bytes into readable JSON, `encode`
/// turns that JSON back into the same bytes.
@main
struct AetherDHCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-dhcp",
        abstract: "Decode and encode DHCPv4 messages (RFC 2131/2132, Option 82 per RFC 3046).",
        subcommands: [Decode.self, Encode.self])
}

extension AetherDHCP {
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bytes → JSON. Input: hex on the command line or standard input, or raw bytes from --file.",
            discussion: "Example: aether-dhcp decode --frame --file capture.bin")

        @Argument(help: "The message as hex (spaces and colons allowed). Omit to read standard input.")
        var hex: String?

        @Option(help: "Read raw bytes from this file instead of hex.")
        var file: String?

        @Flag(help: "The input is an Ethernet frame (Ethernet/IPv4/UDP around the DHCP message).")
        var frame = false

        func run() throws {
            let bytes = try Input.bytes(hex: hex, file: file)
            let message: DHCPMessage
            do {
                message = frame ? try DHCPFrame(parsing: bytes).message() : try DHCPMessage(parsing: bytes)
            } catch {
                throw ValidationError("not a valid DHCP \(frame ? "frame" : "message"): \(error)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(DHCPMessageDocument(message)), as: UTF8.self))
        }
    }

    struct Encode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "JSON (as printed by decode) → bytes, written as hex or raw.")

        @Option(help: "Read the JSON from this file instead of standard input.")
        var file: String?

        @Flag(help: "Write raw bytes instead of hex.")
        var raw = false

        func run() throws {
            let data: Data
            if let file {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                data = contents
            } else {
                data = FileHandle.standardInput.readDataToEndOfFile()
            }
            let bytes: [UInt8]
            do {
                bytes = try JSONDecoder().decode(DHCPMessageDocument.self, from: data).message().encoded()
            } catch let error as DHCPKitError {
                throw ValidationError("\(error)")
            } catch {
                throw ValidationError("the JSON does not describe a DHCP message: \(error)")
            }
            if raw {
                FileHandle.standardOutput.write(Data(bytes))
            } else {
                print(bytes.map { String(format: "%02x", $0) }.joined())
            }
        }
    }
}

enum Input {
    static func bytes(hex: String?, file: String?) throws -> [UInt8] {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            return [UInt8](data)
        }
        let text = hex ?? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let digits = text.filter { !$0.isWhitespace && $0 != ":" && $0 != "-" }
        guard !digits.isEmpty, digits.count % 2 == 0, digits.allSatisfy(\.isHexDigit) else {
            throw ValidationError("input is not hex (an even number of 0-9/a-f digits)")
        }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            bytes.append(UInt8(digits[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
