import Foundation
import Testing

@testable import DHCPKit

/// Deterministic SplitMix64 so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A cheap in-process stand-in for the libFuzzer harness: mutated vectors must either parse
/// and round-trip exactly, or throw a DHCPKitError — never trap.
@Suite struct RobustnessTests {
    static func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var out = bytes
        switch generator.next() % 3 {
        case 0 where !out.isEmpty:
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                out[Int(generator.next() % UInt64(out.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
        case 1:
            out = Array(out.prefix(Int(generator.next() % UInt64(out.count + 1))))
        default:
            out += (0..<Int(generator.next() % 8)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        }
        return out
    }

    @Test(arguments: ["discover", "offer-relayed", "ack-overloaded"])
    func mutatedMessagesParseAndRoundTripOrThrow(_ name: String) throws {
        let original = try vector(name)
        var generator = SplitMix64(state: 82)
        for _ in 0..<3000 {
            let bytes = Self.mutate(original, using: &generator)
            do {
                let message = try DHCPMessage(parsing: bytes)
                #expect(message.encoded() == bytes)
                _ = try? message.relayAgentInformation()
                _ = (message.hostName, message.routers, message.parameterRequestList, message.fileOptions, message.snameOptions)
            } catch {
                // Typed throws: the only possible error is DHCPKitError; it must say something.
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func mutatedFramesParseAndRoundTripOrThrow() throws {
        let original = try vector("discover-frame")
        var generator = SplitMix64(state: 3046)
        for _ in 0..<3000 {
            let bytes = Self.mutate(original, using: &generator)
            if let frame = try? DHCPFrame(parsing: bytes) {
                #expect(frame.encoded() == bytes)
            }
        }
    }

    @Test func mutatedRelayAgentInformationRoundTripsOrThrows() throws {
        let original = try vector("relay-agent-information")
        var generator = SplitMix64(state: 6925)
        for _ in 0..<3000 {
            let bytes = Self.mutate(original, using: &generator)
            if let information = try? RelayAgentInformation(parsing: bytes) {
                #expect(try information.encoded() == bytes)
            }
        }
    }
}
