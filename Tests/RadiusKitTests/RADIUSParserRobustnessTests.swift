import RadiusKit
import Testing

/// Damaged input must produce a `RADIUSError`, never a trap (house style rule 8).
@Suite struct RADIUSParserRobustnessTests {
    private static let vectors = [
        "rfc2865-7.1-access-request", "rfc2865-7.1-access-accept", "rfc2865-7.2-access-request",
        "rfc2865-7.3-access-challenge", "rfc5997-6.3-status-server",
    ]

    /// Exercises every reader on `bytes`, ignoring the outcome.
    private func exercise(_ bytes: [UInt8], request: RADIUSPacket) {
        _ = try? RADIUSPacketVerifier.request(bytes, secret: exampleSecret, requireMessageAuthenticator: false)
        _ = try? RADIUSPacketVerifier.response(bytes, to: request, secret: exampleSecret, requireMessageAuthenticator: false)
        guard let packet = try? RADIUSPacket(bytes: bytes, allowingTrailingPadding: true) else { return }
        for attribute in packet.attributes {
            _ = try? attribute.stringValue()
            _ = try? attribute.ipv6PrefixValue()
            _ = try? attribute.taggedIntegerValue()
            _ = attribute.taggedStringValue()
            _ = try? RADIUSVendorSpecific(RADIUSAttribute(type: .vendorSpecific, value: attribute.value))
            _ = try? RADIUSUserPassword.unhide(attribute.value, secret: exampleSecret, requestAuthenticator: packet.authenticator)
            _ = try? RADIUSTunnelPassword.reveal(attribute, secret: exampleSecret, requestAuthenticator: packet.authenticator)
        }
    }

    @Test(arguments: vectors)
    func everySingleByteChangeIsHandledWithoutTrapping(name: String) throws {
        let original = try vector(name)
        let request = try RADIUSPacket(bytes: try vector("rfc2865-7.1-access-request"))
        for index in original.indices {
            for replacement: UInt8 in [0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x7F, 0xFE, 0xFF] {
                var bytes = original
                bytes[index] = replacement
                exercise(bytes, request: request)
            }
        }
    }

    @Test func randomDatagramsAreHandledWithoutTrapping() throws {
        var generator = SplitMix64(seed: 2865)
        let request = try RADIUSPacket(bytes: try vector("rfc2865-7.1-access-request"))
        for _ in 0..<3000 {
            let count = Int.random(in: 0...300, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count >= 4, Bool.random(using: &generator) {
                bytes[2] = UInt8(count >> 8)
                bytes[3] = UInt8(truncatingIfNeeded: count)
            }
            exercise(bytes, request: request)
        }
    }
}

/// A small deterministic generator so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
