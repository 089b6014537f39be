import AetherTestSupport
@testable import EventSourcing
import Foundation
import NetworkTypes
import Testing

/// The hand-written envelope reader against Foundation's `JSONDecoder`: it reads everything the
/// codec writes, and whenever it answers at all, it answers what `JSONDecoder` answers.
@Suite("Fast envelope decoding agrees with JSONDecoder")
struct EventFastDecoderTests {
    let codec = EventCodec()

    static func text(_ generator: inout SeededGenerator) -> String {
        let pieces = ["an-01", "/", "\"", "\\", "eth0/1", "ü", "名前", "🛰️", "\n", "\t", "\u{01}", "\u{7f}", " ", "'; DROP TABLE x; --", "\u{2028}"]
        return (0..<Int.random(in: 0...5, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    static func envelope(_ generator: inout SeededGenerator) -> EventEnvelope {
        func big() -> UInt64 { [0, 1, UInt64.random(in: 0...UInt64.max, using: &generator), UInt64.max].randomElement(using: &generator)! }
        func maybe<T>(_ value: T) -> T? { Bool.random(using: &generator) ? value : nil }
        let line = SessionLine(sessionID: UUID(), nasIP: IPv4Address(value: UInt32.random(in: 0...UInt32.max, using: &generator)),
                               remoteID: text(&generator), circuitID: text(&generator),
                               macAddress: MACAddress(bytes: (0..<6).map { _ in UInt8.random(in: 0...255, using: &generator) })!,
                               ipAddress: maybe(IPv4Address(100, 64, 1, 2)), username: maybe(text(&generator)))
        let counters = SessionCounters(bytesUp: big(), bytesDown: big(), packetsUp: big(), packetsDown: big())
        let at = EventTimestamp(rawValue: Int64.random(in: -1_000_000...Int64.max, using: &generator))
        let payloads: [EventPayload] = [
            .sessionStart(SessionStartPayload(line: line, startedAt: at, authState: .pendingAuth)),
            .sessionUpdate(SessionUpdatePayload(line: line, counters: counters, authState: SessionAuthState(rawValue: text(&generator)))),
            .sessionStop(SessionStopPayload(line: line, counters: counters, terminateCause: text(&generator), endedAt: at)),
            .policyApply(PolicyApplyPayload(line: line, authState: .authorized, downloadKbps: maybe(big()), uploadKbps: maybe(big()),
                                            downloadBurstKbit: maybe(big()), uploadBurstKbit: maybe(big()))),
            .routerUpdate(RouterUpdatePayload(routerName: text(&generator), isAlive: Bool.random(using: &generator), lastSeen: maybe(at))),
            .bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: [0, 0.1, 99.999, 1e-300, Double.random(in: 0...400, using: &generator)]
                                                        .randomElement(using: &generator)!,
                                                    memoryUsedBytes: big(), memoryLimitBytes: maybe(big()))),
        ]
        return EventEnvelope(source: EventSource(bngID: "bng-" + text(&generator), instanceID: UUID()),
                             seq: UInt64.random(in: 1...EventEnvelope.maximumSequence, using: &generator), timestamp: at,
                             payload: payloads.randomElement(using: &generator)!)
    }

    @Test func everythingTheCodecWritesIsReadByTheFastPathExactly() throws {
        var generator = SeededGenerator(seed: 34)
        for _ in 0..<3000 {
            let envelope = Self.envelope(&generator)
            let bytes = try codec.encode(envelope)
            let fast = EventFastDecoder.decode(bytes)
            #expect(fast == envelope, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(try codec.decodeWithFoundation(bytes) == envelope)
        }
    }

    /// Byte flips, cuts, insertions and duplicated keys: where the fast reader answers, the
    /// answer is JSONDecoder's; everything else falls back (and keeps JSONDecoder's error).
    @Test func mangledInputIsEitherReadAsJSONDecoderReadsItOrLeftToIt() throws {
        var generator = SeededGenerator(seed: 35)
        var answered = 0, declined = 0
        let alphabet = Array("{}[]\":,0123456789.-eE+ \\/ntfu\u{00}aé".utf8)
        for _ in 0..<4000 {
            var bytes = try codec.encode(Self.envelope(&generator))
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: bytes[at] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                case 3: bytes = Array(bytes.prefix(at))
                default: bytes.insert(contentsOf: Array(" \"seq\":7,".utf8), at: max(1, min(at, bytes.count)))
                }
                if bytes.isEmpty { bytes = Array("{".utf8) }
            }
            let reference = try? codec.decodeWithFoundation(bytes)
            if let fast = EventFastDecoder.decode(bytes) {
                answered += 1
                #expect(fast == reference, "fast read differs for \(String(decoding: bytes, as: UTF8.self))")
            } else {
                declined += 1
                // The public entry point still gives JSONDecoder's verdict.
                #expect((try? codec.decode(bytes)) == reference)
            }
        }
        print("mangled envelopes: fast path answered \(answered), left \(declined) to JSONDecoder")
        #expect(answered > 100 && declined > 100)
    }

    @Test func formattingUnknownKeysAndEscapesAreReadLikeJSONDecoder() throws {
        let envelope = EventEnvelope(source: EventSource(bngID: "bng-01", instanceID: UUID()), seq: 3, timestamp: EventTimestamp(rawValue: 5),
                                     payload: .routerUpdate(RouterUpdatePayload(routerName: "an/01 \"é\"", isAlive: true)))
        let compact = String(decoding: try codec.encode(envelope), as: UTF8.self)
        let spaced = compact.replacingOccurrences(of: ",", with: " ,\n\t ").replacingOccurrences(of: ":", with: " : ")
        let extra = compact.replacingOccurrences(of: "{\"bng_id\"", with: "{\"future\":[1,{\"x\":null},true,-0.5e3],\"bng_id\"")
        let escaped = compact.replacingOccurrences(of: "an\\/01", with: "\\u0061n\\/01")
        let id = envelope.source.instanceID.uuidString  // JSONEncoder writes UUIDs upper-case
        #expect(compact.contains(id))
        let lower = compact.replacingOccurrences(of: id, with: id.lowercased())
        for text in [spaced, extra, escaped, lower] {
            #expect(EventFastDecoder.decode(Array(text.utf8)) == envelope, "\(text)")
            #expect(try codec.decodeWithFoundation(Array(text.utf8)) == envelope)
        }
        // What the fast path leaves alone: a duplicate key, a float where an integer belongs,
        // a future schema version (JSONDecoder's path gives its own error).
        let duplicate = compact.replacingOccurrences(of: "\"seq\":3", with: "\"seq\":3,\"seq\":4")
        let float = compact.replacingOccurrences(of: "\"seq\":3", with: "\"seq\":3.0")
        let future = compact.replacingOccurrences(of: "\"v\":1", with: "\"v\":2")
        let undashed = compact.replacingOccurrences(of: id, with: id.replacingOccurrences(of: "-", with: ""))
        for text in [duplicate, float, future, undashed] {
            #expect(EventFastDecoder.decode(Array(text.utf8)) == nil, "\(text)")
        }
        let refused = try #require(throws: EventSourcingError.self) { try codec.decode(Array(future.utf8)) }
        #expect(refused.code == .unsupportedSchemaVersion)
    }
}

