import Foundation
import Testing

@testable import DHCPKit

/// Failure to load a test vector.
struct VectorError: Error, CustomStringConvertible {
    var description: String
}

/// Parses the vector hex format: whitespace-separated bytes, `hh*N` repeats a byte N times,
/// `#` starts a comment.
func hexBytes(_ text: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        for token in content.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let parts = token.split(separator: "*")
            guard let byte = parts.first.flatMap({ UInt8($0, radix: 16) }) else {
                throw VectorError(description: "bad hex token \(token)")
            }
            let count = parts.count == 2 ? Int(parts[1]) ?? -1 : 1
            guard count >= 0, parts.count <= 2 else {
                throw VectorError(description: "bad repeat in \(token)")
            }
            bytes.append(contentsOf: repeatElement(byte, count: count))
        }
    }
    return bytes
}

/// Loads `Vectors/<name>.hex` from the test bundle.
func vector(_ name: String) throws -> [UInt8] {
    guard let url = Bundle.module.url(forResource: name, withExtension: "hex", subdirectory: "Vectors")
    else {
        throw VectorError(description: "no vector named \(name)")
    }
    return try hexBytes(String(contentsOf: url, encoding: .utf8))
}

/// Runs `body` and returns the `DHCPKitError` it threw, recording an issue when it did not throw
/// or threw something else.
@discardableResult
func expectDHCPKitError(
    _ code: DHCPKitError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> DHCPKitError? {
    do {
        try body()
        Issue.record("expected \(code) but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DHCPKitError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected DHCPKitError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Asserts that parsing `bytes` and encoding the result gives `bytes` back, and returns the message.
@discardableResult
func expectMessageRoundTrip(
    _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) throws -> DHCPMessage {
    let message = try DHCPMessage(parsing: bytes)
    #expect(message.encoded() == bytes, sourceLocation: sourceLocation)
    #expect(message.encodedLength == bytes.count, sourceLocation: sourceLocation)
    #expect(try DHCPMessage(parsing: message.encoded()) == message, sourceLocation: sourceLocation)
    return message
}

/// A minimal valid message: header, cookie, the given option bytes, End.
func messageBytes(options: [UInt8], end: Bool = true, afterEnd: [UInt8] = []) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: DHCPMessage.headerLength)
    bytes[0] = 1
    bytes[1] = 1
    bytes[2] = 6
    bytes += DHCPMessage.magicCookie + options
    if end {
        bytes.append(255)
    }
    return bytes + afterEnd
}

/// A DISCOVER built through the API, for tests that need a realistic client message.
func sampleDiscover() throws -> DHCPMessage {
    try DHCPMessage(parsing: vector("discover"))
}

/// A fixed origin for the engines' injected clock; tests move time with `testClock + .seconds(n)`.
let testClock = ContinuousClock.now

extension GatewayRelayAgent {
    /// `handle(_:now:)` at ``testClock``.
    mutating func handle(_ event: Event) -> [Action] { handle(event, now: testClock) }
}

extension AccessNodeRelayAgent {
    /// `handle(_:now:)` at ``testClock``.
    mutating func handle(_ event: Event) -> [Action] { handle(event, now: testClock) }
}
