import EventSourcing
import Foundation
import Testing

@Suite("Event envelope, payloads and versioning")
struct EventCodecTests {
    let codec = EventCodec()

    @Test(arguments: 0..<10)
    func everyPayloadRoundTripsThroughJSON(index: Int) throws {
        let envelope = SampleEvents.draft(index).sequenced(source: SampleEvents.source(), seq: UInt64(index + 1))
        #expect(try codec.decode(codec.encode(envelope)) == envelope)
    }

    @Test func routerAndHealthPayloadsRoundTrip() throws {
        let source = SampleEvents.source(2)
        let ts = EventTimestamp(microsecondsSinceEpoch: 1_764_000_000_123_456)
        for (seq, payload) in [EventPayload.routerUpdate(RouterUpdatePayload(routerName: "an-03", isAlive: true, lastSeen: ts)),
                               .routerUpdate(RouterUpdatePayload(routerName: "an-04", isAlive: false)),
                               .bngHealthUpdate(BNGHealthUpdatePayload(cpuPercent: 12.5, memoryUsedBytes: 1 << 30, memoryLimitBytes: nil))].enumerated() {
            let envelope = EventEnvelope(source: source, seq: UInt64(seq + 1), timestamp: ts, payload: payload)
            #expect(try codec.decode(codec.encode(envelope)) == envelope)
        }
    }

    @Test func wireFormUsesSnakeCaseAndSubscriberPerspectiveCounters() throws {
        let envelope = SampleEvents.draft(3).sequenced(source: SampleEvents.source(), seq: 4)
        let text = String(decoding: try codec.encode(envelope), as: UTF8.self)
        for field in ["\"v\":1", "\"bng_id\":\"bng-test-1\"", "\"seq\":4", "\"event_type\":\"SESSION_UPDATE\"",
                      "\"ts\":1764000000003000", "\"bytes_up\":300", "\"bytes_down\":3000", "\"packets_up\":3", "\"packets_down\":6",
                      "\"session_id\":", "\"circuit_id\":\"eth0\"", "\"remote_id\":\"an-01\""] {
            #expect(text.contains(field), "missing \(field) in \(text)")
        }
        #expect(!text.contains("input_octets"))
        // Deterministic: the same event always has the same bytes.
        #expect(try codec.encode(envelope) == codec.encode(envelope))
    }

    @Test func futureSchemaVersionIsRefusedNotMisread() throws {
        var json = try jsonObject(SampleEvents.draft(0).sequenced(source: SampleEvents.source(), seq: 1))
        json["v"] = 2
        let error = try #require(throws: EventSourcingError.self) { try codec.decode(bytes(json)) }
        #expect(error.code == .unsupportedSchemaVersion)
        #expect(error.message.contains("version 2"))
    }

    @Test func unknownEventTypeIsRefused() throws {
        var json = try jsonObject(SampleEvents.draft(0).sequenced(source: SampleEvents.source(), seq: 1))
        json["event_type"] = "SESSION_TELEPORT"
        let error = try #require(throws: EventSourcingError.self) { try codec.decode(bytes(json)) }
        #expect(error.code == .unknownEventType)
        #expect(error.message.contains("SESSION_TELEPORT"))
    }

    @Test func payloadNotMatchingItsTypeIsMalformed() throws {
        var json = try jsonObject(SampleEvents.draft(0).sequenced(source: SampleEvents.source(), seq: 1))
        json["event_type"] = "BNG_HEALTH_UPDATE"
        let error = try #require(throws: EventSourcingError.self) { try codec.decode(bytes(json)) }
        #expect(error.code == .malformedEvent)
        #expect(error.message.contains("payload"))
    }

    @Test(arguments: ["seq", "bng_instance_id", "ts", "v"])
    func missingEnvelopeFieldIsMalformed(field: String) throws {
        var json = try jsonObject(SampleEvents.draft(0).sequenced(source: SampleEvents.source(), seq: 1))
        json[field] = nil
        let error = try #require(throws: EventSourcingError.self) { try codec.decode(bytes(json)) }
        #expect(error.code == .malformedEvent)
        #expect(error.message.contains(field))
    }

    @Test(arguments: ["0", "9223372036854775808", "-1"])
    func sequenceOutsideBigintRangeIsMalformed(seq: String) throws {
        var json = try jsonObject(SampleEvents.draft(0).sequenced(source: SampleEvents.source(), seq: 1))
        json["seq"] = NSDecimalNumber(string: seq)
        let error = try #require(throws: EventSourcingError.self) { try codec.decode(bytes(json)) }
        #expect(error.code == .malformedEvent)
    }

    @Test func garbageBytesAreMalformed() throws {
        for garbage in [Array("not json".utf8), [], Array("[1,2]".utf8), Array("{\"v\":\"one\"}".utf8)] {
            let error = try #require(throws: EventSourcingError.self) { try codec.decode(garbage) }
            #expect(error.code == .malformedEvent)
        }
    }

    @Test func eventTypeIsAnOpenSetThatPrints() {
        #expect(EventType(rawValue: "SESSION_START") == .sessionStart)
        #expect(EventType(rawValue: "FUTURE_THING").description == "FUTURE_THING")
        #expect(EventType.known.count == 6)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01 00:00:00.000000+00"),
        (Int64(1_764_000_000_123_456), "2025-11-24 16:00:00.123456+00"),
        (Int64(-1), "1969-12-31 23:59:59.999999+00"),
        (Int64(951_782_400_000_000), "2000-02-29 00:00:00.000000+00"),
        (Int64(1_790_000_616_001_000), "2026-09-21 14:23:36.001000+00"),
        (Int64(253_402_300_800_000_000), "10000-01-01 00:00:00.000000+00"),
    ])
    func timestampsFormatForPostgresExactly(micros: Int64, text: String) {
        #expect(EventTimestamp(microsecondsSinceEpoch: micros).postgresText == text)
    }

    private func jsonObject(_ envelope: EventEnvelope) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(codec.encode(envelope))) as? [String: Any])
    }

    private func bytes(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object))
    }
}
