import Foundation

/// Turns envelopes into their JSON bytes and back, mapping every failure to `EventSourcingError`.
///
/// Output is deterministic (sorted keys), so the same event always has the same bytes.
public struct EventCodec: Sendable {
    private let encoder: JSONEncoder
    private let decoder = JSONDecoder()

    /// A codec.
    public init() {
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
    }

    /// The JSON bytes of `envelope`.
    public func encode(_ envelope: EventEnvelope) throws -> [UInt8] {
        do {
            return Array(try encoder.encode(envelope))
        } catch {
            throw EventSourcingError(.malformedEvent, "cannot encode \(envelope.key): \(error)")
        }
    }

    /// Decodes an envelope; throws `unsupportedSchemaVersion`, `unknownEventType` or `malformedEvent`.
    ///
    /// Events as this codec writes them take a hand-written reader (`EventFastDecoder`); whatever
    /// it is not sure of goes to `JSONDecoder`, so results and errors are `JSONDecoder`'s.
    public func decode(_ bytes: [UInt8]) throws -> EventEnvelope {
        if let envelope = EventFastDecoder.decode(bytes) { return envelope }
        return try decodeWithFoundation(bytes)
    }

    /// Decodes with `JSONDecoder` only (the reference the fast reader is tested against).
    public func decodeWithFoundation(_ bytes: [UInt8]) throws -> EventEnvelope {
        do {
            return try decoder.decode(EventEnvelope.self, from: Data(bytes))
        } catch let error as EventSourcingError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw EventSourcingError(.malformedEvent, "event lacks field \(Self.path(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw EventSourcingError(.malformedEvent, "event field \(Self.path(context.codingPath)) has the wrong type: \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            throw EventSourcingError(.malformedEvent, "event is not valid at \(Self.path(context.codingPath)): \(context.debugDescription)")
        } catch {
            throw EventSourcingError(.malformedEvent, "event does not decode: \(error)")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "(root)" : keys.map(\.stringValue).joined(separator: ".")
    }
}
