import EventSourcing
import Foundation
@testable import OSSAPI
import Testing

/// The streaming encoder writes what JSONEncoder writes, parsed back to the same values.
@Suite("JSONStreamEncoder")
struct JSONStreamEncoderTests {
    struct Sample: Codable, Equatable {
        var text: String
        var escapes: String
        var count: Int64
        var small: Int8
        var unsigned: UInt32
        var ratio: Double
        var whole: Double
        var tiny: Double
        var flag: Bool
        var missing: String?
        var present: String?
        var list: [Int64]
        var nested: [Inner]
        var map: [String: Int]
        var time: APITimestamp
        var json: JSONValue

        struct Inner: Codable, Equatable { var name: String; var values: [Double] }
    }

    static let sample = Sample(text: "Grüße, 世界 🌍", escapes: "quote \" backslash \\ newline \n tab \t bell \u{7} nul \u{0}", count: -9_223_372_036_854_775_807,
                               small: -8, unsigned: 4_000_000_000, ratio: 0.1 + 0.2, whole: 42, tiny: 1e-7, flag: true, missing: nil, present: "here",
                               list: [1, 2, 3], nested: [Sample.Inner(name: "a", values: [1.5, -2.25]), Sample.Inner(name: "", values: [])], map: ["k": 1],
                               time: APITimestamp(EventTimestamp(rawValue: 1_796_140_000_123_456)),
                               json: .object(["a": .array([.null, .bool(false), .integer(7), .number(2.5), .string("x")])]))

    @Test func writesWhatJSONEncoderWrites() throws {
        let streamed = try JSONStreamEncoder().encode(Self.sample)
        let foundation = try JSONEncoder().encode(Self.sample)
        #expect(try JSONValue.parse(Data(streamed)) == JSONValue.parse(foundation))
        #expect(try JSONDecoder().decode(Sample.self, from: Data(streamed)) == Self.sample)
        #expect(!String(decoding: streamed, as: UTF8.self).contains("missing"), "nil optionals are left out")
    }

    @Test func nonFiniteNumbersBecomeNull() throws {
        let streamed = try JSONStreamEncoder().encode([Double.nan, Double.infinity, 1.0])
        #expect(String(decoding: streamed, as: UTF8.self) == "[null,null,1.0]")
    }

    @Test func anAPIPageEncodesTheSame() throws {
        let page = APIPage(data: [Self.sample.time], total: 1, limit: 50, offset: 0)
        #expect(try JSONValue.parse(Data(JSONStreamEncoder().encode(page))) == JSONValue.parse(JSONEncoder().encode(page)))
    }
}
