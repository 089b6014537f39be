import Foundation

/// The typed body of an event; its case fixes the envelope's `event_type`.
public enum EventPayload: Hashable, Sendable {
    /// `SESSION_START`.
    case sessionStart(SessionStartPayload)
    /// `SESSION_UPDATE`.
    case sessionUpdate(SessionUpdatePayload)
    /// `SESSION_STOP`.
    case sessionStop(SessionStopPayload)
    /// `POLICY_APPLY`.
    case policyApply(PolicyApplyPayload)
    /// `ROUTER_UPDATE`.
    case routerUpdate(RouterUpdatePayload)
    /// `BNG_HEALTH_UPDATE`.
    case bngHealthUpdate(BNGHealthUpdatePayload)

    /// The `event_type` this payload travels under.
    public var eventType: EventType {
        switch self {
        case .sessionStart: .sessionStart
        case .sessionUpdate: .sessionUpdate
        case .sessionStop: .sessionStop
        case .policyApply: .policyApply
        case .routerUpdate: .routerUpdate
        case .bngHealthUpdate: .bngHealthUpdate
        }
    }

    /// The session this event is about, for session events.
    public var sessionID: UUID? {
        switch self {
        case let .sessionStart(p): p.line.sessionID
        case let .sessionUpdate(p): p.line.sessionID
        case let .sessionStop(p): p.line.sessionID
        case let .policyApply(p): p.line.sessionID
        case .routerUpdate, .bngHealthUpdate: nil
        }
    }

    /// Decodes the payload that `type` names from `container[key]`.
    static func decode<K: CodingKey>(_ type: EventType, from container: KeyedDecodingContainer<K>, forKey key: K) throws -> EventPayload {
        switch type {
        case .sessionStart: return .sessionStart(try container.decode(SessionStartPayload.self, forKey: key))
        case .sessionUpdate: return .sessionUpdate(try container.decode(SessionUpdatePayload.self, forKey: key))
        case .sessionStop: return .sessionStop(try container.decode(SessionStopPayload.self, forKey: key))
        case .policyApply: return .policyApply(try container.decode(PolicyApplyPayload.self, forKey: key))
        case .routerUpdate: return .routerUpdate(try container.decode(RouterUpdatePayload.self, forKey: key))
        case .bngHealthUpdate: return .bngHealthUpdate(try container.decode(BNGHealthUpdatePayload.self, forKey: key))
        default:
            throw EventSourcingError(.unknownEventType,
                                     "event_type \"\(type)\" is not one of \(EventType.known.map(\.rawValue)); upgrade this reader or fix the producer")
        }
    }

    /// Encodes the wrapped payload into `container[key]`.
    func encode<K: CodingKey>(into container: inout KeyedEncodingContainer<K>, forKey key: K) throws {
        switch self {
        case let .sessionStart(p): try container.encode(p, forKey: key)
        case let .sessionUpdate(p): try container.encode(p, forKey: key)
        case let .sessionStop(p): try container.encode(p, forKey: key)
        case let .policyApply(p): try container.encode(p, forKey: key)
        case let .routerUpdate(p): try container.encode(p, forKey: key)
        case let .bngHealthUpdate(p): try container.encode(p, forKey: key)
        }
    }
}