@Suite("UUID text without Foundation's scanf and printf")
struct UUIDTextTests {
    @Test func canonicalTextParsesAndPrintsLikeFoundation() {
        var generator = SeededGenerator(seed: 36)
        for _ in 0..<2000 {
            let id = UUID(uuid: (UInt8.random(in: 0...255, using: &generator), 0, 0xff, 0x0a, UInt8.random(in: 0...255, using: &generator), 9, 0x40,
                                 0x12, 0x80, UInt8.random(in: 0...255, using: &generator), 0xde, 0xad, 0xbe, 0xef, 0, UInt8.random(in: 0...255, using: &generator)))
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(UUID(canonicalText: id.uuidString) == id)
            #expect(UUID(canonicalText: id.lowercasedText) == id)
        }
        for text in ["", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000", "00000000000000000000000000000000",
                     "0000000g-0000-0000-0000-000000000000", "00000000-0000-0000-0000_000000000000", "{00000000-0000-0000-0000-000000000000}",
                     " 00000000-0000-0000-0000-00000000000"] {
            // Foundation's sscanf is laxer (it takes " 00000000-…-00000000000"); the fast decoder
            // falls back to JSONDecoder for whatever canonicalText refuses, so that is safe.
            #expect(UUID(canonicalText: text) == nil, "\(text)")
        }
    }
}
