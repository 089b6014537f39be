import Foundation
import RadiusKit
import Testing

/// The shared secret of every RFC 2865 §7 and RFC 5997 §6 example.
let exampleSecret: RADIUSSecret = {
    do { return try RADIUSSecret("xyzzy5461") } catch { fatalError("constant secret is valid") }
}()

/// Parses whitespace-separated hex; `#` lines are comments.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text
        .split(separator: "\n")
        .filter { !$0.hasPrefix("#") }
        .joined()
        .filter { !$0.isWhitespace }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) ?? digits.endIndex
        bytes.append(UInt8(digits[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}

/// Loads `Vectors/<name>.hex`.
func vector(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Vectors"))
    return hexBytes(try String(contentsOf: url, encoding: .utf8))
}

/// Parses `bytes`, encodes the result and checks it gives the same bytes back.
@discardableResult
func roundTrip(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> RADIUSPacket {
    let packet = try RADIUSPacket(bytes: bytes)
    #expect(try packet.encoded() == bytes, sourceLocation: sourceLocation)
    return packet
}

/// Runs `body` and returns the code of the `RADIUSError` it throws, or `nil`.
func errorCode(_ body: () throws -> Void) -> RADIUSError.Code? {
    do {
        try body()
        return nil
    } catch let error as RADIUSError {
        return error.code
    } catch {
        return nil
    }
}

/// Runs `body` and returns the code of the `RADIUSError` it throws, or `nil`.
func asyncErrorCode(_ body: () async throws -> Void) async -> RADIUSError.Code? {
    do {
        try await body()
        return nil
    } catch let error as RADIUSError {
        return error.code
    } catch {
        return nil
    }
}
